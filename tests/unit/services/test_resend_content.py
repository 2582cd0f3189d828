"""What is sent again when a peer asks for one of our messages (a retry request, §8)."""

from __future__ import annotations

import pytest

from chat_desktop.protocol.message_content import TextContent
from chat_desktop.services.resending import content_from_message
from chat_desktop.storage.models import Direction, Message, MessageStatus, Quote

pytestmark = pytest.mark.unit

MESSAGE_ID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
TARGET_ID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"


def ours(**changes: object) -> Message:
    fields: dict[str, object] = {
        "id": MESSAGE_ID,
        "conversation_id": "bob",
        "sender": "alice",
        "direction": Direction.OUTGOING,
        "sort_key": 1_700_000_000_000,
        "kind": "text",
        "body": "see above",
        "status": MessageStatus.SENT,
        "sent_at": 1_700_000_000_000,
    }
    fields.update(changes)
    return Message(**fields)  # type: ignore[arg-type]


def test_a_resent_reply_keeps_its_quote() -> None:
    quote = Quote(target_id=TARGET_ID, author="bob", excerpt="the plan", kind="text")
    content = content_from_message(ours(quote=quote))
    assert isinstance(content, TextContent)
    assert content.quote is not None
    assert (content.quote.target_id, content.quote.author, content.quote.excerpt) == (
        TARGET_ID,
        "bob",
        "the plan",
    )


def test_a_message_deleted_for_everyone_is_never_sent_again() -> None:
    assert content_from_message(ours(deleted=True, body=None)) is None
    assert content_from_message(ours(deleted=True)) is None
