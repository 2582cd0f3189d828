"""The dialog that sets a new password: after a recovery-key unlock, or from the settings.

Setting it calibrates and runs Argon2id (a few seconds) in a worker thread. Cancel, Escape
and closing work at once meanwhile: the dialog closes and the change is not applied (the old
password keeps working). Only if the new header was already being written when the user
cancelled does the change go through; the dialog then ends as accepted, so the caller tells
the user (see :class:`~chat_desktop.gui.common.form_parts.DialogWork`).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
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
from chat_desktop.gui.common.password_meter import PasswordMeter
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import ClientError, PasswordTooShort, StorageError, WeakPassword


class NewPasswordDialog(QDialog):
    """Asks for a new password and sets it.

    Like sign-up, a meter rates the password while it is typed, and a weak one gets a
    warning and can be used anyway.
    """

    def __init__(self, client: ChatClient, parent: QWidget | None = None) -> None:
        """Builds the dialog for the unlocked ``client``."""
        super().__init__(parent)
        self.setObjectName("newPasswordDialog")
        self.setWindowTitle(self.tr("Choose a new password"))
        self._client = client
        hint = QLabel(self.tr("Choose a new password (at least 10 characters) for this computer."))
        hint.setWordWrap(True)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("New password"))
        self.meter = PasswordMeter()
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit.setPlaceholderText(self.tr("New password again"))
        self.error_label = error_label()
        self.busy_bar = busy_bar()
        self.save_button = QPushButton(self.tr("Set password"))
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("newPasswordCancelButton")
        self.cancel_button.setAutoDefault(False)  # Enter sets the password; Escape cancels
        self.use_anyway_button = QPushButton(self.tr("Use this password anyway"))
        self.use_anyway_button.setAutoDefault(False)
        self.use_anyway_button.hide()
        name_controls(
            (self.password_edit, self.tr("New password")),
            (self.confirm_edit, self.tr("New password again")),
            (self.save_button, self.tr("Set password")),
            (self.cancel_button, self.tr("Cancel")),
            (self.use_anyway_button, self.tr("Use this password anyway")),
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_anyway_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        for widget in (
            hint,
            self.password_edit,
            self.meter,
            self.confirm_edit,
            self.error_label,
            self.busy_bar,
        ):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.setMinimumWidth(460)
        self._work = DialogWork(self, self._set_busy)
        self.save_button.clicked.connect(lambda: self.submit(allow_weak=False))
        self.use_anyway_button.clicked.connect(lambda: self.submit(allow_weak=True))
        self.cancel_button.clicked.connect(self.reject)
        self.password_edit.textChanged.connect(self.use_anyway_button.hide)
        self.password_edit.textChanged.connect(
            lambda text: self.meter.rate(text, (self._client.username,))
        )

    @property
    def busy(self) -> bool:
        """Whether the new password is being set (also just after a cancel, until it stopped)."""
        return self._work.busy

    def submit(self, *, allow_weak: bool = False) -> None:
        """Checks the two fields and sets the new password (once: refused while busy)."""
        if self._work.busy:
            return
        password = self.password_edit.text()
        if password != self.confirm_edit.text():
            self.show_error(self.tr("The two passwords differ."))
            return
        self.error_label.hide()
        self._work.start(self._save(password, allow_weak), "change password")

    async def _save(self, password: str, allow_weak: bool) -> bool:
        try:
            await self._client.account.change_password(password, allow_weak=allow_weak)
        except PasswordTooShort as error:
            self.show_error(user_message(error))
        except WeakPassword:
            self.show_error(
                self.tr("This password is easy to guess. Choose another, or use it anyway.")
            )
            self.use_anyway_button.show()
        except (StorageError, ClientError) as error:
            self.show_error(user_message(error))
        else:
            return True
        return False

    def show_error(self, text: str) -> None:
        """Shows ``text`` under the form."""
        self.error_label.setText(text)
        self.error_label.show()

    def _set_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        for widget in (
            self.password_edit,
            self.confirm_edit,
            self.save_button,
            self.use_anyway_button,
        ):
            widget.setEnabled(not busy)

    def reject(self) -> None:
        """Escape, Cancel and closing end the dialog at once, cancelling a change under way."""
        if self._work.busy:
            self._work.abandon()
        else:
            super().reject()
