"""A hostile peer's reactions, edits, deletes and quotes, through the real relay.

Mallory has a real session with Bob and sends contents she built herself (encrypted on that
session with the engine's own code, as in test_content_fuzz). Whatever she may not do is
ignored: nothing changes at Bob's, the envelope is acked (the relay keeps nothing for Bob) and
no "could not be read" placeholder appears, except for a content outside the protocol's
bounds, which is recorded as unreadable, as every invalid content is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
import uuid6
from engine_helpers import EventLog, acquaint, new_client, wait_until

from chat_desktop.protocol import events
from chat_desktop.protocol.message_content import (
    Content,
    DeleteContent,
    EditContent,
    Quote,
    ReactionContent,
    TextContent,
    encode_content,
    pad,
)
from chat_desktop.protocol.schemas import DevicePayload, MessageSend, MessageSendAck
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.context import now_ms
from chat_desktop.services.events import MessageChanged, MessageReceived, MessageUndecryptable
from chat_desktop.storage.models import Message, Reaction
from chat_desktop.storage.models import Quote as ShownQuote

pytestmark = pytest.mark.integration

DAY_MS = 24 * 60 * 60 * 1000


def new_id() -> str:
    return str(uuid6.uuid7())


async def send_raw(sender: ChatClient, to: str, plaintext: bytes) -> None:
    """Encrypts ``plaintext`` on ``sender``'s session with ``to`` and sends it via the relay."""
    bodies = await sender.run_in_store(sender.presence._encrypt_now, to, plaintext)
    assert bodies, "the sender has a session with the recipient"
    connection = sender._context.connection
    assert connection is not None
    await connection.request(
        events.MESSAGE_SEND,
        MessageSend(
            id=new_id(),
            to=to,
            payloads=[DevicePayload(device_id=device, body=body) for device, body in bodies],
        ),
        MessageSendAck,
    )


async def send_content(sender: ChatClient, to: str, content: Content) -> None:
    await send_raw(sender, to, encode_content(content))


class Scene:
    """Mallory and Bob (and Carol, for another conversation), with one message each way."""

    def __init__(self, mallory: ChatClient, bob: ChatClient, carol: ChatClient) -> None:
        self.mallory, self.bob, self.carol = mallory, bob, carol
        self.log = EventLog(bob)
        self.probes = 0

    async def received(self, text: str) -> str:
        await self.log.wait_for(
            lambda events: any(isinstance(e, MessageReceived) and e.text == text for e in events)
        )
        return next(e.message_id for e in self.log.of_type(MessageReceived) if e.text == text)

    async def probe(self) -> None:
        """A normal message after the hostile ones: once Bob has it, he handled them."""
        self.probes += 1
        text = f"probe {self.probes}"
        await self.mallory.messages.send_text("bob", text)
        await self.received(text)

    async def message(self, peer: str, message_id: str) -> Message:
        message = await self.bob.messages.get(peer, message_id)
        assert message is not None
        return message

    async def nothing_pending_at_the_relay(self, relay: RelayServer) -> None:
        store = relay.context.store
        device = self.bob._context.device_id

        async def empty() -> bool:
            return not await store.pending_envelopes("bob", device, 0, now_ms(), 10)

        await wait_until(empty)


@pytest.fixture
async def scene(tmp_path: Path, relay: RelayServer) -> Any:
    mallory = await new_client(tmp_path, relay.url, "mallory")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    await acquaint(mallory, bob, carol)
    result = Scene(mallory, bob, carol)
    yield result
    result.log.close()
    for client in (mallory, bob, carol):
        await client.close()


