"""Selecting part of a message's text and copying it; the hover bar (react, reply, more) on
each bubble; double-click to reply as a setting (issue 23, item 5). A real encrypted store of
5,000 messages and the real list, offscreen; real mouse and key events.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import PEER, START_MS, message_id, wait_for
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot
from test_scroll_keeping import opened_view, scrolled_to_the_middle, settled

from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.gui.conversation.text_selection import utf16_slice, word_around
from chat_desktop.storage.models import Direction, MessageStatus, NewMessage
from chat_desktop.storage.store import MessageStore

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

SHOTS = Path("/tmp/shots/view")
LEFT = Qt.MouseButton.LeftButton
NO_KEYS = Qt.KeyboardModifier.NoModifier


def text_point(view: MessageListView, target: str, position: int) -> QPoint:
    """The viewport point of UTF-16 ``position`` in ``target``'s text (mid-line)."""
    placed = view.row_layout(target)
    assert placed is not None
    origin, layout = placed
    assert layout.text is not None and layout.text_layout is not None
    line = layout.text_layout.lineForTextPosition(position)
    x = line.cursorToX(position)[0]
    return origin + layout.text.topLeft() + QPoint(round(x), round(line.y() + line.height() / 2))


def drag(view: MessageListView, start: QPoint, end: QPoint) -> None:
    viewport = view.viewport()
    QTest.mousePress(viewport, LEFT, NO_KEYS, start)
    QTest.mouseMove(viewport, (start + end) / 2)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, LEFT, NO_KEYS, end)


def add_emoji_message(store: MessageStore) -> str:
    store.messages.insert(
        NewMessage(
            id="emoji1",
            conversation_id=PEER,
            sender=PEER,
            direction=Direction.INCOMING,
            sort_key=START_MS + 6_000_000,
            kind="text",
            body="😀👍 hello wide world",
            status=MessageStatus.DELIVERED,
            sent_at=START_MS + 6_000_000,
        )
    )
    return "emoji1"


async def test_utf16_slices_and_words() -> None:
    text = "😀👍 hello wide world"
    assert utf16_slice(text, 5, 10) == "hello"
    assert word_around(text, 7) == (5, 10)
    assert word_around(text, 4) == (4, 4)  # on the space: no word
    assert word_around("don't stop", 2) == (0, 5)


async def test_dragging_selects_part_of_a_text_and_copy_takes_just_that(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    target = add_emoji_message(seeded_store)
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    await wait_for(lambda: model.row_of(target) is not None)
    await settled()
    # "hello wide": UTF-16 5 to 15 (each emoji is two units).
    drag(view, text_point(view, target, 5), text_point(view, target, 15))
    assert view.selection.message_id == target
    assert view.selection.selected_text(model.message_at(model.row_of(target)).body or "") == (
        "hello wide"
    )
    view.setFocus()
    QGuiApplication.clipboard().clear()
    QTest.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "hello wide"
    message = model.message_at(model.row_of(target))
    keys = [key for key, _label in view.menu_actions(message)]
    assert keys[:2] == ["reply", "react"] and "copy_selection" in keys
    SHOTS.mkdir(parents=True, exist_ok=True)
    view.window().grab().save(str(SHOTS / "text-selected.png"))
    menu = view.build_menu(model.row_of(target), QPoint(0, 0))
    copy_selection = next(a for a in menu.actions() if a.objectName() == "copy_selection")
    QGuiApplication.clipboard().clear()
    copy_selection.trigger()
    assert QGuiApplication.clipboard().text() == "hello wide"
    menu.deleteLater()

    # A press somewhere else (not on a text) clears it.
    placed = view.row_layout(target)
    assert placed is not None
    outside = placed[0] + QPoint(view.viewport().width() - 4, 2)
    QTest.mouseClick(view.viewport(), LEFT, NO_KEYS, outside)
    assert not view.selection.has_text()
    assert "copy_selection" not in [key for key, _l in view.menu_actions(message)]


async def test_a_double_click_selects_a_word_or_replies_when_so_set(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    target = message_id(4_998)  # "message number 4998 with a longer line" ×2
    await settled()
    body = model.message_at(model.row_of(target)).body or ""
    assert body.startswith("message number")
    point = text_point(view, target, 10)  # inside "number"
    QTest.mouseDClick(view.viewport(), LEFT, NO_KEYS, point)
    assert view.selection.selected_text(body) == "number"

    replies: list[str] = []
    view.replyRequested.connect(replies.append)
    view.double_click_replies = True
    QTest.mouseDClick(view.viewport(), LEFT, NO_KEYS, point)
    assert replies == [target]
    assert not view.selection.has_text()


async def test_the_hover_bar_shows_beside_the_bubble_and_acts_on_its_message(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    _window, _model, view, _other = await opened_view(qtbot, seeded_store)
    theirs, ours = message_id(4_998), message_id(4_999)  # even: from PEER; odd: ours
    await settled()
    bar = view.hover_bar
    assert not bar.isVisible()
    for target, outgoing in ((theirs, False), (ours, True)):
        placed = view.row_layout(target)
        assert placed is not None
        origin, layout = placed
        bubble = layout.bubble.translated(origin)
        QTest.mouseMove(view.viewport(), bubble.center())
        await wait_for(lambda: bar.isVisible() and bar.message_id == target)  # noqa: B023
        # Outside the bubble: left of ours, right of theirs; level with its top.
        if outgoing:
            assert bar.geometry().right() < bubble.left()
        else:
            assert bar.geometry().left() > bubble.right()
        assert bar.geometry().top() == bubble.top()
    view.window().grab().save(str(SHOTS / "hover-bar.png"))

    replies: list[str] = []
    reactions: list[str] = []
    view.replyRequested.connect(replies.append)
    view.reactRequested.connect(lambda message, _pos: reactions.append(message))
    QTest.mouseClick(bar.reply_button, LEFT)
    QTest.mouseClick(bar.react_button, LEFT)
    assert replies == [ours] and reactions == [ours]
    QTest.mouseClick(bar.more_button, LEFT)
    assert view.last_menu is not None
    assert view.model().message_at(view.currentIndex().row()).id == ours  # type: ignore[attr-defined]
    view.last_menu.close()

    await scrolled_to_the_middle(view)
    assert not bar.isVisible()  # scrolling takes it away
