"""The history note a call leaves in its 1:1 conversation ("Missed voice call").

One note per call and device: its id is made from the call id, so a replayed offer, or an
end told twice (our timer and the caller's ``timeout``), writes it once. Like a timer note it
is never unread, never sent and never disappears. Its body is UTF-8 JSON
``{"outgoing": bool, "video": bool, "outcome": str, "duration_s": int}``.
"""

from __future__ import annotations

import json
from typing import Literal

from chat_desktop.services.context import now_ms
from chat_desktop.services.events import MessageReceived
from chat_desktop.storage.models import CALL_NOTE_KIND, Direction, MessageStatus, NewMessage
from chat_desktop.storage.store import MessageStore

#: What became of a call, as its note tells it.
CallOutcome = Literal["completed", "missed", "declined", "busy", "failed", "refused", "cancelled"]


def call_note_id(call_id: str) -> str:
    """The note's message id: the call id (32 hex digits) written as a UUID."""
    c = call_id
    return f"{c[:8]}-{c[8:12]}-{c[12:16]}-{c[16:20]}-{c[20:32]}"


def call_note_body(outgoing: bool, video: bool, outcome: CallOutcome, duration_s: int) -> str:
    """The note's body (compact JSON, keys in a fixed order)."""
    return json.dumps(
        {"outgoing": outgoing, "video": video, "outcome": outcome, "duration_s": duration_s},
        separators=(",", ":"),
    )


def write_call_note(
    store: MessageStore,
    peer: str,
    call_id: str,
    *,
    me: str,
    outgoing: bool,
    video: bool,
    outcome: CallOutcome,
    duration_s: int,
) -> MessageReceived | None:
    """Stores the call's note in ``peer``'s conversation (store thread); ``me`` is our name.

    Returns:
        The event telling it (a received message of the note's kind), or None when this
        call already has its note here.
    """
    store.conversations.ensure(peer, peer_address=peer)
    now = now_ms()
    note_id = call_note_id(call_id)
    inserted = store.messages.insert(
        NewMessage(
            id=note_id,
            conversation_id=peer,
            sender=me if outgoing else peer,
            direction=Direction.OUTGOING if outgoing else Direction.INCOMING,
            sort_key=now,
            kind=CALL_NOTE_KIND,
            body=call_note_body(outgoing, video, outcome, duration_s),
            status=MessageStatus.SENT if outgoing else MessageStatus.READ,
            sent_at=now,
            received_at=now,
            read_at=now,
        )
    )
    if not inserted:
        return None
    return MessageReceived(peer=peer, message_id=note_id, kind=CALL_NOTE_KIND, text="", sent_at=now)
