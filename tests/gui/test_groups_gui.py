"""Group chats in the real window (issue 21, acceptance 6): Alice creates a group of three
through "New group…", sends, sees Bob's and Carol's messages under their names, opens
message info, changes the members through the members page (remove, add, admin, leave) and
sees each change as a note; the name colours are stable and readable on both themes.

Real relay on loopback, real SQLCipher stores: Alice in the real main window, Bob and Carol
headless clients.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conversation_helpers import eventually, top_message_box
from gui_helpers import PASSWORD, RELAXED_LIMITS, wait_for
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QImage
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.common.theme import DARK, LIGHT
from chat_desktop.gui.conversation.group_conversation import GroupConversationView, typing_text
from chat_desktop.gui.conversation.group_names import (
    DARK_NAME_COLOURS,
    LIGHT_NAME_COLOURS,
    contrast_ratio,
    sender_colour,
)
from chat_desktop.gui.conversation.message_layout import compute_layout
from chat_desktop.gui.conversation.message_words import note_text
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.services.types import GROUP_NOTE_KIND, Direction, Message, MessageStatus

pytestmark = [pytest.mark.gui]


class Trio:
    """Alice's window and Bob's and Carol's headless clients on one relay."""

    def __init__(self, window: MainWindow, alice: ChatClient, bob: ChatClient, carol: ChatClient):
        self.window = window
        self.alice, self.bob, self.carol = alice, bob, carol
        pane = window.conversation_view
        assert isinstance(pane, GroupConversationView)
        self.pane = pane

    def shown(self) -> list[Message]:
        """What Alice's window shows of the open conversation, oldest first."""
        model = self.pane.model
        return [model.message_at(row) for row in range(model.rowCount())]

    def notes(self) -> list[str]:
        """The sentences of the group notes shown."""
        return [note_text(m) for m in self.shown() if m.kind == GROUP_NOTE_KIND]


@contextlib.asynccontextmanager
async def open_trio(root: Path, qtbot: QtBot) -> AsyncIterator[Trio]:
    """A relay, Alice in the real window (who has chatted with Bob and Carol), Bob, Carol."""
    relay = RelayServer(
        RelayConfig(data_dir=root / "relay", port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS))
    )
    await relay.start()
    clients: list[ChatClient] = []
    bridge: EventBridge | None = None
    try:
        for name in ("alice", "bob", "carol"):
            client, _recovery = await ChatClient.create(
                root / name, relay.url, name, PASSWORD, kdf_params=FLOOR_PARAMS
            )
            clients.append(client)
            await client.connect()
            await client.wait_connected()
        alice, bob, carol = clients
        for peer in ("bob", "carol"):
            assert await alice.conversations.start(peer)
        bridge = EventBridge(alice.events)
        window = MainWindow(alice, bridge)
        qtbot.addWidget(window)
        window.conversation_view.view.require_active_window = False
        bridge.start()
        window.show()
        await window.refresh_conversations_now()
        yield Trio(window, alice, bob, carol)
        window.hide()
    finally:
        if bridge is not None:
            await bridge.stop()
        for client in clients:
            await client.close()
        await relay.stop()


async def group_text_on(client: ChatClient, group: str, text: str) -> bool:
    """Whether ``client`` holds a message ``text`` in ``group``."""
    return any(m.body == text for m in await client.groups.history(group, 200))