async def test_edits_and_deletes_that_are_not_allowed_change_nothing(
    scene: Scene, relay: RelayServer
) -> None:
    hers = await scene.mallory.messages.send_text("bob", "mallory's message")
    await scene.received("mallory's message")
    bobs = await scene.bob.messages.send_text("mallory", "bob's own words")
    mallory_log = EventLog(scene.mallory)
    await mallory_log.wait_for(lambda _: bool(mallory_log.of_type(MessageReceived)))
    mallory_log.close()
    her_message = await scene.message("mallory", hers)
    assert her_message.sent_at is not None
    sent_at = her_message.sent_at

    hostile: list[Content] = [
        # Someone else's message (Bob's own).
        EditContent(id=new_id(), sent_at=sent_at + 1, target_id=bobs, text="forged"),
        DeleteContent(id=new_id(), sent_at=sent_at + 1, message_ids=[bobs]),
        # Her own, but more than 24 h after sending it (by her own clock).
        EditContent(id=new_id(), sent_at=sent_at + DAY_MS + 1, target_id=hers, text="late"),
        DeleteContent(id=new_id(), sent_at=sent_at + DAY_MS + 1, message_ids=[hers]),
        # Before the message was even sent.
        EditContent(id=new_id(), sent_at=sent_at - 1, target_id=hers, text="early"),
        # A message that does not exist.
        EditContent(id=new_id(), sent_at=sent_at + 1, target_id=new_id(), text="nothing"),
    ]
    for content in hostile:
        await send_content(scene.mallory, "bob", content)
    await scene.probe()

    assert (await scene.message("mallory", bobs)).body == "bob's own words"
    unchanged = await scene.message("mallory", hers)
    assert (unchanged.body, unchanged.edited_at, unchanged.deleted) == (
        "mallory's message",
        None,
        False,
    )
    assert await scene.bob.messages.edit_history("mallory", hers) == []
    assert not [e for e in scene.log.of_type(MessageChanged) if e.change != "details"]
    assert not scene.log.of_type(MessageUndecryptable)  # valid contents, just not allowed
    await scene.nothing_pending_at_the_relay(relay)

    # In time by her clock, but the message arrived here more than 24 h + 10 min ago.
    def arrived_long_ago() -> None:
        scene.bob.store._db.execute(
            "UPDATE messages SET received_at = ? WHERE conversation_id = 'mallory' AND id = ?",
            (now_ms() - DAY_MS - 11 * 60 * 1000, hers),
        )

    await scene.bob.run_in_store(arrived_long_ago)
    await send_content(
        scene.mallory,
        "bob",
        EditContent(id=new_id(), sent_at=sent_at + 1, target_id=hers, text="clock games"),
    )
    await send_content(
        scene.mallory, "bob", DeleteContent(id=new_id(), sent_at=sent_at + 1, message_ids=[hers])
    )
    await scene.probe()
    unchanged = await scene.message("mallory", hers)
    assert (unchanged.body, unchanged.deleted) == ("mallory's message", False)


async def test_an_allowed_edit_replayed_is_applied_once(scene: Scene) -> None:
    hers = await scene.mallory.messages.send_text("bob", "typo hree")
    await scene.received("typo hree")
    message = await scene.message("mallory", hers)
    assert message.sent_at is not None
    edit = EditContent(id=new_id(), sent_at=message.sent_at + 5, target_id=hers, text="typo here")
    for _ in range(3):
        await send_content(scene.mallory, "bob", edit)
    await scene.probe()
    assert (await scene.message("mallory", hers)).body == "typo here"
    assert await scene.bob.messages.edit_history("mallory", hers) == [
        (message.sent_at + 5, "typo hree")
    ]
    edited = [e for e in scene.log.of_type(MessageChanged) if e.change == "edited"]
    assert len(edited) == 1


