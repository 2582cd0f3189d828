"""This account's devices: the device key, the known device set, listing and unlinking.

Every device of an account shares the identity key IK and has its own Ed25519 device key DK
(docs/protocol.md §6.11), certified by IK; the relay checks CONNECT against DK, so unlinking a
device locks it out although it knows IK. The set of our own other devices decides where sync
copies go; it is kept in the store (``devices:list`` at every connect, ``devices:changed``
pushes) so queueing a message knows it without a round trip.

Device ids are never reused (docs/protocol.md §6.11): a device that left the set (we removed
it, or the relay's list no longer names it) is remembered as removed, in the encrypted store,
and is never encrypted to again, whatever a relay says later (a removed device still knows the
identity key, and a relay on its side could list it again). A set that grows is announced
(:class:`OwnDeviceLinked`), so a device added behind the user's back is seen on every device.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable
from typing import Any

import msgspec

from chat_desktop.crypto.device_key import (
    DeviceKeyPair,
    decrypt_device_name,
    make_device_certificate,
)
from chat_desktop.crypto.errors import CryptoError
from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.net.errors import NotConnected
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import (
    DeviceInfo,
    DeviceKeyRegistration,
    DevicesList,
    DevicesRemove,
    EmptyAck,
    EmptyRequest,
)
from chat_desktop.services.account_record import DEVICE_SETTING
from chat_desktop.services.context import EngineContext, now_ms
from chat_desktop.services.events import (
    ConnectionChanged,
    ConnectionState,
    DevicesChanged,
    DeviceUnlinked,
    OwnDeviceLinked,
    RemovedDeviceListed,
)
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

#: Where the device key's seed is kept (sealed like a prekey, one row).
DEVICE_KEY_KIND = "device_key"
#: Set once the relay has our DK (a profile made before linked devices registers it late).
DEVICE_KEY_REGISTERED_SETTING = "devices.key_registered"
#: The account's device set as the relay last told it: [[id, created_at, name b64, seen]].
OWN_DEVICES_SETTING = "devices.own"
#: Ids of our devices that left the account (ids are never reused): never encrypted to again.
REMOVED_DEVICES_SETTING = "devices.removed"
#: Removed ids a relay listed again that the user was warned about (once per id).
RELISTED_DEVICES_SETTING = "devices.relisted"
#: Where a newly linked device keeps the transferred history's pointer until it imported it.
PENDING_HISTORY_SETTING = "linking.pending_history"


class DeviceSummary(msgspec.Struct, frozen=True):
    """One device of our account, as the Devices page shows it.

    Attributes:
        device_id: The relay's id of the device.
        name: Its name (decrypted here; None if it has none or it would not decrypt).
        created_at: When it was added (ms).
        last_seen: When it was last seen (ms): the relay's "now" while it is connected, else
            when it last disconnected; None if never.
        this_device: Whether it is the device we run on.
    """

    device_id: int
    name: str | None
    created_at: int
    last_seen: int | None
    this_device: bool


def create_device_key(store: MessageStore) -> DeviceKeyPair:
    """Makes and stores this device's DK (inside the caller's transaction)."""
    device_key = DeviceKeyPair.generate()
    store.secrets.put_prekey(DEVICE_KEY_KIND, 1, device_key.seed, device_key.public_key)
    return device_key


def load_device_key(store: MessageStore) -> DeviceKeyPair | None:
    """Returns this device's DK, or None for a profile made before linked devices."""
    seed = store.secrets.get_prekey(DEVICE_KEY_KIND, 1)
    return None if seed is None else DeviceKeyPair.from_seed(seed)


def device_key_registered(store: MessageStore) -> bool:
    """Whether the relay has our DK (then CONNECT is signed with it)."""
    return bool(store.settings.get(DEVICE_KEY_REGISTERED_SETTING, False))


def registration_fields(identity: IdentityKeyPair, device_key: DeviceKeyPair) -> dict[str, Any]:
    """The DK fields of a registration or link request: key, time, certificate."""
    created_at = now_ms()
    return {
        "device_key": device_key.public_key,
        "created_at": created_at,
        "certificate": make_device_certificate(identity, device_key.public_key, created_at),
    }


def removed_own_devices(store: MessageStore) -> set[int]:
    """Ids of our devices that left the account (see the module docstring)."""
    return {int(device_id) for device_id in store.settings.get(REMOVED_DEVICES_SETTING, [])}


def is_removed_own_device(store: MessageStore, device_id: int) -> bool:
    """Whether ``device_id`` is one of our devices that left the account: it gets nothing."""
    return device_id in removed_own_devices(store)


