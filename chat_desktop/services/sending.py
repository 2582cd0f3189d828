"""Sending: the outbox that never loses or doubles a message.

A message is stored together with its outbox entry in one transaction before anything goes
on the wire. The sender then, while connected, drains the outbox in order: it sets up
sessions where needed (fetching prekey bundles), encrypts each entry exactly once and stores
the ciphertext in the entry (together with the advanced sessions, one transaction), and
emits it with the sender-made id. The relay stores each ``(sender, id)`` once, so resending
after a lost ack or a crash is harmless. Acks are committed in batches (mark sent, start the
sender's disappearing timer). An entry in flight when the link drops stays in the outbox and
is sent again, with the same bytes, on the next connect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import msgspec

from chat_desktop.crypto.errors import BundleRejected, CryptoError
from chat_desktop.crypto.session import Session
from chat_desktop.crypto.x3dh import PreKeyBundle
from chat_desktop.net.errors import ConnectionFailure
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import (
    DeviceBundle,
    DevicePayload,
    KeysBundleAck,
    KeysBundleRequest,
    MessageSend,
    MessageSendAck,
)
from chat_desktop.services.context import PAUSED_PEERS_SETTING, EngineContext, now_ms
from chat_desktop.services.devices import other_own_devices, own_devices, save_own_devices
from chat_desktop.services.events import IdentityKeyChanged, StatusChanged
from chat_desktop.storage.models import MessageKey, MessageStatus, OutboxEntry, VerifiedState
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

MAX_IN_FLIGHT = 256
#: How often one send follows a ``mismatched_devices`` answer before it waits for a later
#: drain (the device set can change between answers, but not forever).
MAX_DEVICE_SET_FIXES = 3
PENDING_BATCH = 512
#: After a refused bundle answer, wait this long (s) before asking the relay again.
BUNDLE_RETRY_S = 30.0


class UnknownRecipient(Exception):
    """The relay has no such user (or they have no device left to write to)."""


class OutboxPayload(msgspec.Struct, array_like=True, frozen=True):
    """What an outbox entry holds, before and after encryption.

    Attributes:
        content: The padded plaintext content. It stays (in the encrypted store) until the
            relay acks the entry: a ``mismatched_devices`` answer needs it to encrypt the
            same message to a device we did not know (docs/protocol.md §6.11).
        bodies: ``(device_id, wire body)`` per recipient device, once encrypted.
        expires_at: When the relay must drop it (disappearing messages), ms.
        track_status: Whether a message row shows this entry's progress (not for receipts).
        blob_path: An encrypted attachment blob still to upload before the content can be
            completed with its blob id and encrypted.
    """

    content: bytes | None
    bodies: list[tuple[int, bytes]] | None
    expires_at: int | None
    track_status: bool = True
    blob_path: str | None = None


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(OutboxPayload)


def encode_payload(payload: OutboxPayload) -> bytes:
    """Serializes an outbox payload for the store."""
    return _encoder.encode(payload)


def decode_payload(data: bytes) -> OutboxPayload:
    """Parses an outbox payload from the store."""
    return _decoder.decode(data)


def paused_peers(store: MessageStore) -> set[str]:
    """Peers we stopped sending to until the user accepts their new identity key."""
    return set(store.settings.get(PAUSED_PEERS_SETTING, []))


def set_paused(store: MessageStore, peer: str, paused: bool) -> None:
    """Pauses or resumes sending to ``peer``."""
    peers = paused_peers(store)
    if paused:
        peers.add(peer)
    else:
        peers.discard(peer)
    store.settings.set(PAUSED_PEERS_SETTING, sorted(peers))


def record_identity(
    context: EngineContext, store: MessageStore, peer: str, identity_key: bytes
) -> IdentityKeyChanged | None:
    """Trust on first use; a different key than before is a key change.

    A change forgets the old sessions; if the contact was verified, sending to them pauses
    until the user accepts the new key. Runs on the store thread inside a transaction.
    """
    before = store.contacts.get(peer)
    was_verified = before is not None and before.verified_state is VerifiedState.VERIFIED
    update = store.contacts.save_identity_key(peer, identity_key)
    if update.key_change is None:
        return None
    context.sessions.drop_other_keys(store, peer, identity_key)
    if was_verified:
        set_paused(store, peer, True)
    return IdentityKeyChanged(peer=peer, sending_paused=was_verified)


def _bundle_of(device: DeviceBundle) -> PreKeyBundle:
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


def trusted_identity_key(context: EngineContext, store: MessageStore, peer: str) -> bytes | None:
    """The identity key we encrypt to for ``peer``: ours for our own devices, else the contact's."""
    if peer == context.username:
        return context.identity.public_key
    contact = store.contacts.get(peer)
    return None if contact is None else contact.identity_key


