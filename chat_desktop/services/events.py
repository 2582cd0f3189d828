"""Typed events the messaging engine publishes to its consumers (GUI, bots, tests).

Events are small frozen dataclasses. They name messages by id and peers by username and carry
the text of a received message only in :class:`MessageReceived`, which is what a consumer
displays; nothing here is ever logged.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ConnectionState(StrEnum):
    """Where the link to the relay stands."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class MessageReceived:
    """A peer's text or attachment message was decrypted and stored."""

    peer: str
    message_id: str
    kind: str
    text: str
    sent_at: int


@dataclass(frozen=True)
class MessageUndecryptable:
    """A message from ``peer`` could not be decrypted; it is recorded, not retried."""

    peer: str
    message_id: str


@dataclass(frozen=True)
class StatusChanged:
    """One of our messages moved to ``status`` (sent, delivered, read, failed)."""

    peer: str
    message_id: str
    status: str


@dataclass(frozen=True)
class TypingChanged:
    """The peer started or stopped typing."""

    peer: str
    typing: bool


@dataclass(frozen=True)
class PresenceChanged:
    """The relay reported the peer online or offline (``last_seen`` in ms)."""

    peer: str
    online: bool
    last_seen: int | None


@dataclass(frozen=True)
class IdentityKeyChanged:
    """The peer's identity key differs from the one we knew (reinstall, or an attack).

    ``sending_paused`` is true when the peer was verified: nothing is sent to them until the
    user accepts the new key.
    """

    peer: str
    sending_paused: bool


@dataclass(frozen=True)
class MessagesExpired:
    """Disappearing messages reached their end and were deleted."""

    peer: str
    message_ids: tuple[str, ...]


@dataclass(frozen=True)
class TimerChanged:
    """The conversation's disappearing timer is now ``seconds`` (0 = off)."""

    peer: str
    seconds: int


@dataclass(frozen=True)
class ConnectionChanged:
    """The relay link changed state."""

    state: ConnectionState


@dataclass(frozen=True)
class TransferProgress:
    """Bytes of an attachment moved so far (``direction`` "up" or "down")."""

    peer: str
    message_id: str
    direction: str
    done: int
    total: int


@dataclass(frozen=True)
class TransferFinished:
    """An attachment upload or download ended: ``ok``, failed, or ``cancelled`` by the user."""

    peer: str
    message_id: str
    direction: str
    ok: bool
    cancelled: bool


@dataclass(frozen=True)
class AttachmentStored:
    """A received attachment finished downloading and is stored (encrypted at rest).

    ``ok`` is False when the blob failed its digest or MAC check: nothing was kept.
    """

    peer: str
    message_id: str
    ok: bool


@dataclass(frozen=True)
class MessageRecovered:
    """A message first recorded as undecryptable arrived again, readable (the sender resent
    it after our retry request): the placeholder row now holds the message."""

    peer: str
    message_id: str


@dataclass(frozen=True)
class MessageChanged:
    """A stored message changed; reload it (:meth:`ChatClient.message`) to show it.

    ``change`` says what: ``"edited"`` (its text, or the quote it shows, changed),
    ``"deleted"`` (deleted for everyone: now a tombstone), ``"reactions"``, or ``"details"``
    (a receipt time was recorded).
    """

    peer: str
    message_id: str
    change: str


@dataclass(frozen=True)
class MessagesRemoved:
    """Messages were removed from this device (delete for me, or the conversation deleted).

    An empty ``message_ids`` means the whole conversation is gone.
    """

    peer: str
    message_ids: tuple[str, ...]


@dataclass(frozen=True)
class ConversationChanged:
    """A conversation's settings changed (muted, pinned, archived) or it was deleted."""

    peer: str


@dataclass(frozen=True)
class EngineTaskRestarted:
    """A long-running engine task (receiver, outbox, expiry, key upkeep) failed and was
    restarted. ``task`` names it; the error itself is in the log (by type only)."""

    task: str


@dataclass(frozen=True)
class DevicesChanged:
    """Our account's device set changed (a device was linked or unlinked, or refreshed).

    ``devices`` are :class:`chat_desktop.services.devices.DeviceSummary` items, by id.
    """

    devices: list[Any]


@dataclass(frozen=True)
class DeviceUnlinked:
    """This device was removed from its account: the relay refuses it from now on.

    The app says so and offers to erase the profile; nothing more is sent or received.
    """


@dataclass(frozen=True)
class VerifiedChanged:
    """The user (on another of our devices) verified or unverified ``peer``'s key."""

    peer: str
    verified: bool


@dataclass(frozen=True)
class ResumedElsewhere:
    """The user accepted ``peer``'s new key on another device: sending resumes here too."""

    peer: str


@dataclass(frozen=True)
class ReadElsewhere:
    """Messages of ``peer`` were read on another of our devices (unread counts change)."""

    peer: str
    message_ids: tuple[str, ...]


ClientEvent = (
    MessageReceived
    | MessageRecovered
    | EngineTaskRestarted
    | MessageUndecryptable
    | StatusChanged
    | TypingChanged
    | PresenceChanged
    | IdentityKeyChanged
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
    | ReadElsewhere
    | VerifiedChanged
    | ResumedElsewhere
)


class EventStream:
    """Fan-out of engine events to any number of async subscribers.

    Each subscriber gets its own unbounded queue, so a slow consumer never blocks the engine
    and never loses an event.
    """

    def __init__(self) -> None:
        self._queues: list[asyncio.Queue[ClientEvent]] = []

    def publish(self, event: ClientEvent) -> None:
        """Hand ``event`` to every current subscriber."""
        for queue in self._queues:
            queue.put_nowait(event)

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
