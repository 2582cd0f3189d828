"""``BlockedBanner``: "You blocked bob." over a blocked contact's conversation, with Unblock.

While a contact is blocked nothing of theirs arrives and nothing can be written to them, so
the composer is off and this banner says why (issue 23, item 1).
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from chat_desktop.gui.common.accessibility import name_controls


class BlockedBanner(QFrame):
    """The blocked contact's banner (hidden unless the open contact is blocked)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """A hidden banner."""
        super().__init__(parent)
        self.setObjectName("blockedBanner")
        self.label = QLabel()
        self.label.setObjectName("blockedLabel")
        self.label.setWordWrap(True)
        self.unblock_button = QPushButton(self.tr("Unblock"))
        self.unblock_button.setObjectName("unblockButton")
        name_controls((self.unblock_button, self.tr("Unblock this contact")))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.unblock_button)
        self.hide()

    def show_for(self, peer: str) -> None:
        """Says that ``peer`` is blocked."""
        self.label.setText(
            self.tr(
                "You blocked %1. You get nothing from them and cannot write to them until you "
                "unblock them."
            ).replace("%1", peer)
        )
        self.show()
