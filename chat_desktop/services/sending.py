"""Sending: the outbox that never loses or doubles a message.

A message is stored together with its outbox entry in one transaction before anything goes
on the wire. The sender then, while connected, drains the outbox in order: it sets up
sessions where needed (fetching prekey bundles), encrypts each entry exactly once and stores
the ciphertext in the entry (together with the advanced sessions, one transaction), and
emits it with the sender-made id. The relay stores each ``(sender, id)`` once, so resending
after a lost ack or a crash is harmless. Acks are committed in batches (mark sent, start the
sender's disappearing timer). An entry in flight when the link drops stays in the outbox and
is sent again, with the same bytes, on the next connect.

Sessions, the checks of a bundle answer and the per-peer back-off when the relay refuses
what a send needs live in ``services/device_sets.py``; trust in a contact's key (pinning,
pausing) in ``services/trust.py``. Their names used by other modules are re-exported here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import msgspec

from chat_desktop.net.errors import ConnectionFailure
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import DevicePayload, MessageSend, MessageSendAck
from chat_desktop.services.context import EngineContext, now_ms
from chat_desktop.services.device_sets import BUNDLE_RETRY_S as BUNDLE_RETRY_S
from chat_desktop.services.device_sets import DeviceSets
from chat_desktop.services.device_sets import UnknownRecipient as UnknownRecipient
from chat_desktop.services.devices import is_removed_own_device, other_own_devices
from chat_desktop.services.events import MessageChanged, MessagesWaiting, StatusChanged
from chat_desktop.services.resend_log import ResendPart, encrypt_resend, log_encrypted
from chat_desktop.services.trust import messages_waiting
from chat_desktop.services.trust import paused_peers as paused_peers
from chat_desktop.services.trust import record_identity as record_identity
from chat_desktop.services.trust import set_paused as set_paused
from chat_desktop.services.trust import trusted_identity_key as trusted_identity_key
from chat_desktop.storage.group_ids import group_id_of
from chat_desktop.storage.models import MessageKey, MessageStatus, OutboxEntry
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

MAX_IN_FLIGHT = 256
#: How often one send follows a ``mismatched_devices`` answer before it waits for a later
#: drain (the device set can change between answers, but not forever).
MAX_DEVICE_SET_FIXES = 3
PENDING_BATCH = 512


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
        resend: For a resend a peer's device asked for, the message for that device only
            (``content`` is then what the peer's other devices get: an empty ``retry``).
    """

    content: bytes | None
    bodies: list[tuple[int, bytes]] | None
    expires_at: int | None
    track_status: bool = True
    blob_path: str | None = None
    resend: ResendPart | None = None


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(OutboxPayload)


def encode_payload(payload: OutboxPayload) -> bytes:
    """Serializes an outbox payload for the store."""
    return _encoder.encode(payload)


