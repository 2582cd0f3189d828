"""The one-time view of a recovery key: copy it, save it to a file, or write it down.

The app never keeps a recovery key, so this dialog is the only chance to take it away:
"Copy" puts it on the clipboard, "Save…" writes it to a text file chosen with a
non-blocking chooser, and "Continue" stays disabled (and looks it) until the user ticks
that the key is safe. Escape and the close button do nothing before that.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import mark_as_data, name_controls
from chat_desktop.gui.common.save_dialog import choose_save_path

logger = logging.getLogger(__name__)

#: Suggested name of the saved file.
KEY_FILE_NAME = "chat_desktop recovery key.txt"


def write_key_file(path: Path, text: str) -> None:
    """Writes ``text`` to ``path`` readable by the user only (0600), replacing the file.

    Raises:
        OSError: The file could not be written.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT: narrow it too


class RecoveryKeyDialog(QDialog):
    """Shows the recovery key once; it only closes after the user says it is kept safe."""

    def __init__(self, recovery_key: str, parent: QWidget | None = None) -> None:
        """Builds the dialog for ``recovery_key``."""
        super().__init__(parent)
        self.setObjectName("recoveryKeyDialog")
        self.setWindowTitle(self.tr("Your recovery key"))
        self._key = recovery_key
        explanation = QLabel(
            self.tr(
                "Write this key down and keep it somewhere safe. It opens your account if you "
                "forget your password. It is shown only this once."
            )
        )
        explanation.setWordWrap(True)
        self.key_label = QLabel(recovery_key)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(mono.pointSizeF() * 1.2)
        self.key_label.setFont(mono)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setAccessibleName(self.tr("Recovery key"))
        mark_as_data(self.key_label)
        self.copy_button = QPushButton(self.tr("Copy"))
        self.copy_button.setObjectName("copyRecoveryKeyButton")
        self.save_button = QPushButton(self.tr("Save\u2026"))
        self.save_button.setObjectName("saveRecoveryKeyButton")
        self.status_label = QLabel()
        self.status_label.setObjectName("recoveryKeyStatus")
        self.status_label.setWordWrap(True)
        self.confirm_box = QCheckBox(self.tr("I have written down or saved my recovery key"))
        self.continue_button = QPushButton(self.tr("Continue"))
        self.continue_button.setObjectName("recoveryContinueButton")
        self.continue_button.setDefault(True)
        for button in (self.copy_button, self.save_button):
            button.setAutoDefault(False)
        name_controls(
            (self.copy_button, self.tr("Copy the recovery key")),
            (self.save_button, self.tr("Save the recovery key to a file")),
            (self.confirm_box, self.tr("I have written down or saved my recovery key")),
            (self.continue_button, self.tr("Continue")),
        )
        self.continue_button.setAccessibleDescription(
            self.tr("Available once you have ticked that the key is kept safe")
        )
        self.continue_button.setEnabled(False)
        self.confirm_box.toggled.connect(self.continue_button.setEnabled)
        self.continue_button.clicked.connect(self.accept)
        self.copy_button.clicked.connect(self.copy_key)
        self.save_button.clicked.connect(self.save_key)
        self.save_chooser: QFileDialog | None = None
        keep = QHBoxLayout()
        keep.addStretch(1)
        keep.addWidget(self.copy_button)
        keep.addWidget(self.save_button)
        keep.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(explanation)
        layout.addWidget(self.key_label)
        layout.addLayout(keep)
        layout.addWidget(self.status_label)
        layout.addWidget(self.confirm_box)
        layout.addWidget(self.continue_button, 0, Qt.AlignmentFlag.AlignRight)
        self.setMinimumWidth(640)
        self.confirm_box.setFocus()  # the way on; Copy and Save are a Shift+Tab away

    def copy_key(self) -> None:
        """Puts the key on the clipboard."""
        QGuiApplication.clipboard().setText(self._key)
        self.status_label.setText(
            self.tr("Copied. Paste it into your password manager, then clear the clipboard.")
        )

    def save_key(self) -> None:
        """Asks where to save the key (a non-blocking chooser), then writes a text file."""
        self.save_chooser = choose_save_path(
            self, self.tr("Save the recovery key"), KEY_FILE_NAME, self._write_key
        )

    def _write_key(self, path: Path) -> None:
        text = (
            self.tr("chat_desktop recovery key (opens your account if you forget the password):")
            + "\n"
            + self._key
            + "\n"
        )
        try:
            write_key_file(path, text)
        except OSError as error:
            logger.warning("the recovery key file could not be written: %s", type(error).__name__)
            self.status_label.setText(
                self.tr("The file could not be written (%1). Choose another place.").replace(
                    "%1", error.strerror or type(error).__name__
                )
            )
            return
        self.status_label.setText(
            self.tr("Saved to %1. Keep that file safe.").replace("%1", path.name)
        )

    def reject(self) -> None:
        """Escape does nothing until the key is acknowledged."""
        if self.confirm_box.isChecked():
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """The window cannot be closed before the key is acknowledged."""
        if self.confirm_box.isChecked():
            super().closeEvent(event)
        else:
            event.ignore()