def encrypt_to_peer(
    context: EngineContext,
    store: MessageStore,
    peer: str,
    plaintext: bytes,
    only_devices: set[int] | None = None,
) -> list[tuple[int, bytes]]:
    """Encrypts ``plaintext`` to every device of ``peer`` we have a current session with.

    Only sessions bound to the identity key we trust for the contact are used: a session
    with any other key (a device a relay slipped in) never gets a byte. For our own account
    (sync copies) that is our own identity key, and never our own device. ``only_devices``
    limits it to those devices (the ones a ``mismatched_devices`` answer said were missing).
    Runs on the store thread inside the caller's transaction (the advanced sessions are
    written with it).
    """
    trusted_key = trusted_identity_key(context, store, peer)
    sessions = context.sessions
    bodies = []
    for device_id in sessions.devices(store, peer):
        if peer == context.username and device_id == context.device_id:
            continue
        if only_devices is not None and device_id not in only_devices:
            continue
        session = sessions.get(store, peer, device_id)
        if session is None or session.remote_identity_key != trusted_key:
            continue
        bodies.append((device_id, session.encrypt(plaintext)))
        sessions.put(store, peer, device_id, session)
    return bodies


@dataclass
class _Prepared:
    entry: OutboxEntry
    payload: OutboxPayload


Uploader = Callable[[OutboxEntry, "OutboxPayload"], Awaitable["OutboxPayload"]]


