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
from chat_desktop.services.events import IdentityKeyChanged, StatusChanged
from chat_desktop.storage.models import MessageKey, MessageStatus, OutboxEntry, VerifiedState
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

MAX_IN_FLIGHT = 256
PENDING_BATCH = 512
#: After a refused bundle answer, wait this long (s) before asking the relay again.
BUNDLE_RETRY_S = 30.0


class UnknownRecipient(Exception):
    """The relay has no such user (or they have no device left to write to)."""


class OutboxPayload(msgspec.Struct, array_like=True, frozen=True):
    """What an outbox entry holds, before and after encryption.

    Attributes:
        content: The padded plaintext content, until it is encrypted (then None: the
            plaintext never lingers once the ciphertext exists).
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


def encrypt_to_peer(
    context: EngineContext, store: MessageStore, peer: str, plaintext: bytes
) -> list[tuple[int, bytes]]:
    """Encrypts ``plaintext`` to every device of ``peer`` we have a current session with.

    Only sessions bound to the identity key we trust for the contact are used: a session
    with any other key (a device a relay slipped in) never gets a byte. Runs on the store
    thread inside the caller's transaction (the advanced sessions are written with it).
    """
    contact = store.contacts.get(peer)
    trusted_key = None if contact is None else contact.identity_key
    sessions = context.sessions
    bodies = []
    for device_id in sessions.devices(store, peer):
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

    async def establish_sessions(self, peer: str) -> bool:
        """Fetches ``peer``'s bundles and starts a session with each device.

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
        try:
            ack = await connection.request(
                wire_events.KEYS_BUNDLE, KeysBundleRequest(user=peer), KeysBundleAck
            )
        except ProtocolError as error:
            if error.code is ErrorCode.NOT_FOUND:
                raise UnknownRecipient(peer) from None
            raise
        if not ack.devices:
            raise UnknownRecipient(peer)
        device_ids = [device.device_id for device in ack.devices]
        if len(set(device_ids)) != len(device_ids):
            # A well-behaved relay never names a device twice: refuse the whole answer.
            logger.warning("refused a bundle answer that names a device twice")
            self._bundle_retry_at[peer] = asyncio.get_running_loop().time() + BUNDLE_RETRY_S
            return False
        worker = self._context.worker
        try:
            change, paused = await worker.run(self._start_sessions, peer, ack.devices)
        except Exception:
            self._context.sessions.forget()
            raise
        if change is not None:
            self._context.events.publish(change)
        return not paused

    def _start_sessions(
        self, peer: str, devices: list[DeviceBundle]
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
            if len(keys) != 1:
                logger.warning("a bundle answer names devices with different identity keys")
                set_paused(store, peer, True)
                return IdentityKeyChanged(peer=peer, sending_paused=True), True
            change = record_identity(self._context, store, peer, devices[0].identity_key)
            if peer in paused_peers(store):
                return change, True
            for device in devices:
                try:
                    session = Session.initiate(identity, _bundle_of(device))
                except (BundleRejected, CryptoError):
                    logger.warning("a peer device's prekey bundle was rejected")
                    continue
                self._context.sessions.start(store, peer, device.device_id, session)
        return change, False

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
                        content=None,
                        bodies=bodies,
                        expires_at=payload.expires_at,
                        track_status=payload.track_status,
                    )
                    store.outbox.update_payload(item.entry.seq, encode_payload(payload))
                ready.append(_Prepared(item.entry, payload))
        return ready

    # ---- one send ----------------------------------------------------------------------

    async def _send(self, item: _Prepared) -> None:
        keep_in_flight = False
        try:
            assert item.payload.bodies is not None
            request = MessageSend(
                id=item.entry.message_id,
                to=item.entry.recipient,
                payloads=[
                    DevicePayload(device_id=device_id, body=body)
                    for device_id, body in item.payload.bodies
                ],
                expires_at=item.payload.expires_at,
            )
            while True:
                connection = self._context.connection
                if connection is None:
                    return
                try:
                    ack = await connection.request(
                        wire_events.MESSAGE_SEND, request, MessageSendAck
                    )
                except ProtocolError as error:
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
