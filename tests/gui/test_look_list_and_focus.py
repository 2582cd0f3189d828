"""The conversation list when narrow, where the keyboard is, and where Tab goes (issue 19).

Item 13: dragged narrow, the list never scrolls sideways: names end in "…", and below a
readable width a row shows its avatar only. Item 15: the list's current row wears a focus
frame in the accent colour while the list has the keyboard (selected or not, both themes), and
Tab goes list → messages → composer → send. Real clients on a real relay (127.0.0.1, port 0),
the real main window offscreen; what a row shows is read from its painting.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conversation_helpers import Pair, open_pair
from gui_helpers import PASSWORD, wait_for
from look_helpers import settled
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionViewItem, QWidget
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.theme import DARK, LIGHT, apply_theme
from chat_desktop.gui.conversation_list.delegate import badge_text
from chat_desktop.gui.conversation_list.panel import ConversationList
from chat_desktop.services.client import ChatClient

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

LONG_NAME = "maximilian_weatherby"


class TextRecorder(QPainter):
    """A painter that also notes every text drawn through it (what the row shows in words)."""

    def __init__(self, image: QImage) -> None:
        super().__init__(image)
        self.texts: list[str] = []

    def drawText(self, *args: Any) -> None:
        self.texts.extend(arg for arg in args if isinstance(arg, str))
        super().drawText(*args)


def drawn_texts(pane: ConversationList, peer: str) -> list[str]:
    """The texts ``peer``'s row paints, as the list lays it out now."""
    number = pane.model.row_of(peer)
    assert number is not None
    index = pane.model.index(number)
    option = QStyleOptionViewItem()
    pane.list.initViewItemOption(option)
    option.rect = pane.list.visualRect(index)
    option.state |= QStyle.StateFlag.State_Enabled
    image = QImage(pane.list.viewport().size(), QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = TextRecorder(image)
    try:
        pane.delegate.paint(painter, option, index)
    finally:
        painter.end()
    return painter.texts


@contextlib.asynccontextmanager
async def with_long_named_contact(pair: Pair, root: Path) -> AsyncIterator[ChatClient]:
    """A third real client with a long name, whose message is listed in Alice's window."""
    other, _key = await ChatClient.create(
        root / "long", pair.relay.url, LONG_NAME, PASSWORD, kdf_params=FLOOR_PARAMS
    )
    try:
        await other.connect()
        await other.wait_connected()
        await pair.alice.conversations.start(LONG_NAME)  # no message request
        await other.messages.send_text("alice", "a long name and a short message")
        pane = pair.window.conversation_list
        await wait_for(lambda: pane.model.row_of(LONG_NAME) is not None)
        yield other
    finally:
        await other.close()


async def narrowed(pair: Pair, width: int) -> ConversationList:
    """Drags the splitter towards ``width`` pixels for the list pane (it stops at its minimum)."""
    window = pair.window
    window.splitter.setSizes([width, window.width() - width])
    pane = window.conversation_list
    view = pane.list
    # The list lays its rows out for the width it now has.
    await settled(lambda: view.visualRect(pane.model.index(0)).width() <= view.viewport().width())
    return pane


def assert_nothing_scrolls_sideways(pane: ConversationList) -> None:
    view = pane.list
    assert not view.horizontalScrollBar().isVisible()
    for number in range(pane.model.rowCount()):
        rect = view.visualRect(pane.model.index(number))
        assert rect.left() >= 0 and rect.right() < view.viewport().width(), rect


@pytest.mark.usefixtures("restore_look")
async def test_a_narrow_list_elides_names_and_then_shows_avatars_only(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_pair(tmp_path, qtbot) as pair, with_long_named_contact(pair, tmp_path):
        pane = await narrowed(pair, 160)
        assert_nothing_scrolls_sideways(pane)
        texts = drawn_texts(pane, LONG_NAME)
        names = [text for text in texts if text.endswith("\u2026")]
        assert names, texts  # the name is there, cut short with an ellipsis
        assert LONG_NAME.startswith(names[0].removesuffix("\u2026"))
        assert LONG_NAME not in texts

        pane = await narrowed(pair, 1)  # as narrow as the splitter lets it go
        assert pane.width() < 110, f"the list pane stays {pane.width()} px wide"
        assert_nothing_scrolls_sideways(pane)
        for number, peer in enumerate(pane.model.peers()):
            row = pane.model.row_data(number)
            allowed = {row.initials, badge_text(row.unread)}
            # The avatar (its initials) and the unread badge only: no name, time or preview.
            assert set(drawn_texts(pane, peer)) <= allowed, (peer, drawn_texts(pane, peer))


async def focus_list(pair: Pair) -> ConversationList:
    pane = pair.window.conversation_list
    pair.window.activateWindow()
    pane.list.setFocus(Qt.FocusReason.TabFocusReason)
    await wait_for(pane.list.hasFocus)
    return pane


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_the_current_row_wears_the_focus_frame_while_the_list_has_the_keyboard(
    theme: str, tmp_path: Path, qtbot: QtBot, restore_look: QApplication
) -> None:
    colors = DARK if theme == "dark" else LIGHT
    apply_theme(restore_look, theme)  # type: ignore[arg-type]
    async with open_pair(tmp_path, qtbot) as pair:
        await pair.from_bob("listed once a message is there")
        pane = pair.window.conversation_list
        await wait_for(lambda: pane.model.row_of("bob") is not None)
        await focus_list(pair)
        number = pane.model.row_of("bob")
        assert number is not None
        index = pane.model.index(number)
        assert pane.list.currentIndex() == index
        assert pane.list.selectionModel().isSelected(index)  # the open chat: selected too
        rect = pane.list.visualRect(index)
        image = pane.list.viewport().grab().toImage()
        ratio = image.width() / pane.list.viewport().width()  # device pixels per pixel
        middle = round(rect.center().y() * ratio)
        accent = QColor(colors.accent)
        edges = [
            QPoint(round(rect.left() * ratio) + 1, middle),
            QPoint(round(rect.right() * ratio) - 1, middle),
        ]
        for point in edges:
            assert image.pixelColor(point).name() == accent.name(), (point, theme)

        pair.view.setFocus(Qt.FocusReason.TabFocusReason)  # the keyboard elsewhere: no frame
        await wait_for(lambda: not pane.list.hasFocus())
        image = pane.list.viewport().grab().toImage()
        assert image.pixelColor(edges[0]).name() != accent.name()


async def test_tab_goes_from_the_list_to_the_messages_the_composer_and_send(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        await pair.from_bob("something to read first")
        await focus_list(pair)
        composer = pair.pane.composer
        expected: list[QWidget] = [pair.view, composer.edit, composer.send_button]
        for widget in expected:
            focused = QApplication.focusWidget()
            assert focused is not None
            qtbot.keyClick(focused, Qt.Key.Key_Tab)
            now = QApplication.focusWidget()
            assert now is widget, (type(now).__name__, now and now.objectName())
