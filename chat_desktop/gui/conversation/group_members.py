"""``GroupMembersDialog``: a group's members page (issue 21).

The group's name and picture (an admin renames it and changes the picture here), the list
of members with admin marks ("admin",
"you"); an admin may add members (picked
from the known contacts), remove one, or make one an admin; everyone may leave the group
(asked first, "No" the default). Each change goes through ``client.groups`` and the list
shows the state the engine holds afterwards (and again on every ``GroupChanged``: a member's
change shows here while the page is open). Non-blocking: opened with ``open()``, every
call runs as a task.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import mark_as_data, name_controls
from chat_desktop.gui.common.form_parts import error_label
from chat_desktop.gui.common.notices import StandardButton, ask, user_message
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.conversation.group_picture import GroupPictureRow
from chat_desktop.gui.conversation_list.member_picker import MemberPicker
from chat_desktop.protocol.message_content import MAX_GROUP_TITLE_LENGTH
from chat_desktop.services.capabilities.groups import GroupChangeRefused, NotAGroupMember
from chat_desktop.services.client import ChatClient
from chat_desktop.services.group_avatars import GroupAvatarUnavailable
from chat_desktop.services.group_state import GroupState
from chat_desktop.services.image_processing import ImageRejected

#: The username of a member row.
MEMBER_ROLE = Qt.ItemDataRole.UserRole + 1


#: Spelled out as ``translate("GroupMembers", …)`` at each call: ``pyside6-lupdate`` finds them.
translate = QCoreApplication.translate


def group_error_text(error: BaseException) -> str:
    """What the members page says when a change was refused."""
    if isinstance(error, NotAGroupMember):
        return translate("GroupMembers", "You are no longer a member of this group.")
    if isinstance(error, GroupChangeRefused):
        return translate("GroupMembers", "The group was not changed: only an admin can change it.")
    if isinstance(error, ImageRejected):
        return translate("GroupMembers", "This picture cannot be used as the group's picture.")
    if isinstance(error, GroupAvatarUnavailable):
        return translate(
            "GroupMembers", "The picture could not be uploaded. Check the connection and try again."
        )
    return user_message(error)


def member_line(member: str, state: GroupState, own: str) -> str:
    """A member's row: the name, then "(you)" and "admin" where they apply."""
    marks = []
    if member == own:
        marks.append(translate("GroupMembers", "you"))
    if member in state.admins:
        marks.append(translate("GroupMembers", "admin"))
    return f"{member} ({', '.join(marks)})" if marks else member


class AddMembersDialog(QDialog):
    """Picks contacts to add to a group (its members are not offered).

    Signals:
        chosen(list): The usernames picked ("Add" pressed).
    """

    chosen = Signal(list)

    def __init__(self, contacts: Iterable[str], parent: QWidget | None = None) -> None:
        """Offers ``contacts`` (usernames not yet in the group)."""
        super().__init__(parent)
        self.setObjectName("addMembersDialog")
        self.setWindowTitle(translate("GroupMembers", "Add members"))
        self.picker = MemberPicker(contacts, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.setAutoDefault(False)
        self.add_button = QPushButton(translate("GroupMembers", "Add"))
        self.add_button.setObjectName("addMembersButton")
        buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.AcceptRole)
        name_controls((self.add_button, translate("GroupMembers", "Add the checked contacts")))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker, 1)
        layout.addWidget(buttons)
        self.picker.changed.connect(self._update)
        self._update()
        self.setMinimumSize(340, 360)

    def _update(self) -> None:
        self.add_button.setEnabled(bool(self.picker.chosen()))

    def _accept(self) -> None:
        names = self.picker.chosen()
        if names:
            self.chosen.emit(names)
            self.accept()


