"""Find in the open chat (issue 23, item 9): Ctrl+Shift+F or the header's search button opens a
bar that walks this chat's matches (newest first, Enter older, Shift+Enter newer, wrapping),
never another chat's; the matched words are highlighted in the bubbles and in the results of
the search over every chat (Ctrl+F). Real relay, real clients, the real window.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conversation_helpers import Pair, open_pair
from gui_helpers import PASSWORD, wait_for
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.theme import current_colors
from chat_desktop.gui.conversation.match_ranges import match_ranges
from chat_desktop.services.client import ChatClient

pytestmark = [pytest.mark.gui]

SHOTS = Path("/tmp/shots/view")


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("Café au lait", "cafe", [(0, 4)]),  # accents and case aside, as the store matches
        ("CAFE\u0301 noir", "café", [(0, 5)]),  # a combining accent is part of its word
        ("the lantern orbit", "lan", [(4, 7)]),  # the word typed last is a prefix
        ("lan party", "lan party", [(0, 3), (4, 5)]),
        ("a lantern", "lan party", []),  # an earlier word must be whole
        ("favor or orbit", "or x", [(6, 2)]),  # whole word only, never inside another
        ("😀👍 lantern", "lantern", [(5, 7)]),  # UTF-16: each emoji takes two units
        ("𝒶 lantern", "lantern", [(3, 7)]),  # an astral letter is part of no word here
        ("under_score", "score", [(6, 5)]),  # the underscore separates words
        ("مرحبا lantern שלום", "שלום", [(14, 4)]),  # right-to-left words
        ("nothing", "   ", []),
    ],
)
def test_the_highlighted_words_are_those_the_store_matched(
    text: str, query: str, expected: list[tuple[int, int]]
) -> None:
    assert match_ranges(text, query) == expected


def highlight_pixels(widget: QWidget, area: QRect, colour: QColor | None = None) -> int:
    """Pixels of ``area`` (widget coordinates) painted in ``colour`` (by default the
    theme's highlight colour, which bubbles use)."""
    image = widget.grab(area).toImage().convertToFormat(QImage.Format.Format_RGB32)
    wanted = (colour or QColor(current_colors().highlight)).rgb()
    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if image.pixel(x, y) == wanted
    )


def text_area(pair: Pair, message_id: str) -> QRect:
    placed = pair.view.row_layout(message_id)
    assert placed is not None and placed[1].text is not None
    origin, layout = placed
    return layout.text.translated(origin)


async def test_find_walks_this_chats_matches_and_highlights_them(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        carol, _recovery = await ChatClient.create(
            tmp_path / "carol", pair.relay.url, "carol", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        try:
            await carol.connect()
            await carol.wait_connected()
            await pair.alice.conversations.start("carol")  # a contact: no message request
            # Another chat's message that matches: never one of this chat's matches.
            await carol.messages.send_text("alice", "a lantern from carol")
            oldest = await pair.from_bob("lantern one")
            await pair.from_bob("nothing to see")
            middle = await pair.from_bob("Lantern two")
            newest = await pair.from_bob("lanterns three")
            await wait_for(lambda: "carol" in pair.window.conversation_list.peers(), timeout=20)
        finally:
            await carol.close()
        bar = pair.pane.find_bar
        assert not bar.isVisible()
        plain = highlight_pixels(pair.view.viewport(), text_area(pair, middle))

        pair.window.find_action.trigger()  # Ctrl+Shift+F
        assert bar.isVisible() and bar.field.hasFocus()
        QTest.keyClicks(bar.field, "lantern")
        await wait_for(lambda: bar.count_label.text() == "1 of 3")
        assert bar.matches == [newest, middle, oldest]
        assert bar.current_id == newest
        assert pair.view.delegate.search_query == "lantern"
        await wait_for(
            lambda: highlight_pixels(pair.view.viewport(), text_area(pair, middle)) > plain + 50
        )

        SHOTS.mkdir(parents=True, exist_ok=True)
        pair.window.grab().save(str(SHOTS / "find-in-chat.png"))
        QTest.keyClick(bar.field, Qt.Key.Key_Return)  # older
        await wait_for(lambda: bar.count_label.text() == "2 of 3")
        assert bar.current_id == middle
        QTest.keyClick(bar.field, Qt.Key.Key_Return)
        await wait_for(lambda: bar.current_id == oldest)
        QTest.keyClick(bar.field, Qt.Key.Key_Return)  # past the oldest: back to the newest
        await wait_for(lambda: bar.current_id == newest)
        QTest.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        await wait_for(lambda: bar.current_id == oldest)  # newer than the newest: wraps
        assert pair.model.row_of(oldest) in pair.view.visible_rows()

        bar.field.clear()
        QTest.keyClicks(bar.field, "orbit")
        await wait_for(lambda: bar.count_label.text() == "No matches")
        assert bar.matches == [] and pair.view.delegate.search_query == ""

        QTest.keyClick(bar.field, Qt.Key.Key_Escape)
        assert not bar.isVisible()
        assert pair.view.delegate.search_query == ""

        # The header's button opens it too, and another chat closes it.
        pair.pane.header.find_button.click()
        assert bar.isVisible()
        await pair.window.open_conversation_now("carol")
        assert not bar.isVisible() and bar.matches == []


async def test_search_results_highlight_the_words_that_matched(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        await pair.from_bob("the lantern is lit")
        await pair.from_bob("no match here")
        pair.window.show_search()
        await wait_for(lambda: pair.window.search_panel is not None)
        panel = pair.window.search_panel
        assert panel is not None
        empty_result = QRect(0, 0, 10, 10)
        panel.query_edit.setText("lantern")
        panel.search_now()
        await wait_for(lambda: panel.results.count() == 1)
        assert panel.found_words.query == "lantern"
        panel.results.setCurrentRow(-1)  # unselected: the match is on the highlight colour
        item_rect = panel.results.visualItemRect(panel.results.item(0))
        assert item_rect != empty_result
        palette = panel.results.palette()
        highlight = palette.color(QPalette.ColorRole.Highlight)
        assert panel.results.visualItemRect(panel.results.item(0)).height() >= 2 * (
            panel.results.fontMetrics().lineSpacing()
        )  # both lines of the result show
        await wait_for(
            lambda: highlight_pixels(panel.results.viewport(), item_rect, highlight) > 50
        )
        panel.grab().save(str(SHOTS / "search-results-highlighted.png"))
        panel.close()
