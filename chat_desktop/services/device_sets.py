"""A peer's device set: prekey bundles fetched, checked and turned into sessions.

Before the outbox can encrypt to a peer it needs a session with each of their devices: it
asks the relay for their bundles (all of them, or the ones a ``mismatched_devices`` answer
named as missing), checks the answer and starts a session per device (docs/protocol.md §8,
"One identity per account"). One account has one identity key:

- our own devices carry ours; a device of our own account with another key gets nothing;
- a contact's device offered with another key than the contact's trusted one, while their
  other devices carry the trusted key, is refused on its own: no session, nothing paused,
  the trusted key unchanged, and the user told once per (contact, device, key)
  (:class:`DeviceKeyRefused`);
- an answer whose devices all carry one new key is a key change (``services/trust.py``);
  devices with different keys and none the trusted one pause sending to the contact.

When the relay refuses a bundle answer, rate-limits it, or keeps asking for a device that
is refused, the peer is deferred: nothing is asked of the relay for them and their queued
entries wait, for :data:`BUNDLE_RETRY_S` (or the relay's ``retry_after``), doubling up to
:data:`MAX_BUNDLE_RETRY_S` while it goes on; :class:`SendingDeferred` says so once per wait.
So a lying or strict relay never turns the outbox into a loop of sends and bundle requests.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from chat_desktop.crypto.errors import BundleRejected, CryptoError
from chat_desktop.crypto.session import Session
from chat_desktop.crypto.x3dh import PreKeyBundle
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import DeviceBundle, KeysBundleAck, KeysBundleRequest
from chat_desktop.services.context import EngineContext
from chat_desktop.services.devices import other_own_devices, own_devices, save_own_devices
from chat_desktop.services.events import DeviceKeyRefused, IdentityKeyChanged, SendingDeferred
from chat_desktop.services.trust import (
    key_change_events,
    paused_peers,
    record_identity,
    set_paused,
)
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

#: After a refused bundle answer, wait this long (s) before asking the relay again.
BUNDLE_RETRY_S = 30.0
#: Longest wait (s) while the relay keeps refusing (the wait doubles up to this).
MAX_BUNDLE_RETRY_S = 600.0


class UnknownRecipient(Exception):
    """The relay has no such user (or they have no device left to write to)."""


def bundle_of(device: DeviceBundle) -> PreKeyBundle:
    """The crypto core's bundle of one device of a ``keys:bundle`` answer."""
    one_time = device.one_time_prekey
    return PreKeyBundle(
        identity_key=device.identity_key,
        signed_prekey_id=device.signed_prekey.id,
        signed_prekey=device.signed_prekey.public_key,
        signed_prekey_signature=device.signed_prekey.signature,
        pq_prekey_id=device.pq_prekey.id,
        pq_prekey=device.pq_prekey.public_key,
        pq_prekey_signature=device.pq_prekey.signature,
        one_time_prekey_id=None if one_time is None else one_time.id,
        one_time_prekey=None if one_time is None else one_time.public_key,
    )


@dataclass
class _Started:
    """What checking one bundle answer did.

    Attributes:
        usable: Whether what was asked for can be sent to now.
        paused: Sending to the peer is paused (a key change of a verified contact).
        change: The key change to tell, if any.
        refused: Devices refused for another identity key (peer, device, offered key).
    """

    usable: bool
    paused: bool = False
    change: IdentityKeyChanged | None = None
    refused: list[tuple[str, int, bytes]] = field(default_factory=list)