class GroupMembersDialog(QDialog):
    """The members page of one group.

    Signals:
        left(str): We left the group (its conversation id).
    """

    left = Signal(str)

    def __init__(
        self,
        client: ChatClient,
        conversation_id: str,
        state: GroupState,
        contacts: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        """Shows ``state``; ``contacts`` are the usernames "Add members…" offers."""
        super().__init__(parent)
        self.setObjectName("groupMembersDialog")
        self._client = client
        self._conversation_id = conversation_id
        self._contacts = list(contacts)
        self.state = state
        #: The last "Add members" dialog and "Leave" question opened (tests look at them).
        self.add_dialog: AddMembersDialog | None = None
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("groupTitleEdit")
        self.title_edit.setMaxLength(MAX_GROUP_TITLE_LENGTH)
        self.rename_button = QPushButton(translate("GroupMembers", "Rename"))
        self.rename_button.setObjectName("renameGroup")
        self.picture_row = GroupPictureRow(client, conversation_id, self._show_error, self)
        self.heading = QLabel()
        self.list = QListWidget()
        self.list.setObjectName("groupMemberList")
        mark_as_data(self.list)  # usernames
        self.add_button = QPushButton(translate("GroupMembers", "Add members…"))
        self.add_button.setObjectName("addMembers")
        self.remove_button = QPushButton(translate("GroupMembers", "Remove"))
        self.remove_button.setObjectName("removeMember")
        self.admin_button = QPushButton(translate("GroupMembers", "Make admin"))
        self.admin_button.setObjectName("makeAdmin")
        self.leave_button = QPushButton(translate("GroupMembers", "Leave group"))
        self.leave_button.setObjectName("leaveGroup")
        for button in (
            self.rename_button,
            self.add_button,
            self.remove_button,
            self.admin_button,
            self.leave_button,
        ):
            button.setAutoDefault(False)
        self.error_label = error_label()
        name_controls(
            (self.title_edit, translate("GroupMembers", "Group name")),
            (self.rename_button, translate("GroupMembers", "Rename the group")),
            (self.list, translate("GroupMembers", "Members")),
            (self.add_button, translate("GroupMembers", "Add members")),
            (self.remove_button, translate("GroupMembers", "Remove the selected member")),
            (self.admin_button, translate("GroupMembers", "Make the selected member an admin")),
            (self.leave_button, translate("GroupMembers", "Leave group")),
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.admin_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.leave_button)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title_edit, 1)
        title_row.addWidget(self.rename_button)
        layout = QVBoxLayout(self)
        layout.addLayout(title_row)
        layout.addWidget(self.picture_row)
        layout.addWidget(self.heading)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.add_button.clicked.connect(self.show_add)
        self.remove_button.clicked.connect(self.remove_selected)
        self.admin_button.clicked.connect(self.make_selected_admin)
        self.leave_button.clicked.connect(self.leave)
        self.rename_button.clicked.connect(self.rename)
        self.title_edit.returnPressed.connect(self.rename)
        self.title_edit.textChanged.connect(lambda _text: self._update_buttons())
        self.show_state(state)
        self.picture_row.reload()
        self.setMinimumSize(420, 380)

    @property
    def is_admin(self) -> bool:
        """Whether we are an admin of the group (and so may change its members)."""
        return self._client.username in self.state.admins

    def show_state(self, state: GroupState) -> None:
        """Lists the members of ``state`` (keeping the selected one selected)."""
        selected = self.selected()
        picture_changed = state.avatar != self.state.avatar
        self.state = state
        if picture_changed:
            self.picture_row.reload()
        own = self._client.username
        self.setWindowTitle(translate("GroupMembers", "Members of %1").replace("%1", state.title))
        if not self.title_edit.hasFocus() or not self.is_admin:
            self.title_edit.setText(state.title)  # an admin typing a new name keeps it
        count = len(state.members)
        self.heading.setText(
            (
                translate("GroupMembers", "1 member")
                if count == 1
                else translate("GroupMembers", "%1 members")
            ).replace("%1", str(count))
        )
        self.list.clear()
        for member in state.members:
            item = QListWidgetItem(member_line(member, state, own))
            item.setData(MEMBER_ROLE, member)
            self.list.addItem(item)
            if member == selected:
                self.list.setCurrentItem(item)
        self._update_buttons()

    def selected(self) -> str | None:
        """The username of the selected member, or None."""
        item = self.list.currentItem()
        return None if item is None else str(item.data(MEMBER_ROLE))

    def select(self, member: str) -> None:
        """Selects ``member``'s row."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item is not None and item.data(MEMBER_ROLE) == member:
                self.list.setCurrentItem(item)

    def _update_buttons(self) -> None:
        own = self._client.username
        member_now = own in self.state.members
        chosen = self.selected()
        other = chosen is not None and chosen != own
        self.title_edit.setReadOnly(not self.is_admin)
        self.picture_row.set_admin(self.is_admin)
        self.rename_button.setVisible(self.is_admin)
        wanted = self.title_edit.text().strip()
        self.rename_button.setEnabled(bool(wanted) and wanted != self.state.title)
        self.add_button.setVisible(self.is_admin)
        self.remove_button.setVisible(self.is_admin)
        self.admin_button.setVisible(self.is_admin)
        self.remove_button.setEnabled(other)
        self.admin_button.setEnabled(other and chosen not in self.state.admins)
        self.leave_button.setEnabled(member_now)

    def reload(self) -> None:
        """Reads the group's state again (after a change, or a member's)."""
        spawn(self._reload(), "reload group")

    async def _reload(self) -> None:
        state = await self._client.groups.get(self._conversation_id)
        if state is not None:
            self.show_state(state)

    def show_add(self) -> None:
        """Opens the contact picker; the contacts checked there are added."""
        offered = [c for c in self._contacts if c not in self.state.members]
        dialog = AddMembersDialog(offered, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(
            lambda names: self._run(self._client.groups.add_members(self._conversation_id, names))
        )
        dialog.open()
        self.add_dialog = dialog

    def rename(self) -> None:
        """Gives the group the name typed in the field (admins only)."""
        title = self.title_edit.text().strip()
        if self.is_admin and title and title != self.state.title:
            self._run(self._client.groups.rename(self._conversation_id, title))

    def remove_selected(self) -> None:
        """Removes the selected member (admins only)."""
        member = self.selected()
        if member is not None and member != self._client.username:
            self._run(self._client.groups.remove_members(self._conversation_id, [member]))

    def make_selected_admin(self) -> None:
        """Makes the selected member an admin (admins only)."""
        member = self.selected()
        if member is not None:
            self._run(self._client.groups.make_admin(self._conversation_id, member))

    def leave(self) -> None:
        """Asks, then leaves the group ("No" is the default answer)."""
        spawn(self._leave(), "leave group", self._show_error)

    async def _leave(self) -> None:
        answer = await ask(
            self,
            translate("GroupMembers", "Leave group"),
            translate("GroupMembers", "Leave “%1”? You will no longer get its messages.").replace(
                "%1", self.state.title
            ),
        )
        if answer != StandardButton.Yes:
            return
        await self._client.groups.leave(self._conversation_id)
        await self._reload()
        self.left.emit(self._conversation_id)

    def _run(self, change: Coroutine[Any, Any, None]) -> None:
        self.error_label.hide()
        spawn(self._change(change), "change group", self._show_error)

    async def _change(self, change: Coroutine[Any, Any, None]) -> None:
        await change
        await self._reload()

    def _show_error(self, error: BaseException) -> None:
        self.error_label.setText(group_error_text(error))
        self.error_label.show()
