"""The conversation list: previews, unread badges, the tray's count, order, the context menu
(mute, pin, archive, delete), coalesced refreshes, selection and scroll kept. Three real
clients on a real relay: Alice in the real window, Bob and Carol headless."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conversation_helpers import Pair, open_pair, top_message_box
from gui_helpers import PASSWORD, wait_for
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QMessageBox,
    QStyleOptionViewItem,
)
from pytestqt.qtbot import QtBot
from ui_walk import problems

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.theme import DARK, LIGHT, apply_theme, current_colors
from chat_desktop.gui.conversation_list.delegate import RowData, RowLayout
from chat_desktop.gui.conversation_list.panel import (
    ConversationList,
)
from chat_desktop.gui.shell.tray import TrayIcon, badge_rect
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.models import (
    Conversation,
    Direction,
    MessageStatus,
    NewMessage,
)
from chat_desktop.storage.store import MessageStore

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


@contextlib.asynccontextmanager
async def with_carol(pair: Pair, root: Path) -> AsyncIterator[ChatClient]:
    """A third real client on the pair's relay."""
    carol, _key = await ChatClient.create(
        root / "carol", pair.relay.url, "carol", PASSWORD, kdf_params=FLOOR_PARAMS
    )
    try:
        await carol.connect()
        await carol.wait_connected()
        # Alice knows her: Carol's chat is no message request (services/requests.py).
        await pair.alice.conversations.start("carol")
        yield carol
    finally:
        await carol.close()


def row(pane: ConversationList, peer: str) -> RowData | None:
    number = pane.model.row_of(peer)
    return None if number is None else pane.model.row_data(number)


def painted(pane: ConversationList, peer: str) -> tuple[QImage, RowLayout]:
    """The list as painted, and where ``peer``'s row put its parts."""
    number = pane.model.row_of(peer)
    assert number is not None
    index = pane.model.index(number)
    option = QStyleOptionViewItem()
    pane.list.initViewItemOption(option)
    option.rect = pane.list.visualRect(index)
    layout = pane.delegate.row_layout(option, pane.model.row_data(number))
    return pane.list.viewport().grab().toImage(), layout


def near(color: QColor, expected: str) -> bool:
    wanted = QColor(expected)
    return all(
        abs(a - b) <= 12
        for a, b in zip(
            (color.red(), color.green(), color.blue()),
            (wanted.red(), wanted.green(), wanted.blue()),
            strict=True,
        )
    )


def badge_color(pane: ConversationList, peer: str) -> QColor:
    image, layout = painted(pane, peer)
    assert layout.badge is not None
    # Inside the pill, left of the number.
    return image.pixelColor(QPoint(layout.badge.left() + 3, layout.badge.center().y()))


async def menu_action(pair: Pair, peer: str, name: str) -> None:
    """Opens ``peer``'s context menu as a right click does and triggers action ``name``."""
    pane = pair.window.conversation_list
    number = pane.model.row_of(peer)
    assert number is not None
    position = pane.list.visualRect(pane.model.index(number)).center()
    pane.list.customContextMenuRequested.emit(position)
    menu = pane.context_menu
    assert menu is not None and menu.isVisible()  # shown without blocking
    action = next(a for a in menu.actions() if a.objectName() == name)
    action.trigger()
    menu.close()


async def ask_to_delete(pair: Pair, peer: str) -> tuple[QMessageBox, QAbstractButton]:
    """Chooses Delete in ``peer``'s menu; returns the question shown and its Yes button (not
    clicked: the test answers)."""
    window = pair.window
    await menu_action(pair, peer, "deleteAction")
    await wait_for(lambda: top_message_box(window) is not None)
    box = top_message_box(window)
    assert box is not None
    yes = box.button(QMessageBox.StandardButton.Yes)
    assert yes is not None
    return box, yes


