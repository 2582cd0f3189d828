"""A relay that lies about a contact's devices never gets a byte encrypted to its own key.

The relay here is the real one, with its ``keys:bundle`` answer replaced by one the test
controls (the same validation path, so only the answer's content is hostile). Mallory is a
real account whose genuine bundle the hostile relay passes off as one of Bob's devices.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
from engine_helpers import EventLog, new_client, wait_until

from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.schemas import (
    DeviceBundle,
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
from chat_desktop.services.events import DeviceKeyRefused, IdentityKeyChanged, MessageReceived
from chat_desktop.storage.models import MessageStatus

pytestmark = pytest.mark.integration

BundleRewrite = Callable[[list[DeviceBundle], list[DeviceBundle]], list[DeviceBundle]]


class HostileRelay:
    """Rewrites Bob's bundle answers with Mallory's keys and records every send's devices."""

    def __init__(self, relay: RelayServer) -> None:
        self.context: RelayContext = relay.context
        self.rewrite: BundleRewrite | None = None
        self.sent: list[tuple[str, list[int]]] = []
        register_event(self.context, wire_events.KEYS_BUNDLE, KeysBundleRequest, self._bundle)
        register_event(self.context, wire_events.MESSAGE_SEND, MessageSend, self._send)

    async def _bundle(
        self, context: RelayContext, device: ConnectedDevice, request: KeysBundleRequest
    ) -> KeysBundleAck:
        genuine = await crypto.bundle(context, device, request)
        if request.user != "bob" or self.rewrite is None:
            return genuine
        mallory = await crypto.bundle(context, device, KeysBundleRequest(user="mallory"))
        return KeysBundleAck(devices=self.rewrite(list(genuine.devices), list(mallory.devices)))

    async def _send(
        self, context: RelayContext, device: ConnectedDevice, request: MessageSend
    ) -> MessageSendAck:
        self.sent.append((request.to, [payload.device_id for payload in request.payloads]))
        return await message.send(context, device, request)


def as_device(bundle: DeviceBundle, device_id: int) -> DeviceBundle:
    """Mallory's genuine bundle, relabelled as one of Bob's devices."""
    return msgspec.structs.replace(bundle, device_id=device_id)


async def foreign_sessions(client: ChatClient, peer: str, foreign_key: bytes) -> int:
    """How many stored sessions (current or earlier) of ``client`` are bound to a key."""

    def count() -> int:
        store = client.store
        found = 0
        for device_id in store.secrets.session_devices(peer):
            record = client._context.sessions.record(store, peer, device_id)
            assert record is not None
            sessions = [record.current, *record.previous]
            found += sum(
                1 for s in sessions if s is not None and s.remote_identity_key == foreign_key
            )
        return found

    result: int = await client.run_in_store(count)
    return result


async def identity_of(client: ChatClient) -> bytes:
    return client._context.identity.public_key


async def lose_sessions(client: ChatClient, peer: str) -> None:
    """Test set-up: the client lost its sessions with ``peer`` (so it fetches bundles again)."""

    def drop() -> None:
        with client.store.transaction():
            client._context.sessions.drop_peer(client.store, peer)

    await client.run_in_store(drop)


async def pending(client: ChatClient, peer: str, message_id: str) -> bool:
    stored = await client.messages.get(peer, message_id)
    return stored is not None and stored.status is MessageStatus.PENDING


@pytest.fixture
async def people(tmp_path: Path, relay: RelayServer):  # type: ignore[no-untyped-def]
    hostile = HostileRelay(relay)
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    mallory = await new_client(tmp_path, relay.url, "mallory")
    try:
        yield hostile, alice, bob, mallory
    finally:
        for client in (alice, bob, mallory):
            await client.close()