class OutboxSender:
    """Drains the outbox whenever the relay link is up; see the module docstring.

    Attributes:
        uploader: Uploads an entry's attachment blob and returns the payload with the blob
            id filled in (set by the attachment service).
    """

    def __init__(self, context: EngineContext) -> None:
        """Prepares the sender; :meth:`start` runs it."""
        self._context = context
        self._wake = asyncio.Event()
        self._in_flight: set[int] = set()
        self._window = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._acked: list[tuple[OutboxEntry, int]] = []
        self._ack_ready = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.uploader: Uploader | None = None
        self._hold_until = 0.0
        #: Peers whose last bundle answer was refused: not asked again before this loop time.
        self._bundle_retry_at: dict[str, float] = {}

    def start(self) -> None:
        """Starts the drain and ack-commit loops under supervision (idempotent)."""
        supervisor = self._context.supervisor
        supervisor.start("outbox-drain", self._drain_loop)
        supervisor.start("outbox-acks", self._commit_loop)
        self.wake()

    def wake(self) -> None:
        """Something was queued, or the link came up: look at the outbox again."""
        self._wake.set()

    def begin_close(self) -> None:
        """Tells the drain and ack loops to end (before the supervisor cancels them)."""
        self._closed = True
        self.wake()

    async def close(self) -> None:
        """Stops sending; whatever is unacked stays in the outbox for next time.

        The drain and ack loops belong to the engine's supervisor, which the engine closes
        first; this stops the sends still in flight and commits the acks already received.
        """
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        # Acks that arrived but were not committed yet: commit them, they are real.
        if self._acked:
            with contextlib.suppress(Exception):
                await self._commit_acks()

    # ---- draining ----------------------------------------------------------------------

    async def _drain_loop(self) -> None:
        while not self._closed:
            connection = self._context.connection
            if connection is None or not connection.connected:
                # Offline, a wake (a message queued) changes nothing: forget it and wait for
                # the link (connecting wakes us again), never spin on a set event.
                self._wake.clear()
                await self._wait_for_wake(1.0)
                continue
            self._wake.clear()
            try:
                sent_any = await self._drain_once()
            except (ConnectionFailure, ProtocolError) as error:
                logger.info("outbox drain interrupted: %s", type(error).__name__)
                await asyncio.sleep(0.2)
                continue
            except Exception:
                logger.exception("outbox drain failed; retrying")
                self._context.sessions.forget()
                await asyncio.sleep(1.0)
                continue
            if not sent_any:
                await self._wait_for_wake(1.0)

    async def _wait_for_wake(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def _drain_once(self) -> bool:
        worker = self._context.worker
        await self._wait_out_hold()
        entries, paused = await worker.run(self._pending_entries)
        entries = [
            entry
            for entry in entries
            if entry.seq not in self._in_flight and entry.recipient not in paused
        ]
        if not entries:
            return False
        prepared = await self._prepare(entries, paused)
        for item in prepared:
            if self._hold_until > asyncio.get_running_loop().time():
                break  # re-read the outbox in order once the hold is over
            await self._window.acquire()
            connection = self._context.connection
            if connection is None or not connection.connected:
                self._window.release()
                break
            self._in_flight.add(item.entry.seq)
            task = asyncio.create_task(self._send(item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return bool(prepared)

    async def _wait_out_hold(self) -> None:
        """Waits while the relay asked us to slow down (``rate_limited``)."""
        delay = self._hold_until - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)

    def _pending_entries(self) -> tuple[list[OutboxEntry], set[str]]:
        store = self._context.worker.store
        return store.outbox.pending(PENDING_BATCH), paused_peers(store)

    async def _prepare(
        self, entries: list[OutboxEntry], paused: set[str] | None = None
    ) -> list[_Prepared]:
        """Encrypts the entries that are still plaintext (setting up sessions first)."""
        worker = self._context.worker
        payloads = [decode_payload(entry.payload) for entry in entries]
        for index, (entry, payload) in enumerate(zip(entries, payloads, strict=True)):
            if payload.blob_path is not None and self.uploader is not None:
                payloads[index] = await self.uploader(entry, payload)
        unencrypted_peers = {
            entry.recipient
            for entry, payload in zip(entries, payloads, strict=True)
            if payload.bodies is None
        }
        blocked: set[str] = set()
        paused = paused or set()
        for peer in sorted(unencrypted_peers):
            if peer == self._context.username and not await worker.run(
                other_own_devices, worker.store, self._context.device_id
            ):
                # Sync copies, but no other device of ours (any more): nothing to send.
                for entry in entries:
                    if entry.recipient == peer:
                        await worker.run(self._drop_entry, entry)
                blocked.add(peer)
                continue
            has_session = await worker.run(self._context.sessions.devices, worker.store, peer)
            if peer in paused or (not has_session and not await self._sessions_for_queued(peer)):
                blocked.add(peer)
        todo = [
            _Prepared(entry, payload)
            for entry, payload in zip(entries, payloads, strict=True)
            if entry.recipient not in blocked
        ]
        try:
            return await worker.run(self._encrypt_all, todo)
        except Exception:
            self._context.sessions.forget()
            raise

    async def _sessions_for_queued(self, peer: str) -> bool:
        """Sets up sessions for queued messages; an unknown recipient fails them."""
        try:
            return await self.establish_sessions(peer)
        except UnknownRecipient:
            await self._context.worker.run(self._fail_peer, peer)
            return False

    async def establish_sessions(self, peer: str, devices: list[int] | None = None) -> bool:
        """Fetches ``peer``'s bundles and starts a session with each device.

        With ``devices``, only those devices' bundles are fetched (the ones a
        ``mismatched_devices`` answer named as missing); for our own account, always only
        our other devices.

        Returns:
            False if nothing can be sent to ``peer`` now (paused after a key change, a
            refused answer).

        Raises:
            UnknownRecipient: The relay has no such user.
            ProtocolError, ConnectionFailure: The request failed.
        """
        connection = self._context.connection
        assert connection is not None
        if self._bundle_retry_at.get(peer, 0.0) > asyncio.get_running_loop().time():
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
            if error.code is ErrorCode.NOT_FOUND:
                if devices is not None:
                    return False  # those devices are gone; the next send learns the set
                raise UnknownRecipient(peer) from None
            raise
        if not ack.devices:
            raise UnknownRecipient(peer)
        if devices is not None and not {d.device_id for d in ack.devices} <= set(devices):
            logger.warning("refused a bundle answer with devices that were not asked for")
            self._bundle_retry_at[peer] = asyncio.get_running_loop().time() + BUNDLE_RETRY_S
            return False
        device_ids = [device.device_id for device in ack.devices]
        if len(set(device_ids)) != len(device_ids):
            # A well-behaved relay never names a device twice: refuse the whole answer.
            logger.warning("refused a bundle answer that names a device twice")
            self._bundle_retry_at[peer] = asyncio.get_running_loop().time() + BUNDLE_RETRY_S
            return False
        try:
            change, paused = await worker.run(
                self._start_sessions, peer, ack.devices, devices is not None
            )
        except Exception:
            self._context.sessions.forget()
            raise
        if change is not None:
            self._context.events.publish(change)
        return not paused

    def _start_sessions(
        self, peer: str, devices: list[DeviceBundle], partial: bool = False
    ) -> tuple[IdentityKeyChanged | None, bool]:
        """Starts a session with each device of a bundle answer, after checking the answer.

        One account has one identity key, whichever device it names (docs/protocol.md §8). A device
        with a different key than the others is a key change: then nothing starts, sending to
        the peer pauses until the user accepts, and the user is told. This is what keeps a
        relay from adding a hidden device of its own to a contact.
        """
        store = self._context.worker.store
        identity = self._context.identity
        with store.transaction():
            keys = {device.identity_key for device in devices}
            if peer == self._context.username:
                # Our own devices share our identity key; any other key is a device the
                # relay made up, and gets nothing.
                if keys != {identity.public_key}:
                    logger.warning("a bundle of our own devices carries another identity key")
                    return None, True
                self._start_each(store, peer, devices)
                return None, False
            if partial and keys != {trusted_identity_key(self._context, store, peer)}:
                # A device added to a contact we already write to must carry the key we
                # trust: one account has one identity key (docs/protocol.md §6.11). Anything
                # else is a hostile relay or a key change; never a silent new session.
                logger.warning("a new device of a contact carries another identity key")
                set_paused(store, peer, True)
                return IdentityKeyChanged(peer=peer, sending_paused=True), True
            if len(keys) != 1:
                logger.warning("a bundle answer names devices with different identity keys")
                set_paused(store, peer, True)
                return IdentityKeyChanged(peer=peer, sending_paused=True), True
            change = record_identity(self._context, store, peer, devices[0].identity_key)
            if peer in paused_peers(store):
                return change, True
            self._start_each(store, peer, devices)
        return change, False

    def _start_each(self, store: MessageStore, peer: str, devices: list[DeviceBundle]) -> None:
        """Starts a session with each device of a checked bundle answer."""
        for device in devices:
            if peer == self._context.username and device.device_id == self._context.device_id:
                continue
            try:
                session = Session.initiate(self._context.identity, _bundle_of(device))
            except (BundleRejected, CryptoError):
                logger.warning("a peer device's prekey bundle was rejected")
                continue
            self._context.sessions.start(store, peer, device.device_id, session)

    def _fail_peer(self, peer: str) -> None:
        """The recipient does not exist: fail their queued messages (the user can retry)."""
        store = self._context.worker.store
        with store.transaction():
            for entry in store.outbox.pending(PENDING_BATCH):
                if entry.recipient == peer:
                    store.outbox.mark_failed(entry.seq)

    def _encrypt_all(self, items: list[_Prepared]) -> list[_Prepared]:
        store = self._context.worker.store
        ready: list[_Prepared] = []
        with store.transaction():
            for item in items:
                payload = item.payload
                if payload.bodies is None:
                    assert payload.content is not None
                    bodies = encrypt_to_peer(
                        self._context, store, item.entry.recipient, payload.content
                    )
                    if not bodies:
                        continue
                    payload = OutboxPayload(
                        content=payload.content,
                        bodies=bodies,
                        expires_at=payload.expires_at,
                        track_status=payload.track_status,
                    )
                    store.outbox.update_payload(item.entry.seq, encode_payload(payload))
                ready.append(_Prepared(item.entry, payload))
        return ready

    # ---- one send ----------------------------------------------------------------------

    @staticmethod
    def _request_of(item: _Prepared) -> MessageSend:
        assert item.payload.bodies is not None
        return MessageSend(
            id=item.entry.message_id,
            to=item.entry.recipient,
            payloads=[
                DevicePayload(device_id=device_id, body=body)
                for device_id, body in item.payload.bodies
            ],
            expires_at=item.payload.expires_at,
        )

    async def _fix_device_set(self, item: _Prepared, error: ProtocolError) -> _Prepared | None:
        """Follows a ``mismatched_devices`` answer: sessions for the missing, none for the extra.

        Returns the entry re-encrypted for the recipient's current devices (the bodies of
        the devices that stay are kept byte for byte), or None if a missing device's
        session could not be set up now (a refused or hostile bundle: nothing is sent).
        """
        peer = item.entry.recipient
        worker = self._context.worker
        if error.extra:
            await worker.run(self._drop_devices, peer, error.extra)
        if error.missing and not await self.establish_sessions(peer, list(error.missing)):
            return None
        try:
            return await worker.run(self._reencrypt, item, set(error.missing), set(error.extra))
        except Exception:
            self._context.sessions.forget()
            raise

    def _drop_devices(self, peer: str, device_ids: tuple[int, ...]) -> None:
        store = self._context.worker.store
        with store.transaction():
            for device_id in device_ids:
                self._context.sessions.drop_device(store, peer, device_id)
            if peer == self._context.username:
                save_own_devices(
                    store, [d for d in own_devices(store) if d.device_id not in device_ids]
                )

    def _reencrypt(self, item: _Prepared, missing: set[int], extra: set[int]) -> _Prepared:
        store = self._context.worker.store
        payload = item.payload
        assert payload.bodies is not None
        with store.transaction():
            bodies = [(device, body) for device, body in payload.bodies if device not in extra]
            wanted = missing - {device for device, _ in bodies}
            if wanted and payload.content is not None:
                bodies += encrypt_to_peer(
                    self._context, store, item.entry.recipient, payload.content, wanted
                )
            payload = msgspec.structs.replace(payload, bodies=sorted(bodies))
            store.outbox.update_payload(item.entry.seq, encode_payload(payload))
        return _Prepared(item.entry, payload)

    def _drop_entry(self, entry: OutboxEntry) -> None:
        """A sync copy with no other device left to go to: nothing to send."""
        store = self._context.worker.store
        store.outbox.mark_acked(entry.seq, now_ms())

    async def _send(self, item: _Prepared) -> None:
        keep_in_flight = False
        try:
            request = self._request_of(item)
            device_set_fixes = 0
            while True:
                connection = self._context.connection
                if connection is None:
                    return
                try:
                    ack = await connection.request(
                        wire_events.MESSAGE_SEND, request, MessageSendAck
                    )
                except ProtocolError as error:
                    if (
                        error.code is ErrorCode.MISMATCHED_DEVICES
                        and device_set_fixes < MAX_DEVICE_SET_FIXES
                    ):
                        # The recipient's devices changed: encrypt to the new ones, drop the
                        # gone ones, and send again under the same id (nobody notices).
                        device_set_fixes += 1
                        fixed = await self._fix_device_set(item, error)
                        if fixed is None:
                            return  # stays pending; tried again on a later drain
                        if not fixed.payload.bodies:
                            await self._context.worker.run(self._drop_entry, fixed.entry)
                            return
                        item = fixed
                        request = self._request_of(item)
                        continue
                    if error.code is ErrorCode.RATE_LIMITED:
                        # Hold the whole queue, not just this entry, so the resend keeps the
                        # original order; the entry stays pending and is drained again.
                        loop = asyncio.get_running_loop()
                        self._hold_until = max(
                            self._hold_until, loop.time() + (error.retry_after or 1.0)
                        )
                        self.wake()
                        return
                    if error.code in (ErrorCode.INTERNAL, ErrorCode.UNAUTHORIZED):
                        return  # transient: stays queued, sent again later
                    logger.warning("relay refused a message: %s", error.code.value)
                    await self._context.worker.run(self._fail_entry, item.entry)
                    return
                except ConnectionFailure:
                    return
                self._acked.append((item.entry, ack.server_ts))
                self._ack_ready.set()
                keep_in_flight = True  # until the ack is committed
                return
        finally:
            self._window.release()
            if not keep_in_flight:
                self._in_flight.discard(item.entry.seq)

    def _fail_entry(self, entry: OutboxEntry) -> None:
        store = self._context.worker.store
        store.outbox.mark_failed(entry.seq)
        self._context.events.publish(
            StatusChanged(peer=entry.recipient, message_id=entry.message_id, status="failed")
        )

    # ---- acks ---------------------------------------------------------------------------

    async def _commit_loop(self) -> None:
        while not self._closed:
            await self._ack_ready.wait()
            self._ack_ready.clear()
            try:
                await self._commit_acks()
            except Exception:
                logger.exception("committing acks failed; will retry")
                await asyncio.sleep(0.5)
                self._ack_ready.set()

    async def _commit_acks(self) -> None:
        batch, self._acked = self._acked, []
        if not batch:
            return
        try:
            sent = await self._context.worker.run(self._mark_acked, batch)
        except BaseException:
            self._acked = batch + self._acked
            raise
        for entry, _ in batch:
            self._in_flight.discard(entry.seq)
        for entry in sent:
            self._context.events.publish(
                StatusChanged(peer=entry.recipient, message_id=entry.message_id, status="sent")
            )
        self.wake()

    def _mark_acked(self, batch: list[tuple[OutboxEntry, int]]) -> list[OutboxEntry]:
        store = self._context.worker.store
        acked_at = now_ms()
        sent = []
        with store.transaction():
            for entry, server_ts in batch:
                if not store.outbox.mark_acked(entry.seq, server_ts):
                    continue
                if entry.recipient != entry.conversation_id:
                    continue  # a sync copy to our other devices: the message is the peer's
                key = MessageKey(entry.conversation_id, entry.message_id)
                message = store.messages.get(key)
                if message is None:
                    continue  # a receipt: no message row
                if message.expire_timer and message.expires_at is None:
                    # The sender's copy disappears `timer` after the relay's ack (protocol §6.9).
                    store.messages.set_expiry(key, acked_at + message.expire_timer * 1000)
                if message.status is not MessageStatus.PENDING:
                    sent.append(entry)
        return sent
