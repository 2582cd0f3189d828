"""Dialogs of the settings window that re-check the password before a grave change.

Making a new recovery key and deleting the account both ask for the password again, so that
someone at an unlocked computer cannot do either. The engine checks the password (with the
same growing wait after a wrong one as unlocking); the dialog only shows the outcome.

Enter submits once (the dialog's default button only), and Cancel, Escape or closing work at
once, also while the password is being checked
(:class:`~chat_desktop.gui.common.form_parts.DialogWork`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer
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
from chat_desktop.gui.common.form_parts import DialogWork, busy_bar, error_label
from chat_desktop.gui.common.notices import user_message
from chat_desktop.services.errors import UnlockBackoff, WrongPassword
from chat_desktop.services.preferences import InvalidPreference

#: Runs the grave change with the password typed; raises the engine's typed errors.
PasswordAction = Callable[[str], Awaitable[None]]

logger = logging.getLogger(__name__)

#: Added to the engine's wait after a wrong password, so the next try is surely allowed.
_WAIT_MARGIN_MS = 100

#: What each field is called when a value is refused.
FIELD_LABELS = {
    "read_receipts": QT_TRANSLATE_NOOP("SettingsWindow", "Read receipts"),
    "typing_indicators": QT_TRANSLATE_NOOP("SettingsWindow", "Typing indicators"),
    "show_online": QT_TRANSLATE_NOOP("SettingsWindow", "Show when I\u2019m online"),
    "idle_lock_minutes": QT_TRANSLATE_NOOP("SettingsWindow", "Lock after"),
    "notification_content": QT_TRANSLATE_NOOP("SettingsWindow", "Notifications"),
    "theme": QT_TRANSLATE_NOOP("SettingsWindow", "Theme"),
    "text_scale_percent": QT_TRANSLATE_NOOP("SettingsWindow", "Text size"),
    "language": QT_TRANSLATE_NOOP("SettingsWindow", "Language"),
    "relay_url": QT_TRANSLATE_NOOP("SettingsWindow", "Relay address"),
}


def settings_error_text(error: BaseException) -> str:
    """What the user reads when a setting was refused (no content, keys or passwords).

    A refused value is named by its control's label, then the engine's reason (which never
    repeats the value); anything else reads as :func:`notices.user_message` puts it.
    """
    if isinstance(error, InvalidPreference):
        label = FIELD_LABELS.get(error.field)
        _field, _colon, reason = str(error).partition(": ")
        if label is not None and reason:
            return (
                QCoreApplication.translate("SettingsWindow", "%1: %2")
                .replace("%1", QCoreApplication.translate("SettingsWindow", str(label)))
                .replace("%2", reason)
            )
        text = str(error)
        return text[:1].upper() + text[1:]
    return user_message(error)


class PasswordPromptDialog(QDialog):
    """Asks for the password (and, for a destructive change, an explicit "I understand").

    The dialog runs ``action`` with the password and closes with ``accepted`` once it
    succeeded; a wrong password or any other failure is shown inline, the dialog stays open
    and nothing has changed. The password lives only in the line edit and the awaited call.

    Cancel, Escape and closing work at any time: while ``action`` runs, the dialog closes at
    once and the action is cancelled (nothing applied). An action already past its point of
    no return still finishes, and the dialog then ends as accepted (the change is reported).
    """

    def __init__(
        self,
        title: str,
        explanation: str,
        action_text: str,
        action: PasswordAction,
        *,
        confirm_text: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Builds the dialog.

        Args:
            title: The window title (already translated).
            explanation: What happens, in a sentence or two (already translated).
            action_text: The text of the button that does it (already translated).
            action: The engine call, given the password.
            confirm_text: If given, a check box with this text must be ticked first.
            parent: The settings window.
        """
        super().__init__(parent)
        self.setObjectName("passwordPromptDialog")
        self.setWindowTitle(title)
        self._action = action
        self._work = DialogWork(self, self._set_busy)
        explanation_label = QLabel(explanation)
        explanation_label.setWordWrap(True)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("promptPasswordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("Your password"))
        self.confirm_box = QCheckBox(confirm_text or "")
        self.confirm_box.setObjectName("promptConfirmBox")
        self.confirm_box.setVisible(confirm_text is not None)
        self.error_label = error_label()
        self.busy_bar = busy_bar()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("promptCancelButton")
        # Escape cancels; Enter never does, even when the busy form moved the focus to Cancel.
        self.cancel_button.setAutoDefault(False)
        self.action_button = QPushButton(action_text)
        self.action_button.setObjectName("promptActionButton")
        self.action_button.setDefault(True)
        name_controls(
            (self.password_edit, self.tr("Password")),
            (self.confirm_box, confirm_text or ""),
            (self.cancel_button, self.tr("Cancel")),
            (self.action_button, action_text),
        )
        self.password_edit.setAccessibleDescription(explanation)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.action_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        for widget in (
            explanation_label,
            self.password_edit,
            self.confirm_box,
            self.error_label,
            self.busy_bar,
        ):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.setMinimumWidth(460)
        self._wait = QTimer(self)
        self._wait.setSingleShot(True)
        # A coarse timer may fire a little early, which the engine would refuse once more.
        self._wait.setTimerType(Qt.TimerType.PreciseTimer)
        self._wait.timeout.connect(self._update_button)
        self.password_edit.textChanged.connect(self._update_button)
        self.confirm_box.toggled.connect(self._update_button)
        # Enter reaches the default button (the action button) only: a second handler on the
        # field's returnPressed would submit twice and run two derivations at once.
        self.cancel_button.clicked.connect(self.reject)
        self.action_button.clicked.connect(self.submit)
        self._update_button()

    def _ready(self) -> bool:
        confirmed = self.confirm_box.isChecked() or not self.confirm_box.isVisibleTo(self)
        return (
            bool(self.password_edit.text())
            and confirmed
            and not self._work.busy
            and not self._wait.isActive()
        )

    def _update_button(self) -> None:
        self.action_button.setEnabled(self._ready())

    @property
    def busy(self) -> bool:
        """Whether the action runs (also just after a cancel, until it has stopped)."""
        return self._work.busy

    def submit(self) -> None:
        """Runs the action with the typed password (if the form is complete; once)."""
        if self._ready():
            self.error_label.hide()  # a new try: the last outcome no longer applies
            self._work.start(self._run(self.password_edit.text()), "password prompt")

    async def _run(self, password: str) -> bool:
        try:
            await self._action(password)
        except WrongPassword as error:
            self._refuse(self.tr("Wrong password."), error.retry_after)
        except UnlockBackoff as error:
            self._refuse(self.tr("Too many wrong passwords."), error.retry_after)
        except Exception as error:  # shown inline; the log gets its type only
            logger.warning("password prompt failed: %s", type(error).__name__)
            self.show_error(settings_error_text(error))
        else:
            self.password_edit.clear()
            return True
        return False

    def _refuse(self, reason: str, retry_after: float) -> None:
        seconds = math.ceil(max(0.0, retry_after))
        if seconds > 0:
            self._wait.start(math.ceil(retry_after * 1000) + _WAIT_MARGIN_MS)
            reason = (
                self.tr("%1 Try again in %2 s.").replace("%1", reason).replace("%2", str(seconds))
            )
        self.password_edit.selectAll()
        self.show_error(reason)

    def show_error(self, text: str) -> None:
        """Shows ``text`` under the password."""
        self.error_label.setText(text)
        self.error_label.show()

    def _set_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self.password_edit.setEnabled(not busy)
        self.confirm_box.setEnabled(not busy)
        self._update_button()
        if not busy:
            self.password_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def reject(self) -> None:
        """Escape, Cancel and closing end the dialog at once, cancelling a running action."""
        if self._work.busy:
            self._work.abandon()
        else:
            super().reject()
