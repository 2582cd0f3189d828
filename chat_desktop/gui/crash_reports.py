"""The crash-report opt-in: off unless the user turns it on here. A yes or a no, nothing more.

Where reports go is the build's or the deployment's setting (``chat_desktop.telemetry``),
never something the user has to know or type.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

NO_SERVER_TEXT = (
    "This copy of the app has no crash-report server configured, so nothing is sent for now; "
    "your choice is kept."
)


class CrashReportsDialog(QDialog):
    """Lets the user opt in to (or out of) scrubbed crash reports.

    Reports carry exception types and code locations only: never message text, names, file
    paths or keys (see ``chat_desktop.scrubbing``).
    """

    def __init__(
        self, enabled: bool, server_configured: bool, parent: QWidget | None = None
    ) -> None:
        """Shows the current choice; says so when this build has nowhere to send reports."""
        super().__init__(parent)
        self.setObjectName("crashReportsDialog")
        self.setWindowTitle("Crash reports")
        explanation = QLabel(
            "Send a report when the app crashes, so it can be fixed. Reports contain the "
            "kind of error and where in the code it happened, never your messages, contacts, "
            "file names or keys."
        )
        explanation.setWordWrap(True)
        self.enabled_box = QCheckBox("Send crash reports")
        self.enabled_box.setChecked(enabled)
        self.no_server_label = QLabel(NO_SERVER_TEXT)
        self.no_server_label.setObjectName("noCrashServer")
        self.no_server_label.setWordWrap(True)
        self.no_server_label.setVisible(not server_configured)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (explanation, self.enabled_box, self.no_server_label, buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(440)

    @property
    def choice(self) -> bool:
        """Whether the user wants crash reports sent."""
        return self.enabled_box.isChecked()
