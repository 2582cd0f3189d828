"""What the Devices page and the controller hear of the account's devices, as Qt signals:
the device set changed, or this computer was unlinked (and the notice that says so); and
the notices of a device that joined the account, of a removed device the relay lists again,
and of a link's history that could not be imported (:class:`DeviceNotices`); and how far a
link's history has come (:class:`HistoryProgressNotice` on the new device)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.services.events import (
    ClientEvent,
    DevicesChanged,
    DeviceUnlinked,
    EventStream,
    HistoryImportFailed,
    HistoryTransferProgress,
    OwnDeviceLinked,
    RemovedDeviceListed,
)

if TYPE_CHECKING:
    from chat_desktop.gui.shell.notifier import Notifier

logger = logging.getLogger(__name__)


class DeviceEvents(QObject):
    """Forwards the engine's device events to Qt signals (its own subscription).

    Signals:
        devicesChanged(list): The account's devices (``DeviceSummary`` items), by id.
        deviceUnlinked(): This device was removed from the account.
        ownDeviceLinked(int, str): A device joined the account (its id and name; "" for
            none).
        removedDeviceListed(int): The relay lists a removed device again (it is ignored).
        historyImportFailed(): The history sent at link time could not be imported.
        historyProgress(str, int, int): How far the link's history has come: stage
            (``export``, ``upload``, ``download``, ``import``), done, total.
    """

    devicesChanged = Signal(list)  # noqa: N815
    deviceUnlinked = Signal()  # noqa: N815
    ownDeviceLinked = Signal(int, str)  # noqa: N815
    removedDeviceListed = Signal(int)  # noqa: N815
    historyImportFailed = Signal()  # noqa: N815
    historyProgress = Signal(str, int, int)  # noqa: N815

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
                elif isinstance(event, OwnDeviceLinked):
                    self.ownDeviceLinked.emit(event.device_id, event.name or "")
                elif isinstance(event, RemovedDeviceListed):
                    self.removedDeviceListed.emit(event.device_id)
                elif isinstance(event, HistoryImportFailed):
                    self.historyImportFailed.emit()
                elif isinstance(event, HistoryTransferProgress):
                    self.historyProgress.emit(event.stage, event.done, event.total)
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


def history_progress_text(stage: str, done: int, total: int) -> str:
    """What a stage of the link's history transfer says ("Sending your message history… 40%")."""
    percent = 100 if total <= 0 else min(100, done * 100 // total)
    texts = {
        "export": QCoreApplication.translate(
            "HistoryProgress", "Preparing your message history… %1%"
        ),
        "upload": QCoreApplication.translate(
            "HistoryProgress", "Sending your message history… %1%"
        ),
        "download": QCoreApplication.translate(
            "HistoryProgress", "Receiving your message history… %1%"
        ),
        "import": QCoreApplication.translate("HistoryProgress", "Adding your message history… %1%"),
    }
    text = texts.get(stage, QCoreApplication.translate("HistoryProgress", "Working… %1%"))
    return text.replace("%1", str(percent))


class HistoryProgressNotice(QProgressDialog):
    """A non-blocking window on the new device while the link's history arrives: it says
    the stage and its percentage and closes itself once the import is done (or failed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Builds the notice (shown by the caller with ``show()``, never ``exec()``)."""
        super().__init__(parent)
        self.setObjectName("historyProgressNotice")
        self.setWindowTitle(self.tr("Message history"))
        self.setCancelButton(None)  # no Cancel: the transfer goes on by itself
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumDuration(0)
        self.setMinimumWidth(360)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setAccessibleName(self.tr("Message history progress"))
        self.setRange(0, 100)

    def show_progress(self, stage: str, done: int, total: int) -> None:
        """Shows ``done`` of ``total`` of ``stage``; the end of the import closes it."""
        self.setLabelText(history_progress_text(stage, done, total))
        self.setValue(100 if total <= 0 else min(100, done * 100 // total))
        if stage == "import" and done >= total:
            self.close()


class DeviceNotices(QObject):
    """Tells the user what happened to the account's devices, in the window and outside it.

    A device that joined the account is announced in the window and as a desktop
    notification ("A new device was linked: NAME", as Signal does): a device added behind
    the user's back must not go unseen. A removed device the relay lists again, and a link's
    history that could not be imported, are said in the window. Each notice is a
    non-blocking message box (plain text: a device name is never read as markup) whose
    object name says what it is about.
    """

    def __init__(
        self,
        events: DeviceEvents,
        window: QWidget | None,
        notifier: Notifier | None,
        *,
        raise_window: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        """Follows ``events``; notices open over ``window``; ``notifier`` shows the
        notifications (None: in the window only)."""
        super().__init__(parent if parent is not None else events)
        self._window = window
        self._notifier = notifier
        self._raise_window = raise_window
        events.ownDeviceLinked.connect(self._on_device_linked)
        events.removedDeviceListed.connect(self._on_removed_listed)
        events.historyImportFailed.connect(self._on_history_failed)
        events.historyProgress.connect(self._on_history_progress)
        #: The history progress notice while it shows (new device).
        self.history_notice: HistoryProgressNotice | None = None
        #: Each progress text the notice showed, in order (tests check it).
        self.history_shown: list[str] = []

    def _on_device_linked(self, _device_id: int, name: str) -> None:
        text = self.tr("A new device was linked: %1").replace(
            "%1", name or self.tr("a device without a name")
        )
        self._show(
            "deviceLinkedNotice",
            self.tr("New device"),
            text,
            self.tr(
                "It can read the messages you receive from now on. If you did not link it, "
                "remove it in Settings, Devices."
            ),
            QMessageBox.Icon.Information,
        )
        notifier = self._notifier
        if notifier is not None:
            spawn(
                notifier.notify(self.tr("New device"), text, self._raise),
                "notify of a new device",
            )

    def _on_removed_listed(self, _device_id: int) -> None:
        self._show(
            "removedDeviceListedNotice",
            self.tr("Removed device listed again"),
            self.tr("The server lists a device again that was removed from your account."),
            self.tr("It gets nothing from this device and nothing it sends is taken."),
            QMessageBox.Icon.Warning,
        )

    def _on_history_progress(self, stage: str, done: int, total: int) -> None:
        if stage not in ("download", "import"):
            return  # the existing device shows its stages in the link dialog
        notice = self.history_notice
        if notice is None:
            if stage == "import" and done >= total:
                return  # over before it needed showing
            notice = HistoryProgressNotice(self._window)
            notice.destroyed.connect(lambda _obj=None: self._forget_history_notice(notice))
            self.history_notice = notice
            notice.show()
        notice.show_progress(stage, done, total)
        self.history_shown.append(notice.labelText())

    def _forget_history_notice(self, notice: HistoryProgressNotice) -> None:
        if self.history_notice is notice:
            self.history_notice = None

    def _close_history_notice(self) -> None:
        notice, self.history_notice = self.history_notice, None
        if notice is not None:
            notice.close()

    def _on_history_failed(self) -> None:
        self._close_history_notice()
        self._show(
            "historyImportFailedNotice",
            self.tr("Message history not imported"),
            self.tr("The message history sent from your other device could not be imported."),
            self.tr(
                "It may have expired or been damaged on the way. This device is linked and "
                "works; only the earlier messages are missing."
            ),
            QMessageBox.Icon.Warning,
        )

    def _show(self, name: str, title: str, text: str, details: str, icon: QMessageBox.Icon) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._window)
        box.setObjectName(name)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _raise(self) -> None:
        if self._raise_window is not None:
            self._raise_window()
