"""``NewChatDialog``: asks who to write to and checks with the relay that the user exists."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.accessibility import name_controls
from chat_desktop.gui.form_parts import error_label
from chat_desktop.gui.notices import user_message
from chat_desktop.gui.tasks import spawn
from chat_desktop.services.client import ChatClient, ClientError, InvalidPeer, UnknownUser


class NewChatDialog(QDialog):
    """A non-blocking "New chat" form: the dialog stays open until the peer is accepted.

    A name the relay does not know is refused here, with "no such user", instead of
    turning into an undeliverable message later. Offline, the chat starts unchecked.

    Signals:
        started(str): The conversation with this peer may be opened.
    """

    started = Signal(str)

    def __init__(self, client: ChatClient, parent: QWidget | None = None) -> None:
        """Builds the form for ``client``."""
        super().__init__(parent)
        self.setObjectName("newChatDialog")
        self.setWindowTitle(self.tr("New chat"))
        self._client = client
        self._busy = False
        #: Whether the relay confirmed the peer (False: started offline, unchecked).
        self.confirmed = False
        prompt = QLabel(self.tr("Username of the person to write to:"))
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("newChatName")
        self.name_edit.setPlaceholderText(self.tr("e.g. bob"))
        self.error_label = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = QPushButton(self.tr("Start chat"))
        self.start_button.setObjectName("startChatButton")
        self.start_button.setDefault(True)
        buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.AcceptRole)
        prompt.setBuddy(self.name_edit)
        name_controls(
            (self.name_edit, self.tr("Username of the person to write to")),
            (self.start_button, self.tr("Start chat")),
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (prompt, self.name_edit, self.error_label, buttons):
            layout.addWidget(widget)
        self.name_edit.textChanged.connect(self.error_label.hide)
        self.setMinimumWidth(380)

    def submit(self) -> None:
        """Checks the name with the relay (the dialog closes only once it is accepted)."""
        peer = self.name_edit.text().strip().lower()
        if not peer or self._busy:
            return
        spawn(self._start(peer), "start conversation")

    async def _start(self, peer: str) -> None:
        self._set_busy(True)
        try:
            confirmed = await self._client.start_conversation(peer)
        except UnknownUser:
            self.show_error(self.tr("No such user: %1. Check the spelling.").replace("%1", peer))
        except (InvalidPeer, ClientError) as error:
            self.show_error(user_message(error))
        else:
            # Not confirmed = offline: the chat opens unchecked, the outbox waits for the link.
            self.confirmed = confirmed
            self.started.emit(peer)
            self.accept()
        finally:
            self._set_busy(False)

    def show_error(self, text: str) -> None:
        """Shows ``text`` under the name, keeping the dialog open."""
        self.error_label.setText(text)
        self.error_label.show()
        self.name_edit.selectAll()
        self.name_edit.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.start_button.setEnabled(not busy)
        self.name_edit.setEnabled(not busy)
