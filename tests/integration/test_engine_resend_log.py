"""The send log: a retry request re-sends only what that device may have, to the key it had.

The relay here is the real one with ``message:send`` seen by the test (and, when told,
swallowed with a genuine-looking ack, or refused as a transient failure), so a test can keep
a message undelivered or a resend queued. A hostile relay's own PreKey message is made by a
real account (Mallory) and stored as if Bob's device 1 had sent it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from engine_helpers import PASSWORD, EventLog, acquaint, new_client, wait_until
from test_linked_devices import link_device

from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.message_content import (
    Content,
    RetryContent,
    TextContent,
    decode_content,
    encode_content,
)
from chat_desktop.protocol.schemas import DevicePayload, MessageSend, MessageSendAck
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.dispatch import register_event
from chat_desktop.relay.handlers import message
from chat_desktop.relay.sessions import ConnectedDevice
from chat_desktop.services.client import ChatClient
from chat_desktop.services.context import new_message_id, now_ms
from chat_desktop.services.events import IdentityKeyChanged, MessageReceived, TypingChanged
from chat_desktop.services.sending import decode_payload
from chat_desktop.storage.models import MessageStatus

pytestmark = pytest.mark.integration

#: (sender, recipient, request) of a send the test intercepts.
SendRule = Callable[[str, MessageSend], bool]


class WatchedRelay:
    """The real relay, with every ``message:send`` recorded and optionally swallowed or held."""

    def __init__(self, relay: RelayServer) -> None:
        self.context: RelayContext = relay.context
        self.sent: list[tuple[str, MessageSend]] = []
        #: Sends acked without being stored (the recipient never gets them).
        self.swallow: SendRule | None = None
        #: Sends refused as a transient failure (they stay in the sender's outbox).
        self.hold: SendRule | None = None
        register_event(self.context, wire_events.MESSAGE_SEND, MessageSend, self._send)

    async def _send(
        self, context: RelayContext, device: ConnectedDevice, request: MessageSend
    ) -> MessageSendAck:
        self.sent.append((device.user, request))
        if self.hold is not None and self.hold(device.user, request):
            raise ProtocolError(ErrorCode.INTERNAL, "held by the test")
        if self.swallow is not None and self.swallow(device.user, request):
            return MessageSendAck(server_ts=context.clock())
        return await message.send(context, device, request)

    def sends(self, sender: str, to: str, since: int = 0) -> list[MessageSend]:
        return [
            request for user, request in self.sent[since:] if (user, request.to) == (sender, to)
        ]

    async def inject(
        self, sender: str, sender_device: int, to: str, payloads: Sequence[DevicePayload]
    ) -> None:
        """Stores an envelope as if ``sender``'s device had sent it (what a relay can do)."""
        stored = await self.context.store.store_message(
            sender, sender_device, new_message_id(), to, payloads, None, self.context.clock()
        )
        for envelope in stored.envelopes:
            connection = self.context.sessions.by_device(
                envelope.recipient, envelope.recipient_device
            )
            if connection is not None:
                connection.delivery.push(envelope)


def alice_to_bob(sender: str, request: MessageSend) -> bool:
    return sender == "alice" and request.to == "bob"


async def prekey_message(
    impostor: ChatClient, victim: str, content: Content
) -> list[DevicePayload]:
    """A PreKey message of ``impostor``'s own identity key to each of ``victim``'s devices."""
    assert await impostor.conversations.start(victim)

    def encrypt() -> list[DevicePayload]:
        store, sessions = impostor.store, impostor._context.sessions
        payloads = []
        for device_id in sessions.devices(store, victim):
            session = sessions.get(store, victim, device_id)
            assert session is not None
            payloads.append(
                DevicePayload(device_id=device_id, body=session.encrypt(encode_content(content)))
            )
        return payloads

    result: list[DevicePayload] = await impostor.run_in_store(encrypt)
    return result


def retry_for(ids: list[str]) -> Callable[[str, int, int], Content]:
    def make(message_id: str, sent_at: int, timer: int) -> Content:
        return RetryContent(id=message_id, sent_at=sent_at, message_ids=ids)

    return make


