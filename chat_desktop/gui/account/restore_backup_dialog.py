"""``RestoreBackupDialog``: the start screen's "Restore from a backup".

The user picks the backup file (a chooser that never blocks), types its passphrase and a
password for the new profile on this computer (rated as at sign-up), and the engine restores
it while a bar shows how much of the file is in. A refused backup (wrong passphrase,
damaged, cut short) leaves nothing behind and says so. Once restored, the profile is
unlocked and the dialog hands the client and the new recovery key on (as sign-up does).

The restore runs in a worker thread and reports progress from there; the dialog takes it
back to the GUI thread. Cancel stops it at the next chunk (nothing is left).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.account.backup_texts import backup_error_text
from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.form_parts import DialogWork, error_label
from chat_desktop.gui.common.notices import choose_file
from chat_desktop.gui.common.password_meter import PasswordMeter
from chat_desktop.services.backup_restore import restore_backup
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import WeakPassword
from chat_desktop.services.types import Argon2Params

logger = logging.getLogger(__name__)

#: ``finished`` result when the user went back to the sign-up.
BACK_TO_SIGN_UP = 2


class RestoreBackupDialog(QDialog):
    """Restores a backup into this computer's new profile, then unlocks it.

    Signals:
        restored(object, str): The unlocked ``ChatClient`` and the new recovery key.
        backRequested(): The user went back to the sign-up (the dialog closes with
            :data:`BACK_TO_SIGN_UP`).
    """

    restored = Signal(object, str)
    backRequested = Signal()  # noqa: N815

    def __init__(
        self,
        profile_dir: Path,
        *,
        kdf_params: Argon2Params | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Builds the form; ``kdf_params`` fixes Argon2id's cost (tests), else calibrated."""
        super().__init__(parent)
        self.setObjectName("restoreBackupDialog")
        self.setWindowTitle(self.tr("Restore from a backup"))
        self._profile_dir = profile_dir
        self._kdf_params = kdf_params
        self._work = DialogWork(self, self._set_busy)
        self.chooser: QFileDialog | None = None
        explanation = QLabel(
            self.tr(
                "Brings back every message, file, contact and setting from a backup file, "
                "as the same account. Your contacts' chats continue on new secure sessions."
            )
        )
        explanation.setWordWrap(True)
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("restorePathEdit")
        self.path_edit.setPlaceholderText(self.tr("Choose the backup file"))
        self.choose_button = QPushButton(self.tr("Choose\u2026"))
        self.choose_button.setObjectName("restoreChooseButton")
        self.choose_button.setAutoDefault(False)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("restorePassphraseEdit")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("restorePasswordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.meter = PasswordMeter()
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setObjectName("restoreConfirmEdit")
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("restoreProgress")
        self.progress_bar.setRange(0, 0)
        self.progress_bar.hide()
        policy = self.progress_bar.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.progress_bar.setSizePolicy(policy)
        self.error_label = error_label()
        self.use_anyway_button = QPushButton(self.tr("Use this password anyway"))
        self.use_anyway_button.setObjectName("restoreUseAnywayButton")
        self.use_anyway_button.setAutoDefault(False)
        self.use_anyway_button.hide()
        self.back_button = QPushButton(self.tr("Back"))
        self.back_button.setObjectName("restoreBackButton")
        self.back_button.setAutoDefault(False)
        self.start_button = QPushButton(self.tr("Restore"))
        self.start_button.setObjectName("restoreStartButton")
        self.start_button.setDefault(True)
        name_controls(
            (self.path_edit, self.tr("Backup file")),
            (self.choose_button, self.tr("Choose the backup file")),
            (self.passphrase_edit, self.tr("Backup passphrase")),
            (self.password_edit, self.tr("New password")),
            (self.confirm_edit, self.tr("Confirm new password")),
            (self.progress_bar, self.tr("Restore progress")),
            (self.use_anyway_button, self.tr("Use this password anyway")),
            (self.back_button, self.tr("Back to creating an account")),
            (self.start_button, self.tr("Restore")),
        )
        self.password_edit.setAccessibleDescription(
            self.tr("The password that opens your messages on this computer from now on")
        )
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.choose_button)
        form = QFormLayout()
        form.addRow(self.tr("Backup file"), path_row)
        form.addRow(self.tr("Backup passphrase"), self.passphrase_edit)
        form.addRow(self.tr("New password"), self.password_edit)
        form.addRow("", self.meter)
        form.addRow(self.tr("Confirm password"), self.confirm_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.use_anyway_button)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.setMinimumWidth(500)
        self.choose_button.clicked.connect(self.choose_backup)
        self.password_edit.textChanged.connect(lambda text: self.meter.rate(text))
        self.password_edit.textChanged.connect(self.use_anyway_button.hide)
        self.back_button.clicked.connect(self._back)
        self.start_button.clicked.connect(lambda: self.submit(allow_weak=False))
        self.use_anyway_button.clicked.connect(lambda: self.submit(allow_weak=True))

    def choose_backup(self) -> None:
        """Opens the file chooser (never blocking); the file picked fills the field."""
        self.chooser = choose_file(self, self.tr("Choose the backup file"), self._chosen)

    def _chosen(self, path: Path) -> None:
        self.path_edit.setText(str(path))

    def _back(self) -> None:
        if self._work.busy:
            return
        self.backRequested.emit()
        self.done(BACK_TO_SIGN_UP)

    @property
    def busy(self) -> bool:
        """Whether the restore runs."""
        return self._work.busy

    def submit(self, *, allow_weak: bool = False) -> None:
        """Checks the form and starts the restore (once: refused while busy)."""
        if self._work.busy:
            return
        path = Path(self.path_edit.text().strip()).expanduser()
        if not self.path_edit.text().strip() or not path.is_file():
            self.show_error(self.tr("Choose the backup file."))
            return
        if not self.passphrase_edit.text():
            self.show_error(self.tr("Enter the backup's passphrase."))
            return
        if self.password_edit.text() != self.confirm_edit.text():
            self.show_error(self.tr("The two passwords differ."))
            return
        self.error_label.hide()
        self._work.start(
            self._run(path, self.passphrase_edit.text(), self.password_edit.text(), allow_weak),
            "restore backup",
        )

    async def _run(self, path: Path, passphrase: str, password: str, allow_weak: bool) -> bool:
        loop = asyncio.get_running_loop()

        def progress(done: int, total: int) -> None:  # a worker thread
            loop.call_soon_threadsafe(self._progress, done, total)

        try:
            result = await restore_backup(
                path,
                passphrase,
                self._profile_dir,
                password,
                allow_weak_password=allow_weak,
                kdf_params=self._kdf_params,
                progress=progress,
            )
            client = await ChatClient.unlock(self._profile_dir, password)
        except WeakPassword:
            self.show_error(
                self.tr("This password is easy to guess. Choose another, or use it anyway.")
            )
            self.use_anyway_button.show()
        except Exception as error:  # shown inline; the log gets its type only
            logger.warning("restore failed: %s", type(error).__name__)
            self.show_error(backup_error_text(error))
        else:
            for edit in (self.passphrase_edit, self.password_edit, self.confirm_edit):
                edit.clear()
            self.restored.emit(client, result.recovery_key)
            return True
        return False

    def _progress(self, done: int, total: int) -> None:
        if self._work.busy and total > 0:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(min(1000, done * 1000 // total))

    def show_error(self, text: str) -> None:
        """Shows ``text`` under the form."""
        self.error_label.setText(text)
        self.error_label.show()

    def _set_busy(self, busy: bool) -> None:
        self.progress_bar.setVisible(busy)
        if busy:
            self.progress_bar.setRange(0, 0)
        for widget in (
            self.path_edit,
            self.choose_button,
            self.passphrase_edit,
            self.password_edit,
            self.confirm_edit,
            self.back_button,
            self.start_button,
            self.use_anyway_button,
        ):
            widget.setEnabled(not busy)
        if not busy:
            self.passphrase_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def reject(self) -> None:
        """Escape or closing: stops a running restore (nothing is left), else closes."""
        if self._work.busy:
            self._work.abandon()
            return
        super().reject()
