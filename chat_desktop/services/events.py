"""Typed events the messaging engine publishes to its consumers (GUI, bots, tests).

Events are small frozen records (``msgspec.Struct``: defining one costs microseconds where a
dataclass costs about a millisecond, and these load at every start). They name messages by
id and peers by username and carry the text of a received message only in
:class:`MessageReceived`, which is what a consumer displays; nothing here is ever logged.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from enum import StrEnum
from typing import Any, Literal

import msgspec


class ConnectionState(StrEnum):
    """Where the link to the relay stands."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    #: This device was removed from its account: the link is down for good (not "offline").
    UNLINKED = "unlinked"


class MessageReceived(msgspec.Struct, frozen=True):
    """A peer's text or attachment message was decrypted and stored.

    In a group ``peer`` is the group's conversation id (``"g:…"``) and ``sender`` the member
    who wrote it; in a 1:1 chat ``sender`` is None (the peer wrote it).
    """

    peer: str
    message_id: str
    kind: str
    text: str
    sent_at: int
    sender: str | None = None


class MessageUndecryptable(msgspec.Struct, frozen=True):
    """A message from ``peer`` could not be decrypted; it is recorded, not retried."""

    peer: str
    message_id: str


class StatusChanged(msgspec.Struct, frozen=True):
    """One of our messages moved to ``status`` (sent, delivered, read, failed)."""

    peer: str
    message_id: str
    status: str


class TypingChanged(msgspec.Struct, frozen=True):
    """The peer started or stopped typing.

    In a group ``peer`` is the group's conversation id and ``sender`` the member typing; in
    a 1:1 chat ``sender`` is None (the peer types).
    """

    peer: str
    typing: bool
    sender: str | None = None


class PresenceChanged(msgspec.Struct, frozen=True):
    """The relay reported the peer online or offline (``last_seen`` in ms)."""

    peer: str
    online: bool
    last_seen: int | None


class IdentityKeyChanged(msgspec.Struct, frozen=True):
    """The peer's identity key differs from the one we knew (reinstall, or an attack).

    ``sending_paused`` is true when the peer was verified: nothing is sent to them until the
    user accepts the new key. ``verified_cleared`` says the contact was verified and no longer
    is (the store cleared it: every "verified" mark goes). ``note_id`` names the note the
    change left in the conversation ("bob's safety number changed"), None when none was
    written (the relay offered keys of which none is the contact's: nothing was stored).
    """

    peer: str
    sending_paused: bool
    verified_cleared: bool = False
    note_id: str | None = None


class DeviceKeyRefused(msgspec.Struct, frozen=True):
    """The relay offered a device of ``peer`` with another identity key than the contact's
    trusted one, while their other devices carry the trusted key: that device alone gets no
    session and nothing is sent to it; the trusted key and sending to the other devices stay
    as they were. Published once per (peer, device, offered key)."""

    peer: str
    device_id: int


class MessagesWaiting(msgspec.Struct, frozen=True):
    """``count`` of our messages to ``peer`` wait for the user to accept the peer's new
    identity key (sending to them is paused); published when the count changes."""

    peer: str
    count: int


class SendingDeferred(msgspec.Struct, frozen=True):
    """Sending to ``peer`` (our own username: the copies for our other devices) waits
    ``retry_in_s`` seconds: the relay refused or rate-limited the prekey bundles a send
    needs, or insists on a device that is refused. The messages stay queued; published once
    when the wait starts, not for each attempt."""

    peer: str
    retry_in_s: float


class MessagesExpired(msgspec.Struct, frozen=True):
    """Disappearing messages reached their end and were deleted."""

    peer: str
    message_ids: tuple[str, ...]


class TimerChanged(msgspec.Struct, frozen=True):
    """The conversation's disappearing timer is now ``seconds`` (0 = off)."""

    peer: str
    seconds: int


class ConnectionChanged(msgspec.Struct, frozen=True):
    """The relay link changed state."""

    state: ConnectionState


class TransferProgress(msgspec.Struct, frozen=True):
    """Bytes of an attachment moved so far (``direction`` "up" or "down")."""

    peer: str
    message_id: str
    direction: str
    done: int
    total: int


class TransferFinished(msgspec.Struct, frozen=True):
    """An attachment upload or download ended: ``ok``, failed, or ``cancelled`` by the user."""

    peer: str
    message_id: str
    direction: str
    ok: bool
    cancelled: bool


class AttachmentStored(msgspec.Struct, frozen=True):
    """A received attachment finished downloading and is stored (encrypted at rest).

    ``ok`` is False when the blob failed its digest or MAC check: nothing was kept.
    """

    peer: str
    message_id: str
    ok: bool


class MessageRecovered(msgspec.Struct, frozen=True):
    """A message first recorded as undecryptable arrived again, readable (the sender resent
    it after our retry request): the placeholder row now holds the message."""

    peer: str
    message_id: str


