"""The crash-report opt-in: off unless the user turns it on here, with their Sentry DSN."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class CrashReportsDialog(QDialog):
    """Lets the user opt in to (or out of) scrubbed crash reports.

    Reports carry exception types and code locations only: never message text, names, file
    paths or keys (see ``chat_desktop.scrubbing``).
    """

    def __init__(self, enabled: bool, dsn: str | None, parent: QWidget | None = None) -> None:
        """Shows the current choice."""
        super().__init__(parent)
        self.setWindowTitle("Crash reports")
        explanation = QLabel(
            "Send a report when the app crashes, so it can be fixed. Reports contain the "
            "kind of error and where in the code it happened, never your messages, contacts, "
            "file names or keys."
        )
        explanation.setWordWrap(True)
        self.enabled_box = QCheckBox("Send crash reports")
        self.enabled_box.setChecked(enabled)
        self.dsn_edit = QLineEdit(dsn or "")
        self.dsn_edit.setPlaceholderText("Sentry DSN, e.g. https://key@sentry.example/1")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (explanation, self.enabled_box, self.dsn_edit, buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(440)

    @property
    def choice(self) -> tuple[bool, str]:
        """``(enabled, dsn)`` as the user left them."""
        return self.enabled_box.isChecked(), self.dsn_edit.text().strip()
