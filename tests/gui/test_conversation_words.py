"""What a conversation row says: the last message's preview, the time, the initials."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, QDateTime, QTime

from chat_desktop.gui.conversation.message_words import duration_text
from chat_desktop.gui.conversation_list.delegate import initials_of
from chat_desktop.gui.conversation_list.panel import list_time_text, preview_text
from chat_desktop.storage.models import (
    TIMER_NOTE_KIND,
    AttachmentInfo,
    Conversation,
    Direction,
    Message,
)

pytestmark = [pytest.mark.gui]


def _message(**fields: object) -> Message:
    values: dict[str, object] = {
        "id": "m1",
        "conversation_id": "bob",
        "sender": "bob",
        "direction": Direction.INCOMING,
        "sort_key": 1,
        "kind": "text",
        "body": "hi",
    }
    values.update(fields)
    return Message(**values)  # type: ignore[arg-type]


def _conversation(message: Message | None) -> Conversation:
    return Conversation(
        id="bob",
        peer_address="bob",
        title=None,
        expire_timer=0,
        unread_count=0,
        last_activity_at=0,
        created_at=0,
        last_message=message,
    )


def test_previews_say_what_the_last_message_is() -> None:
    assert preview_text(_conversation(None)) == ""
    assert preview_text(_conversation(_message(body="hello\nthere"))) == "hello there"
    ours = _message(direction=Direction.OUTGOING, sender="alice", body="sent")
    assert preview_text(_conversation(ours)) == "You: sent"
    photo = _message(kind="attachment", body=None, attachment=AttachmentInfo(mime="image/png"))
    assert preview_text(_conversation(photo)) == "Photo"
    named = AttachmentInfo(mime="application/pdf", file_name="report.pdf")
    assert preview_text(
        _conversation(_message(kind="attachment", body=None, attachment=named))
    ) == ("report.pdf")
    note = _message(kind=TIMER_NOTE_KIND, body="86400")
    assert preview_text(_conversation(note)) == "bob set disappearing messages to 1 day"
    assert preview_text(_conversation(_message(deleted=True, body=None))) == (
        "This message was deleted"
    )


def test_times_are_worded_by_age() -> None:
    now = QDateTime(QDate(2025, 3, 14), QTime(18, 0))  # a Friday
    today = QDateTime(QDate(2025, 3, 14), QTime(9, 5)).toMSecsSinceEpoch()
    tuesday = QDateTime(QDate(2025, 3, 11), QTime(9, 5)).toMSecsSinceEpoch()
    older = QDateTime(QDate(2025, 2, 1), QTime(9, 5)).toMSecsSinceEpoch()
    assert "9" in list_time_text(today, now) and "05" in list_time_text(today, now)
    assert list_time_text(tuesday, now) == "Tue"
    assert "2" in list_time_text(older, now) and list_time_text(older, now) != "Sat"
    assert list_time_text(0, now) == ""
    assert initials_of("alice smith") == "AS" and initials_of("bob") == "B"


def test_durations_the_presets_lack_are_worded_in_their_largest_whole_unit() -> None:
    assert duration_text(3 * 86_400) == "3 days"
    assert duration_text(2 * 3_600) == "2 hours"
    assert duration_text(60) == "1 minute"
    assert duration_text(90) == "90 seconds"
    assert duration_text(7 * 86_400) == "1 week"