def remember_removed(store: MessageStore, device_ids: Iterable[int]) -> None:
    """Adds ``device_ids`` to the removed devices for good (never this device's own id)."""
    this_device = store.settings.get(DEVICE_SETTING)
    removed = removed_own_devices(store)
    added = {int(d) for d in device_ids} - removed - {this_device}
    if added:
        store.settings.set(REMOVED_DEVICES_SETTING, sorted(removed | added))
        # It held our sender keys of groups: each next group message goes under a new one
        # (docs/protocol.md §11.1), handed only to the devices there are now.
        for group in store.groups.list():
            store.groups.drop_own_sender_key(group.conversation_id)


def save_own_devices(store: MessageStore, devices: list[DeviceInfo]) -> None:
    """Stores the account's device set as the relay sent it, less removed devices.

    A device of the saved set that the new one no longer holds left the account: it is
    remembered as removed. A removed id in ``devices`` is never kept (ids are never reused).
    Runs on the store thread, inside the caller's transaction.
    """
    previous = {device.device_id for device in own_devices(store)}
    removed = removed_own_devices(store)
    kept = [device for device in devices if device.device_id not in removed]
    remember_removed(store, previous - {device.device_id for device in kept})
    store.settings.set(
        OWN_DEVICES_SETTING,
        [
            [
                device.device_id,
                device.created_at,
                None if device.name is None else base64.b64encode(device.name).decode(),
                device.last_seen,
            ]
            for device in kept
        ],
    )


def own_devices(store: MessageStore) -> list[DeviceInfo]:
    """The account's device set as last known (empty before the first ``devices:list``);
    never a removed device."""
    removed = removed_own_devices(store)
    return [
        DeviceInfo(
            device_id=int(row[0]),
            created_at=int(row[1]),
            name=None if row[2] is None else base64.b64decode(row[2]),
            last_seen=None if row[3] is None else int(row[3]),
        )
        for row in store.settings.get(OWN_DEVICES_SETTING, [])
        if int(row[0]) not in removed
    ]


def other_own_devices(store: MessageStore, my_device_id: int) -> list[int]:
    """Ids of our account's other devices: where sync copies go."""
    return [device.device_id for device in own_devices(store) if device.device_id != my_device_id]


class _SetChange(msgspec.Struct, frozen=True):
    """What a new device set changed: the set as kept, the devices that joined, and the
    removed devices listed again that were not warned about yet."""

    kept: list[DeviceInfo]
    added: set[int]
    relisted: list[int]


