"""Hostile contents through the real relay never break the receiver (property test).

Mallory has a real session with Bob and sends raw plaintexts (every kind, extreme values,
wrong types) encrypted on that session through the real relay. After each one, a normal
message from Carol still reaches Bob, and Bob's ``mark_read`` and a reply to Mallory still
work. The plaintexts are msgpack maps built here, not ``Content`` objects, so invalid ones
can be made; they are padded like real content and encrypted with the engine's own session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
import uuid6
from engine_helpers import EventLog, new_client
from hypothesis import given, settings
from hypothesis import strategies as st

from chat_desktop.protocol import events
from chat_desktop.protocol.message_content import pad
from chat_desktop.protocol.schemas import DevicePayload, MessageSend, MessageSendAck
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import MessageReceived

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KINDS = ("text", "attachment", "receipt", "typing", "timer", "delete", "profile", "retry")
EXTREMES = (0, -1, 1, 2**31, 2**53, 2**62, 2**63 - 1, 2**64 - 1, -(2**63))


def valid(kind: str, target: str) -> dict[str, Any]:
    """A valid raw content of ``kind`` naming ``target`` where ids are expected."""
    base: dict[str, Any] = {"kind": kind, "v": 1, "id": str(uuid6.uuid7()), "sent_at": 1}
    extra: dict[str, dict[str, Any]] = {
        "text": {"text": "hostile"},
        "attachment": {
            "blob_id": "ab" * 16,
            "key": b"k" * 64,
            "digest": b"d" * 32,
            "size": 10,
            "mime_type": "image/jpeg",
            "file_name": "x.jpg",
            "width": 10,
            "height": 10,
            "thumbnail": b"t",
        },
        "receipt": {"receipt": "read", "message_ids": [target]},
        "typing": {"typing": "started"},
        "timer": {"seconds": 30},
        "delete": {"message_ids": [target]},
        "profile": {"display_name": "Mallory"},
        "retry": {"message_ids": [target]},
    }
    return base | extra[kind]


_VALUES = st.one_of(
    st.sampled_from(EXTREMES),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.none(),
    st.booleans(),
    st.floats(),
    st.text(max_size=20),
    st.binary(max_size=40),
    st.lists(st.sampled_from(EXTREMES), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
_FIELDS = (
    "v",
    "id",
    "sent_at",
    "expire_timer",
    "text",
    "key",
    "digest",
    "size",
    "width",
    "height",
    "thumbnail",
    "message_ids",
    "seconds",
    "display_name",
    "kind",
    "receipt",
    "typing",
)


@st.composite
def hostile_fields(draw: st.DrawFn) -> tuple[str, dict[str, tuple[str, Any]]]:
    """A kind and up to three fields to overwrite with anything."""
    kind = draw(st.sampled_from(KINDS))
    changes = draw(st.dictionaries(st.sampled_from(_FIELDS), _VALUES, min_size=1, max_size=3))
    return kind, changes


def collect_examples(count: int) -> list[tuple[str, dict[str, Any]]]:
    """Draws ``count`` examples from the strategy (hypothesis drives the generation)."""
    examples: list[tuple[str, dict[str, Any]]] = []

    @settings(max_examples=count, database=None, derandomize=True, deadline=None)
    @given(hostile_fields())
    def collect(example: tuple[str, dict[str, Any]]) -> None:
        examples.append(example)

    collect()
    return examples


# Named extremes first (the ones that once broke the receiver), then hypothesis's draws.
NAMED = [
    ("timer", {"seconds": 2**62}),
    ("timer", {"seconds": -1}),
    ("text", {"expire_timer": 2**62}),
    ("text", {"sent_at": 2**63 - 1}),
    ("attachment", {"size": 2**63 - 1, "width": 2**63 - 1}),
    ("text", {"text": 5}),
    ("kind", {}),
]


async def send_raw(mallory: ChatClient, plaintext: bytes) -> None:
    """Encrypts ``plaintext`` on Mallory's session with Bob and sends it via the relay."""
    bodies = await mallory.run_in_store(mallory.presence._encrypt_now, "bob", plaintext)
    assert bodies, "Mallory has a session with Bob"
    connection = mallory._context.connection
    assert connection is not None
    await connection.request(
        events.MESSAGE_SEND,
        MessageSend(
            id=str(uuid6.uuid7()),
            to="bob",
            payloads=[DevicePayload(device_id=device, body=body) for device, body in bodies],
        ),
        MessageSendAck,
    )


def received(log: EventLog, peer: str, text: str) -> bool:
    return any(e.peer == peer and e.text == text for e in log.of_type(MessageReceived))


async def test_hostile_contents_never_break_the_receiver(
    tmp_path: Path, relay: RelayServer
) -> None:
    mallory = await new_client(tmp_path, relay.url, "mallory")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    bob_log, mallory_log = EventLog(bob), EventLog(mallory)
    try:
        first = await mallory.messages.send_text("bob", "hello")
        await bob_log.wait_for(lambda _: received(bob_log, "mallory", "hello"))
        cases = [*NAMED, *collect_examples(25)]
        for number, (kind, changes) in enumerate(cases):
            if kind == "kind":
                fields: Any = {"kind": "no such kind", "v": 1}
            else:
                fields = valid(kind, first) | changes
            await send_raw(mallory, pad(msgspec.msgpack.encode(fields)))

            probe = f"carol {number}"
            await carol.messages.send_text("bob", probe)
            await bob_log.wait_for(lambda _, probe=probe: received(bob_log, "carol", probe))
            await bob.conversations.mark_read("mallory", first)
            reply = f"bob {number}"
            await bob.messages.send_text("mallory", reply)
            await mallory_log.wait_for(lambda _, reply=reply: received(mallory_log, "bob", reply))
    finally:
        bob_log.close()
        mallory_log.close()
        for client in (mallory, bob, carol):
            await client.close()
