"""What the window says when the relay offers a contact's device we refuse, or when sending
to someone has to wait (docs/protocol.md §8).

- A device of a contact offered with another identity key than the contact's (while their
  other devices carry it) gets nothing. The engine tells it once per device and key; the
  window says so in a non-blocking notice naming the contact (plain text: a username is
  never read as markup). The contact's safety number did not change, so this is not the
  key-change banner and there is nothing to accept.
- Sending to someone waits (the relay refused or rate-limited the keys a send needs, or
  insists on a refused device): the status bar says so for a while; the messages stay
  queued and go by themselves once the relay serves them.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMainWindow, QMessageBox

from chat_desktop.gui.common.event_bridge import EventBridge

#: How long (ms) the status bar shows that sending waits.
DEFERRED_NOTE_MS = 15_000


class KeyNotices(QObject):
    """Shows the refused-device notice and the "sending waits" note over ``window``."""

    def __init__(self, bridge: EventBridge, window: QMainWindow, own_username: str) -> None:
        """Follows ``bridge``'s signals for as long as ``window`` lives."""
        super().__init__(window)
        self._window = window
        self._own = own_username
        bridge.deviceKeyRefused.connect(self._on_device_refused)
        bridge.sendingDeferred.connect(self._on_sending_deferred)

    def _on_device_refused(self, peer: str, _device_id: int) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Device refused"),
            self.tr("A device of %1's offered another key; nothing is sent to it.").replace(
                "%1", peer
            ),
            QMessageBox.StandardButton.Ok,
            self._window,
        )
        box.setObjectName("deviceKeyRefusedNotice")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(
            self.tr(
                "The server listed a device for %1 whose key is not theirs. %1's safety "
                "number did not change; their other devices still get your messages."
            ).replace("%1", peer)
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _on_sending_deferred(self, peer: str, seconds: float) -> None:
        if peer == self._own:
            text = self.tr(
                "Copies for your other devices wait: the server did not hand out their "
                "keys. Trying again in %1 s."
            )
        else:
            text = self.tr(
                "Messages to %2 wait: the server did not hand out their keys. Trying again in %1 s."
            ).replace("%2", peer)
        self._window.statusBar().showMessage(
            text.replace("%1", str(round(seconds))), DEFERRED_NOTE_MS
        )
