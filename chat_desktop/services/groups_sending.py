"""Sending group messages: one sender-key encryption, one ``message:send_multi``.

A group message is an outbox entry whose recipient is the group's conversation id, queued
like any message (row and entry in one transaction). The outbox sender hands such entries
here (:class:`GroupSender`), after starting the pairwise sends of the same drain. Per group,
in queue order:

1. every member (and our own account, for our other devices) with no session gets one
   (a member whose bundles the relay refuses waits, deferred as in 1:1 sending);
2. our sender key is made if we have none (first message, or after a removal), and handed,
   as ``sender_key`` outbox entries to those members, to each device lacking it; while such
   entries, or any other pairwise entry of the group (its updates), are still queued, the
   group's messages wait: per-sender order at the relay then keeps them first;
3. each message is encrypted once, ``0x03 ‖ sender-key message`` over ``group_id ‖ padded
   content`` (docs/protocol.md §2.3, §11.3), the body stored in the entry with our advanced
   sender key (one transaction), and sent with every recipient's device list;
4. ``mismatched_devices``: the gone devices are forgotten (and our key rotated: they held
   it), the new ones get sessions, and the
   group's unsent messages are encrypted again after the key reached the new devices (an
   earlier iteration would be unreadable there); the same message id goes again, which the
   relay deduplicates.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import msgspec

from chat_desktop.net.errors import ConnectionFailure
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import MessageSendAck, MessageSendMulti, RecipientDevices
from chat_desktop.services.context import EngineContext, now_ms
from chat_desktop.services.device_sets import UnknownRecipient
from chat_desktop.services.devices import other_own_devices
from chat_desktop.services.events import GroupMemberGone, StatusChanged
from chat_desktop.services.group_state import GroupState
from chat_desktop.services.groups_gone import GoneFinder, remember_gone
from chat_desktop.services.groups_held import (
    NotAGroupMember,
    member_state,
    recipient_devices,
)
from chat_desktop.services.groups_keys import own_key, queue_distributions, rotate_own_key
from chat_desktop.services.sending import (
    MAX_DEVICE_SET_FIXES,
    PENDING_BATCH,
    OutboxSender,
    decode_payload,
    encode_payload,
)
from chat_desktop.services.trust import paused_peers
from chat_desktop.storage.models import OutboxEntry

logger = logging.getLogger(__name__)

#: The first byte of a group message body (docs/protocol.md §2.3).
GROUP_MESSAGE_TYPE = 0x03
#: How long a group's recipient devices are remembered (s).
_CACHE_S = 30.0


@dataclass(frozen=True)
class _Item:
    entry: OutboxEntry
    body: bytes
    expires_at: int | None


@dataclass(frozen=True)
class _NeedSessions:
    users: list[str]


@dataclass(frozen=True)
class _Ready:
    items: list[_Item]
    recipients: list[RecipientDevices]


class GroupSender:
    """Sends the outbox's group entries; see the module docstring.

    Finding every recipient's devices costs two store reads per member, so a group's list is
    remembered for :data:`_CACHE_S` seconds at one revision. A device added meanwhile makes
    the relay answer ``mismatched_devices``, a device gone too: either answer (and every new
    session set up here) forgets the list, so a stale one costs one refused send, never a
    lost message.
    """

    def __init__(self, context: EngineContext, sender: OutboxSender) -> None:
        """Sends through ``sender``'s link, sessions, back-off and ack commits."""
        self._context = context
        self._sender = sender
        #: Conversation id -> (revision, when, lookup number, recipient devices).
        self._devices_cache: dict[str, tuple[int, float, int, dict[str, list[int]]]] = {}
        self._lookups = 0
        #: Conversation id -> (key id, lookup number) whose devices all hold that key.
        self._handed_out: dict[str, tuple[int, int]] = {}
        #: Conversation id -> ``mismatched_devices`` answers in a row.
        self._fixes: dict[str, int] = {}
        self._gone = GoneFinder(context)

    async def send(self, entries: list[OutboxEntry]) -> bool:
        """Sends what can go of these group entries (in queue order per group).

        Returns:
            Whether anything was sent, queued or failed (the drain looks again at once).
        """
        by_group: dict[str, list[OutboxEntry]] = {}
        for entry in entries:
            by_group.setdefault(entry.recipient, []).append(entry)
        progressed = False
        for conversation_id, group_entries in by_group.items():
            try:
                progressed = await self._send_group(conversation_id, group_entries) or progressed
            except NotAGroupMember:
                await self._context.worker.run(self._fail, group_entries)
                progressed = True
        return progressed

    async def _send_group(self, conversation_id: str, entries: list[OutboxEntry]) -> bool:
        worker = self._context.worker
        entries = await self._uploaded(entries)
        for _ in range(2):
            ready = await worker.run(self._ready, conversation_id, entries, self._deferred())
            if not isinstance(ready, _NeedSessions):
                break
            await self._establish(ready.users)
        else:
            return False  # sessions still missing: a later drain looks again (no tight loop)
        if isinstance(ready, bool):
            return ready
        for item in ready.items:
            if not await self._send_one(conversation_id, item, ready.recipients):
                return True
        return True

    async def _uploaded(self, entries: list[OutboxEntry]) -> list[OutboxEntry]:
        """The entries, each file's blob uploaded first (once for the whole group).

        The uploader stores the completed content (naming the blob) in the entry; a refused
        or cancelled upload fails its message and raises ``UploadAborted`` (the drain looks
        again, without it).
        """
        uploader = self._sender.uploader
        done = []
        for entry in entries:
            payload = decode_payload(entry.payload)
            if payload.blob_path is not None and uploader is not None:
                payload = await uploader(entry, payload)
                entry = msgspec.structs.replace(entry, payload=encode_payload(payload))
            done.append(entry)
        return done

    def _deferred(self) -> set[str]:
        """The peers the outbox waits for now (their bundles were refused)."""
        device_sets = self._sender.device_sets
        return {peer for peer in device_sets.retry_at if device_sets.deferred(peer)}

    # ---- on the store thread ---------------------------------------------------------------

    def _ready(
        self, conversation_id: str, entries: list[OutboxEntry], deferred: set[str]
    ) -> _Ready | _NeedSessions | bool:
        """Asks for sessions or hands out our key where needed, else encrypts the entries
        still plaintext (never before: a device given the key later could not read them).

        Returns the recipients to set up sessions with first, True when sender keys were
        queued, False when pairwise entries of the group are still queued (the messages
        wait), else what to send.
        """
        context = self._context
        store = context.worker.store
        with store.transaction():
            state = member_state(context, store, conversation_id)
            generation, devices = self._recipient_devices(conversation_id, state)
            lacking = [
                user
                for user, device_ids in devices.items()
                if not device_ids and user not in deferred and self._may_have_devices(user)
            ]
            if lacking:
                return _NeedSessions(lacking)
            key = own_key(store, conversation_id)
            handed_out = (key.key_id, generation)  # the same key to the same cached devices
            if self._handed_out.get(conversation_id) != handed_out:
                if queue_distributions(context, store, conversation_id, key, devices):
                    return True
                self._handed_out[conversation_id] = handed_out
            if self._pairwise_pending(conversation_id):
                return False
            prefix = bytes([GROUP_MESSAGE_TYPE])
            items = []
            advanced = False
            for entry in entries:
                payload = decode_payload(entry.payload)
                if payload.bodies is None:
                    assert payload.content is not None
                    body = prefix + key.encrypt(state.group_id + payload.content)
                    payload = msgspec.structs.replace(payload, bodies=[(0, body)])
                    store.outbox.update_payload(entry.seq, encode_payload(payload))
                    advanced = True
                assert payload.bodies is not None
                items.append(_Item(entry, payload.bodies[0][1], payload.expires_at))
            if advanced:
                store.groups.set_own_sender_key(conversation_id, key.to_bytes())
        recipients = [
            RecipientDevices(user=user, device_ids=device_ids)
            for user, device_ids in devices.items()
        ]
        return _Ready(items, recipients)

    def _recipient_devices(
        self, conversation_id: str, state: GroupState
    ) -> tuple[int, dict[str, list[int]]]:
        """The group's recipient devices, remembered for a while (see the class docstring),
        with the number of the lookup that found them."""
        now = time.monotonic()
        cached = self._devices_cache.get(conversation_id)
        if cached is not None and cached[0] == state.revision and now - cached[1] < _CACHE_S:
            return cached[2], cached[3]
        devices = recipient_devices(self._context, self._context.worker.store, state)
        self._lookups += 1
        self._devices_cache[conversation_id] = (state.revision, now, self._lookups, devices)
        return self._lookups, devices

    def _may_have_devices(self, user: str) -> bool:
        """Whether a session with ``user`` may be set up (our own account: other devices)."""
        if user != self._context.username:
            return True
        return bool(other_own_devices(self._context.worker.store, self._context.device_id))

    def _pairwise_pending(self, conversation_id: str) -> bool:
        """Whether a pairwise entry of the group (a sender key, an update) is still queued
        for a peer that is not paused."""
        store = self._context.worker.store
        paused = paused_peers(store)
        return any(
            entry.conversation_id == conversation_id
            and entry.recipient != conversation_id
            and entry.recipient not in paused
            for entry in store.outbox.pending(PENDING_BATCH)
        )

    def _reset_bodies(self, conversation_id: str) -> None:
        """The group's queued messages are encrypted again on the next try (see step 4)."""
        store = self._context.worker.store
        with store.transaction():
            for entry in store.outbox.pending(PENDING_BATCH):
                if entry.recipient != conversation_id:
                    continue
                payload = decode_payload(entry.payload)
                if payload.bodies is not None:
                    payload = msgspec.structs.replace(payload, bodies=None)
                    store.outbox.update_payload(entry.seq, encode_payload(payload))

    def _fail(self, entries: list[OutboxEntry]) -> None:
        store = self._context.worker.store
        with store.transaction():
            for entry in entries:
                store.outbox.mark_failed(entry.seq)
        for entry in entries:
            self._context.events.publish(
                StatusChanged(peer=entry.recipient, message_id=entry.message_id, status="failed")
            )

    # ---- on the loop -----------------------------------------------------------------------

    async def _establish(self, users: list[str]) -> None:
        """Sets up sessions with recipients we have none with (a refusal defers them)."""
        self._devices_cache.clear()
        for user in users:
            try:
                await self._sender.establish_sessions(user)
            except (UnknownRecipient, ProtocolError):
                self._sender.device_sets.defer(user)

    async def _send_one(
        self, conversation_id: str, item: _Item, recipients: list[RecipientDevices]
    ) -> bool:
        """Sends one group message; returns False when the rest of the group must wait."""
        connection = self._context.connection
        if connection is None:
            return False
        if not any(recipient.device_ids for recipient in recipients):
            self._sender.record_ack(item.entry, now_ms())  # nobody else to write to yet
            return True
        request = MessageSendMulti(
            id=item.entry.message_id,
            recipients=recipients,
            body=item.body,
            expires_at=item.expires_at,
        )
        try:
            ack = await connection.request(wire_events.MESSAGE_SEND_MULTI, request, MessageSendAck)
        except ProtocolError as error:
            if error.code is ErrorCode.MISMATCHED_DEVICES:
                await self._fix_device_sets(conversation_id, error)
            elif error.code is ErrorCode.NOT_FOUND:
                await self._member_gone(conversation_id, item, recipients)
            elif error.code is ErrorCode.RATE_LIMITED:
                self._sender.hold(error.retry_after)
            elif error.code not in (ErrorCode.INTERNAL, ErrorCode.UNAUTHORIZED):
                logger.warning("relay refused a group message: %s", error.code.value)
                await self._context.worker.run(self._fail, [item.entry])
            return False
        except ConnectionFailure:
            return False
        self._fixes.pop(conversation_id, None)
        self._sender.record_ack(item.entry, ack.server_ts)
        return True

    async def _member_gone(
        self, conversation_id: str, item: _Item, recipients: list[RecipientDevices]
    ) -> None:
        """Follows a ``not_found`` answer: finds the member whose account is gone
        (``groups_gone.py``), leaves them out from now on and tells the user; the message
        goes again to the rest. While it is not found yet (questions left for later) the
        group waits; when every member is there after all, the message fails."""
        worker = self._context.worker
        try:
            probe = await self._gone.find({r.user: r.device_ids for r in recipients})
        except ProtocolError as error:
            self._sender.device_sets.defer(conversation_id, error.retry_after or None)
            return
        if probe.gone is not None:
            member = probe.gone
            logger.info("a group member's account is gone; they are left out")
            if await worker.run(remember_gone, worker.store, member):
                self._context.events.publish(GroupMemberGone(peer=conversation_id, member=member))
            self._devices_cache.clear()
            return
        if probe.all_alive:
            logger.warning("relay refused a group message: not_found, every member is there")
            await worker.run(self._fail, [item.entry])
            return
        self._sender.device_sets.defer(conversation_id)

    async def _fix_device_sets(self, conversation_id: str, error: ProtocolError) -> None:
        """Follows a ``mismatched_devices`` answer to a group message (see step 4).

        After :data:`MAX_DEVICE_SET_FIXES` answers in a row the group waits (deferred like a
        peer): a relay that keeps changing its answer never makes a loop of sends.
        """
        self._devices_cache.pop(conversation_id, None)
        worker = self._context.worker
        device_sets = self._sender.device_sets
        fixes = self._fixes.get(conversation_id, 0) + 1
        self._fixes[conversation_id] = fixes
        if fixes >= MAX_DEVICE_SET_FIXES:
            self._fixes.pop(conversation_id, None)
            device_sets.defer(conversation_id)
        store = worker.store
        for mismatch in error.mismatched_users:
            if mismatch.extra:
                # A device left a member's account: it held our key, so a new one is due.
                await worker.run(device_sets.drop_devices, mismatch.user, mismatch.extra)
                await worker.run(rotate_own_key, store, conversation_id)
            if mismatch.missing:
                try:
                    usable = await self._sender.establish_sessions(
                        mismatch.user, list(mismatch.missing)
                    )
                except (ProtocolError, UnknownRecipient):
                    usable = False
                if not usable:
                    # A device we can't write to: the group waits (never a tight loop).
                    device_sets.defer(conversation_id)
        await worker.run(self._reset_bodies, conversation_id)