async def test_an_extra_device_with_a_foreign_key_gets_nothing(people) -> None:  # type: ignore[no-untyped-def]
    hostile, alice, _bob, mallory = people
    hostile.rewrite = lambda bobs, mallorys: [*bobs, as_device(mallorys[0], 2)]
    log = EventLog(alice)
    try:
        first = await alice.messages.send_text("bob", "for bob only")
        await log.wait_for(lambda events: any(isinstance(e, IdentityKeyChanged) for e in events))
        change = log.of_type(IdentityKeyChanged)[0]
        assert change.peer == "bob" and change.sending_paused
        await asyncio.sleep(1.0)  # time enough to have sent it, were it allowed
        assert await pending(alice, "bob", first)
        assert not [devices for to, devices in hostile.sent if to == "bob"]
        assert await foreign_sessions(alice, "bob", await identity_of(mallory)) == 0
    finally:
        log.close()


async def test_a_known_device_answered_with_another_key_pauses_a_verified_contact(people) -> None:  # type: ignore[no-untyped-def]
    hostile, alice, bob, mallory = people
    bob_log = EventLog(bob)
    alice_log = EventLog(alice)
    try:
        hello = await alice.messages.send_text("bob", "hello")
        await bob_log.wait_for(lambda events: any(isinstance(e, MessageReceived) for e in events))
        await alice.trust.mark_verified("bob")
        await lose_sessions(alice, "bob")
        # Same device id, Mallory's key: a key change, whatever device it names.
        hostile.rewrite = lambda bobs, mallorys: [as_device(mallorys[0], bobs[0].device_id)]
        sent_before = len(hostile.sent)
        second = await alice.messages.send_text("bob", "still you?")
        await alice_log.wait_for(
            lambda events: any(isinstance(e, IdentityKeyChanged) for e in events)
        )
        assert alice_log.of_type(IdentityKeyChanged)[0].sending_paused
        await asyncio.sleep(1.0)
        assert await pending(alice, "bob", second)
        assert not [d for to, d in hostile.sent[sent_before:] if to == "bob"]
        assert await foreign_sessions(alice, "bob", await identity_of(mallory)) == 0
        assert hello
    finally:
        alice_log.close()
        bob_log.close()


async def test_a_device_that_appears_with_another_key_is_refused_alone(people) -> None:  # type: ignore[no-untyped-def]
    """The answer's other device carries Bob's trusted key: only the new one is refused
    (told once), Bob's key and sending to his real device stay (docs/protocol.md §8)."""
    hostile, alice, bob, mallory = people
    bob_log = EventLog(bob)
    alice_log = EventLog(alice)
    try:
        await alice.messages.send_text("bob", "first fetch: the real device")
        await bob_log.wait_for(lambda events: any(isinstance(e, MessageReceived) for e in events))
        sent_before = len(hostile.sent)
        await lose_sessions(alice, "bob")
        hostile.rewrite = lambda bobs, mallorys: [*bobs, as_device(mallorys[0], 7)]
        await alice.messages.send_text("bob", "second fetch: a device appeared")
        await bob_log.wait_for(
            lambda events: len([e for e in events if isinstance(e, MessageReceived)]) == 2
        )
        refused = alice_log.of_type(DeviceKeyRefused)
        assert [(e.peer, e.device_id) for e in refused] == [("bob", 7)]
        assert alice_log.of_type(IdentityKeyChanged) == []
        to_bob = [d for to, d in hostile.sent[sent_before:] if to == "bob"]
        assert to_bob and all(d == [bob._context.device_id] for d in to_bob)
        assert await foreign_sessions(alice, "bob", await identity_of(mallory)) == 0
    finally:
        alice_log.close()
        bob_log.close()


async def test_an_answer_naming_a_device_twice_is_refused(people) -> None:  # type: ignore[no-untyped-def]
    hostile, alice, _bob, _mallory = people
    hostile.rewrite = lambda bobs, mallorys: [*bobs, bobs[0]]
    queued = await alice.messages.send_text("bob", "hello")
    await asyncio.sleep(1.5)
    assert await pending(alice, "bob", queued)
    assert not [d for to, d in hostile.sent if to == "bob"]
    assert await alice.run_in_store(alice.store.secrets.session_devices, "bob") == []

    # Once the relay answers honestly again, the message goes out.
    hostile.rewrite = None
    alice._engine.sender._bundle_retry_at.clear()
    alice._engine.sender.wake()

    async def delivered() -> bool:
        return not await pending(alice, "bob", queued)

    await wait_until(delivered)
