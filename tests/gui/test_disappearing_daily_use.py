"""Issue 19, item 10: disappearing messages as a user meets them in the real window.

Presets from 30 s to 4 weeks and a "Custom…" value (bounded by the protocol's year); the
setter's note shows at once; the same value again changes nothing; a disappearing bubble
shows its time left on both sides (ours from the relay's ack, the peer's once read).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import shiboken6
from conversation_helpers import Pair, eventually, open_pair
from gui_helpers import wait_for
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from chat_desktop.gui.conversation.conversation_header import CUSTOM_TIMER
from chat_desktop.gui.conversation.conversation_view import ConversationView
from chat_desktop.gui.conversation.custom_timer import TIMER_UNITS, CustomTimerDialog
from chat_desktop.gui.conversation.message_words import note_text, remaining_text
from chat_desktop.storage.models import TIMER_NOTE_KIND

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

YEAR = 365 * 86_400
PRESETS = [0, 30, 300, 3_600, 8 * 3_600, 86_400, 7 * 86_400, 28 * 86_400]
LABELS = [
    "Off",
    "30 seconds",
    "5 minutes",
    "1 hour",
    "8 hours",
    "1 day",
    "1 week",
    "4 weeks",
    "Custom…",
]


def choose(pane: ConversationView, seconds: int) -> None:
    """What a click on a choice of the timer menu does."""
    index = pane.timer_box.findData(seconds)
    assert index >= 0
    pane.timer_box.setCurrentIndex(index)
    pane.timer_box.activated.emit(index)


def timer_notes(pair: Pair) -> list[str]:
    model = pair.model
    return [
        model.message_at(row).body or ""
        for row in range(model.rowCount())
        if model.message_at(row).kind == TIMER_NOTE_KIND
    ]


async def test_presets_reach_four_weeks_and_end_with_custom(tmp_path: Path, qtbot: QtBot) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        box = pair.pane.timer_box
        assert [box.itemData(i) for i in range(box.count())] == [*PRESETS, CUSTOM_TIMER]
        assert [box.itemText(i) for i in range(box.count())] == LABELS


async def test_the_setters_note_shows_at_once_and_the_same_value_changes_nothing(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        await pair.from_bob("hi")
        choose(pair.pane, 300)
        # In the open conversation, without reopening it.
        await wait_for(lambda: timer_notes(pair) == ["300"])
        choose(pair.pane, 300)  # the same value again
        after = await pair.alice.messages.send_text("bob", "after")
        await pair.model.add_message("bob", after)
        assert timer_notes(pair) == ["300"]
        history = await pair.alice.messages.history("bob", 20)
        assert [m.body for m in history if m.kind == TIMER_NOTE_KIND] == ["300"]
        assert pair.pane.timer_box.currentData() == 300


async def test_custom_takes_a_number_and_a_unit_up_to_a_year(tmp_path: Path, qtbot: QtBot) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        pane = pair.pane
        await pair.from_bob("hi")
        choose(pane, CUSTOM_TIMER)
        await wait_for(lambda: _custom_dialog(pane) is not None)
        dialog = _custom_dialog(pane)
        assert dialog is not None
        # Every unit is bounded by the protocol's maximum timer (one year).
        for number, (unit_seconds, _name) in enumerate(TIMER_UNITS):
            dialog.unit_box.setCurrentIndex(number)
            assert dialog.number_box.maximum() * unit_seconds <= YEAR
            assert dialog.number_box.minimum() == 1
        dialog.unit_box.setCurrentIndex(dialog.unit_box.findData(86_400))
        dialog.number_box.setValue(400)  # past a year: held at the bound
        assert dialog.seconds == YEAR
        dialog.number_box.setValue(3)
        assert dialog.seconds == 3 * 86_400
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        await wait_for(lambda: timer_notes(pair) == [str(3 * 86_400)])
        assert pane.timer_box.currentData() == 3 * 86_400
        assert pane.timer_box.currentText() == "3 days"
        note = next(
            pair.model.message_at(row)
            for row in range(pair.model.rowCount())
            if pair.model.message_at(row).kind == TIMER_NOTE_KIND
        )
        assert note_text(note) == "You set disappearing messages to 3 days"  # not 259200 s
        assert (await pair.alice.conversations.list())[0].expire_timer == 3 * 86_400

        # Cancelled: nothing changes, the menu shows the timer as it was.
        choose(pane, CUSTOM_TIMER)
        await wait_for(lambda: _custom_dialog(pane) is not None)
        cancelled = _custom_dialog(pane)
        assert cancelled is not None
        qtbot.keyClick(cancelled, Qt.Key.Key_Escape)
        await wait_for(lambda: pane.timer_box.currentData() == 3 * 86_400)
        assert timer_notes(pair) == [str(3 * 86_400)]


async def test_a_disappearing_bubble_counts_down_on_both_sides(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        pane, view = pair.pane, pair.view
        await pair.from_bob("hi")
        choose(pane, 300)
        await wait_for(lambda: timer_notes(pair) == ["300"])

        # Ours: the countdown starts at the relay's ack and the open window shows it.
        ours = await pair.alice.messages.send_text("bob", "gone in 5 minutes")
        await pair.model.add_message("bob", ours)
        await wait_for(lambda: _expires(pair, ours))
        placed = view.row_layout(ours)
        assert placed is not None and placed[1].footer_parts is not None
        assert placed[1].footer_parts.timer_text is not None
        assert view.countdown_active  # one view-level timer repaints the visible ones

        # Theirs: Bob's message under the timer shows its time left once Alice read it
        # (sent once Bob has the timer: before, his message could go out without it).
        await eventually(lambda: _bob_has_timer(pair, 300))
        theirs = await pair.from_bob("mine goes too")
        shown = pair.shown(theirs)
        assert shown is not None and shown.expire_timer == 300
        await wait_for(lambda: _expires(pair, theirs))
        placed = view.row_layout(theirs)
        assert placed is not None and placed[1].footer_parts is not None
        assert placed[1].footer_parts.timer_text is not None
        message = pair.shown(theirs)
        assert message is not None and message.expires_at is not None
        left = message.expires_at - view.delegate.now_ms()
        assert remaining_text(left) in ("5 min", "4 min")


async def _bob_has_timer(pair: Pair, seconds: int) -> bool:
    listed = await pair.bob.conversations.list(include_archived=True)
    return any(c.id == "alice" and c.expire_timer == seconds for c in listed)


def _expires(pair: Pair, message_id: str) -> bool:
    shown = pair.shown(message_id)
    return shown is not None and shown.expires_at is not None


def _custom_dialog(pane: ConversationView) -> CustomTimerDialog | None:
    dialog = getattr(pane, "timer_dialog", None)
    if isinstance(dialog, CustomTimerDialog) and shiboken6.isValid(dialog) and dialog.isVisible():
        return dialog
    return None
