"""A removed device of ours gets nothing again, whatever the relay says; a new one is announced.

Alice has three devices (A1, A2, A3) on the real relay, whose ``devices:list``,
``message:send`` and ``keys:bundle`` answers the test can rewrite (the relay's own validation
path; only the answers' content is hostile). After A1 removes A2, a relay that still holds
IK on A2's side lists A2 again, answers a send with ``mismatched_devices`` naming it missing,
and hands out a bundle for it (signed with Alice's real identity key): A1 never encrypts a
byte to A2. Every own device is told when the account's device set grows (docs/protocol.md
§6.11).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from engine_helpers import EventLog, new_client, wait_until
from relay_harness import make_pq_prekey, make_signed_prekey, new_message_id
from test_linked_devices import link_device

from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.message_content import ReadSyncContent
from chat_desktop.protocol.schemas import (
    DeviceBundle,
    DeviceInfo,
    DevicesList,
    EmptyRequest,
    KeysBundleAck,
    KeysBundleRequest,
    MessageSend,
    MessageSendAck,
)
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.dispatch import register_event
from chat_desktop.relay.handlers import crypto, devices, message
from chat_desktop.relay.sessions import ConnectedDevice
from chat_desktop.services import sync
from chat_desktop.services.client import ChatClient
from chat_desktop.services.devices import OWN_DEVICES_SETTING, is_removed_own_device
from chat_desktop.services.events import OwnDeviceLinked, ReadElsewhere, RemovedDeviceListed

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


class OwnDevicesRelay:
    """The real relay, with Alice's device list, sends and bundles open to rewriting."""

    def __init__(self, relay: RelayServer) -> None:
        self.context: RelayContext = relay.context
        #: Devices added to every ``devices:list`` answer for Alice.
        self.listed_too: list[DeviceInfo] = []
        #: Device ids the next send to Alice is told it is missing (once).
        self.missing_once: tuple[int, ...] = ()
        self.mismatches_answered = 0
        #: Bundles handed out for Alice's devices, by id, whatever the relay holds.
        self.bundles: dict[int, DeviceBundle] = {}
        self.bundles_asked: list[list[int] | None] = []
        #: Every send: (recipient, sending device, the devices it has ciphertext for).
        self.sent: list[tuple[str, int, list[int]]] = []
        register_event(self.context, wire_events.DEVICES_LIST, EmptyRequest, self._list)
        register_event(self.context, wire_events.MESSAGE_SEND, MessageSend, self._send)
        register_event(self.context, wire_events.KEYS_BUNDLE, KeysBundleRequest, self._bundle)

    async def _list(
        self, context: RelayContext, device: ConnectedDevice, request: EmptyRequest
    ) -> DevicesList:
        genuine = await devices.list_devices(context, device, request)
        if device.user != "alice" or not self.listed_too:
            return genuine
        return DevicesList(devices=[*genuine.devices, *self.listed_too])

    async def _send(
        self, context: RelayContext, device: ConnectedDevice, request: MessageSend
    ) -> MessageSendAck:
        self.sent.append(
            (request.to, device.device_id, [payload.device_id for payload in request.payloads])
        )
        if request.to == "alice" and self.missing_once:
            missing, self.missing_once = self.missing_once, ()
            self.mismatches_answered += 1
            raise ProtocolError(ErrorCode.MISMATCHED_DEVICES, "devices changed", missing=missing)
        return await message.send(context, device, request)

    async def _bundle(
        self, context: RelayContext, device: ConnectedDevice, request: KeysBundleRequest
    ) -> KeysBundleAck:
        if request.user != "alice":
            return await crypto.bundle(context, device, request)
        self.bundles_asked.append(None if request.devices is None else list(request.devices))
        wanted = set(request.devices or ())
        forged = [bundle for device_id, bundle in self.bundles.items() if device_id in wanted]
        rest = sorted(wanted - set(self.bundles))
        genuine: list[DeviceBundle] = []
        if rest or request.devices is None:
            asked = KeysBundleRequest(user="alice", devices=rest or None)
            genuine = list((await crypto.bundle(context, device, asked)).devices)
        return KeysBundleAck(devices=[*genuine, *forged])


def forged_bundle(alice: ChatClient, device_id: int) -> DeviceBundle:
    """A bundle for ``device_id`` signed with Alice's real identity key (the removed device
    still has it, and a relay on its side can publish what it makes)."""
    identity = alice._context.identity
    return DeviceBundle(
        device_id=device_id,
        identity_key=identity.public_key,
        signed_prekey=make_signed_prekey(identity, 7001),
        pq_prekey=make_pq_prekey(identity, 7002, last_resort=True),
    )


async def knows_its_devices(client: ChatClient) -> bool:
    """Whether ``client`` stored the account's device set at least once."""
    saved = await client.run_in_store(client.store.settings.get, OWN_DEVICES_SETTING)
    return saved is not None