class DeviceService:
    """Registers our DK when needed, follows the device set, lists and unlinks devices."""

    def __init__(self, context: EngineContext) -> None:
        """Prepares the service; :meth:`on_connected` runs at every connect."""
        self._context = context
        #: Set when the relay told us this device was removed (unlinked).
        self.unlinked = False

    def mark_unlinked(self) -> None:
        """This device was removed from the account: say so, once (``DeviceUnlinked``), and
        that the link is now down for good (``ConnectionChanged(UNLINKED)``, never "offline":
        nothing waiting here will be sent)."""
        if not self.unlinked:
            self.unlinked = True
            self._context.events.publish(DeviceUnlinked())
            self._context.events.publish(ConnectionChanged(ConnectionState.UNLINKED))

    async def on_connected(self) -> None:
        """Registers a late DK, then refreshes the device set (each connect)."""
        connection = self._context.connection
        if connection is None:
            return
        worker = self._context.worker
        if not await worker.run(device_key_registered, worker.store):
            await self._register_device_key()
        try:
            listed = await connection.request(wire_events.DEVICES_LIST, EmptyRequest(), DevicesList)
        except ProtocolError as error:
            logger.info("listing devices failed: %s", error.code.value)
            return
        await self.on_changed(listed)

    async def _register_device_key(self) -> None:
        """A profile made before linked devices gives the relay its DK (once)."""
        connection = self._context.connection
        assert connection is not None
        worker = self._context.worker

        def key() -> DeviceKeyPair:
            store = worker.store
            with store.transaction():
                existing = load_device_key(store)
                return existing if existing is not None else create_device_key(store)

        device_key = await worker.run(key)
        fields = registration_fields(self._context.identity, device_key)
        try:
            await connection.request(
                wire_events.DEVICES_REGISTER_KEY, DeviceKeyRegistration(**fields), EmptyAck
            )
        except ProtocolError as error:
            if error.code is not ErrorCode.CONFLICT:
                logger.warning("registering the device key failed: %s", error.code.value)
                return
        await worker.run(worker.store.settings.set, DEVICE_KEY_REGISTERED_SETTING, True)
        self._context.device_key = device_key

    async def on_changed(self, listed: DevicesList) -> None:
        """The relay sent the device set (``devices:list`` or a ``devices:changed`` push)."""
        await self._take_set(listed)

    async def _take_set(self, listed: DevicesList) -> list[DeviceSummary]:
        """Keeps the relay's device set; returns it as kept (removed devices left out).

        Publishes
        :class:`OwnDeviceLinked` for each device that joined since the set we knew (not at
        the first set this device learns, and never for this device) and
        :class:`RemovedDeviceListed` once for a removed device the relay lists again.
        """
        devices = sorted(listed.devices, key=lambda device: device.device_id)
        if not any(device.device_id == self._context.device_id for device in devices):
            # A set without us: this device was unlinked (the relay disconnects us next).
            self.mark_unlinked()
            return []
        worker = self._context.worker
        change = await worker.run(self._follow, devices)
        for device_id in change.relisted:
            logger.warning("the relay listed a removed device of ours again; it is ignored")
            self._context.events.publish(RemovedDeviceListed(device_id=device_id))
        summaries = self.summaries(change.kept)
        for summary in summaries:
            if summary.device_id in change.added:
                self._context.events.publish(
                    OwnDeviceLinked(device_id=summary.device_id, name=summary.name)
                )
        self._context.events.publish(DevicesChanged(summaries))
        return summaries

    def _follow(self, devices: list[DeviceInfo]) -> _SetChange:
        """Saves the new device set and says what changed (store thread, one transaction)."""
        store = self._context.worker.store
        me = self._context.device_id
        with store.transaction():
            first = store.settings.get(OWN_DEVICES_SETTING) is None
            known = {device.device_id for device in own_devices(store)}
            removed = removed_own_devices(store)
            listed = {device.device_id for device in devices}
            warned = set(store.settings.get(RELISTED_DEVICES_SETTING, []))
            relisted = sorted((listed & removed) - warned)
            if relisted:
                store.settings.set(RELISTED_DEVICES_SETTING, sorted(warned | set(relisted)))
            save_own_devices(store, devices)
            for gone in known - listed - {me}:
                # It left the account: its sessions go too (never encrypted to again).
                self._context.sessions.drop_device(store, self._context.username, gone)
            kept = own_devices(store)
            added = set() if first else {d.device_id for d in kept} - known - {me}
        return _SetChange(kept=kept, added=added, relisted=relisted)

    def summaries(self, devices: list[DeviceInfo]) -> list[DeviceSummary]:
        """Our devices with their names decrypted (a name that won't decrypt shows none)."""
        summaries = []
        for device in devices:
            name = None
            if device.name is not None:
                try:
                    name = decrypt_device_name(self._context.identity.seed, device.name)
                except (CryptoError, ValueError):
                    name = None
            summaries.append(
                DeviceSummary(
                    device_id=device.device_id,
                    name=name,
                    created_at=device.created_at,
                    last_seen=device.last_seen,
                    this_device=device.device_id == self._context.device_id,
                )
            )
        return summaries

    async def list(self) -> list[DeviceSummary]:
        """Asks the relay for the account's devices (and keeps the set).

        Raises:
            ConnectionFailure, ProtocolError: The relay could not be asked (``NotConnected``
                while offline).
        """
        connection = self._context.connection
        if connection is None:
            raise NotConnected("not connected to the relay")
        listed = await connection.request(wire_events.DEVICES_LIST, EmptyRequest(), DevicesList)
        kept = await self._take_set(listed)
        if self.unlinked:  # a set without us: shown as the relay sent it
            return self.summaries(sorted(listed.devices, key=lambda device: device.device_id))
        return kept

    async def remove(self, device_id: int) -> None:
        """Unlinks ``device_id`` from the account (the relay disconnects it at once).

        Raises:
            NotConnected, ProtocolError: Refused (``not_found``, ``bad_request`` for the
                account's only device) or the relay could not be asked.
        """
        connection = self._context.connection
        if connection is None:
            raise NotConnected("not connected to the relay")
        await connection.request(
            wire_events.DEVICES_REMOVE, DevicesRemove(device_id=device_id), EmptyAck
        )
        worker = self._context.worker

        def forget() -> None:
            store = worker.store
            with store.transaction():
                remember_removed(store, [device_id])
                remaining = [d for d in own_devices(store) if d.device_id != device_id]
                save_own_devices(store, remaining)
                store.secrets.delete_session(self._context.username, device_id)

        await worker.run(forget)
        self._context.sessions.forget()
