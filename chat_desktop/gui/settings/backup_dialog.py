"""``BackupDialog``: save the whole history to one file, encrypted with a new passphrase.

Opened from Settings → Account ("Back up…"). The user picks where the file goes (a save
chooser that never blocks), types a passphrase twice (rated like a password: a weak one is
warned about, then allowed), and the engine writes the file while a bar shows how many
messages are in. Cancel works at any time: the engine stops between pages and leaves no
file. The passphrase lives only in the line edits and the awaited call.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
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
from chat_desktop.gui.common.data_size import format_size
from chat_desktop.gui.common.form_parts import DialogWork, error_label
from chat_desktop.gui.common.password_meter import PasswordMeter
from chat_desktop.gui.common.save_dialog import choose_save_path
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import PasswordTooShort, WeakPassword

logger = logging.getLogger(__name__)

#: The file name the save chooser suggests.
SUGGESTED_NAME = "chat_desktop.backup"


class BackupDialog(QDialog):
    """Asks where and with which passphrase, then writes the backup with a progress bar.

    Ends accepted once the file is complete; :attr:`saved_size` then holds its size.
    """

    def __init__(self, client: ChatClient, parent: QWidget | None = None) -> None:
        """Builds the form for the unlocked ``client``."""
        super().__init__(parent)
        self.setObjectName("backupDialog")
        self.setWindowTitle(self.tr("Back up your messages"))
        self._client = client
        self._work = DialogWork(self, self._set_busy)
        self.saved_size: int | None = None
        self.saved_path: Path | None = None
        self.chooser: QFileDialog | None = None
        explanation = QLabel(
            self.tr(
                "Saves every message, file, contact and setting into one file, encrypted with "
                "a passphrase you choose now. Keep the passphrase safe: without it nobody, "
                "not even you, can open the backup. Restore it on a new computer from the "
                "start screen."
            )
        )
        explanation.setWordWrap(True)
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("backupPathEdit")
        self.path_edit.setPlaceholderText(self.tr("Choose where to save the backup"))
        self.choose_button = QPushButton(self.tr("Choose\u2026"))
        self.choose_button.setObjectName("backupChooseButton")
        self.choose_button.setAutoDefault(False)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("backupPassphraseEdit")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.meter = PasswordMeter()
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setObjectName("backupConfirmEdit")
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("backupProgress")
        self.progress_bar.setRange(0, 0)
        self.progress_bar.hide()
        policy = self.progress_bar.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.progress_bar.setSizePolicy(policy)
        self.error_label = error_label()
        self.use_anyway_button = QPushButton(self.tr("Use this passphrase anyway"))
        self.use_anyway_button.setObjectName("backupUseAnywayButton")
        self.use_anyway_button.setAutoDefault(False)
        self.use_anyway_button.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("backupCancelButton")
        self.cancel_button.setAutoDefault(False)
        self.start_button = QPushButton(self.tr("Back up"))
        self.start_button.setObjectName("backupStartButton")
        self.start_button.setDefault(True)
        name_controls(
            (self.path_edit, self.tr("Backup file")),
            (self.choose_button, self.tr("Choose where to save the backup")),
            (self.passphrase_edit, self.tr("Backup passphrase")),
            (self.confirm_edit, self.tr("Confirm backup passphrase")),
            (self.progress_bar, self.tr("Backup progress")),
            (self.use_anyway_button, self.tr("Use this passphrase anyway")),
            (self.cancel_button, self.tr("Cancel")),
            (self.start_button, self.tr("Back up")),
        )
        self.passphrase_edit.setAccessibleDescription(
            self.tr("A new passphrase that only opens this backup; not your password")
        )
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.choose_button)
        form = QFormLayout()
        form.addRow(self.tr("File"), path_row)
        form.addRow(self.tr("Passphrase"), self.passphrase_edit)
        form.addRow("", self.meter)
        form.addRow(self.tr("Confirm passphrase"), self.confirm_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_anyway_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
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
        self.choose_button.clicked.connect(self.choose_path)
        self.passphrase_edit.textChanged.connect(self._rate)
        self.passphrase_edit.textChanged.connect(self.use_anyway_button.hide)
        self.cancel_button.clicked.connect(self.reject)
        self.start_button.clicked.connect(lambda: self.submit(allow_weak=False))
        self.use_anyway_button.clicked.connect(lambda: self.submit(allow_weak=True))

    def _rate(self, passphrase: str) -> None:
        self.meter.rate(passphrase, [self._client.username])

    def choose_path(self) -> None:
        """Opens the save chooser (never blocking); the path picked fills the field."""
        self.chooser = choose_save_path(
            self, self.tr("Save the backup"), SUGGESTED_NAME, self._chosen
        )

    def _chosen(self, path: Path) -> None:
        self.path_edit.setText(str(path))

    @property
    def busy(self) -> bool:
        """Whether the backup is being written."""
        return self._work.busy

    def submit(self, *, allow_weak: bool = False) -> None:
        """Checks the form and starts the backup (once: refused while busy)."""
        if self._work.busy:
            return
        path_text = self.path_edit.text().strip()
        passphrase = self.passphrase_edit.text()
        if not path_text:
            self.show_error(self.tr("Choose where to save the backup."))
            return
        if passphrase != self.confirm_edit.text():
            self.show_error(self.tr("The two passphrases differ."))
            return
        path = Path(path_text).expanduser()
        if not path.parent.is_dir():
            self.show_error(self.tr("That folder does not exist."))
            return
        self.error_label.hide()
        self._work.start(self._run(path, passphrase, allow_weak), "backup")

    async def _run(self, path: Path, passphrase: str, allow_weak: bool) -> bool:
        try:
            summary = await self._client.backup.export(
                path, passphrase, self._progress, allow_weak_passphrase=allow_weak
            )
        except WeakPassword:
            self.show_error(
                self.tr("This passphrase is easy to guess. Choose another, or use it anyway.")
            )
            self.use_anyway_button.show()
        except PasswordTooShort as error:
            self.show_error(backup_error_text(error))
        except Exception as error:  # shown inline; the log gets its type only
            logger.warning("backup failed: %s", type(error).__name__)
            self.show_error(backup_error_text(error))
        else:
            self.saved_size = summary.size
            self.saved_path = summary.path
            self.passphrase_edit.clear()
            self.confirm_edit.clear()
            return True
        return False

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
            self.progress_bar.setFormat(
                self.tr("%1 of %2 messages").replace("%1", str(done)).replace("%2", str(total))
            )

    def saved_text(self) -> str:
        """What the settings page says once the backup is saved."""
        return self.tr("The backup is saved (%1).").replace("%1", format_size(self.saved_size or 0))

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
            self.confirm_edit,
            self.start_button,
            self.use_anyway_button,
        ):
            widget.setEnabled(not busy)
        if not busy:
            self.passphrase_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def reject(self) -> None:
        """Cancel, Escape or closing: stops a running backup (no file is left) and closes."""
        if self._work.busy:
            self._work.abandon()
            return
        super().reject()