class MessageChanged(msgspec.Struct, frozen=True):
    """A stored message changed; reload it (``client.messages.get``) to show it.

    ``change`` says what: ``"edited"`` (its text, or the quote it shows, changed),
    ``"deleted"`` (deleted for everyone: now a tombstone), ``"reactions"``, ``"details"``
    (a receipt time was recorded) or ``"expiry"`` (its disappearing countdown started: ours
    at the relay's ack, a received one when read).
    """

    peer: str
    message_id: str
    change: str


class MessagesRemoved(msgspec.Struct, frozen=True):
    """Messages were removed from this device (delete for me, or the conversation deleted).

    An empty ``message_ids`` means the whole conversation is gone.
    """

    peer: str
    message_ids: tuple[str, ...]


class ConversationChanged(msgspec.Struct, frozen=True):
    """A conversation's settings changed (muted, pinned, archived) or it was deleted."""

    peer: str


class EngineTaskRestarted(msgspec.Struct, frozen=True):
    """A long-running engine task (receiver, outbox, expiry, key upkeep) failed and was
    restarted. ``task`` names it; the error itself is in the log (by type only)."""

    task: str


class DevicesChanged(msgspec.Struct, frozen=True):
    """Our account's device set changed (a device was linked or unlinked, or refreshed).

    ``devices`` are :class:`chat_desktop.services.devices.DeviceSummary` items, by id.
    """

    devices: list[Any]


class DeviceUnlinked(msgspec.Struct, frozen=True):
    """This device was removed from its account: the relay refuses it from now on.

    The app says so and offers to erase the profile; nothing more is sent or received.
    """


class OwnDeviceLinked(msgspec.Struct, frozen=True):
    """A device we did not know joined our account (the device set grew): say so, as
    Signal does, so a device added behind the user's back does not go unnoticed.

    ``name`` is its decrypted name (None if it has none or it would not decrypt).
    """

    device_id: int
    name: str | None


class RemovedDeviceListed(msgspec.Struct, frozen=True):
    """The relay listed again a device of ours that was removed (ids are never reused):
    it is ignored (nothing is encrypted to it, nothing from it is taken). Published once
    per device."""

    device_id: int


class HistoryImportFailed(msgspec.Struct, frozen=True):
    """The history sent at link time could not be imported on this new device (the blob
    expired, was tampered with, or does not check out): linking worked without it."""


class HistoryTransferProgress(msgspec.Struct, frozen=True):
    """How far the history sent at link time has come (docs/protocol.md §6.11).

    ``stage`` is ``"export"`` then ``"upload"`` on the existing device, ``"download"`` then
    ``"import"`` on the new one; ``done`` of ``total`` counts conversations (export, import)
    or encrypted bytes (upload, download). ``import`` with ``done == total`` ends it.
    """

    stage: str
    done: int
    total: int


class VerifiedChanged(msgspec.Struct, frozen=True):
    """The user (on another of our devices) verified or unverified ``peer``'s key."""

    peer: str
    verified: bool


class ResumedElsewhere(msgspec.Struct, frozen=True):
    """The user accepted ``peer``'s new key on another device: sending resumes here too."""

    peer: str


class ReadElsewhere(msgspec.Struct, frozen=True):
    """Messages of ``peer`` were read on another of our devices (unread counts change)."""

    peer: str
    message_ids: tuple[str, ...]


class GroupChanged(msgspec.Struct, frozen=True):
    """A group's state changed (created, renamed, members or admins changed, timer).

    ``peer`` is the group's conversation id and ``sender`` who changed it; ``removed_me``
    says this account is no longer a member (nothing more is sent to the group from here).
    The other fields say what changed, for notes in the history ("alice added carol"): the
    members added and removed (a member who left is its sender, removed), the admins added
    and removed, and whether the title, timer or avatar changed. Reload the state with
    ``client.groups.get``.
    """

    peer: str
    revision: int
    removed_me: bool = False
    sender: str = ""
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    admins_added: tuple[str, ...] = ()
    admins_removed: tuple[str, ...] = ()
    title_changed: bool = False
    timer_changed: bool = False
    avatar_changed: bool = False


class GroupUpdateRefused(msgspec.Struct, frozen=True):
    """A ``group_update`` from ``sender`` was refused or ignored; nothing changed.

    ``reason`` is the rule it broke (``not_an_admin``, ``not_only_leaving``, ``stale``, …);
    ``kept_aside`` says it is kept to be offered again after the next update taken
    (docs/protocol.md §4: its sender's rights may come from an update not received yet).
    """

    peer: str
    sender: str
    reason: str
    kept_aside: bool = False


class GroupMessageRefused(msgspec.Struct, frozen=True):
    """A group message or sender key from ``sender``'s device was refused (no plaintext).

    ``reason`` says why: ``unknown_sender_key`` (no key held: a non-member, or not given
    the key), ``forged`` (bad signature), ``wrong_group``, ``not_a_member``, ``invalid``,
    ``unknown_group`` (a group receipt for a group not held).
    """

    sender: str
    device_id: int
    reason: str


