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

from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.form_parts import error_label
from chat_desktop.gui.common.notices import user_message
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import ClientError, InvalidPeer, UnknownUser


class NewChatDialog(QDialog):
    """A non-blocking "New chat" form: the dialog stays open until the peer is accepted.

    A name the relay does not know is refused here, with "no such user", instead of
    turning into an undeliverable message later; one's own name is refused at once
    ("That's you"). Offline, the chat starts unchecked.

    After a refusal the name keeps the keyboard focus and "Start chat" stays the default
    button, so Enter asks again: the field is only made read-only while the relay is asked
    (a disabled field would hand the focus to Cancel, which would then take Enter), and
    Cancel never becomes the default by taking the focus.

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
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.setAutoDefault(False)  # focused, it must not become what Enter presses
        self.start_button = QPushButton(self.tr("Start chat"))
        self.start_button.setObjectName("startChatButton")
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
        # Once the button is in the dialog: set before, the dialog never learns its default.
        self.start_button.setDefault(True)
        self.setMinimumWidth(380)

    def submit(self) -> None:
        """Checks the name with the relay (the dialog closes only once it is accepted)."""
        peer = self.name_edit.text().strip().lower()
        if not peer or self._busy:
            return
        if peer == self._client.username:
            self.show_error(self.tr("That's you. Enter the username of someone else."))
            return
        self._set_busy(True)  # now, not when the task starts: a second Enter waits
        spawn(self._start(peer), "start conversation")

    async def _start(self, peer: str) -> None:
        error_text: str | None = None
        try:
            confirmed = await self._client.conversations.start(peer)
        except UnknownUser:
            error_text = self.tr("No such user: %1. Check the spelling.").replace("%1", peer)
        except (InvalidPeer, ClientError) as error:
            error_text = user_message(error)
        else:
            # Not confirmed = offline: the chat opens unchecked, the outbox waits for the link.
            self.confirmed = confirmed
            self.started.emit(peer)
            self.accept()
        finally:
            self._set_busy(False)
        if error_text is not None:  # after the field is editable again, so it takes the focus
            self.show_error(error_text)

    def show_error(self, text: str) -> None:
        """Shows ``text`` under the name, keeping the dialog open."""
        self.error_label.setText(text)
        self.error_label.show()
        self.name_edit.selectAll()
        self.name_edit.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.start_button.setEnabled(not busy)
        # Read-only, not disabled: the field keeps the focus (and Enter its meaning).
        self.name_edit.setReadOnly(busy)