async def queued_copies(client: ChatClient, peer: str, message_ids: Sequence[str]) -> int:
    """How many outbox entries to ``peer`` carry one of these messages (as sent or resent)."""

    def count() -> int:
        found = 0
        for entry in client.store.outbox.pending(10_000) + client.store.outbox.failed():
            if entry.recipient != peer:
                continue
            payload = decode_payload(entry.payload)
            resend = getattr(payload, "resend", None)
            for plaintext in (payload.content, None if resend is None else resend.content):
                if plaintext is None:
                    continue
                content = decode_content(plaintext)
                if isinstance(content, TextContent) and content.id in message_ids:
                    found += 1
        return found

    result: int = await client.run_in_store(count)
    return result


async def status_is(client: ChatClient, peer: str, message_id: str, status: MessageStatus) -> bool:
    stored = await client.messages.get(peer, message_id)
    return stored is not None and stored.status is status


async def outbox_empty(client: ChatClient) -> bool:
    return not await client.run_in_store(client.store.outbox.pending, 10)


async def typing_barrier(sender: ChatClient, receiver: ChatClient, log: EventLog) -> None:
    """Returns once ``receiver`` handled everything ``sender`` queued before (same order)."""
    await wait_until(lambda: outbox_empty(sender))
    before = len(log.of_type(TypingChanged))
    await sender.presence.set_typing(receiver.username, True)
    await log.wait_for(lambda _events: len(log.of_type(TypingChanged)) > before)


@pytest.fixture
async def people(tmp_path: Path, relay: RelayServer):  # type: ignore[no-untyped-def]
    watched = WatchedRelay(relay)
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(alice, bob)
    clients = [alice, bob]
    try:
        yield watched, alice, bob, clients
    finally:
        for client in clients:
            await client.close()


@pytest.mark.parametrize("verified", [False, True])
async def test_a_relay_key_asking_for_delivered_messages_gets_nothing(
    tmp_path: Path,
    relay: RelayServer,
    people,
    verified: bool,  # type: ignore[no-untyped-def]
) -> None:
    watched, alice, bob, clients = people
    mallory = await new_client(tmp_path, relay.url, "mallory")
    clients.append(mallory)
    log = EventLog(alice)
    try:
        ids = [await alice.messages.send_text("bob", f"secret {n}") for n in range(3)]
        for message_id in ids:
            await wait_until(
                lambda m=message_id: status_is(alice, "bob", m, MessageStatus.DELIVERED)
            )
        if verified:
            await alice.trust.mark_verified("bob")
        mark = len(watched.sent)
        # The relay's own PreKey message, stored as Bob's device 1, asks for all three.
        retry = RetryContent(id=new_message_id(), sent_at=now_ms(), message_ids=ids)
        payloads = await prekey_message(mallory, "alice", retry)
        await watched.inject("bob", bob._context.device_id, "alice", payloads)
        await log.wait_for(lambda events: any(isinstance(e, IdentityKeyChanged) for e in events))
        assert log.of_type(IdentityKeyChanged)[0].sending_paused is verified
        # The key change and the retry were handled in one transaction: nothing was queued.
        assert await queued_copies(alice, "bob", ids) == 0
        if verified:
            await alice.trust.accept_identity("bob")
            assert await queued_copies(alice, "bob", ids) == 0
        assert watched.sends("alice", "bob", mark) == []
    finally:
        log.close()


