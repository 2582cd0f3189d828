"""Profiles in the window (issue 23, item 2): a contact's name and round picture in the list
and the header, a rename followed live, and Settings → Account → Profile (name, picture,
remove). Real relay, real clients, the real window.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from conversation_helpers import open_pair, top_message_box
from gui_helpers import wait_for
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from chat_desktop.gui.conversation_list.delegate import RowLayout
from chat_desktop.gui.conversation_list.panel import ConversationList
from chat_desktop.gui.settings.window import SettingsWindow
from chat_desktop.gui.shell.notifications import NotificationCenter

pytestmark = [pytest.mark.gui]


def picture(path: Path, colour: tuple[int, int, int] = (230, 120, 20)) -> Path:
    """A 900 × 600 JPEG."""
    Image.new("RGB", (900, 600), colour).save(path, format="JPEG")
    return path


async def test_a_contacts_name_and_picture_show_in_the_list_and_header(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        panel = pair.window.conversation_list
        number = panel.model.row_of("bob")
        assert number is not None and panel.model.row_data(number).avatar is None
        await pair.bob.profile.set_name("Bob Builder")
        await pair.bob.profile.set_avatar(picture(tmp_path / "bob.jpg"))
        await pair.bob.messages.send_text("alice", "hello")

        def shown(name: str) -> bool:
            row = panel.model.row_of("bob")
            return row is not None and panel.model.row_data(row).name == name

        await wait_for(lambda: shown("Bob Builder"))

        def avatar_shown() -> bool:
            row = panel.model.row_of("bob")
            return row is not None and panel.model.row_data(row).avatar is not None

        await wait_for(avatar_shown)
        # The painted row shows the picture, not the initials' colour circle.
        image, layout = painted(panel, "bob")
        colour = image.pixelColor(layout.avatar.center())
        assert colour.red() > 200 and 90 < colour.green() < 150 and colour.blue() < 60  # orange
        header = pair.pane.header
        await wait_for(lambda: pair.pane.peer_label.text() == "Bob Builder")
        await wait_for(header.avatar_label.isVisible)
        assert pair.pane.peer_label.toolTip() == "bob"  # the username stays the address

        # A rename and a removed picture reach the list and the header by themselves.
        await pair.bob.profile.set_name("Bobby")
        await pair.bob.profile.remove_avatar()
        await wait_for(lambda: shown("Bobby") and pair.pane.peer_label.text() == "Bobby")
        await wait_for(lambda: not header.avatar_label.isVisible())
        await wait_for(lambda: not avatar_shown())


def painted(panel: ConversationList, peer: str) -> tuple[QImage, RowLayout]:
    """The list as painted, and where ``peer``'s row put its parts."""
    number = panel.model.row_of(peer)
    assert number is not None
    option = QStyleOptionViewItem()
    panel.list.initViewItemOption(option)
    option.rect = panel.list.visualRect(panel.model.index(number))
    layout = panel.delegate.row_layout(option, panel.model.row_data(number))
    return panel.list.viewport().grab().toImage(), layout


async def test_the_profile_section_saves_a_name_and_a_picture(qtbot: QtBot, tmp_path: Path) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        settings = SettingsWindow(pair.alice)
        qtbot.addWidget(settings)
        settings.show()
        section = settings.account_page.profile_section
        await settings.account_page.profile_loading
        assert section.name_edit.text() == "" and not section.remove_button.isEnabled()
        assert not section.name_save_button.isEnabled()
        QTest.keyClicks(section.name_edit, "Alice Liddell")
        assert section.name_save_button.isEnabled()
        section.name_save_button.click()

        async def saved_name() -> bool:
            return (await pair.alice.profile.mine()).name == "Alice Liddell"

        await wait_for(lambda: not section.name_save_button.isEnabled())
        assert await saved_name()
        section.use_picture(picture(tmp_path / "me.jpg", (20, 160, 60)))
        await wait_for(section.remove_button.isEnabled)
        pixmap = section.preview.pixmap()
        assert pixmap is not None and not pixmap.isNull()
        assert (await pair.alice.profile.mine()).avatar is not None

        # Bob, whom Alice writes to, gets both.
        await pair.alice.messages.send_text("bob", "hi")

        async def bob_knows() -> bool:
            seen = await pair.bob.profile.of("alice")
            return seen.name == "Alice Liddell" and seen.avatar is not None

        async with asyncio.timeout(20):
            while not await bob_knows():
                await asyncio.sleep(0.02)

        section.remove_button.click()
        await wait_for(lambda: not section.remove_button.isEnabled())
        assert (await pair.alice.profile.mine()).avatar is None

        # A picture that is no picture is refused with a notice; nothing changes.
        bad = tmp_path / "bad.png"
        bad.write_text("not an image")
        section.use_picture(bad)
        await wait_for(lambda: top_message_box(settings) is not None)
        box = top_message_box(settings)
        assert box is not None and "cannot be used" in box.text()
        box.close()
        assert (await pair.alice.profile.mine()).avatar is None
        settings.close()


class RecordingNotifier:
    """Keeps every notification instead of showing it."""

    def __init__(self) -> None:
        self.titles: list[str] = []

    async def notify(
        self, title: str, body: str, on_clicked: Callable[[], None], *, sound: bool = False
    ) -> None:
        self.titles.append(title)


async def test_a_notification_names_the_sender_by_its_profile_name(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        window = pair.window
        recorder = RecordingNotifier()
        center = NotificationCenter(pair.alice, pair.bridge, window, recorder)
        await pair.bob.profile.set_name("Bob Builder")
        await pair.bob.messages.send_text("alice", "first")

        def named() -> bool:
            row = window.conversation_list.model.row_of("bob")
            return row is not None and window.conversation_list.model.row_data(row).name == (
                "Bob Builder"
            )

        await wait_for(named)
        window.note_to_self_action.trigger()  # Bob's chat is not the open one
        await wait_for(lambda: window.open_peer == "alice")
        recorder.titles.clear()
        await pair.bob.messages.send_text("alice", "are you there?")
        await wait_for(lambda: bool(recorder.titles))
        assert recorder.titles == ["Bob Builder"]
        center.stop()
