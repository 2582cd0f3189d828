"""The message list's context menu and copying (a part of ``MessageListView``).

Which actions a message offers (reply, react, copy the selection or the text, open, save,
download, cancel, edit, details, delete), which one Enter runs, running them, and the menu
itself, opened without a nested event loop. Kept apart from the view's scrolling, paging and
mouse handling; ``MessageListView`` inherits it. Texts keep the view's translation context.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QModelIndex, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QListView, QMenu

from chat_desktop.gui.common.notices import popup_menu
from chat_desktop.gui.conversation.message_delegate import MessageDelegate, is_image
from chat_desktop.gui.conversation.message_layout import is_note, is_notice, transfer_state
from chat_desktop.gui.conversation.message_model import MessageWindowModel
from chat_desktop.gui.conversation.message_picking import MessagePicking
from chat_desktop.gui.conversation.text_selection import TextSelection
from chat_desktop.services.conversation_actions import CHANGE_WINDOW_MS
from chat_desktop.services.types import Direction, Message, MessageStatus

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    _ListView = QListView
else:
    _ListView = object


class MessageMenus(_ListView):
    """The context menu and copy of :class:`MessageListView` (a mixin: it has no state of
    its own; it reads the view's model, delegate, selection and signals)."""

    if TYPE_CHECKING:
        _model: MessageWindowModel
        _delegate: MessageDelegate
        selection: TextSelection
        last_menu: QMenu | None
        retryRequested: SignalInstance  # noqa: N815
        replyRequested: SignalInstance  # noqa: N815
        reactRequested: SignalInstance  # noqa: N815
        editRequested: SignalInstance  # noqa: N815
        deleteRequested: SignalInstance  # noqa: N815
        detailsRequested: SignalInstance  # noqa: N815
        openRequested: SignalInstance  # noqa: N815
        saveRequested: SignalInstance  # noqa: N815
        cancelRequested: SignalInstance  # noqa: N815
        imageActivated: SignalInstance  # noqa: N815
        forwardRequested: SignalInstance  # noqa: N815
        picking: MessagePicking

    def _menu_at(self, message_id: str, global_pos: QPoint) -> None:
        row = self._model.row_of(message_id)
        if row is not None:
            self.open_context_menu(row, global_pos)

    def _copy_selection_or(self, index: QModelIndex) -> None:
        """Ctrl+C: the selected text, else the current message's whole text."""
        row = self._model.row_of(self.selection.message_id or "")
        if row is not None and self.selection.has_text():
            _copy(self.selection.selected_text(self._model.message_at(row).body or ""))
        elif index.isValid() and self._model.message_at(index.row()).body:
            _copy(self._model.message_at(index.row()).body or "")

    def _menu_position(self, row: int) -> QPoint:
        """The global centre of a row's bubble (where a keyboard-opened menu appears)."""
        index = self._model.index(row)
        rect = self.visualRect(index)
        layout = self._delegate.layout_for(index, rect.width(), self.font())
        centre = layout.bubble.center() if layout is not None else rect.center() - rect.topLeft()
        return self.viewport().mapToGlobal(rect.topLeft() + centre)

    # ---- context menu -----------------------------------------------------------------------

    def _may_change(self, message: Message) -> bool:
        """Ours, not deleted, sent less than 24 h ago (what the engine allows to edit/delete)."""
        sent = message.sent_at or message.sort_key
        return (
            message.direction is Direction.OUTGOING
            and not message.deleted
            and self._delegate.now_ms() - sent < CHANGE_WINDOW_MS
        )

    def menu_actions(self, message: Message) -> list[tuple[str, str]]:
        """The context menu of ``message``: (action key, translated label), in order."""
        delete_for_me = (
            "delete_me",
            QCoreApplication.translate("MessageListView", "Delete for me"),
        )
        if message.deleted or is_note(message) or is_notice(message):
            return [delete_for_me]
        actions: list[tuple[str, str]] = []
        if message.direction is Direction.OUTGOING and message.status is MessageStatus.FAILED:
            actions.append(
                ("retry", QCoreApplication.translate("MessageListView", "Retry sending"))
            )
        actions.append(("reply", QCoreApplication.translate("MessageListView", "Reply")))
        actions.append(("react", QCoreApplication.translate("MessageListView", "React…")))
        if self.selection.has_text(message.id):
            actions.append(
                ("copy_selection", QCoreApplication.translate("MessageListView", "Copy selection"))
            )
        if message.body:
            actions.append(("copy", QCoreApplication.translate("MessageListView", "Copy text")))
        if _forwardable(message):
            actions.append(("forward", QCoreApplication.translate("MessageListView", "Forward…")))
        state = transfer_state(message, self._model.progress(message.id))
        if state == "ready":
            actions.append(("open", QCoreApplication.translate("MessageListView", "Open")))
            actions.append(("save", QCoreApplication.translate("MessageListView", "Save as…")))
        elif state == "download":
            actions.append(("download", QCoreApplication.translate("MessageListView", "Download")))
        elif state == "transfer":
            actions.append(
                ("cancel", QCoreApplication.translate("MessageListView", "Cancel transfer"))
            )
        if self._may_change(message) and message.kind == "text":
            actions.append(("edit", QCoreApplication.translate("MessageListView", "Edit")))
        if _forwardable(message):
            actions.append(("select", QCoreApplication.translate("MessageListView", "Select")))
        actions.append(("details", QCoreApplication.translate("MessageListView", "Details…")))
        actions.append(delete_for_me)
        if self._may_change(message):
            actions.append(
                ("delete_all", QCoreApplication.translate("MessageListView", "Delete for everyone"))
            )
        return actions

    def default_action(self, message: Message) -> str | None:
        """What Enter does on ``message``: retry a failed one, open or download an
        attachment, else reply (None for deleted messages and notes)."""
        keys = [key for key, _label in self.menu_actions(message)]
        for preferred in ("retry", "open", "download", "reply"):
            if preferred in keys:
                return preferred
        return None

    def trigger(self, action: str, message: Message, global_pos: QPoint) -> None:
        """Runs a context-menu action on ``message``."""
        message_id = message.id
        simple = {
            "retry": self.retryRequested,
            "reply": self.replyRequested,
            "save": self.saveRequested,
            "cancel": self.cancelRequested,
            "edit": self.editRequested,
            "details": self.detailsRequested,
        }
        if action in simple:
            simple[action].emit(message_id)
        elif action == "react":
            self.reactRequested.emit(message_id, global_pos)
        elif action == "copy":
            _copy(message.body or "")
        elif action == "forward":
            self.forwardRequested.emit([message_id])
        elif action == "select":
            self.picking.start(message_id)
        elif action == "copy_selection":
            _copy(self.selection.selected_text(message.body or ""))
        elif action == "open":
            if is_image(message):
                self.imageActivated.emit(message_id)
            else:
                self.openRequested.emit(message_id)
        elif action == "download":
            row = self._model.row_of(message_id)
            if row is not None:  # the usual path of a click on an attachment
                self.clicked.emit(self._model.index(row))
        elif action in ("delete_me", "delete_all"):
            self.deleteRequested.emit(message_id, action == "delete_all")

    def build_menu(self, row: int, global_pos: QPoint) -> QMenu:
        """The context menu of the message in ``row`` (its default action in bold)."""
        message = self._model.message_at(row)
        menu = QMenu(self)
        menu.setObjectName("messageMenu")
        menu.setAccessibleName(QCoreApplication.translate("MessageListView", "Message actions"))
        default = self.default_action(message)
        for key, label in self.menu_actions(message):
            action = menu.addAction(label)
            action.setObjectName(key)
            action.triggered.connect(
                lambda _checked=False, k=key, m=message: self.trigger(k, m, global_pos)
            )
            if key == default:
                menu.setDefaultAction(action)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        return menu

    def open_context_menu(self, row: int, global_pos: QPoint) -> QMenu:
        """Pops up the message's menu without blocking (no nested event loop)."""
        self.setCurrentIndex(self._model.index(row))
        menu = self.build_menu(row, global_pos)
        self.last_menu = menu
        popup_menu(menu, global_pos)
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        """The message's actions (for the current message when asked from the keyboard)."""
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            index = self.currentIndex()
            if index.isValid():
                self.open_context_menu(index.row(), self._menu_position(index.row()))
            return
        index = self.indexAt(event.pos())
        if index.isValid():
            self.open_context_menu(index.row(), event.globalPos())


def _forwardable(message: Message) -> bool:
    """A message with a text or a file of its own (not deleted, not a note)."""
    if message.deleted or message.undecryptable or is_note(message) or is_notice(message):
        return False
    return message.attachment is not None or bool((message.body or "").strip())


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)
