"""The Devices page of the settings window: this account's devices, linking and unlinking.

Every device of the account (at most five) gets the user's messages; each has its own
password. The list comes from the relay (``client.devices()``) and is redrawn whenever the
engine announces a change (:class:`DeviceEvents`). Linking a new device starts on the new
computer, which shows a link code; this page takes the code (:class:`LinkNewDeviceDialog`)
and sends the account to it. Unlinking asks first, then locks the device out at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtCore import QDateTime, QLocale, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.accessibility import mark_as_data, name_controls
from chat_desktop.gui.error_text import linking_error_text, unlinking_error_text
from chat_desktop.gui.notices import finished, show_notice, user_message
from chat_desktop.gui.settings_pages import hint_label, page_layout
from chat_desktop.gui.tasks import spawn
from chat_desktop.services.client import ChatClient
from chat_desktop.services.devices import DeviceSummary
from chat_desktop.services.events import (
    ClientEvent,
    DevicesChanged,
    DeviceUnlinked,
    EventStream,
)

logger = logging.getLogger(__name__)


def link_error_text(error: BaseException) -> str:
    """What the user reads when sending the account to a new device failed."""
    return linking_error_text(error) or user_message(error)


def unlink_error_text(error: BaseException) -> str:
    """What the user reads when unlinking a device failed."""
    return unlinking_error_text(error) or user_message(error)


def when_text(stamp_ms: int) -> str:
    """A date and time in the language's short format."""
    return QLocale().toString(
        QDateTime.fromMSecsSinceEpoch(stamp_ms), QLocale.FormatType.ShortFormat
    )


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


