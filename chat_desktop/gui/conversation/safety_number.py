"""``SafetyNumberDialog``: compare the 60-digit safety number with a contact, or scan its QR."""

from __future__ import annotations

import io

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QIcon, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.icons import icon

GROUPS_PER_LINE = 4


def safety_number_lines(formatted: str) -> list[str]:
    """The 12 groups of 5 digits as 3 lines of 4 groups (how people read them aloud)."""
    groups = formatted.split()
    return [
        "  ".join(groups[start : start + GROUPS_PER_LINE])
        for start in range(0, len(groups), GROUPS_PER_LINE)
    ]


def qr_pixmap(digits: str, scale: int = 5) -> QPixmap:
    """A QR code of the safety number's digits, rendered by ``segno``."""
    import segno  # when a safety number is shown, not at the app's start (about 25 ms)

    buffer = io.BytesIO()
    segno.make(digits, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


def digits_font() -> QFont:
    """The fixed-width family for the digits, and nothing else.

    Only the family is set: the size and weight come from the style sheet
    (``QLabel#safetyNumber``), relative to the app's text size, so the digits grow with it.
    """
    font = QFont()
    font.setFamilies(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).families())
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


class SafetyNumberDialog(QDialog):
    """Shows the safety number with ``peer`` and lets the user record that it matched.

    With ``accepting`` it is the step before accepting a contact's new key: "Compare with
    bob, then accept", with "Accept new key" (the dialog is accepted) and "Not now"
    (rejected). Enter never does the risky thing: "Not now" is the default there, "Close"
    here; "Remove verification" and "Accept new key" take a click (or Space on them).

    Signals:
        verifiedChanged(bool): The user pressed "Mark as verified" (True) or "Remove
            verification" (False).

    Attributes:
        accept_key_button: "Accept new key" (``accepting`` only, else None).
        not_now_button: "Not now" (``accepting`` only, else None).
    """

    verifiedChanged = Signal(bool)  # noqa: N815

    def __init__(
        self,
        peer: str,
        formatted: str,
        verified: bool,
        parent: QWidget | None = None,
        *,
        accepting: bool = False,
    ) -> None:
        """Builds the dialog for ``formatted`` (12 groups of 5 digits)."""
        super().__init__(parent)
        self.setObjectName("safetyNumberDialog")
        title = (
            self.tr("Compare with %1, then accept")
            if accepting
            else self.tr("Safety number with %1")
        ).replace("%1", peer)
        self.setWindowTitle(title)
        self._verified = verified
        heading = QLabel(title)
        # Sized by the style sheet, relative to the text size of now (a font set here would
        # keep the size of the moment the dialog was made).
        heading.setProperty("heading", True)
        intro = QLabel(
            self.tr(
                "Compare these numbers with the ones on %1's device, in person or on a call "
                "you trust, or scan the code. If they match, nobody is in the middle."
            ).replace("%1", peer)
        )
        intro.setWordWrap(True)
        self.number_label = QLabel("\n".join(safety_number_lines(formatted)))
        self.number_label.setObjectName("safetyNumber")
        self.number_label.setAccessibleName(self.tr("Safety number"))
        self.number_label.setFont(digits_font())
        self.number_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        qr = QLabel()
        qr.setObjectName("safetyQr")
        qr.setAccessibleName(self.tr("Safety number as a QR code"))
        qr.setPixmap(qr_pixmap(formatted.replace(" ", "")))
        qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state_label = QLabel()
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.verify_button = QPushButton()
        self.verify_button.setObjectName("verifyButton")
        # Never pressed by Enter: in a dialog every push button is an auto-default one, and
        # the first (this) would take Enter from "Close".
        self.verify_button.setAutoDefault(False)
        self.verify_button.clicked.connect(self._toggle)
        self.accept_key_button: QPushButton | None = None
        self.not_now_button: QPushButton | None = None
        buttons = QDialogButtonBox()
        if accepting:
            intro.setText(
                self.tr(
                    "%1's safety number changed. Compare the new numbers with the ones on "
                    "%1's device before you accept: if they differ, someone may be in the "
                    "middle."
                ).replace("%1", peer)
            )
            self.verify_button.hide()
            self.accept_key_button = buttons.addButton(
                self.tr("Accept new key"), QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.accept_key_button.setObjectName("acceptNewKeyButton")
            self.accept_key_button.setAutoDefault(False)
            self.not_now_button = buttons.addButton(
                self.tr("Not now"), QDialogButtonBox.ButtonRole.RejectRole
            )
            self.not_now_button.setObjectName("notNowButton")
            for button in (self.accept_key_button, self.not_now_button):
                button.setAccessibleName(button.text())
            safe = self.not_now_button
        else:
            safe = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        safe.setDefault(True)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(self.verify_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addWidget(self.number_label)
        layout.addSpacing(8)
        layout.addWidget(qr)
        layout.addWidget(self.state_label)
        layout.addLayout(row)
        self.setMinimumWidth(440)
        self._show_state()

    @property
    def verified(self) -> bool:
        """Whether the contact is shown as verified."""
        return self._verified

    def _toggle(self) -> None:
        self._verified = not self._verified
        self._show_state()
        self.verifiedChanged.emit(self._verified)

    def _show_state(self) -> None:
        if self._verified:
            self.state_label.setText(self.tr("Verified"))
            self.verify_button.setIcon(icon("verified"))
            self.verify_button.setText(self.tr("Remove verification"))
        else:
            self.state_label.setText(self.tr("Not verified yet"))
            self.verify_button.setIcon(QIcon())
            self.verify_button.setText(self.tr("Mark as verified"))
        self.verify_button.setAccessibleName(self.verify_button.text())
