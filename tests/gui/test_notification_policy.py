"""When an incoming message is announced, and with which words (the user's privacy choice)."""

from __future__ import annotations

import pytest

from chat_desktop.gui.shell.notifications import Notice, NotificationPolicy
from chat_desktop.storage.models import TIMER_NOTE_KIND, AttachmentInfo, Direction, Message

pytestmark = [pytest.mark.gui]


def incoming(**fields: object) -> Message:
    values: dict[str, object] = {
        "id": "m1",
        "conversation_id": "carol",
        "sender": "carol",
        "direction": Direction.INCOMING,
        "sort_key": 1,
        "kind": "text",
        "body": "meet at the harbour",
    }
    values.update(fields)
    return Message(**values)  # type: ignore[arg-type]


def decide(message: Message, **state: object) -> Notice | None:
    arguments: dict[str, object] = {
        "muted": False,
        "open_peer": "bob",
        "window_active": True,
        "content": "full",
    }
    arguments.update(state)
    return NotificationPolicy().decide(message, **arguments)  # type: ignore[arg-type]


def test_full_content_names_the_sender_and_says_the_text() -> None:
    assert decide(incoming()) == Notice("carol", "m1", "carol", "meet at the harbour")
    photo = incoming(kind="attachment", body=None, attachment=AttachmentInfo(mime="image/png"))
    assert decide(photo) == Notice("carol", "m1", "carol", "Photo")
    file = AttachmentInfo(mime="application/pdf", file_name="plan.pdf")
    assert decide(incoming(kind="attachment", body=None, attachment=file)) == Notice(
        "carol", "m1", "carol", "plan.pdf"
    )


def test_sender_only_keeps_the_text_private_and_none_says_nothing() -> None:
    assert decide(incoming(), content="sender") == Notice("carol", "m1", "carol", "New message")
    assert decide(incoming(), content="anything else") == Notice(
        "carol", "m1", "carol", "New message"
    )
    assert decide(incoming(), content="none") is None


def test_nothing_for_ours_timer_notes_muted_or_the_chat_being_read() -> None:
    assert decide(incoming(direction=Direction.OUTGOING, sender="alice")) is None
    assert decide(incoming(kind=TIMER_NOTE_KIND, body="3600")) is None
    assert decide(incoming(), muted=True) is None
    assert decide(incoming(), open_peer="carol", window_active=True) is None
    # Open but the window is in the background: the user doesn't see it, so it is announced.
    assert decide(incoming(), open_peer="carol", window_active=False) is not None
