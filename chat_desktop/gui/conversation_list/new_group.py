"""``NewGroupDialog``: a title and members picked from the known contacts → a new group.

"Create" calls ``client.groups.create`` (we become the group's only admin) and tells the
window which conversation to open; the dialog stays open on an error (shown under the
form) and never blocks the loop (it is opened with ``open()``, the call runs as a task).
"""

from __future__ import annotations

from collections.abc import Iterable

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
from chat_desktop.gui.conversation_list.member_picker import MemberPicker
from chat_desktop.protocol.message_content import MAX_GROUP_TITLE_LENGTH
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import ClientError


class NewGroupDialog(QDialog):
    """A non-blocking "New group" form: a title, members to check, "Create".

    Signals:
        created(str): The new group's conversation id (open it).
    """

    created = Signal(str)

    def __init__(
        self, client: ChatClient, contacts: Iterable[str], parent: QWidget | None = None
    ) -> None:
        """Builds the form for ``client``, offering ``contacts`` (usernames) as members."""
        super().__init__(parent)
        self.setObjectName("newGroupDialog")
        self.setWindowTitle(self.tr("New group"))
        self._client = client
        self._busy = False
        title_label = QLabel(self.tr("Group name:"))
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("groupTitle")
        self.title_edit.setMaxLength(MAX_GROUP_TITLE_LENGTH)
        title_label.setBuddy(self.title_edit)
        members_label = QLabel(self.tr("Members:"))
        own = client.username
        self.picker = MemberPicker((c for c in contacts if c != own), self)
        members_label.setBuddy(self.picker.filter_edit)
        self.error_label = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.setAutoDefault(False)
        self.create_button = QPushButton(self.tr("Create"))
        self.create_button.setObjectName("createGroupButton")
        buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        name_controls(
            (self.title_edit, self.tr("Group name")),
            (self.create_button, self.tr("Create group")),
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (title_label, self.title_edit, members_label):
            layout.addWidget(widget)
        layout.addWidget(self.picker, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.title_edit.textChanged.connect(self._update)
        self.picker.changed.connect(self._update)
        self.create_button.setDefault(True)
        self._update()
        self.setMinimumSize(380, 420)

    def _update(self) -> None:
        self.error_label.hide()
        ready = bool(self.title_edit.text().strip()) and bool(self.picker.chosen())
        self.create_button.setEnabled(ready and not self._busy)

    def submit(self) -> None:
        """Creates the group (the dialog closes once it is made)."""
        title = self.title_edit.text().strip()
        members = self.picker.chosen()
        if not title or not members or self._busy:
            return
        self._busy = True
        self._update()
        spawn(self._create(title, members), "create group")

    async def _create(self, title: str, members: list[str]) -> None:
        try:
            conversation_id = await self._client.groups.create(title, members)
        except (ClientError, ValueError) as error:
            self._busy = False
            self._update()
            self.error_label.setText(user_message(error))
            self.error_label.show()
            return
        self._busy = False
        self.created.emit(conversation_id)
        self.accept()
