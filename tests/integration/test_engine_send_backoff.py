"""A relay that keeps asking for a device we refuse never makes the outbox spin (issue 18 §6).

The relay is the real one, with a device of another identity key written straight into its
database (what a hostile operator can do) and, when told, ``keys:bundle`` answered with
``rate_limited``; every ``message:send`` it receives is counted. Whether the outbox settles
is shown without timing: a message to a third person is sent and delivered after the refused
one (the drain went past the refused entry several times meanwhile), and only then are the
sends counted.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import EventLog, acquaint, new_client, wait_until
from test_linked_devices import _insert_hostile_device, link_device

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import (
    KeysBundleAck,
    KeysBundleRequest,
    MessageSend,
    MessageSendAck,
)
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.dispatch import register_event
from chat_desktop.relay.handlers import crypto, message
from chat_desktop.relay.sessions import ConnectedDevice
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import (
    DeviceKeyRefused,
    IdentityKeyChanged,
    SendingDeferred,
)
from chat_desktop.storage.models import MessageStatus

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


class CountingRelay:
    """The real relay; counts ``message:send`` per (sender, recipient) and can refuse bundles."""

    def __init__(self, relay: RelayServer) -> None:
        self.context: RelayContext = relay.context
        self.sent: list[tuple[str, str]] = []
        #: ``(user, devices)`` of bundle requests answered with ``rate_limited``.
        self.limited: tuple[str, list[int] | None] | None = None
        self.bundle_requests: list[tuple[str, list[int] | None]] = []
        register_event(self.context, wire_events.MESSAGE_SEND, MessageSend, self._send)
        register_event(self.context, wire_events.KEYS_BUNDLE, KeysBundleRequest, self._bundle)

    async def _send(
        self, context: RelayContext, device: ConnectedDevice, request: MessageSend
    ) -> MessageSendAck:
        self.sent.append((device.user, request.to))
        return await message.send(context, device, request)

    async def _bundle(
        self, context: RelayContext, device: ConnectedDevice, request: KeysBundleRequest
    ) -> KeysBundleAck:
        self.bundle_requests.append((request.user, request.devices))
        if self.limited == (request.user, request.devices):
            raise ProtocolError(ErrorCode.RATE_LIMITED, "slow down", retry_after=60.0)
        return await crypto.bundle(context, device, request)

    def sends(self, sender: str, to: str) -> int:
        return sum(1 for pair in self.sent if pair == (sender, to))


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """What reaches the event loop's exception handler (an unhandled task exception)."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    yield errors
    gc.collect()  # a task that died unobserved reports when it is collected
    loop.set_exception_handler(previous)


async def delivered(client: ChatClient, peer: str, message_id: str) -> bool:
    stored = await client.messages.get(peer, message_id)
    return stored is not None and stored.status in (MessageStatus.DELIVERED, MessageStatus.READ)


async def status(client: ChatClient, peer: str, message_id: str, wanted: MessageStatus) -> bool:
    stored = await client.messages.get(peer, message_id)
    return stored is not None and stored.status is wanted


async def has_text(client: ChatClient, peer: str, text: str) -> bool:
    return any(m.body == text for m in await client.messages.history(peer, limit=50))


async def barrier(sender: ChatClient, receiver: ChatClient) -> None:
    """Returns once a message ``sender`` queues now reached ``receiver`` (the outbox drained
    past everything queued before it)."""
    text = f"barrier {len(await receiver.messages.history(sender.username, limit=500))}"
    await sender.messages.send_text(receiver.username, text)
    await wait_until(lambda: has_text(receiver, sender.username, text))


@pytest.mark.parametrize("rate_limited", [False, True])
async def test_a_foreign_own_device_the_relay_insists_on_backs_off_once(
    tmp_path: Path,
    relay: RelayServer,
    loop_errors: list[dict[str, Any]],
    rate_limited: bool,
) -> None:
    counting = CountingRelay(relay)
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    a2 = await link_device(a1, tmp_path, relay.url, "alice2", history=False)
    log = EventLog(a1)
    try:
        # The relay slips device 9 into Alice's own account, with another identity key.
        _insert_hostile_device(relay, "alice", 9, IdentityKeyPair.generate())
        if rate_limited:
            counting.limited = ("alice", [9])
        first = await a1.messages.send_text("bob", "the transcript of this goes to my own devices")
        # (Sent, not delivered: Bob's receipt would have to go to device 9 too.)
        await wait_until(lambda: status(a1, "bob", first, MessageStatus.SENT))
        await log.wait_for(
            lambda events: any(isinstance(e, SendingDeferred) and e.peer == "alice" for e in events)
        )
        await barrier(a1, carol)
        await barrier(a1, carol)
        # One attempt, the refusal, then nothing more until the back-off ends.
        assert counting.sends("alice", "alice") <= 2
        assert len(log.of_type(SendingDeferred)) == 1
        assert not await has_text(a2, "bob", "the transcript of this goes to my own devices")
    finally:
        log.close()
        for client in (a2, carol, bob, a1):
            await client.close()
    gc.collect()
    assert [c for c in loop_errors if "exception" in c] == []


async def test_a_contacts_device_with_another_key_is_refused_alone_once(
    tmp_path: Path, relay: RelayServer, loop_errors: list[dict[str, Any]]
) -> None:
    counting = CountingRelay(relay)
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    await acquaint(alice, bob, carol)
    log = EventLog(bob)
    try:
        hello = await bob.messages.send_text("alice", "hello")
        await wait_until(lambda: delivered(bob, "alice", hello))
        await bob.trust.mark_verified("alice")
        # The relay gives Alice a device 2 with another identity key than hers.
        _insert_hostile_device(relay, "alice", 2, IdentityKeyPair.generate())
        waiting = await bob.messages.send_text("alice", "still only you?")
        await log.wait_for(lambda events: any(isinstance(e, DeviceKeyRefused) for e in events))
        refused = log.of_type(DeviceKeyRefused)
        assert [(e.peer, e.device_id) for e in refused] == [("alice", 2)]
        await barrier(bob, carol)
        # The user tries "accept" anyway (as after a key change notice): nothing loops.
        await bob.trust.accept_identity("alice")
        again = await bob.messages.send_text("alice", "and now?")
        await barrier(bob, carol)
        await barrier(bob, carol)
        assert log.of_type(IdentityKeyChanged) == []
        assert len(log.of_type(DeviceKeyRefused)) == 1
        assert await bob.trust.is_verified("alice")
        assert counting.sends("bob", "alice") <= 3  # hello, then one refused attempt (+1)
        sessions = await bob.run_in_store(bob.store.secrets.session_devices, "alice")
        assert 2 not in sessions
        assert await relay.context.store.pending_envelopes("alice", 2, 0, 2**62, 100) == []
        for message_id in (waiting, again):
            stored = await bob.messages.get("alice", message_id)
            assert stored is not None and stored.status is MessageStatus.PENDING
    finally:
        log.close()
        for client in (carol, bob, alice):
            await client.close()
    gc.collect()
    assert [c for c in loop_errors if "exception" in c] == []