@pytest.mark.asyncio(loop_scope="session")
async def test_create_send_names_info_members_and_notes(tmp_path: Path, qtbot: QtBot) -> None:
    async with open_trio(tmp_path, qtbot) as trio:
        window, pane = trio.window, trio.pane
        # "New group…" from the Chat menu: a title and the members checked from the contacts.
        window.new_group_action.trigger()
        await wait_for(lambda: window.new_group_dialog is not None)
        dialog = window.new_group_dialog
        assert dialog is not None
        assert not dialog.create_button.isEnabled()  # no title, no members yet
        listed = [dialog.picker.list.item(i).text() for i in range(dialog.picker.list.count())]
        assert listed == ["bob", "carol"]
        qtbot.keyClicks(dialog.title_edit, "Hiking")
        dialog.picker.filter_edit.setText("car")
        assert dialog.picker.item("bob") is not None and dialog.picker.item("bob").isHidden()
        dialog.picker.filter_edit.clear()
        dialog.picker.set_checked("bob")
        dialog.picker.set_checked("carol")
        assert dialog.create_button.isEnabled()
        dialog.create_button.click()
        await wait_for(lambda: (pane.peer or "").startswith("g:"))
        group = pane.peer
        assert group is not None
        await wait_for(lambda: pane.group_state is not None)
        # The header: the title and the member count; no safety number for a group.
        assert pane.peer_label.text() == "Hiking"
        assert pane.presence_label.text() == "3 members"
        assert pane.header.members_button.isVisibleTo(window)
        assert not pane.safety_button.isVisibleTo(window)
        # The list shows the group with its title.
        await wait_for(lambda: group in window.conversation_list.peers())
        listed_row = window.conversation_list.model.conversation(group)
        assert listed_row is not None and listed_row.title == "Hiking"
        await wait_for(lambda: "You created the group “Hiking”" in trio.notes())

        # Alice sends from the composer; Bob and Carol get it.
        qtbot.keyClicks(pane.composer.edit, "who brings the map?")
        qtbot.keyClick(pane.composer.edit, Qt.Key.Key_Return)
        for member in (trio.bob, trio.carol):
            await eventually(lambda m=member: group_text_on(m, group, "who brings the map?"), 60)
        # A file from the pane's attach path goes to the group too (uploaded once).
        notes_file = tmp_path / "route.txt"
        notes_file.write_bytes(b"trailhead at 8, lake at noon")
        pane.offer_files([notes_file])
        await wait_for(lambda: pane.preview_dialog is not None and pane.preview_dialog.isVisible())
        assert pane.preview_dialog is not None
        pane.preview_dialog.accept()

        async def bob_has_the_file() -> bool:
            for message in await trio.bob.groups.history(group, 50):
                if message.attachment is not None and message.sender == "alice":
                    if message.attachment.local_status != "done":
                        await trio.bob.groups.download(group, message.id)
                    return await trio.bob.groups.read(group, message.id) == (
                        b"trailhead at 8, lake at noon"
                    )
            return False

        await eventually(bob_has_the_file, 60)
        # Their answers show in Alice's window under their names.
        await trio.bob.groups.send_text(group, "I do")
        await trio.carol.groups.send_text(group, "I bring snacks")
        await wait_for(lambda: {"I do", "I bring snacks"} <= {m.body for m in trio.shown()}, 60)
        # Typing: the header says who types (through the real bridge), then the count again.
        assert await trio.bob.groups._typing.set_typing(group, True)
        await wait_for(lambda: pane.presence_label.text() == "bob is typing…", 60)
        assert await trio.carol.groups._typing.set_typing(group, True)
        await wait_for(lambda: pane.presence_label.text() == "bob and carol are typing…", 60)
        assert await trio.bob.groups._typing.set_typing(group, False)
        await wait_for(lambda: pane.presence_label.text() == "carol is typing…", 60)
        assert await trio.carol.groups._typing.set_typing(group, False)
        await wait_for(lambda: pane.presence_label.text() == "3 members", 60)
        delegate = pane.view.itemDelegate()
        font = pane.view.font()
        width = pane.view.viewport().width()
        by_text = {m.body: m for m in trio.shown()}
        for text, sender in (("I do", "bob"), ("I bring snacks", "carol")):
            message = by_text[text]
            assert message.sender == sender and message.direction is Direction.INCOMING
            layout = compute_layout(message, width, font)
            assert layout.sender_name is not None
            assert layout.text is not None and layout.sender_name.bottom() < layout.text.top()
            # The name is part of the row's height: a 1:1 copy of the message is lower.
            one_to_one = compute_layout(
                Message(**{**_fields(message), "conversation_id": sender}), width, font
            )
            assert one_to_one.sender_name is None and one_to_one.height < layout.height
        ours = by_text["who brings the map?"]
        assert compute_layout(ours, width, font).sender_name is None
        assert delegate is not None

        # Message info of our message lists the members.
        pane.view.detailsRequested.emit(ours.id)
        await wait_for(lambda: pane.info_dialog is not None and pane.info_dialog.isVisible())
        info = pane.info_dialog
        assert info is not None
        lines = [info.members.item(i).text() for i in range(info.members.count())]
        assert [line.split()[0] for line in lines] == ["bob", "carol"]
        info.close()

        # The members page: remove Carol, add her back, make Bob an admin.
        pane.header.members_button.click()
        await wait_for(lambda: pane.members_dialog is not None and pane.members_dialog.isVisible())
        members = pane.members_dialog
        assert members is not None
        rows = [members.list.item(i).text() for i in range(members.list.count())]
        assert rows == ["alice (you, admin)", "bob", "carol"]
        members.select("carol")
        members.remove_button.click()
        await eventually(lambda: _members_are(trio.alice, group, ("alice", "bob")))
        await wait_for(lambda: "You removed carol" in trio.notes())
        await wait_for(lambda: pane.presence_label.text() == "2 members")
        members.add_button.click()
        await wait_for(lambda: members.add_dialog is not None and members.add_dialog.isVisible())
        add = members.add_dialog
        assert add is not None
        assert add.picker.item("bob") is None  # already a member: not offered
        add.picker.set_checked("carol")
        add.add_button.click()
        await eventually(lambda: _members_are(trio.alice, group, ("alice", "bob", "carol")))
        await wait_for(lambda: "You added carol" in trio.notes())
        members.select("bob")
        members.admin_button.click()
        await wait_for(lambda: "You made bob an admin" in trio.notes())
        await wait_for(lambda: members.list.item(1).text() == "bob (admin)")
        # Rename on the members page: the button waits for a new name; Enter renames.
        assert members.title_edit.text() == "Hiking" and not members.title_edit.isReadOnly()
        assert not members.rename_button.isEnabled()  # the name is unchanged
        members.title_edit.setText("Hiking 2026")
        assert members.rename_button.isEnabled()
        members.title_edit.returnPressed.emit()
        await wait_for(lambda: pane.peer_label.text() == "Hiking 2026")
        await wait_for(lambda: "You renamed the group to “Hiking 2026”" in trio.notes())
        await wait_for(lambda: not members.rename_button.isEnabled())
        # The group's picture: chosen on the members page, uploaded, fetched by the members.
        assert members.picture_row.picture is None
        assert not members.picture_row.remove_button.isEnabled()
        members.picture_row.choose_button.click()
        chooser = members.picture_row.chooser
        assert chooser is not None and chooser.isVisible()
        picture_file = tmp_path / "lake.png"
        write_picture(picture_file)
        chooser.fileSelected.emit(str(picture_file))
        await wait_for(lambda: members.picture_row.picture is not None, 60)
        assert members.picture_row.picture_label.pixmap() is not None
        assert members.picture_row.remove_button.isEnabled()
        await eventually(lambda: _avatar_is(trio.bob, group, members.picture_row.picture), 60)
        await wait_for(lambda: "You changed the group's picture" in trio.notes())
        # The header and the list show it too.
        await wait_for(lambda: pane.header.avatar_label.isVisibleTo(window))
        model = window.conversation_list.model

        def listed_avatar() -> object:
            row = model.row_of(group)
            return None if row is None else model.row_data(row).avatar

        await wait_for(lambda: listed_avatar() is not None)
        # The timer menu sets the group's timer (a note tells it); then off again.
        for seconds, note in (
            (3_600, "You set disappearing messages to 1 hour"),
            (0, "You turned off disappearing messages"),
        ):
            index = pane.timer_box.findData(seconds)
            pane.timer_box.setCurrentIndex(index)
            pane.timer_box.activated.emit(index)
            await eventually(lambda s=seconds: _timer_is(trio.alice, group, s))
            await wait_for(lambda n=note: n in trio.notes())
        # Bob (now an admin) renames the group: Alice's header and notes follow.
        # (once Bob holds Alice's latest state: a change made on an older one loses to it)
        latest = await trio.alice.groups.get(group)
        assert latest is not None and set(latest.admins) == {"alice", "bob"}
        await eventually(lambda: _revision_on(trio.bob, group, latest.revision), 60)
        await trio.bob.groups.rename(group, "Hiking trip")
        await wait_for(lambda: pane.peer_label.text() == "Hiking trip", 60)
        await wait_for(lambda: "bob renamed the group to “Hiking trip”" in trio.notes())

        # Leave: asked first, "No" is the default and changes nothing.
        members.leave_button.click()
        await wait_for(lambda: top_message_box(window) is not None)
        box = top_message_box(window)
        assert box is not None
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.No).click()
        await asyncio.sleep(0)
        state = await trio.alice.groups.get(group)
        assert state is not None and "alice" in state.members
        members.leave_button.click()
        await wait_for(lambda: top_message_box(window) is not None)
        box = top_message_box(window)
        assert box is not None
        box.button(QMessageBox.StandardButton.Yes).click()
        await eventually(lambda: _left(trio.alice, group))
        await wait_for(lambda: "You left" in trio.notes())
        await wait_for(lambda: not pane.composer.isEnabled())
        # No longer an admin (nor a member): the page offers no changes, not even leaving.
        await wait_for(lambda: not members.leave_button.isEnabled())
        assert not members.add_button.isVisibleTo(members)
        assert not members.remove_button.isVisibleTo(members)
        # Bob sees Alice leave, as a note of his own.
        await eventually(lambda: _members_are(trio.bob, group, ("bob", "carol")), 60)
        bob_notes = [
            note_text(m)
            for m in await trio.bob.groups.history(group, 100)
            if m.kind == GROUP_NOTE_KIND
        ]
        assert "alice left" in bob_notes and "alice added you" in bob_notes
        assert "alice set disappearing messages to 1 hour" in bob_notes


