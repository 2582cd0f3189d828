"""``MemberPicker``: a checkable list of known contacts with a filter, to pick group members.

Used by "New group…" and by the members page's "Add members…". The contacts offered are the
people this account has one-to-one conversations with (the only names known here); a name
typed in the filter that is not listed can be added as it is, so a group may include
someone never written to.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import mark_as_data, name_controls
from chat_desktop.services.client_errors import is_username

#: Spelled out as ``translate("MemberPicker", …)`` at each call: ``pyside6-lupdate`` finds them.
translate = QCoreApplication.translate


class MemberPicker(QWidget):
    """Contacts with check boxes, a filter above them; :meth:`chosen` lists the checked ones.

    Signals:
        changed(): The set of checked contacts changed.
    """

    changed = Signal()

    def __init__(self, contacts: Iterable[str], parent: QWidget | None = None) -> None:
        """Lists ``contacts`` (usernames), none checked."""
        super().__init__(parent)
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("memberFilter")
        self.filter_edit.setPlaceholderText(translate("MemberPicker", "Filter, or type a username"))
        self.add_button = QPushButton(translate("MemberPicker", "Add"))
        self.add_button.setObjectName("addTypedMember")
        self.add_button.setAutoDefault(False)
        self.add_button.setEnabled(False)
        self.list = QListWidget()
        self.list.setObjectName("memberList")
        mark_as_data(self.list)  # usernames
        for contact in sorted(dict.fromkeys(contacts)):
            self._add_item(contact)
        name_controls(
            (self.filter_edit, translate("MemberPicker", "Filter contacts, or type a username")),
            (self.add_button, translate("MemberPicker", "Add the typed username")),
            (self.list, translate("MemberPicker", "Contacts")),
        )
        row = QHBoxLayout()
        row.addWidget(self.filter_edit, 1)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.list, 1)
        self.filter_edit.textChanged.connect(self._filter)
        self.filter_edit.returnPressed.connect(self.add_typed)
        self.add_button.clicked.connect(self.add_typed)
        self.list.itemChanged.connect(lambda _item: self.changed.emit())

    def _add_item(self, name: str, checked: bool = False) -> QListWidgetItem:
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.addItem(item)
        return item

    def item(self, name: str) -> QListWidgetItem | None:
        """The row of ``name``, or None."""
        for row in range(self.list.count()):
            found = self.list.item(row)
            if found is not None and found.text() == name:
                return found
        return None

    def set_checked(self, name: str, checked: bool = True) -> None:
        """Checks (or unchecks) ``name``, listing it first if it is not listed."""
        found = self.item(name) or self._add_item(name)
        found.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def chosen(self) -> list[str]:
        """The checked usernames, in list order."""
        names = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                names.append(item.text())
        return names

    def add_typed(self) -> None:
        """Adds (checked) the username typed in the filter, if it is a well-formed one."""
        name = self.filter_edit.text().strip().lower()
        if not is_username(name):
            return
        self.set_checked(name)
        self.filter_edit.clear()

    def _filter(self, text: str) -> None:
        wanted = text.strip().lower()
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item is not None:
                item.setHidden(bool(wanted) and wanted not in item.text())
        self.add_button.setEnabled(is_username(wanted) and self.item(wanted) is None)