class DevicesPage(QWidget):
    """The account's devices, each with when it was added and last seen, and Unlink."""

    def __init__(self, client: ChatClient) -> None:
        """Builds the page and starts reading the list (:attr:`loading`)."""
        super().__init__()
        self.setObjectName("devicesPage")
        self._client = client
        layout, _form = page_layout(self, self.tr("Devices"))
        layout.addWidget(
            hint_label(
                self.tr(
                    "Every device linked to your account gets your messages. Each one has its "
                    "own password; unlinking a device locks it out at once."
                )
            )
        )
        self.status_label = QLabel(self.tr("Loading your devices\u2026"))
        self.status_label.setObjectName("devicesStatus")
        self.status_label.setWordWrap(True)
        self.list_widget = QWidget()
        self.list_widget.setObjectName("devicesList")
        self.rows = QGridLayout(self.list_widget)
        self.rows.setContentsMargins(0, 6, 0, 6)
        self.rows.setHorizontalSpacing(14)
        self.rows.setVerticalSpacing(10)
        self.rows.setColumnStretch(0, 1)
        self.link_button = QPushButton(self.tr("Link a new device\u2026"))
        self.link_button.setObjectName("linkNewDeviceButton")
        name_controls((self.link_button, self.tr("Link a new device")))
        link_row = QHBoxLayout()
        link_row.addWidget(self.link_button)
        link_row.addStretch(1)
        layout.addWidget(self.status_label)
        layout.addWidget(self.list_widget)
        layout.addLayout(link_row)
        layout.addStretch(1)
        #: The devices shown, by id order.
        self.devices: list[DeviceSummary] = []
        #: Each device's Unlink button, by device id.
        self.unlink_buttons: dict[int, QPushButton] = {}
        self.link_dialog: LinkNewDeviceDialog | None = None
        self.unlink_question: UnlinkQuestion | None = None
        self.events = DeviceEvents(client.events, self)
        self.events.devicesChanged.connect(self.show_devices)
        self.destroyed.connect(lambda _obj=None: self.events.stop())
        self.link_button.clicked.connect(self.link_new_device)
        #: Reading the list from the relay (an error is shown on the page, not raised).
        self.loading: asyncio.Future[None] = spawn(self.refresh(), "list devices")

    async def refresh(self) -> None:
        """Asks the relay for the devices and shows them (or why they could not be read)."""
        try:
            devices = await self._client.devices()
        except Exception as error:  # shown on the page; the log gets the type only
            logger.info("listing devices failed: %s", type(error).__name__)
            self.status_label.setText(
                self.tr(
                    "The list of devices needs the relay. It appears once the app is connected."
                )
            )
            self.status_label.show()
            return
        self.show_devices(devices)

    def show_devices(self, devices: list[DeviceSummary]) -> None:
        """Redraws the list with ``devices``."""
        self.devices = sorted(devices, key=lambda device: device.device_id)
        self.unlink_buttons = {}
        while (item := self.rows.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.setParent(None)  # out of the page now, not only once deleted
                widget.deleteLater()
        for row, device in enumerate(self.devices):
            self._add_row(row, device)
        self.status_label.setVisible(not self.devices)

    def _add_row(self, row: int, device: DeviceSummary) -> None:
        name = QLabel(device.name or self.tr("Unnamed device"))
        name.setObjectName("deviceName")
        if device.name:
            mark_as_data(name)
        font = QFont(name.font())
        font.setBold(True)
        name.setFont(font)
        added = self.tr("Added %1").replace("%1", when_text(device.created_at))
        if device.this_device:
            text = self.tr("This device \u00b7 %1").replace("%1", added)
        elif device.last_seen is None:  # never went offline yet (it may be online now)
            text = added
        else:
            text = (
                self.tr("%1 \u00b7 last seen %2")
                .replace("%1", added)
                .replace("%2", when_text(device.last_seen))
            )
        detail = QLabel(text)
        detail.setObjectName("deviceDetails")
        detail.setWordWrap(True)
        detail.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # the theme's muted text
        text_column = QVBoxLayout()
        text_column.setSpacing(2)
        text_column.addWidget(name)
        text_column.addWidget(detail)
        holder = QWidget()
        holder.setLayout(text_column)
        text_column.setContentsMargins(0, 0, 0, 0)
        button = QPushButton(self.tr("Unlink\u2026"))
        button.setObjectName("unlinkDeviceButton")
        spoken = (
            self.tr("Unlink this device")
            if device.this_device
            else self.tr("Unlink %1").replace("%1", device.name or self.tr("Unnamed device"))
        )
        name_controls((button, spoken))
        if len(self.devices) == 1:  # the relay refuses: deleting the account is the way
            button.setEnabled(False)
            button.setToolTip(
                self.tr("Your only device: to remove it, delete the account (Account section).")
            )
        button.clicked.connect(lambda: spawn(self.unlink(device), "unlink device"))
        self.unlink_buttons[device.device_id] = button
        self.rows.addWidget(holder, row, 0)
        self.rows.addWidget(button, row, 1, Qt.AlignmentFlag.AlignVCenter)

    # ---- unlinking --------------------------------------------------------------------------

    async def unlink(self, device: DeviceSummary) -> None:
        """Asks, then unlinks ``device`` from the account and shows the list again."""
        if device.this_device:
            title = self.tr("Unlink this computer?")
            text = self.tr(
                "This computer stops getting your messages at once and cannot connect to your "
                "account again. Your other devices keep working."
            )
        else:
            label = device.name or self.tr("Unnamed device")
            title = self.tr("Unlink %1?").replace("%1", label)
            text = self.tr(
                "%1 stops getting your messages at once and cannot connect to your account "
                "again. To use it again, link it anew."
            ).replace("%1", label)
        box = UnlinkQuestion(title, text, self)
        clicked: list[bool] = []
        box.buttonClicked.connect(lambda pressed: clicked.append(pressed is box.unlink_button))
        self.unlink_question = box
        box.open()
        with contextlib.suppress(asyncio.CancelledError):
            await finished(box)
        if self.unlink_question is box:
            self.unlink_question = None
        if not (clicked and clicked[-1]):
            return
        button = self.unlink_buttons.get(device.device_id)
        if button is not None:
            button.setEnabled(False)
        try:
            await self._client.unlink_device(device.device_id)
        except Exception as error:  # shown in the user's words; the log gets the type only
            logger.warning("unlinking a device failed: %s", type(error).__name__)
            if button is not None:
                button.setEnabled(True)
            show_notice(self, self.tr("Not unlinked"), unlink_error_text(error))
            return
        if not device.this_device:
            self.show_devices([d for d in self.devices if d.device_id != device.device_id])
            await self.refresh()

    # ---- linking ----------------------------------------------------------------------------

    def link_new_device(self) -> None:
        """Opens the dialog that takes the new device's link code."""
        if self.link_dialog is not None and self.link_dialog.isVisible():
            self.link_dialog.raise_()
            return
        dialog = LinkNewDeviceDialog(self._client, self)
        self.link_dialog = dialog
        dialog.open()


class UnlinkQuestion(QMessageBox):
    """ "Unlink …?" with Unlink and Cancel (the default, also on Escape); deletes itself."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        """Builds the question (``title`` and ``text`` already translated)."""
        super().__init__(QMessageBox.Icon.Question, title, text, parent=parent)
        self.setObjectName("unlinkQuestion")
        self.unlink_button = self.addButton(
            self.tr("Unlink"), QMessageBox.ButtonRole.DestructiveRole
        )
        self.cancel_button = self.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
        name_controls(
            (self.unlink_button, self.tr("Unlink")), (self.cancel_button, self.tr("Cancel"))
        )
        self.setDefaultButton(self.cancel_button)
        self.setEscapeButton(self.cancel_button)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)


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


class LinkNewDeviceDialog(QDialog):
    """Takes a new device's link code and sends it this account (optionally its history)."""

    def __init__(self, client: ChatClient, parent: QWidget | None = None) -> None:
        """Builds the dialog for the unlocked ``client``."""
        super().__init__(parent)
        self.setObjectName("linkNewDeviceDialog")
        self.setWindowTitle(self.tr("Link a new device"))
        self._client = client
        self._busy = False
        self._done = False
        #: The new device's name, read from the pasted code ("" while there is no valid one).
        self._device_name = ""
        explanation = QLabel(
            self.tr(
                "On the new computer, start chat_desktop and choose \u201cLink to an existing "
                "account\u201d. Paste the link code it shows here."
            )
        )
        explanation.setWordWrap(True)
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("linkCodeEdit")
        self.code_edit.setPlaceholderText(self.tr("chat-desktop-link:v1?\u2026"))
        self.question_label = QLabel()
        self.question_label.setObjectName("linkQuestion")
        self.question_label.setWordWrap(True)
        font = self.question_label.font()
        font.setBold(True)
        self.question_label.setFont(font)
        self.question_label.hide()
        self.history_box = QCheckBox(self.tr("Transfer message history"))
        self.history_box.setObjectName("transferHistoryBox")
        self.history_box.setChecked(True)
        self.history_box.hide()
        self.status_label = QLabel()
        self.status_label.setObjectName("linkStatus")
        self.status_label.setWordWrap(True)
        self.status_label.hide()
        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(6)
        self.busy_bar.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("linkCancelButton")
        self.link_button = QPushButton(self.tr("Link"))
        self.link_button.setObjectName("linkDeviceButton")
        self.link_button.setDefault(True)
        self.link_button.setEnabled(False)
        name_controls(
            (self.code_edit, self.tr("Link code")),
            (self.history_box, self.tr("Transfer message history")),
            (self.cancel_button, self.tr("Cancel")),
            (self.link_button, self.tr("Link the new device")),
        )
        self.history_box.setAccessibleDescription(
            self.tr("Copies your conversations to the new device, encrypted on the way")
        )
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.link_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        for widget in (
            explanation,
            self.code_edit,
            self.question_label,
            self.history_box,
            self.status_label,
            self.error_label,
            self.busy_bar,
        ):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.setMinimumWidth(480)
        self.code_edit.textChanged.connect(self._code_changed)
        self.code_edit.returnPressed.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        self.link_button.clicked.connect(self.submit)

    def _code_changed(self, text: str) -> None:
        """Reads the new device's name from the code as soon as it is pasted."""
        self._describe(text.strip())
        self._fit_soon()  # the question or the error appeared: the window fits them

    def _describe(self, code: str) -> None:
        """Shows the question for a valid ``code``, or why it is not one."""
        self.error_label.hide()
        self.status_label.hide()
        self._device_name = ""
        if not code:
            self.question_label.hide()
            self.history_box.hide()
            self.link_button.setEnabled(False)
            return
        try:
            name = self._client.describe_link_code(code)
        except Exception as error:  # a malformed code, or one for another relay
            self.question_label.hide()
            self.history_box.hide()
            self.link_button.setEnabled(False)
            self.show_error(link_error_text(error))
            return
        self._device_name = name
        self.question_label.setText(
            self.tr("Link \u201c%1\u201d to your account?").replace("%1", name)
        )
        self.question_label.show()
        self.history_box.show()
        self.link_button.setEnabled(not self._busy)

    def submit(self) -> None:
        """Sends the account to the device of the pasted code."""
        if self._done:
            self.accept()
            return
        if self._busy or not self.link_button.isEnabled():
            return
        if not self._client.connected:
            self.show_error(
                self.tr("Linking needs the relay. Wait until the app is connected, then try again.")
            )
            return
        spawn(
            self._link(self.code_edit.text().strip(), self.history_box.isChecked()), "link device"
        )

    async def _link(self, code: str, transfer_history: bool) -> None:
        self._set_busy(True)
        self.error_label.hide()
        self.status_label.setText(
            self.tr("Sending your account to \u201c%1\u201d\u2026").replace("%1", self._device_name)
        )
        self.status_label.show()
        try:
            await self._client.link_device(code, transfer_history=transfer_history)
        except Exception as error:  # shown in the user's words; the log gets the type only
            logger.warning("linking a device failed: %s", type(error).__name__)
            self.status_label.hide()
            self.show_error(link_error_text(error))
        else:
            self._done = True
            self.status_label.setText(
                self.tr(
                    "Sent. Confirm on \u201c%1\u201d to finish: it then appears in your list "
                    "of devices."
                ).replace("%1", self._device_name)
            )
            self.code_edit.setEnabled(False)
            self.history_box.setEnabled(False)
            self.cancel_button.hide()
            self.link_button.setText(self.tr("Close"))
            name_controls((self.link_button, self.tr("Close")))
        finally:
            self._set_busy(False)
            self._fit_soon()

    def show_error(self, text: str) -> None:
        """Shows ``text`` under the code (the window grows to show all of it)."""
        self.error_label.setText(text)
        self.error_label.show()
        self._fit_soon()

    def _fit_soon(self) -> None:
        """Sizes the window to what it shows, once Qt has laid out the change."""
        QTimer.singleShot(0, self.adjustSize)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        self.code_edit.setEnabled(not busy and not self._done)
        self.history_box.setEnabled(not busy and not self._done)
        self.cancel_button.setEnabled(not busy)
        self.link_button.setEnabled(not busy and (self._done or bool(self._device_name)))

    def reject(self) -> None:
        """Escape and Cancel close the dialog, except while the account is being sent."""
        if not self._busy:
            super().reject()
