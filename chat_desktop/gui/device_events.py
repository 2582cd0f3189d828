"""What the Devices page and the controller hear of the account's devices, as Qt signals:
the device set changed, or this computer was unlinked (and the notice that says so)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QMessageBox,
    QWidget,
)

from chat_desktop.gui.accessibility import name_controls
from chat_desktop.services.events import (
    ClientEvent,
    DevicesChanged,
    DeviceUnlinked,
    EventStream,
)

logger = logging.getLogger(__name__)


class DeviceEvents(QObject):
    """Forwards the engine's device events to Qt signals (its own subscription).

    Signals:
        devicesChanged(list): The account's devices (``DeviceSummary`` items), by id.
        deviceUnlinked(): This device was removed from the account.
    """

    devicesChanged = Signal(list)  # noqa: N815
    deviceUnlinked = Signal()  # noqa: N815

    def __init__(self, events: EventStream, parent: QObject | None = None) -> None:
        """Subscribes at once, so that no event published from now on is missed."""
        super().__init__(parent)
        self._events = events
        self._queue: asyncio.Queue[ClientEvent] | None = events.subscribe()
        self._task: asyncio.Task[None] | None = asyncio.ensure_future(self._forward())

    async def _forward(self) -> None:
        assert self._queue is not None
        while True:
            event = await self._queue.get()
            try:
                if isinstance(event, DevicesChanged):
                    self.devicesChanged.emit(list(event.devices))
                elif isinstance(event, DeviceUnlinked):
                    self.deviceUnlinked.emit()
            except Exception:  # a broken slot must not stop the forwarding
                logger.exception("handling a %s event failed", type(event).__name__)

    def stop(self) -> None:
        """Stops forwarding and unsubscribes (idempotent)."""
        queue, self._queue = self._queue, None
        if queue is not None:
            self._events.unsubscribe(queue)
        task, self._task = self._task, None
        if task is not None and not task.get_loop().is_closed():  # (not at the app's exit)
            with contextlib.suppress(RuntimeError):  # qasync's timer went first
                task.cancel()


class UnlinkedNotice(QMessageBox):
    """Tells that this computer was unlinked from the account; Erase or Keep for now.

    Attributes:
        erase_button: Erases this computer's data (the controller does it).
        keep_button: Closes the notice; the data stays (the default, also on Escape).
    """

    def __init__(self, username: str, parent: QWidget | None = None) -> None:
        """Builds the notice for the account ``username`` (deletes itself when closed)."""
        super().__init__(
            QMessageBox.Icon.Warning,
            self.tr("Unlinked"),
            self.tr("This computer was unlinked from %1's account").replace("%1", username),
            QMessageBox.StandardButton.NoButton,
            parent,
        )
        self.setObjectName("unlinkedNotice")
        self.setInformativeText(
            self.tr(
                "It can no longer send or receive messages. Erasing deletes its messages, "
                "contacts and keys from this computer; your other devices keep theirs."
            )
        )
        self.erase_button = self.addButton(
            self.tr("Erase data from this computer"), QMessageBox.ButtonRole.DestructiveRole
        )
        self.keep_button = self.addButton(
            self.tr("Keep for now"), QMessageBox.ButtonRole.RejectRole
        )
        name_controls(
            (self.erase_button, self.tr("Erase data from this computer")),
            (self.keep_button, self.tr("Keep for now")),
        )
        self.setDefaultButton(self.keep_button)
        self.setEscapeButton(self.keep_button)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