async def test_reactions_bad_emoji_floods_and_replays(scene: Scene) -> None:
    hers = await scene.mallory.messages.send_text("bob", "react here")
    await scene.received("react here")
    sent_at = now_ms()

    # A 10 KiB "emoji" is outside the bounds: the content is invalid (recorded, acked).
    huge = {
        "kind": "reaction",
        "target_id": hers,
        "emoji": "x" * 10 * 1024,
        "remove": False,
        "v": 1,
        "id": new_id(),
        "sent_at": sent_at,
        "expire_timer": 0,
    }
    await send_raw(scene.mallory, "bob", pad(msgspec.msgpack.encode(huge)))
    await scene.probe()
    assert len(scene.log.of_type(MessageUndecryptable)) == 1
    assert (await scene.message("mallory", hers)).reactions == ()

    # A flood: one row per (message, reactor) whatever she sends; the newest wins.
    emoji = ["😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂", "🙂", "🙃"] * 3
    for number, symbol in enumerate(emoji):
        await send_content(
            scene.mallory,
            "bob",
            ReactionContent(id=new_id(), sent_at=sent_at + number, target_id=hers, emoji=symbol),
        )
    await scene.probe()

    def reaction_rows() -> int:
        return int(scene.bob.store._db.query_value("SELECT count(*) FROM message_reactions"))

    assert await scene.bob.run_in_store(reaction_rows) == 1
    assert (await scene.message("mallory", hers)).reactions == (Reaction("mallory", "🙃"),)

    # The same reaction replayed, and an older one arriving late: nothing changes.
    before = len(scene.log.of_type(MessageChanged))
    last = ReactionContent(id=new_id(), sent_at=sent_at + 100, target_id=hers, emoji="👍")
    await send_content(scene.mallory, "bob", last)
    await send_content(scene.mallory, "bob", last)
    await send_content(
        scene.mallory,
        "bob",
        ReactionContent(id=new_id(), sent_at=sent_at + 50, target_id=hers, emoji="👎"),
    )
    await scene.probe()
    assert len(scene.log.of_type(MessageChanged)) == before + 1
    assert (await scene.message("mallory", hers)).reactions == (Reaction("mallory", "👍"),)

    # A reaction to a message of another conversation (Carol's with Bob) goes nowhere.
    carols = await scene.carol.messages.send_text("bob", "carol here")
    await scene.received("carol here")
    await send_content(
        scene.mallory,
        "bob",
        ReactionContent(id=new_id(), sent_at=sent_at + 200, target_id=carols, emoji="💩"),
    )
    await scene.probe()
    assert (await scene.message("carol", carols)).reactions == ()
    assert await scene.bob.run_in_store(reaction_rows) == 1


async def test_quotes_are_looked_up_locally_never_trusted(scene: Scene) -> None:
    bobs = await scene.bob.messages.send_text("mallory", "what bob really said")
    carols = await scene.carol.messages.send_text("bob", "carol's private words")
    await scene.received("carol's private words")
    sent_at = now_ms()

    def reply(text: str, quote: Quote) -> TextContent:
        return TextContent(id=new_id(), sent_at=sent_at, text=text, quote=quote)

    missing = new_id()
    await send_content(
        scene.mallory,
        "bob",
        reply(
            "to nothing", Quote(target_id=missing, author="carol", excerpt="e" * 200, kind="text")
        ),
    )
    await send_content(
        scene.mallory,
        "bob",
        reply(
            "to carol's",
            Quote(target_id=carols, author="carol", excerpt="fake", kind="text"),
        ),
    )
    await send_content(
        scene.mallory,
        "bob",
        reply(
            "to bob's",
            Quote(target_id=bobs, author="mallory", excerpt="bob said yes", kind="attachment"),
        ),
    )
    to_nothing = await scene.received("to nothing")
    to_carols = await scene.received("to carol's")
    to_bobs = await scene.received("to bob's")

    assert (await scene.message("mallory", to_nothing)).quote == ShownQuote(
        missing, "carol", "e" * 200, "text", found=False
    )
    assert (await scene.message("mallory", to_carols)).quote == ShownQuote(
        carols, "carol", "fake", "text", found=False
    )
    assert (await scene.message("mallory", to_bobs)).quote == ShownQuote(
        bobs, "bob", "what bob really said", "text", found=True
    )
    # An excerpt longer than the protocol allows makes the whole content invalid.
    too_long = {
        "kind": "text",
        "text": "long quote",
        "quote": {"target_id": bobs, "author": "bob", "excerpt": "e" * 201, "kind": "text"},
        "v": 1,
        "id": new_id(),
        "sent_at": sent_at,
        "expire_timer": 0,
    }
    await send_raw(scene.mallory, "bob", pad(msgspec.msgpack.encode(too_long)))
    await scene.probe()
    assert len(scene.log.of_type(MessageUndecryptable)) == 1
