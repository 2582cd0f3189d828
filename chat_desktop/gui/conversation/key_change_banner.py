"""``KeyChangeBanner``: the bar above a conversation that says the contact's key changed.

For a contact that was not verified it says so (a new device or a reinstall); for a verified
one sending is paused, and it offers "Accept new key" and names what will be sent on accept:
"3 messages waiting will be sent to the new key when you accept." (the engine's count,
``client.trust.messages_waiting``, kept up to date by :class:`MessagesWaiting` events).
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from chat_desktop.gui.common.icons import icon


class KeyChangeBanner(QFrame):
    """The key-change bar of the open conversation (hidden until a key changes).

    Attributes:
        icon_label: The warning (paused) or information icon.
        label: What happened, and what waits.
        accept_button: "Accept new key" (shown while sending is paused).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        """Builds the bar, hidden."""
        super().__init__(parent)
        self.setObjectName("keyChangeBanner")
        self.icon_label = QLabel()
        self.icon_label.setObjectName("keyChangeIcon")
        self.label = QLabel()
        self.label.setObjectName("keyChangeText")
        self.label.setWordWrap(True)
        self.accept_button = QPushButton(self.tr("Accept new key"))
        self.accept_button.setObjectName("acceptKeyButton")
        layout = QHBoxLayout(self)
        layout.addWidget(self.icon_label)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.accept_button)
        self._peer = ""
        self._paused = False
        self._waiting = 0
        self.hide()

    @property
    def paused(self) -> bool:
        """Whether the bar shows a paused contact (the accept button is offered)."""
        return self._paused and not self.isHidden()

    def show_change(self, peer: str, sending_paused: bool, waiting: int = 0) -> None:
        """Shows that ``peer``'s key changed; ``waiting`` messages go on accept."""
        self._peer = peer
        self._paused = sending_paused
        self._waiting = waiting
        self._show_text()
        size = self.label.fontMetrics().height()
        self.icon_label.setPixmap(icon("warning" if sending_paused else "info").pixmap(size, size))
        self.accept_button.setVisible(sending_paused)
        self.show()

    def set_waiting(self, count: int) -> None:
        """Names ``count`` messages waiting for the accept (while the bar shows a pause)."""
        if count != self._waiting:
            self._waiting = count
            self._show_text()

    def _show_text(self) -> None:
        if not self._paused:
            self.label.setText(
                self.tr("%1's safety number changed (a new device or a reinstall).").replace(
                    "%1", self._peer
                )
            )
            return
        text = self.tr(
            "%1's safety number changed. Sending is paused until you accept the new "
            "key; compare the safety number first if you can."
        ).replace("%1", self._peer)
        if self._waiting == 1:
            text += " " + self.tr("1 message waiting will be sent to the new key when you accept.")
        elif self._waiting > 1:
            text += " " + self.tr(
                "%1 messages waiting will be sent to the new key when you accept."
            ).replace("%1", str(self._waiting))
        self.label.setText(text)
