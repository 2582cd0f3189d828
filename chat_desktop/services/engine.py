"""The machinery under a client: outbox queue and sender, receiver, transfers, upkeep loops.

:class:`Engine` builds the parts that run by themselves once the relay link is up, starts
them at connect and stops them, in order, at close. It is not part of what callers use:
:class:`~chat_desktop.services.client.ChatClient` hands its parts to the capability objects
(:mod:`chat_desktop.services.capabilities`) and keeps the engine to itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chat_desktop.services.attachments import AttachmentTransfers
from chat_desktop.services.background import BackgroundTasks
from chat_desktop.services.client_errors import ClientError
from chat_desktop.services.context import EngineContext
from chat_desktop.services.devices import DeviceService
from chat_desktop.services.events import ConnectionChanged, ConnectionState
from chat_desktop.services.expiry import ExpirySweeper
from chat_desktop.services.key_upkeep import KeyUpkeep
from chat_desktop.services.outbox_queue import OutboxQueue
from chat_desktop.services.receiving import MessageReceiver
from chat_desktop.services.sending import OutboxSender

if TYPE_CHECKING:
    from chat_desktop.services.capabilities.devices import LinkedDevices
    from chat_desktop.services.capabilities.presence import PresenceService


class Engine:
    """The running parts of one unlocked account.

    Attributes:
        background: Short tasks held until they finish.
        sender: Encrypts and delivers the outbox.
        queue: Commits what we send, then wakes the sender.
        transfers: Attachment uploads and downloads.
        receiver: Decrypts and stores what arrives.
        device_set: Our own devices, kept up to date from the relay.
    """

    def __init__(self, context: EngineContext) -> None:
        """Builds the parts over ``context``; nothing runs until :meth:`connect`."""
        self._context = context
        self.closed = False
        self.background = BackgroundTasks()
        self.sender = OutboxSender(context)
        self.queue = OutboxQueue(context, self.sender, self.background)
        self.transfers = AttachmentTransfers(context, self.sender)
        self.receiver = MessageReceiver(
            context,
            self.queue.send_delivery_receipts,
            self.transfers.on_attachment_received,
            self.queue.request_retry,
            self.sender.wake,
        )
        self.device_set = DeviceService(context)
        self._key_upkeep = KeyUpkeep(context)
        self._expiry = ExpirySweeper(context)
        self._presence: PresenceService | None = None
        self._devices: LinkedDevices | None = None

    @property
    def connected(self) -> bool:
        """True while the relay link is up."""
        connection = self._context.connection
        return connection is not None and connection.connected

    def connect(self, presence: PresenceService, devices: LinkedDevices) -> None:
        """Starts the relay link (reconnecting forever) and the background work.

        ``presence`` gets the relay's presence pushes and tells our visibility at each
        connect; ``devices`` imports a transferred history once connected.

        Raises:
            ClientError: The engine was stopped (locked): nothing is started.
        """
        if self.closed:
            raise ClientError("this client is closed (locked): unlock again to connect")
        self._presence, self._devices = presence, devices
        if self._context.connection is None:
            # Imported here: python-socketio and aiohttp cost a third of a second, which the
            # start pays after the window is up rather than before (benchmarks/ui.py).
            from chat_desktop.net.connection import RelayConnection

            self._context.connection = RelayConnection(
                self._context.relay_url,
                self._context.username,
                self._context.device_id,
                self._context.sign_connect,
                on_message=self.receiver.enqueue,
                on_connected=self._on_connected,
                on_disconnected=self._on_disconnected,
                on_presence=presence.on_push,
                on_keys_low=lambda counts: self.background.spawn(
                    self._key_upkeep.replenish(counts)
                ),
                on_devices_changed=self.device_set.on_changed,
                on_device_removed=self.device_set.mark_unlinked,
            )
        self.receiver.start()
        self.sender.start()
        self._context.supervisor.start("expiry", self._expiry.run)
        self._context.supervisor.start("key-upkeep", self._key_upkeep.run)
        # Blob files a crash (or a message deleted before its upload) left behind.
        self.background.spawn(self.transfers.sweep_leftovers())
        self._context.events.publish(ConnectionChanged(ConnectionState.CONNECTING))
        self._context.connection.start()

    async def wait_connected(self, timeout: float) -> None:
        """Waits until the relay link is up (``TimeoutError`` after ``timeout`` s)."""
        if self._context.connection is None:
            raise ClientError("call connect() first")
        await self._context.connection.wait_connected(timeout)

    async def stop(self) -> None:
        """Stops every task and the link and closes the store; the vault stays unlocked."""
        self.closed = True
        self.sender.begin_close()
        await self._context.supervisor.close()
        self.background.cancel_all()
        await self.queue.close()  # what callers were told is queued, is committed
        await self.sender.close()
        if self._context.connection is not None:
            await self._context.connection.close()
        await self.transfers.close()
        await self._context.worker.close()

    async def _on_connected(self) -> None:
        self._context.events.publish(ConnectionChanged(ConnectionState.CONNECTED))
        self.sender.wake()
        self.background.spawn(self.device_set.on_connected())
        if self._devices is not None:
            self.background.spawn(self._devices.import_transferred_history())
        if self._presence is not None:
            self.background.spawn(self._presence.send_visibility())
        self.background.spawn(self._key_upkeep.maintain_prekeys())

    async def _on_disconnected(self) -> None:
        # The relay cuts an unlinked device off after telling it: that is not "offline".
        unlinked = self.device_set.unlinked
        state = ConnectionState.UNLINKED if unlinked else ConnectionState.DISCONNECTED
        self._context.events.publish(ConnectionChanged(state))