def decode_payload(data: bytes) -> OutboxPayload:
    """Parses an outbox payload from the store."""
    return _decoder.decode(data)


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
        if peer == context.username and (
            device_id == context.device_id or is_removed_own_device(store, device_id)
        ):
            continue  # never our own device, never one that left the account (§6.11)
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
#: Sends the entries of group conversations (``services/groups_sending.py``); returns whether
#: it made progress (sent or queued something).
GroupDrain = Callable[[list[OutboxEntry]], Awaitable[bool]]


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
        #: Sends group entries (recipient: a group's conversation id); set by the client.
        self.group_drain: GroupDrain | None = None
        self._hold_until = 0.0
        self._device_sets = DeviceSets(context)
        #: Messages waiting for an accept, per paused peer, as last published.
        self._waiting: dict[str, int] = {}
        #: Deferred peers (``device_sets``): not asked for, nor sent to, before this loop time.
        self._bundle_retry_at = self._device_sets.retry_at

    async def establish_sessions(self, peer: str, devices: list[int] | None = None) -> bool:
        """Sets up sessions with ``peer``'s devices (see ``DeviceSets.establish_sessions``).

        Returns:
            False if nothing can be sent to ``peer`` now (paused, or deferred).

        Raises:
            UnknownRecipient: The relay has no such user.
            ProtocolError, ConnectionFailure: The request failed.
        """
        return await self._device_sets.establish_sessions(peer, devices)

    @property
    def device_sets(self) -> DeviceSets:
        """Sessions with peers' device sets and the per-peer back-off (for group sends)."""
        return self._device_sets

    def record_ack(self, entry: OutboxEntry, server_ts: int) -> None:
        """The relay acked ``entry`` (a group send): commit it with the other acks."""
        self._in_flight.add(entry.seq)
        self._acked.append((entry, server_ts))
        self._ack_ready.set()

    def hold(self, retry_after: float | None) -> None:
        """The relay asked us to slow down: hold the whole queue (keeps the order)."""
        loop = asyncio.get_running_loop()
        self._hold_until = max(self._hold_until, loop.time() + (retry_after or 1.0))
        self.wake()

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
        entries, paused, waiting = await worker.run(self._pending_entries)
        self._tell_waiting(waiting)
        deferred = self._device_sets.deferred
        entries = [
            entry
            for entry in entries
            if entry.seq not in self._in_flight
            and entry.recipient not in paused
            and not deferred(entry.recipient)
        ]
        groups = [entry for entry in entries if group_id_of(entry.recipient) is not None]
        if groups:
            entries = [entry for entry in entries if group_id_of(entry.recipient) is None]
        if not entries and not groups:
            return False
        prepared = await self._prepare(entries, paused) if entries else []
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
        progressed = bool(prepared)
        if groups and self.group_drain is not None:
            # After the pairwise sends started: a group message waits for the sender keys
            # and updates queued before it (services/groups_sending.py).
            progressed = await self.group_drain(groups) or progressed
        return progressed

    async def _wait_out_hold(self) -> None:
        """Waits while the relay asked us to slow down (``rate_limited``)."""
        delay = self._hold_until - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)

    def _pending_entries(self) -> tuple[list[OutboxEntry], set[str], dict[str, int]]:
        store = self._context.worker.store
        paused = paused_peers(store)
        waiting = {peer: messages_waiting(store, peer) for peer in paused}
        return store.outbox.pending(PENDING_BATCH), paused, waiting

    def _tell_waiting(self, waiting: dict[str, int]) -> None:
        """Publishes how many messages wait for each paused peer, when that changed."""
        for peer in self._waiting.keys() - waiting.keys():
            waiting[peer] = 0  # no longer paused: nothing waits for an accept any more
        for peer, count in waiting.items():
            if self._waiting.get(peer, 0) != count:
                self._context.events.publish(MessagesWaiting(peer=peer, count=count))
        self._waiting = {peer: count for peer, count in waiting.items() if count}

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
        """Sets up sessions for queued messages; an unknown recipient fails them, a refused
        request defers the peer (never a tight loop of bundle requests)."""
        try:
            return await self.establish_sessions(peer)
        except UnknownRecipient:
            await self._context.worker.run(self._fail_peer, peer)
            return False
        except ProtocolError:
            self._device_sets.defer(peer)
            return False

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
                    bodies = self._encrypt_entry(store, item.entry, payload)
                    if bodies is None:
                        store.outbox.mark_acked(item.entry.seq, now_ms())  # a cancelled resend
                        continue
                    if not bodies:
                        continue
                    payload = msgspec.structs.replace(payload, bodies=bodies, blob_path=None)
                    store.outbox.update_payload(item.entry.seq, encode_payload(payload))
                ready.append(_Prepared(item.entry, payload))
        return ready

    def _encrypt_entry(
        self, store: MessageStore, entry: OutboxEntry, payload: OutboxPayload
    ) -> list[tuple[int, bytes]] | None:
        """Encrypts an entry to the peer's devices and logs what may be re-sent.

        Returns None for a resend that must not go any more (see ``resend_log``).
        """
        assert payload.content is not None
        peer = entry.recipient
        trusted_key = trusted_identity_key(self._context, store, peer)
        if payload.resend is not None:
            return encrypt_resend(
                self._context,
                store,
                entry,
                payload.resend,
                trusted_key,
                payload.content,
                encrypt_to_peer,
            )
        bodies = encrypt_to_peer(self._context, store, peer, payload.content)
        log_encrypted(store, entry, (device for device, _ in bodies), trusted_key)
        return bodies

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
        session could not be set up now (a refused, rate-limited or hostile bundle answer,
        or the link dropped): nothing is sent, the entry stays queued and the peer waits
        (``device_sets``), so the relay's next refusal does not come at once.
        """
        peer = item.entry.recipient
        worker = self._context.worker
        if error.extra:
            await worker.run(self._device_sets.drop_devices, peer, error.extra)
        if error.missing:
            try:
                usable = await self.establish_sessions(peer, list(error.missing))
            except ConnectionFailure:
                return None  # the drain waits for the link
            except (ProtocolError, UnknownRecipient):
                self._device_sets.defer(peer)
                return None
            if not usable:
                return None
        try:
            return await worker.run(self._reencrypt, item, set(error.missing), set(error.extra))
        except Exception:
            self._context.sessions.forget()
            raise

    def _reencrypt(self, item: _Prepared, missing: set[int], extra: set[int]) -> _Prepared:
        store = self._context.worker.store
        payload = item.payload
        assert payload.bodies is not None
        with store.transaction():
            bodies = [(device, body) for device, body in payload.bodies if device not in extra]
            wanted = missing - {device for device, _ in bodies}
            resend = payload.resend
            if resend is not None:
                wanted.discard(resend.device_id)  # only ever the filler to another device
            if wanted and payload.content is not None:
                added = encrypt_to_peer(
                    self._context, store, item.entry.recipient, payload.content, wanted
                )
                if resend is None:
                    trusted_key = trusted_identity_key(self._context, store, item.entry.recipient)
                    log_encrypted(store, item.entry, (device for device, _ in added), trusted_key)
                bodies += added
            if resend is not None and resend.device_id not in {device for device, _ in bodies}:
                bodies = []  # the device that asked is gone: nothing to resend
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
                self._device_sets.served(item.entry.recipient)
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
            sent, started = await self._context.worker.run(self._mark_acked, batch)
        except BaseException:
            self._acked = batch + self._acked
            raise
        for entry, _ in batch:
            self._in_flight.discard(entry.seq)
        for entry in sent:
            self._context.events.publish(
                StatusChanged(peer=entry.recipient, message_id=entry.message_id, status="sent")
            )
        for key in started:  # a window showing it shows its time left from now
            self._context.events.publish(
                MessageChanged(key.conversation_id, key.message_id, "expiry")
            )
        self.wake()

    def _mark_acked(
        self, batch: list[tuple[OutboxEntry, int]]
    ) -> tuple[list[OutboxEntry], list[MessageKey]]:
        """Drops acked entries; returns those now sent and the messages whose disappearing
        countdown started."""
        store = self._context.worker.store
        acked_at = now_ms()
        sent = []
        started: list[MessageKey] = []
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
                    started.append(key)
                if message.status is not MessageStatus.PENDING:
                    sent.append(entry)
        return sent, started