async def removed_on(client: ChatClient, device_id: int) -> bool:
    result: bool = await client.run_in_store(is_removed_own_device, client.store, device_id)
    return result


async def has_text(client: ChatClient, peer: str, text: str) -> bool:
    return any(m.body == text for m in await client.messages.history(peer, limit=100))


def linked_events(log: EventLog) -> list[tuple[int, str | None]]:
    return [(e.device_id, e.name) for e in log.of_type(OwnDeviceLinked)]


async def test_a_removed_device_gets_nothing_and_a_new_one_is_announced_everywhere(
    tmp_path: Path, relay: RelayServer
) -> None:
    hostile = OwnDevicesRelay(relay)
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    a1_log = EventLog(a1)
    clients = [a1, bob]
    logs = [a1_log]
    try:
        await wait_until(functools.partial(knows_its_devices, a1))
        a2 = await link_device(a1, tmp_path, relay.url, "alice2", "Laptop", history=False)
        clients.append(a2)
        a2_log = EventLog(a2)
        logs.append(a2_log)
        await a1_log.wait_for(lambda _e: bool(linked_events(a1_log)))
        assert linked_events(a1_log) == [(a2.device_id, "Laptop")]
        await wait_until(functools.partial(knows_its_devices, a2))

        # A third device: both earlier devices are told; the new one is told of nothing.
        a3 = await link_device(a1, tmp_path, relay.url, "alice3", "Tablet", history=False)
        clients.append(a3)
        a3_log = EventLog(a3)
        logs.append(a3_log)
        await a1_log.wait_for(lambda _e: len(linked_events(a1_log)) == 2)
        await a2_log.wait_for(lambda _e: bool(linked_events(a2_log)))
        assert linked_events(a1_log)[1] == (a3.device_id, "Tablet")
        assert linked_events(a2_log) == [(a3.device_id, "Tablet")]
        await wait_until(functools.partial(knows_its_devices, a3))
        assert await a3.devices.list()  # its own first set, announced to nobody
        assert linked_events(a3_log) == []

        a2_info = next(
            d
            for d in await relay.context.store.list_devices("alice")
            if d.device_id == a2.device_id
        )
        await a1.devices.unlink(a2.device_id)
        assert await removed_on(a1, a2.device_id)
        await wait_until(functools.partial(removed_on, a3, a2.device_id))  # from the push
        sent_before = len(hostile.sent)

        # The relay lists A2 again: ignored, warned about once, not announced as new.
        hostile.listed_too = [a2_info]
        listed = {d.device_id for d in await a1.devices.list()}
        assert listed == {a1.device_id, a3.device_id}
        await a1.devices.list()
        warnings = [e.device_id for e in a1_log.of_type(RemovedDeviceListed)]
        assert warnings == [a2.device_id]
        assert [d for d, _ in linked_events(a1_log)] == [a2.device_id, a3.device_id]

        # A send whose sync copy the relay says lacks A2, with a bundle for A2 on offer.
        hostile.bundles[a2.device_id] = forged_bundle(a1, a2.device_id)
        hostile.missing_once = (a2.device_id,)
        await a1.messages.send_text("bob", "after the removal")
        await wait_until(functools.partial(has_text, a3, "bob", "after the removal"))
        await wait_until(functools.partial(has_text, bob, "alice", "after the removal"))
        assert hostile.mismatches_answered == 1
        after = hostile.sent[sent_before:]
        to_alice = [ids for to, sender, ids in after if to == "alice" and sender == a1.device_id]
        assert to_alice, "the sync copy went out"
        assert all(a2.device_id not in ids for ids in to_alice), after
    finally:
        for log in logs:
            log.close()
        for client in reversed(clients):
            await client.close()


async def test_sync_contents_from_a_removed_device_are_refused(
    tmp_path: Path, relay: RelayServer
) -> None:
    """What a relay still delivers from a removed device changes nothing here."""
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    a2 = await link_device(a1, tmp_path, relay.url, "alice2", history=False)
    try:
        unread = await bob.messages.send_text("alice", "still unread")
        await wait_until(functools.partial(has_text, a1, "bob", "still unread"))
        await a1.devices.unlink(a2.device_id)
        read = ReadSyncContent(id=new_message_id(), sent_at=1, peer="bob", message_ids=[unread])

        def apply() -> object:
            with a1.store.transaction():
                return sync.apply_sync(a1._context, a1.store, read, a2.device_id, 1)

        events, attachments = await a1.run_in_store(apply)  # type: ignore[misc]
        assert (events, attachments) == ([], [])
        assert not [e for e in events if isinstance(e, ReadElsewhere)]
        stored = await a1.messages.get("bob", unread)
        assert stored is not None and stored.read_at is None
    finally:
        for client in (a2, bob, a1):
            await client.close()
