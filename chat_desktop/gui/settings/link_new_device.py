"""The existing device's side of linking: paste the new device's code, confirm its name,
choose whether the history goes with it, and send the account (``client.devices.link``).

Enter in the code field never sends: it shows the question ("Link 'laptop' to your
account?", with the history choice) and moves to Link, the default button; Enter there, or
a click on Link, sends, through one path (:meth:`LinkNewDeviceDialog.submit`), once. (The
field's Enter used to send and then reach the default button, which sent a second time: the
new device joined with the first, and the second was told "this link code has expired".)
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.error_text import linking_error_text
from chat_desktop.gui.common.form_parts import busy_bar, error_label
from chat_desktop.gui.common.notices import user_message
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.settings.device_events import DeviceEvents, history_progress_text
from chat_desktop.services.client import ChatClient

logger = logging.getLogger(__name__)


def link_error_text(error: BaseException) -> str:
    """What the user reads when sending the account to a new device failed."""
    return linking_error_text(error) or user_message(error)


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
        #: The engine's progress events while the account is being sent.
        self.progress_events: DeviceEvents | None = None
        #: Each progress text shown, in order (what the user could read; tests check it).
        self.progress_shown: list[str] = []
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
        self.error_label = error_label()
        self.busy_bar = busy_bar()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("linkCancelButton")
        self.link_button = QPushButton(self.tr("Link"))
        self.link_button.setObjectName("linkDeviceButton")
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
        # Once the button is in the dialog: set before, the dialog never learns its default.
        self.link_button.setDefault(True)
        self.setMinimumWidth(480)
        self.code_edit.textChanged.connect(self._code_changed)
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
            name = self._client.devices.describe_link_code(code)
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

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Enter in the code field shows the question and moves to Link (never sends)."""
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and self.code_edit.hasFocus():
            event.accept()
            self.review()
            return
        super().keyPressEvent(event)

    def review(self) -> None:
        """Shows the question for the code in the field and puts the focus on Link, whose
        Enter (or click) then sends; an invalid code keeps the field and says why."""
        if self._busy or self._done:
            return
        self._describe(self.code_edit.text().strip())
        self._fit_soon()
        if self.link_button.isEnabled():
            self.link_button.setFocus(Qt.FocusReason.TabFocusReason)

    def submit(self) -> None:
        """Sends the account to the device of the pasted code (Link, or Enter on it)."""
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
        # Busy now, not when the task starts: nothing can send the account a second time.
        self._set_busy(True)
        spawn(
            self._link(self.code_edit.text().strip(), self.history_box.isChecked()), "link device"
        )

    async def _link(self, code: str, transfer_history: bool) -> None:
        self.error_label.hide()
        self.status_label.setText(
            self.tr("Sending your account to \u201c%1\u201d\u2026").replace("%1", self._device_name)
        )
        self.status_label.show()
        # The history's export and upload say how far they are (engine events).
        self.progress_events = DeviceEvents(self._client.events, self)
        self.progress_events.historyProgress.connect(self._show_progress)
        try:
            await self._client.devices.link(code, transfer_history=transfer_history)
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
            events, self.progress_events = self.progress_events, None
            if events is not None:
                events.stop()
            self.busy_bar.setRange(0, 0)
            self._set_busy(False)
            self._fit_soon()

    def _show_progress(self, stage: str, done: int, total: int) -> None:
        """Shows how far the history's export or upload is (the bar fills)."""
        if not self._busy:
            return
        text = history_progress_text(stage, done, total)
        self.status_label.setText(text)
        self.progress_shown.append(text)
        if self.busy_bar.maximum() == 0:  # the first figure: the window fits the status
            self._fit_soon()
        self.busy_bar.setRange(0, 100)
        self.busy_bar.setValue(100 if total <= 0 else min(100, done * 100 // total))

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