class DeviceSets:
    """Sets up sessions with a peer's devices and defers a peer the relay will not serve.

    Attributes:
        retry_at: Deferred peers: not asked for again, nor sent to, before this loop time.
    """

    def __init__(self, context: EngineContext) -> None:
        """Uses ``context``'s connection, store worker, sessions and events."""
        self._context = context
        self.retry_at: dict[str, float] = {}
        self._next_wait: dict[str, float] = {}
        #: (peer, device, key) already told about: said once, not at each fetch.
        self._told: set[tuple[str, int, bytes]] = set()

    # ---- back-off ------------------------------------------------------------------------

    def deferred(self, peer: str) -> bool:
        """Whether sending to ``peer`` waits (see the module docstring)."""
        return self.retry_at.get(peer, 0.0) > asyncio.get_running_loop().time()

    def defer(self, peer: str, retry_after: float | None = None) -> None:
        """Defers ``peer`` (for ``retry_after`` s, else the next doubling wait).

        A peer already waiting keeps its wait, and the event is published once per wait.
        """
        now = asyncio.get_running_loop().time()
        if self.retry_at.get(peer, 0.0) > now:
            return
        wait = self._next_wait.get(peer, BUNDLE_RETRY_S)
        self._next_wait[peer] = min(wait * 2, MAX_BUNDLE_RETRY_S)
        if retry_after is not None:
            wait = max(retry_after, 1.0)
        self.retry_at[peer] = now + wait
        self._context.events.publish(SendingDeferred(peer=peer, retry_in_s=wait))

    def served(self, peer: str) -> None:
        """A send to ``peer`` went through: the next refusal waits the first wait again."""
        self._next_wait.pop(peer, None)

    # ---- bundles -------------------------------------------------------------------------

    async def establish_sessions(self, peer: str, devices: list[int] | None = None) -> bool:
        """Fetches ``peer``'s bundles and starts a session with each device.

        With ``devices``, only those devices' bundles are fetched (the ones a
        ``mismatched_devices`` answer named as missing); for our own account, always only
        our other devices.

        Returns:
            False if nothing can be sent to ``peer`` now: paused after a key change, or
            deferred (a refused or rate-limited answer, a refused device that was asked for).

        Raises:
            UnknownRecipient: The relay has no such user.
            ProtocolError, ConnectionFailure: The request failed (not ``rate_limited``,
                which defers the peer).
        """
        connection = self._context.connection
        assert connection is not None
        if self.deferred(peer):
            return False
        worker = self._context.worker
        own = peer == self._context.username
        if own and devices is None:
            devices = await worker.run(other_own_devices, worker.store, self._context.device_id)
            if not devices:
                return False
        try:
            ack = await connection.request(
                wire_events.KEYS_BUNDLE,
                KeysBundleRequest(user=peer, devices=devices),
                KeysBundleAck,
            )
        except ProtocolError as error:
            if error.code is ErrorCode.RATE_LIMITED:
                self.defer(peer, error.retry_after or BUNDLE_RETRY_S)
                return False
            if error.code is ErrorCode.NOT_FOUND:
                if devices is not None:
                    self.defer(peer)  # those devices are gone; a later send learns the set
                    return False
                raise UnknownRecipient(peer) from None
            raise
        if not ack.devices:
            raise UnknownRecipient(peer)
        if not self._well_formed(ack, devices):
            self.defer(peer)
            return False
        try:
            started = await worker.run(self._start_sessions, peer, ack.devices, devices is not None)
        except Exception:
            self._context.sessions.forget()
            raise
        if started.change is not None:
            for event in key_change_events(started.change):
                self._context.events.publish(event)
        for told in started.refused:
            if told not in self._told:
                self._told.add(told)
                self._context.events.publish(DeviceKeyRefused(peer=told[0], device_id=told[1]))
        if not started.usable and not started.paused:
            self.defer(peer)
        return started.usable

    @staticmethod
    def _well_formed(ack: KeysBundleAck, devices: list[int] | None) -> bool:
        """Whether an answer names only devices asked for, each once."""
        if devices is not None and not {d.device_id for d in ack.devices} <= set(devices):
            logger.warning("refused a bundle answer with devices that were not asked for")
            return False
        device_ids = [device.device_id for device in ack.devices]
        if len(set(device_ids)) != len(device_ids):
            # A well-behaved relay never names a device twice: refuse the whole answer.
            logger.warning("refused a bundle answer that names a device twice")
            return False
        return True

    def _start_sessions(self, peer: str, devices: list[DeviceBundle], partial: bool) -> _Started:
        """Checks a bundle answer and starts a session with each device it allows.

        See the module docstring for the rules; ``partial`` is an answer for the devices a
        ``mismatched_devices`` answer named as missing (the peer's others we write to already).
        Runs on the store thread.
        """
        store = self._context.worker.store
        with store.transaction():
            keys = {device.identity_key for device in devices}
            if peer == self._context.username:
                # Our own devices share our identity key; any other key is a device the
                # relay made up, and gets nothing.
                if keys != {self._context.identity.public_key}:
                    logger.warning("a bundle of our own devices carries another identity key")
                    return _Started(usable=False)
                self._start_each(store, peer, devices)
                return _Started(usable=True)
            contact = store.contacts.get(peer)
            trusted = None if contact is None else contact.identity_key
            honest = [d for d in devices if d.identity_key == trusted]
            foreign = [d for d in devices if d.identity_key != trusted]
            if foreign and (honest or self._writes_to(store, peer, trusted)):
                # One account, one identity key (docs/protocol.md §8): the device with another
                # key is not theirs. It alone is refused; the trusted key stays.
                logger.warning("a device of a contact offered another identity key; refused")
                self._start_each(store, peer, honest)
                refused = [(peer, d.device_id, d.identity_key) for d in foreign]
                return _Started(usable=not partial, refused=refused)
            if len(keys) != 1:
                # Different keys and none the trusted one: which is theirs is unknown.
                logger.warning("a bundle answer names devices with different identity keys")
                set_paused(store, peer, True)
                told = IdentityKeyChanged(peer=peer, sending_paused=True)
                return _Started(usable=False, paused=True, change=told)
            change = record_identity(self._context, store, peer, devices[0].identity_key)
            if peer in paused_peers(store):
                return _Started(usable=False, paused=True, change=change)
            self._start_each(store, peer, devices)
        return _Started(usable=True, change=change)

    def _writes_to(self, store: MessageStore, peer: str, trusted: bytes | None) -> bool:
        """Whether we have a session bound to the trusted key with a device of ``peer``."""
        if trusted is None:
            return False
        sessions = self._context.sessions
        for device_id in sessions.devices(store, peer):
            session = sessions.get(store, peer, device_id)
            if session is not None and session.remote_identity_key == trusted:
                return True
        return False

    def _start_each(self, store: MessageStore, peer: str, devices: list[DeviceBundle]) -> None:
        """Starts a session with each device of a checked bundle answer."""
        for device in devices:
            if peer == self._context.username and device.device_id == self._context.device_id:
                continue
            try:
                session = Session.initiate(self._context.identity, bundle_of(device))
            except (BundleRejected, CryptoError):
                logger.warning("a peer device's prekey bundle was rejected")
                continue
            self._context.sessions.start(store, peer, device.device_id, session)

    def drop_devices(self, peer: str, device_ids: tuple[int, ...]) -> None:
        """Forgets the sessions of devices a ``mismatched_devices`` answer called extra
        (and, for our own account, the devices themselves). Runs on the store thread."""
        store = self._context.worker.store
        with store.transaction():
            for device_id in device_ids:
                self._context.sessions.drop_device(store, peer, device_id)
            if peer == self._context.username:
                save_own_devices(
                    store, [d for d in own_devices(store) if d.device_id not in device_ids]
                )
