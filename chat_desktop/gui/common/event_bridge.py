"""``EventBridge``: the one adapter from the engine's async events to Qt signals."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtCore import QObject, Signal

from chat_desktop.services.events import (
    AttachmentStored,
    ClientEvent,
    ConnectionChanged,
    ConversationChanged,
    DeviceKeyRefused,
    EngineTaskRestarted,
    EventStream,
    GroupChanged,
    IdentityKeyChanged,
    MessageChanged,
    MessageReceived,
    MessageRecovered,
    MessagesExpired,
    MessagesRemoved,
    MessagesWaiting,
    MessageUndecryptable,
    PresenceChanged,
    ProfileChanged,
    ReadElsewhere,
    ResumedElsewhere,
    SendingDeferred,
    StatusChanged,
    TimerChanged,
    TransferFinished,
    TransferProgress,
    TypingChanged,
    VerifiedChanged,
)

logger = logging.getLogger(__name__)


class EventBridge(QObject):
    """Consumes ``client.events`` on the qasync loop and re-emits each event as a Qt signal.

    Widgets connect to these signals and never see the engine's queue. Signals carry ids and
    names; the text of a received message stays in the store (widgets read it from there).

    Signals:
        messageReceived(str peer, str message_id, str kind): A message was stored.
        messageUndecryptable(str peer, str message_id): A message could not be decrypted.
        statusChanged(str peer, str message_id, str status): sent/delivered/read/failed.
        typingChanged(str peer, bool typing): The peer started or stopped typing.
        groupTypingChanged(str group, str member, bool typing): A member of the group
            started or stopped typing.
        presenceChanged(str peer, bool online, object last_seen_ms): Online state.
        identityKeyChanged(str peer, bool sending_paused): The peer's key changed.
        messagesWaiting(str peer, int count): Messages waiting for the user to accept the
            peer's new key.
        deviceKeyRefused(str peer, int device_id): A device of the peer was offered with
            another identity key and gets nothing (told once per device and key).
        sendingDeferred(str peer, float seconds): Sending to the peer waits that long (the
            relay refused or limited what a send needs).
        messagesExpired(str peer, list message_ids): Disappearing messages were deleted.
        timerChanged(str peer, int seconds): The disappearing timer changed.
        connectionChanged(str state): ``connecting``, ``connected``, ``disconnected`` or
            ``unlinked`` (this device left the account: down for good).
        transferProgress(str peer, str message_id, str direction, int done, int total):
            Bytes of an attachment moved ("up" or "down").
        transferFinished(str peer, str message_id, str direction, bool ok, bool cancelled):
            An upload or download ended.
        messageChanged(str peer, str message_id, str change): A stored message changed
            ("edited", "deleted" for everyone, "reactions", "details"): reload it.
        messagesRemoved(str peer, list message_ids): Deleted on this device (an empty list:
            the whole conversation).
        conversationChanged(str peer): Muted, pinned, archived, or deleted.
        attachmentStored(str peer, str message_id, bool ok): A download finished (or was
            rejected).
        messageRecovered(str peer, str message_id): An undecryptable placeholder now holds
            the message (the sender resent it).
        engineTaskRestarted(str task): An engine task died and was restarted.
    """

    messageReceived = Signal(str, str, str)  # noqa: N815
    messageUndecryptable = Signal(str, str)  # noqa: N815
    statusChanged = Signal(str, str, str)  # noqa: N815
    typingChanged = Signal(str, bool)  # noqa: N815
    groupTypingChanged = Signal(str, str, bool)  # noqa: N815
    presenceChanged = Signal(str, bool, object)  # noqa: N815
    identityKeyChanged = Signal(str, bool)  # noqa: N815
    messagesWaiting = Signal(str, int)  # noqa: N815
    deviceKeyRefused = Signal(str, int)  # noqa: N815
    sendingDeferred = Signal(str, float)  # noqa: N815
    messagesExpired = Signal(str, list)  # noqa: N815
    timerChanged = Signal(str, int)  # noqa: N815
    connectionChanged = Signal(str)  # noqa: N815
    transferProgress = Signal(str, str, str, object, object)  # noqa: N815
    transferFinished = Signal(str, str, str, bool, bool)  # noqa: N815
    messageChanged = Signal(str, str, str)  # noqa: N815
    messagesRemoved = Signal(str, list)  # noqa: N815
    conversationChanged = Signal(str)  # noqa: N815
    attachmentStored = Signal(str, str, bool)  # noqa: N815
    messageRecovered = Signal(str, str)  # noqa: N815
    engineTaskRestarted = Signal(str)  # noqa: N815
    #: Messages of a peer were read on another device of ours (unread counts change here).
    readElsewhere = Signal(str, list)  # noqa: N815
    #: A contact was verified (True) or unverified on another device of ours.
    verifiedElsewhere = Signal(str, bool)  # noqa: N815
    #: A contact's new key was accepted on another device of ours: sending resumed.
    resumedElsewhere = Signal(str)  # noqa: N815
    #: A group's state changed (members, admins, title, timer): reload it (its conversation id).
    groupChanged = Signal(str)  # noqa: N815
    #: An account's profile (name, picture) changed: ours too (our username).
    profileChanged = Signal(str)  # noqa: N815

    def __init__(self, events: EventStream, parent: QObject | None = None) -> None:
        """Subscribes to ``events`` right away, so nothing published from now on is lost."""
        super().__init__(parent)
        self._events = events
        self._queue = events.subscribe()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Starts forwarding (on the running qasync loop)."""
        if self._task is None:
            self._task = asyncio.ensure_future(self._forward())

    async def stop(self) -> None:
        """Stops forwarding and unsubscribes."""
        self._events.unsubscribe(self._queue)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _forward(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                self.dispatch(event)
            except Exception:  # a broken slot must not stop the bridge
                logger.exception("handling a %s event failed", type(event).__name__)

    def dispatch(self, event: ClientEvent) -> None:
        """Emits the signal matching ``event``."""
        match event:
            case MessageReceived(peer=peer, message_id=message_id, kind=kind):
                self.messageReceived.emit(peer, message_id, kind)
            case MessageUndecryptable(peer=peer, message_id=message_id):
                self.messageUndecryptable.emit(peer, message_id)
            case StatusChanged(peer=peer, message_id=message_id, status=status):
                self.statusChanged.emit(peer, message_id, status)
            case TypingChanged(peer=peer, typing=typing, sender=str(sender)):
                self.groupTypingChanged.emit(peer, sender, typing)
            case TypingChanged(peer=peer, typing=typing):
                self.typingChanged.emit(peer, typing)
            case PresenceChanged(peer=peer, online=online, last_seen=last_seen):
                self.presenceChanged.emit(peer, online, last_seen)
            case IdentityKeyChanged(peer=peer, sending_paused=paused):
                self.identityKeyChanged.emit(peer, paused)
            case MessagesWaiting(peer=peer, count=count):
                self.messagesWaiting.emit(peer, count)
            case DeviceKeyRefused(peer=peer, device_id=device_id):
                self.deviceKeyRefused.emit(peer, device_id)
            case SendingDeferred(peer=peer, retry_in_s=seconds):
                self.sendingDeferred.emit(peer, seconds)
            case MessagesExpired(peer=peer, message_ids=ids):
                self.messagesExpired.emit(peer, list(ids))
            case TimerChanged(peer=peer, seconds=seconds):
                self.timerChanged.emit(peer, seconds)
            case ConnectionChanged(state=state):
                self.connectionChanged.emit(state.value)
            case TransferProgress(
                peer=peer, message_id=message_id, direction=direction, done=d, total=t
            ):
                self.transferProgress.emit(peer, message_id, direction, d, t)
            case TransferFinished(
                peer=peer, message_id=message_id, direction=direction, ok=ok, cancelled=cancelled
            ):
                self.transferFinished.emit(peer, message_id, direction, ok, cancelled)
            case MessageChanged(peer=peer, message_id=message_id, change=change):
                self.messageChanged.emit(peer, message_id, change)
            case MessagesRemoved(peer=peer, message_ids=ids):
                self.messagesRemoved.emit(peer, list(ids))
            case ConversationChanged(peer=peer):
                self.conversationChanged.emit(peer)
            case AttachmentStored(peer=peer, message_id=message_id, ok=ok):
                self.attachmentStored.emit(peer, message_id, ok)
            case MessageRecovered(peer=peer, message_id=message_id):
                self.messageRecovered.emit(peer, message_id)
            case EngineTaskRestarted(task=task):
                self.engineTaskRestarted.emit(task)
            case ReadElsewhere(peer=peer, message_ids=ids):
                self.readElsewhere.emit(peer, list(ids))
            case VerifiedChanged(peer=peer, verified=verified):
                self.verifiedElsewhere.emit(peer, verified)
            case ResumedElsewhere(peer=peer):
                self.resumedElsewhere.emit(peer)
            case GroupChanged(peer=peer):
                self.groupChanged.emit(peer)
            case ProfileChanged(peer=peer):
                self.profileChanged.emit(peer)