async def test_a_retry_from_another_device_than_the_message_went_to_is_not_honoured(
    tmp_path: Path,
    relay: RelayServer,
    people,  # type: ignore[no-untyped-def]
) -> None:
    watched, alice, bob, clients = people
    alice_log = EventLog(alice)
    bob_log = EventLog(bob)
    try:
        await alice.messages.send_text("bob", "hello")
        await bob_log.wait_for(lambda events: any(isinstance(e, MessageReceived) for e in events))
        # The next message reaches the relay (acked) but never Bob's device 1: undelivered.
        watched.swallow = alice_to_bob
        lost = await alice.messages.send_text("bob", "only ever sent to device 1")
        await wait_until(lambda: status_is(alice, "bob", lost, MessageStatus.SENT))
        watched.swallow = None
        bob2 = await link_device(bob, tmp_path, relay.url, "bob-2", "Bob's laptop", history=False)
        clients.append(bob2)
        mark = len(watched.sent)
        await bob2.messages.queue_content("alice", retry_for([lost]), kind=None)
        await typing_barrier(bob2, alice, alice_log)
        assert await queued_copies(alice, "bob", [lost]) == 0
        assert watched.sends("alice", "bob", mark) == []

        # The device it went to may have it again, and gets it.
        await bob.messages.queue_content("alice", retry_for([lost]), kind=None)
        await wait_until(lambda: status_is(bob, "alice", lost, MessageStatus.DELIVERED))
        stored = await bob.messages.get("alice", lost)
        assert stored is not None and stored.body == "only ever sent to device 1"
    finally:
        alice_log.close()
        bob_log.close()


async def test_delete_for_everyone_cancels_a_queued_resend(people) -> None:  # type: ignore[no-untyped-def]
    watched, alice, bob, _clients = people
    bob_log = EventLog(bob)
    try:
        await alice.messages.send_text("bob", "hello")
        await bob_log.wait_for(lambda events: any(isinstance(e, MessageReceived) for e in events))
        watched.swallow = alice_to_bob
        lost = await alice.messages.send_text("bob", "regretted")
        await wait_until(lambda: status_is(alice, "bob", lost, MessageStatus.SENT))
        watched.swallow = None
        watched.hold = alice_to_bob  # what Alice queues for Bob now stays queued
        await bob.messages.queue_content("alice", retry_for([lost]), kind=None)
        await wait_until(lambda: _has_copies(alice, "bob", lost))
        await alice.messages.delete_for_everyone("bob", lost)
        assert await queued_copies(alice, "bob", [lost]) == 0
    finally:
        bob_log.close()


async def _has_copies(client: ChatClient, peer: str, message_id: str) -> bool:
    return await queued_copies(client, peer, [message_id]) > 0


async def test_the_resend_counter_survives_a_restart(
    tmp_path: Path,
    people,  # type: ignore[no-untyped-def]
) -> None:
    watched, alice, bob, clients = people
    bob_log = EventLog(bob)
    try:
        await alice.messages.send_text("bob", "hello")
        await bob_log.wait_for(lambda events: any(isinstance(e, MessageReceived) for e in events))
        mark = len(watched.sent)
        watched.swallow = alice_to_bob  # nothing of Alice's reaches Bob: never delivered
        lost = await alice.messages.send_text("bob", "asked for again and again")
        await wait_until(lambda: status_is(alice, "bob", lost, MessageStatus.SENT))
        for round_ in range(1, 4):
            await bob.messages.queue_content("alice", retry_for([lost]), kind=None)
            await wait_until(
                lambda r=round_: _sent_count(watched, mark, 1 + r)  # the original + r resends
            )

        await alice.close()
        clients.remove(alice)
        alice = await ChatClient.unlock(tmp_path / "alice", PASSWORD)
        clients.append(alice)
        await alice.connect()
        await alice.wait_connected()
        alice_log = EventLog(alice)
        try:
            await bob.messages.queue_content("alice", retry_for([lost]), kind=None)
            await typing_barrier(bob, alice, alice_log)
            assert await queued_copies(alice, "bob", [lost]) == 0
            assert len(watched.sends("alice", "bob", mark)) == 4
        finally:
            alice_log.close()
    finally:
        bob_log.close()


async def _sent_count(watched: WatchedRelay, mark: int, count: int) -> bool:
    return len(watched.sends("alice", "bob", mark)) >= count


async def test_a_delivered_message_leaves_no_entry(people) -> None:  # type: ignore[no-untyped-def]
    _watched, alice, _bob, _clients = people
    sent = await alice.messages.send_text("bob", "hello")
    await wait_until(lambda: status_is(alice, "bob", sent, MessageStatus.DELIVERED))

    def entries() -> int:
        return len(alice.store.send_log.entries("bob", sent))

    assert await alice.run_in_store(entries) == 0