class GroupMemberGone(msgspec.Struct, frozen=True):
    """A member of the group ``peer`` has no account any more (the relay said so): nothing is
    sent to ``member`` again, in any group; the rest get the messages."""

    peer: str
    member: str


class GroupAvatarRefused(msgspec.Struct, frozen=True):
    """The picture the group ``peer``'s state names was refused (not a usable picture, a
    blob that does not match its pointer, or gone from the relay): the group shows none."""

    peer: str


class ProfileChanged(msgspec.Struct, frozen=True):
    """The profile (name, avatar) of ``peer`` changed; ``peer`` is our own username for ours.

    Lists, headers and avatar caches read it again (``client.profile.of(peer)``).
    """

    peer: str


class ProfileRefused(msgspec.Struct, frozen=True):
    """A profile ``peer`` told us of was refused (it did not open with the key it came with,
    was older than told, or broke a bound); nothing was changed (docs/protocol.md §13.4)."""

    peer: str


#: Where a call stands: ``ringing`` both ways (we ring them, or we are ringing).
CallState = Literal["ringing", "connecting", "connected", "ended"]

#: Why a call ended (docs/protocol.md §14).
CallEndReason = Literal[
    "hung_up",
    "remote_hung_up",
    "declined",
    "busy",
    "answered_elsewhere",
    "timeout",
    "failed",
    "refused",
    "device",
]


class CallInfo(msgspec.Struct, frozen=True):
    """The current call as the GUI shows it (``client.calls.current()``).

    ``outgoing``: we called. Times are Unix milliseconds; ``connected_at_ms`` is None until
    media flows. ``muted`` and ``camera_on`` are what we send.
    """

    call_id: str
    peer: str
    outgoing: bool
    video: bool
    state: CallState
    started_at_ms: int
    connected_at_ms: int | None
    muted: bool
    camera_on: bool


class CallIncoming(msgspec.Struct, frozen=True):
    """A trusted contact's call offer rings on this device."""

    call_id: str
    peer: str
    video: bool


class CallStateChanged(msgspec.Struct, frozen=True):
    """The current call changed state, mute or camera."""

    info: CallInfo


class CallEnded(msgspec.Struct, frozen=True):
    """A call ended (``duration_s`` counts from connected, 0 if it never connected)."""

    call_id: str
    peer: str
    outgoing: bool
    video: bool
    reason: CallEndReason
    duration_s: int


ClientEvent = (
    ProfileChanged
    | ProfileRefused
    | MessageReceived
    | MessageRecovered
    | EngineTaskRestarted
    | MessageUndecryptable
    | StatusChanged
    | TypingChanged
    | PresenceChanged
    | IdentityKeyChanged
    | DeviceKeyRefused
    | SendingDeferred
    | MessagesWaiting
    | MessagesExpired
    | TimerChanged
    | ConnectionChanged
    | TransferProgress
    | TransferFinished
    | AttachmentStored
    | MessageChanged
    | MessagesRemoved
    | ConversationChanged
    | DevicesChanged
    | DeviceUnlinked
    | OwnDeviceLinked
    | RemovedDeviceListed
    | HistoryImportFailed
    | HistoryTransferProgress
    | ReadElsewhere
    | VerifiedChanged
    | ResumedElsewhere
    | GroupChanged
    | GroupUpdateRefused
    | GroupMessageRefused
    | GroupMemberGone
    | GroupAvatarRefused
    | CallIncoming
    | CallStateChanged
    | CallEnded
)


class EventStream:
    """Fan-out of engine events to any number of async subscribers.

    Each subscriber gets its own unbounded queue, so a slow consumer never blocks the engine
    and never loses an event. Engine parts that only need a nudge register a listener
    (:meth:`listen`): called at once on publish, with no task to keep or cancel.
    """

    def __init__(self) -> None:
        self._queues: list[asyncio.Queue[ClientEvent]] = []
        self._listeners: list[Callable[[ClientEvent], None]] = []

    def publish(self, event: ClientEvent) -> None:
        """Hand ``event`` to every current subscriber and listener."""
        for queue in self._queues:
            queue.put_nowait(event)
        for listener in self._listeners:
            listener(event)

    def listen(self, listener: Callable[[ClientEvent], None]) -> None:
        """Calls ``listener`` with every event published from now on (it must be quick and
        must not raise: it runs inside :meth:`publish`)."""
        self._listeners.append(listener)

    def subscribe(self) -> asyncio.Queue[ClientEvent]:
        """Return a queue receiving every event published from now on."""
        queue: asyncio.Queue[ClientEvent] = asyncio.Queue()
        self._queues.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[ClientEvent]) -> None:
        """Stop delivering to ``queue``."""
        if queue in self._queues:
            self._queues.remove(queue)

    async def __aiter__(self) -> AsyncIterator[ClientEvent]:
        queue = self.subscribe()
        try:
            while True:
                yield await queue.get()
        finally:
            self.unsubscribe(queue)