def _fields(message: Message) -> dict[str, object]:
    return {name: getattr(message, name) for name in message.__struct_fields__}


async def _avatar_is(client: ChatClient, group: str, picture: bytes | None) -> bool:
    return await client.groups.avatar(group) == picture


def write_picture(path: Path) -> None:
    """Writes a 300 × 200 PNG picture to ``path``."""
    image = QImage(300, 200, QImage.Format.Format_RGB32)
    image.fill(QColor(40, 160, 90))
    assert image.save(str(path), "PNG")


async def _members_are(client: ChatClient, group: str, members: tuple[str, ...]) -> bool:
    state = await client.groups.get(group)
    return state is not None and state.members == members


async def _revision_on(client: ChatClient, group: str, revision: int) -> bool:
    state = await client.groups.get(group)
    return state is not None and state.revision == revision


async def _timer_is(client: ChatClient, group: str, seconds: int) -> bool:
    state = await client.groups.get(group)
    return state is not None and state.timer_seconds == seconds


async def _left(client: ChatClient, group: str) -> bool:
    state = await client.groups.get(group)
    return state is not None and client.username not in state.members


def test_name_colours_are_stable_and_readable_on_both_themes() -> None:
    for palette, theme in ((LIGHT_NAME_COLOURS, LIGHT), (DARK_NAME_COLOURS, DARK)):
        for colour in palette:
            assert contrast_ratio(colour, theme.bubble_incoming) >= 4.5, (colour, theme.dark)
        assert len(set(palette)) == len(palette) >= 6
    # The same name has the same colour every time (not Python's salted hash) and the
    # colours spread over names; Bob, Carol and Dave differ.
    assert sender_colour("bob", LIGHT) == sender_colour("bob", LIGHT) == "#5d4037"
    assert len({sender_colour(name, LIGHT) for name in ("bob", "carol", "dave")}) == 3
    names = [f"user{i}" for i in range(40)]
    assert len({sender_colour(name, LIGHT) for name in names}) >= 6
    assert LIGHT_NAME_COLOURS.index(sender_colour("carol", LIGHT)) == DARK_NAME_COLOURS.index(
        sender_colour("carol", DARK)
    )


def test_group_sender_name_is_elided_not_widening_the_bubble(qtbot: QtBot) -> None:
    long_name = "a" * 32
    message = Message(
        id="m1",
        conversation_id="g:00",
        sender=long_name,
        direction=Direction.INCOMING,
        sort_key=1,
        kind="text",
        body="ok",
        status=MessageStatus.READ,
        sent_at=1,
    )
    font = QFont()
    narrow = compute_layout(message, 200, font)
    assert narrow.sender_name is not None
    assert narrow.bubble.width() <= 200
    assert narrow.sender_name.right() <= narrow.bubble.right()


def test_typing_text_names_one_or_two_members_and_counts_more() -> None:
    assert typing_text(["bob"]) == "bob is typing…"
    assert typing_text(["bob", "carol"]) == "bob and carol are typing…"
    assert typing_text(["bob", "carol", "dave"]) == "3 people are typing…"
