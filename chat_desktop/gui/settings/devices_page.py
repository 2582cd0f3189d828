"""The Devices page of the settings window: this account's devices, linking and unlinking.

Every device of the account (at most five) gets the user's messages; each has its own
password. The list comes from the relay (``client.devices.list()``) and is redrawn whenever the
engine announces a change (``device_events.DeviceEvents``). Linking a new device starts on
the new computer, which shows a link code; this page takes the code
(``link_new_device.LinkNewDeviceDialog``) and sends the account to it. Unlinking asks first,
then locks the device out at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtCore import QDateTime, QLocale, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import mark_as_data, name_controls
from chat_desktop.gui.common.error_text import unlinking_error_text
from chat_desktop.gui.common.notices import finished, show_notice, user_message
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.settings.device_events import DeviceEvents
from chat_desktop.gui.settings.link_new_device import LinkNewDeviceDialog
from chat_desktop.gui.settings.pages import hint_label, page_layout
from chat_desktop.services.client import ChatClient
from chat_desktop.services.devices import DeviceSummary

logger = logging.getLogger(__name__)


def unlink_error_text(error: BaseException) -> str:
    """What the user reads when unlinking a device failed."""
    return unlinking_error_text(error) or user_message(error)


def when_text(stamp_ms: int) -> str:
    """A date and time in the language's short format."""
    return QLocale().toString(
        QDateTime.fromMSecsSinceEpoch(stamp_ms), QLocale.FormatType.ShortFormat
    )


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
            devices = await self._client.devices.list()
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
            await self._client.devices.unlink(device.device_id)
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