async def test_unread_badge_and_tray_count_follow_arrivals_and_reading(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair, with_carol(pair, tmp_path) as carol:
        window = pair.window
        pane = window.conversation_list
        tray = TrayIcon(available=False)
        window.unreadTotalChanged.connect(tray.set_unread_count)
        for text in ("one", "two", "three"):
            await carol.messages.send_text("alice", text)
        await wait_for(lambda: (r := row(pane, "carol")) is not None and r.unread == 3)
        await wait_for(lambda: tray.unread_count == 3)
        carol_row = row(pane, "carol")
        assert carol_row is not None
        assert carol_row.preview == "three" and carol_row.time_text
        assert pane.peers()[0] == "carol"  # the latest activity first
        assert "3" in tray.tooltip and "chat_desktop" in tray.tooltip
        # The row's badge is painted in the accent colour; the tray icon's in red.
        assert near(badge_color(pane, "carol"), current_colors().accent)
        icon = tray.icon_image(64)
        spot = badge_rect(64)
        assert near(
            icon.pixelColor(QPoint(int(spot.left()) + 5, int(spot.center().y()))),
            current_colors().danger,
        )
        # Carol is online: her presence dot shows (the list subscribed to her presence).
        await wait_for(lambda: (r := row(pane, "carol")) is not None and r.online)
        assert "3 unread" in pane.accessible_text("carol")

        # Opening the conversation reads it: the badge and the tray's count go to 0.
        await window.open_conversation_now("carol")
        await wait_for(lambda: (r := row(pane, "carol")) is not None and r.unread == 0)
        await wait_for(lambda: tray.unread_count == 0)
        _image, layout = painted(pane, "carol")
        assert layout.badge is None
        assert tray.tooltip == "chat_desktop"
        tray.dispose()


async def test_pinned_first_and_the_menu_mutes_pins_and_archives(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair, with_carol(pair, tmp_path) as carol:
        window = pair.window
        pane = window.conversation_list
        await pair.from_bob("hello from bob")
        await carol.messages.send_text("alice", "hello from carol")
        await wait_for(lambda: pane.peers() == ["carol", "bob"])

        await menu_action(pair, "bob", "pinAction")
        await wait_for(lambda: pane.peers() == ["bob", "carol"])  # pinned first
        assert (r := row(pane, "bob")) is not None and r.pinned
        assert "pinned" in pane.accessible_text("bob")
        await carol.messages.send_text("alice", "newer, still below the pinned chat")
        await wait_for(lambda: (r := row(pane, "carol")) is not None and r.unread == 2)
        assert pane.peers() == ["bob", "carol"]

        await menu_action(pair, "carol", "muteAction")
        await wait_for(lambda: (r := row(pane, "carol")) is not None and r.muted)
        # A muted chat still counts, in grey.
        assert near(badge_color(pane, "carol"), current_colors().muted_text)
        assert "muted" in pane.accessible_text("carol")
        assert (
            next(
                a.text()
                for a in pane.context_menu_for("carol").actions()  # type: ignore[union-attr]
                if a.objectName() == "muteAction"
            )
            == "Unmute"
        )

        await menu_action(pair, "carol", "archiveAction")
        await wait_for(lambda: pane.peers() == ["bob"])
        assert pane.archived_button.isVisible()
        assert pane.archived_button.text() == "Archived (1)"
        pane.archived_button.click()
        await wait_for(lambda: pane.peers() == ["carol"])
        await menu_action(pair, "carol", "archiveAction")  # "Unarchive" here
        await wait_for(lambda: not pane.archived_button.isVisible() or pane.peers() == [])
        pane.archived_button.setChecked(False)
        await wait_for(lambda: pane.peers() == ["bob", "carol"])
        assert not pane.archived_button.isVisible()

        await menu_action(pair, "bob", "pinAction")  # unpin: the latest activity first again
        await wait_for(lambda: pane.peers() == ["carol", "bob"])
        flags = {c.id: c for c in await pair.alice.conversations.list(include_archived=True)}
        assert flags["carol"].muted and not flags["carol"].archived
        assert not flags["bob"].pinned


async def test_deleting_the_open_conversation_asks_then_shows_the_placeholder(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        window = pair.window
        pane = window.conversation_list
        await pair.from_bob("soon gone")
        await wait_for(lambda: pane.peers() == ["bob"])
        box, yes = await ask_to_delete(pair, "bob")
        assert "bob" in box.text()
        assert await pair.alice.messages.count("bob") == 1  # nothing gone before the answer
        yes.click()
        # The list may empty (an engine event's refresh) before the pane closes the chat.
        await wait_for(lambda: pane.peers() == [] and window.open_peer is None)
        assert window.centralWidget() is window.splitter
        assert not window.conversation_view.isVisible()  # the placeholder shows instead
        assert await pair.alice.messages.count("bob") == 0


async def test_a_chat_deleted_while_it_opens_is_not_shown_by_that_opening(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The opening of a chat (the first message opens the latest chat; a click) reads the
    list, then shows the chat: a delete confirmed between the two used to be undone by the
    opening, which showed the deleted chat again (seen under load in CI)."""
    async with open_pair(tmp_path, qtbot) as pair:
        window = pair.window
        pane = window.conversation_list
        await pair.from_bob("soon gone")
        await wait_for(lambda: pane.peers() == ["bob"])
        held = asyncio.Event()
        reached = asyncio.Event()
        leave = window.drafts.leave

        async def leave_when_let(*args: object) -> None:
            reached.set()
            await held.wait()  # the opening stops here until the delete is done
            await leave()

        window.drafts.leave = leave_when_let  # type: ignore[method-assign]
        opening = asyncio.ensure_future(window.open_conversation_now("bob"))
        await asyncio.wait_for(reached.wait(), 20)
        window.drafts.leave = leave  # type: ignore[method-assign]
        _box, yes = await ask_to_delete(pair, "bob")
        yes.click()
        await wait_for(lambda: pane.peers() == [])
        assert await pair.alice.messages.count("bob") == 0
        held.set()
        await asyncio.wait_for(opening, 20)
        assert window.open_peer is None  # the deleted chat stays closed
        assert not window.conversation_view.isVisible()


async def test_a_chat_being_deleted_is_not_opened_again_by_the_list(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The answer's box closes while the chat is still listed; the list gets the focus back
    and makes its row current, which opens the chat (CI: it came back after the delete).
    Nothing opens a chat while it is being deleted."""
    from chat_desktop.gui.common import tasks

    async with open_pair(tmp_path, qtbot) as pair:
        window = pair.window
        pane = window.conversation_list
        await pair.from_bob("soon gone")
        await wait_for(lambda: pane.peers() == ["bob"])
        _box, yes = await ask_to_delete(pair, "bob")
        held = asyncio.Event()
        reached = asyncio.Event()
        delete = pair.alice.conversations.delete

        async def delete_when_let(peer: str) -> None:
            reached.set()
            await held.wait()  # the delete stops here while the list asks to open the chat
            await delete(peer)

        pair.alice.conversations.delete = delete_when_let  # type: ignore[method-assign]
        yes.click()
        await asyncio.wait_for(reached.wait(), 20)
        pair.alice.conversations.delete = delete  # type: ignore[method-assign]
        window.open_conversation("bob")  # what the list's current row asks for then
        held.set()
        await wait_for(lambda: pane.peers() == [])
        await asyncio.gather(*list(tasks._running), return_exceptions=True)
        assert window.open_peer is None
        assert await pair.alice.messages.count("bob") == 0


async def test_a_list_read_before_a_delete_does_not_open_the_deleted_chat(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A reload of the list that read it before a delete ends after it: the window has no
    chat open then, and "open the latest chat at start" used to open the deleted one from
    that stale list (CI, under load). Once any chat was opened, nothing opens by itself."""
    async with open_pair(tmp_path, qtbot) as pair:
        window = pair.window
        pane = window.conversation_list
        await pair.from_bob("soon gone")
        await wait_for(lambda: pane.peers() == ["bob"] and window.open_peer == "bob")
        held = asyncio.Event()
        reached = asyncio.Event()
        read_list = pair.alice.conversations.list

        async def list_then_wait(*args: Any, **kwargs: Any) -> list[Conversation]:
            listed = await read_list(*args, **kwargs)
            pair.alice.conversations.list = read_list  # type: ignore[method-assign]
            reached.set()
            await held.wait()  # the reload holds its (soon stale) list until the delete ends
            return listed

        pair.alice.conversations.list = list_then_wait  # type: ignore[method-assign]
        reload = asyncio.ensure_future(window.refresh_conversations_now())
        await asyncio.wait_for(reached.wait(), 20)
        _box, yes = await ask_to_delete(pair, "bob")
        yes.click()
        await wait_for(lambda: window.open_peer is None)
        assert await pair.alice.messages.count("bob") == 0
        held.set()
        await asyncio.wait_for(reload, 20)
        await wait_for(lambda: pane.peers() == [])
        assert window.open_peer is None  # the stale list opened nothing
        assert not window.conversation_view.isVisible()


async def test_a_burst_of_events_is_one_refresh(qtbot: QtBot, tmp_path: Path) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        window = pair.window
        await window.refresh_conversations_now()
        before = window.refresh_count
        for number in range(1_000):
            pair.bridge.messageReceived.emit("bob", f"m{number}", "text")
        await wait_for(lambda: window.refresh_count > before)
        await wait_for(lambda: not window._refresh_timer.isActive())
        assert window.refresh_count == before + 1


def _seed_conversations(store: MessageStore, count: int) -> None:
    now = int(time.time() * 1000)
    with store.transaction():
        for number in range(count):
            peer = f"friend{number:03d}"
            store.conversations.ensure(peer, peer_address=peer)
            store.messages.insert(
                NewMessage(
                    id=f"seed-{number}",
                    conversation_id=peer,
                    sender=peer,
                    direction=Direction.INCOMING,
                    sort_key=now - number * 60_000,
                    kind="text",
                    body=f"note {number}",
                    status=MessageStatus.READ,
                    sent_at=now - number * 60_000,
                )
            )


async def test_selection_and_scroll_stay_across_refreshes(qtbot: QtBot, tmp_path: Path) -> None:
    async with open_pair(tmp_path, qtbot) as pair, with_carol(pair, tmp_path) as carol:
        window = pair.window
        pane = window.conversation_list
        await pair.alice.run_in_store(_seed_conversations, pair.alice.store, 80)
        await window.refresh_conversations_now()
        assert len(pane.peers()) >= 80
        await window.open_conversation_now("friend040")
        bar = pane.list.verticalScrollBar()
        assert bar.maximum() > 0
        bar.setValue(bar.maximum() // 2)
        scrolled = bar.value()
        current = pane.list.currentIndex()
        assert current.isValid() and pane.model.row_data(current.row()).peer == "friend040"

        await carol.messages.send_text("alice", "a new chat at the top")
        await wait_for(lambda: pane.peers()[0] == "carol")
        await pair.bob.messages.send_text("alice", "bob moves up too")
        await wait_for(lambda: pane.peers()[0] == "bob")
        assert bar.value() == scrolled
        current = pane.list.currentIndex()
        assert pane.model.row_data(current.row()).peer == "friend040"
        assert window.open_peer == "friend040"


async def test_the_walk_finds_nothing_in_the_main_window(qtbot: QtBot, tmp_path: Path) -> None:
    async with open_pair(tmp_path, qtbot) as pair, with_carol(pair, tmp_path) as carol:
        await carol.messages.send_text("alice", "hi")
        await wait_for(lambda: "carol" in pair.window.conversation_list.peers())
        await pair.alice.conversations.set_archived("bob", True)
        await wait_for(lambda: pair.window.conversation_list.archived_button.isVisible())
        found = problems(pair.window, "en")
        assert found == [], "\n".join(found)
        menu = pair.window.conversation_list.context_menu_for("carol")
        assert menu is not None
        assert all(action.text() for action in menu.actions() if not action.isSeparator())


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_rows_are_painted_in_the_themes_colours(
    qtbot: QtBot, tmp_path: Path, theme: str
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, theme)  # type: ignore[arg-type]
    try:
        async with open_pair(tmp_path, qtbot) as pair, with_carol(pair, tmp_path) as carol:
            pane = pair.window.conversation_list
            await carol.messages.send_text("alice", "a message in the background")
            await wait_for(lambda: (r := row(pane, "carol")) is not None and r.unread == 1)
            colors = DARK if theme == "dark" else LIGHT
            image, layout = painted(pane, "carol")
            padding = QPoint(layout.time.right() + 4, layout.avatar.top())
            assert near(image.pixelColor(padding), colors.sidebar_background)
            assert near(badge_color(pane, "carol"), colors.accent)
            image.save(str(tmp_path / f"conversation-list-{theme}.png"))
    finally:
        apply_theme(app, "light")
