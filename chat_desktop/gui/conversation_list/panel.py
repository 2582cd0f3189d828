"""``ConversationList``: the left pane (conversations, previews, unread badges, archive).

The list is a ``QListView`` over :class:`ConversationListModel`, painted by
:class:`~chat_desktop.gui.conversation_list.delegate.ConversationDelegate` (no widget per row). A
refresh updates the model in place (rows removed, added, moved, changed), so the selected
conversation and the scroll position stay where they were. The order is the engine's
(pinned first, then the latest activity). Each row has a context menu (mark as unread, mute,
pin, archive, delete); a right click opens it without opening the conversation (which would
read it). An "Archived (n)" toggle at the bottom switches to the archived conversations. A
conversation with unsent text shows "Draft: …" in place of its last message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QDateTime,
    QItemSelectionModel,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QMouseEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import mark_as_data, name_controls
from chat_desktop.gui.common.icons import icon
from chat_desktop.gui.common.notices import popup_menu
from chat_desktop.gui.conversation.message_words import deleted_text, note_text
from chat_desktop.gui.conversation_list.delegate import (
    ROW_ROLE,
    ConversationDelegate,
    RowData,
    initials_of,
)
from chat_desktop.gui.conversation_list.requests_toggle import RequestsToggle
from chat_desktop.services.file_types import display_file_name
from chat_desktop.services.types import NOTE_KINDS, Conversation, Direction, Message

PEER_ROLE = Qt.ItemDataRole.UserRole + 1
#: A file name in a preview (and a notification) is elided in the middle beyond this.
PREVIEW_NAME_LENGTH = 60
_CONTEXT = "ConversationList"


#: ``translate("ConversationList", …)`` spelled out at each call, so ``pyside6-lupdate``
#: finds every text.
translate = QCoreApplication.translate


def peer_of(conversation: Conversation) -> str:
    """The contact a conversation is with (its id for a one-to-one chat)."""
    return conversation.peer_address or conversation.id


def conversation_name(conversation: Conversation) -> str:
    """The name the list shows for a conversation."""
    return conversation.title or conversation.peer_address or conversation.id


def message_preview(message: Message) -> str:
    """One line saying what ``message`` is: its text, "Photo", a file name, a timer note.

    No "You: " prefix (see :func:`preview_text`); also what a full notification shows.
    """
    if message.deleted:
        return deleted_text()
    if message.undecryptable or message.kind == "undecryptable":
        return translate("ConversationList", "Message could not be decrypted")
    if message.kind in NOTE_KINDS:
        return note_text(message)
    caption = " ".join((message.body or "").split())
    info = message.attachment
    if info is not None:
        if (info.mime or "").startswith("image/"):
            return (
                translate("ConversationList", "Photo: %1").replace("%1", caption)
                if caption
                else translate("ConversationList", "Photo")
            )
        if info.voice_ms is not None:
            return translate("ConversationList", "Voice note")
        name = display_file_name(info.file_name, PREVIEW_NAME_LENGTH) or translate(
            "ConversationList", "File"
        )
        return (
            translate("ConversationList", "%1: %2").replace("%1", name).replace("%2", caption)
            if caption
            else name
        )
    return caption


def preview_text(conversation: Conversation) -> str:
    """The list's preview of a conversation's last message ("You: " before ours)."""
    message = conversation.last_message
    if message is None:
        return ""
    text = message_preview(message)
    if (
        message.direction is Direction.OUTGOING
        and message.kind not in NOTE_KINDS
        and not message.deleted
    ):
        return translate("ConversationList", "You: %1").replace("%1", text)
    if (  # in a group, whose message it is: "bob: see you there"
        message.conversation_id.startswith("g:")
        and message.direction is Direction.INCOMING
        and message.kind not in NOTE_KINDS
        and message.sender
    ):
        return (
            translate("ConversationList", "%1: %2")
            .replace("%2", text)
            .replace("%1", message.sender)
        )
    return text


def list_time_text(stamp_ms: int, now: QDateTime | None = None) -> str:
    """When, as the list says it: today the time, this week the weekday, else the date.

    Worded by the locale (``QLocale()``: the app's language and the system's formats).
    """
    if stamp_ms <= 0:
        return ""
    when = QDateTime.fromMSecsSinceEpoch(stamp_ms)
    today = (now or QDateTime.currentDateTime()).date()
    day = when.date()
    locale = QLocale()
    if day == today:
        return locale.toString(when.time(), QLocale.FormatType.ShortFormat)
    if today.addDays(-6) <= day < today:
        return locale.dayName(day.dayOfWeek(), QLocale.FormatType.ShortFormat)
    return locale.toString(day, QLocale.FormatType.ShortFormat)


def draft_line(draft: str) -> str:
    """A draft as one line of the list (its white space folded)."""
    return " ".join(draft.split())


def accessible_row_text(row: RowData) -> str:
    """What a screen reader says for a row: name, unread, muted, pinned, online, preview."""
    parts = [row.name]
    if row.unread:
        parts.append(translate("ConversationList", "%1 unread").replace("%1", str(row.unread)))
    elif row.marked_unread:
        parts.append(translate("ConversationList", "marked unread"))
    if row.muted:
        parts.append(translate("ConversationList", "muted"))
    if row.pinned:
        parts.append(translate("ConversationList", "pinned"))
    if row.verified:
        parts.append(translate("ConversationList", "verified"))
    if row.timer:
        parts.append(translate("ConversationList", "disappearing messages on"))
    if row.online:
        parts.append(translate("ConversationList", "online"))
    if row.preview:
        parts.append(f"{row.draft_label} {row.preview}" if row.draft_label else row.preview)
    if row.time_text:
        parts.append(row.time_text)
    return translate("ConversationList", ", ").join(parts)


class ConversationListModel(QAbstractListModel):
    """The listed conversations as rows for :class:`ConversationDelegate`.

    :meth:`set_conversations` changes the rows in place: persistent indexes (the view's
    selection and current row) follow their conversation when the order changes.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        """An empty list."""
        super().__init__(parent)
        self._rows: list[RowData] = []
        self._conversations: dict[str, Conversation] = {}
        self._online: set[str] = set()
        self._verified: set[str] = set()
        #: Contacts' round profile pictures (``gui/common/avatars.py``).
        self._avatars: dict[str, QPixmap] = {}
        #: Our own username: its conversation is the Note to Self.
        self.own_username: str | None = None

    # ---- Qt model ------------------------------------------------------------------------

    def rowCount(  # noqa: N802
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        """How many conversations are listed."""
        return 0 if parent.isValid() else len(self._rows)

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        """A row's name (display), peer, painted data or accessible text."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.name
        if role == ROW_ROLE:
            return row
        if role == PEER_ROLE:
            return row.peer
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return accessible_row_text(row)
        return None

    # ---- content -------------------------------------------------------------------------

    def peers(self) -> list[str]:
        """The peers listed, top to bottom."""
        return [row.peer for row in self._rows]

    def row_of(self, peer: str) -> int | None:
        """The row of ``peer``'s conversation, or None."""
        for number, row in enumerate(self._rows):
            if row.peer == peer:
                return number
        return None

    def row_data(self, row: int) -> RowData:
        """What row ``row`` paints."""
        return self._rows[row]

    def conversation(self, peer: str) -> Conversation | None:
        """The listed conversation with ``peer``."""
        return self._conversations.get(peer)

    def set_conversations(self, conversations: Iterable[Conversation]) -> None:
        """Shows ``conversations`` in this order, updating the rows in place."""
        wanted: dict[str, Conversation] = {}
        for conversation in conversations:
            wanted.setdefault(peer_of(conversation), conversation)
        self._conversations = wanted
        self._apply([self._make_row(conversation) for conversation in wanted.values()])

    def set_online(self, peer: str, online: bool) -> None:
        """Shows or hides ``peer``'s presence dot."""
        if (peer in self._online) == online:
            return
        if online:
            self._online.add(peer)
        else:
            self._online.discard(peer)
        self._remake(peer)

    def clear_presence(self) -> None:
        """Forgets every presence (the link is down: nobody is known to be online)."""
        peers, self._online = self._online, set()
        for peer in peers:
            self._remake(peer)

    def set_verified(self, peer: str, verified: bool) -> None:
        """Shows or hides ``peer``'s verified mark."""
        if (peer in self._verified) == verified:
            return
        if verified:
            self._verified.add(peer)
        else:
            self._verified.discard(peer)
        self._remake(peer)

    def set_avatar(self, peer: str, avatar: QPixmap | None) -> None:
        """Shows ``peer``'s round profile picture (None: the initials again)."""
        if avatar is None:
            if self._avatars.pop(peer, None) is None:
                return
        else:
            self._avatars[peer] = avatar
        self._remake(peer)

    def _make_row(self, conversation: Conversation) -> RowData:
        peer = peer_of(conversation)
        name = conversation_name(conversation)
        if peer == self.own_username:
            name = translate("ConversationList", "Note to Self")
        draft = draft_line(conversation.draft)
        return RowData(
            peer=peer,
            name=name,
            initials=initials_of(name),
            preview=draft or preview_text(conversation),
            draft_label=translate("ConversationList", "Draft:") if draft else "",
            marked_unread=conversation.marked_unread,
            time_text=list_time_text(conversation.last_activity_at or conversation.created_at),
            unread=conversation.unread_count,
            muted=conversation.muted,
            pinned=conversation.pinned,
            timer=conversation.expire_timer > 0,
            verified=peer in self._verified,
            online=peer in self._online,
            avatar=self._avatars.get(peer),
        )

    def _remake(self, peer: str) -> None:
        number = self.row_of(peer)
        conversation = self._conversations.get(peer)
        if number is None or conversation is None:
            return
        self._rows[number] = self._make_row(conversation)
        index = self.index(number)
        self.dataChanged.emit(index, index)

    def _apply(self, new_rows: list[RowData]) -> None:
        """Turns the current rows into ``new_rows`` by removals, insertions and a move."""
        keep = {row.peer for row in new_rows}
        for number in reversed(range(len(self._rows))):
            if self._rows[number].peer not in keep:
                self.beginRemoveRows(QModelIndex(), number, number)
                del self._rows[number]
                self.endRemoveRows()
        present = {row.peer for row in self._rows}
        added = [row for row in new_rows if row.peer not in present]
        if added:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            self._rows.extend(added)
            self.endInsertRows()
        if [row.peer for row in self._rows] != [row.peer for row in new_rows]:
            self.layoutAboutToBeChanged.emit()
            persistent = self.persistentIndexList()
            peers_before = [self._rows[index.row()].peer for index in persistent]
            self._rows = list(new_rows)
            position = {row.peer: number for number, row in enumerate(self._rows)}
            for index, peer in zip(persistent, peers_before, strict=True):
                self.changePersistentIndex(index, self.index(position[peer]))
            self.layoutChanged.emit()
            if self._rows:
                self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))
            return
        changed = [n for n, row in enumerate(new_rows) if row != self._rows[n]]
        self._rows = list(new_rows)
        if changed:
            self.dataChanged.emit(self.index(changed[0]), self.index(changed[-1]))


class ConversationListView(QListView):
    """The list itself (a ``QListView`` that also answers ``count()``).

    A right click only opens the row's context menu: ``QListView`` would first make the row
    current, which opens the conversation and reads it (muting or pinning a chat from its
    menu wiped its unread state).
    """

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Left button: select as usual; right button: nothing (the menu follows)."""
        if event.button() == Qt.MouseButton.RightButton:
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Ignores the right button's release too (it would select the pressed row)."""
        if event.button() == Qt.MouseButton.RightButton:
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def count(self) -> int:
        """How many conversations are listed."""
        model = self.model()
        return 0 if model is None else model.rowCount()


class ConversationList(QWidget):
    """The conversation list pane: account, connection, "New chat", the list, the archive.

    Signals:
        conversationSelected(str): The user opened the conversation with this peer.
        newChatClicked(): The user pressed "New chat" (the window asks who, without blocking).
        muteRequested(str peer, bool muted): "Mute" or "Unmute" was chosen.
        pinRequested(str peer, bool pinned): "Pin" or "Unpin" was chosen.
        archiveRequested(str peer, bool archived): "Archive" or "Unarchive" was chosen.
        markUnreadRequested(str peer, bool marked): "Mark as unread" or "Mark as read".
        blockRequested(str peer): "Block…" was chosen.
        deleteRequested(str peer): "Delete conversation…" was chosen (the window asks first).
        peersChanged(list): The set of listed peers changed (subscribe to their presence).
    """

    conversationSelected = Signal(str)  # noqa: N815
    newChatClicked = Signal()  # noqa: N815
    newGroupClicked = Signal()  # noqa: N815
    muteRequested = Signal(str, bool)  # noqa: N815
    pinRequested = Signal(str, bool)  # noqa: N815
    archiveRequested = Signal(str, bool)  # noqa: N815
    markUnreadRequested = Signal(str, bool)  # noqa: N815
    blockRequested = Signal(str)  # noqa: N815
    deleteRequested = Signal(str)  # noqa: N815
    peersChanged = Signal(list)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        """Builds the pane."""
        super().__init__(parent)
        self.setObjectName("conversationPane")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the sheet's colour
        self.account_label = QLabel()
        self.account_label.setObjectName("accountLabel")
        self.connection_label = QLabel(self.tr("connecting…"))
        self.connection_label.setObjectName("connectionLabel")
        self.new_chat_button = QPushButton(self.tr("New chat"))
        self.new_chat_button.setObjectName("newChatButton")
        self.new_chat_button.setIcon(icon("new-chat"))
        self.new_chat_button.setToolTip(self.tr("Start a conversation (Ctrl+N)"))
        self.new_group_button = QPushButton(self.tr("New group"))
        self.new_group_button.setObjectName("newGroupButton")
        self.new_group_button.setIcon(icon("new-chat"))
        self.new_group_button.setToolTip(self.tr("Start a group (Ctrl+Shift+N)"))
        self.model = ConversationListModel(self)
        self.delegate = ConversationDelegate(self)
        self.list = ConversationListView()
        self.list.setObjectName("conversationList")
        self.list.setModel(self.model)
        self.list.setItemDelegate(self.delegate)
        self.list.setUniformItemSizes(True)
        self.list.setMouseTracking(True)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.setFrameShape(QListView.Shape.NoFrame)
        mark_as_data(self.list)  # contacts' names and their messages
        self.archived_button = QPushButton()
        self.archived_button.setObjectName("archivedButton")
        self.archived_button.setCheckable(True)
        self.archived_button.setFlat(True)
        self.archived_button.setIcon(icon("archive"))
        self.archived_button.hide()
        self.requests_button = RequestsToggle()  # message requests: apart, behind this row
        name_controls(
            (self.new_chat_button, self.tr("New chat")),
            (self.new_group_button, self.tr("New group")),
            (self.list, self.tr("Conversations")),
            (self.archived_button, self.tr("Archived conversations")),
        )
        self.list.setAccessibleDescription(
            self.tr("Arrow keys open a conversation; the menu key shows what you can do with it")
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.account_label)
        layout.addWidget(self.connection_label)
        new_row = QHBoxLayout()
        new_row.addWidget(self.new_chat_button, 1)
        new_row.addWidget(self.new_group_button, 1)
        layout.addLayout(new_row)
        layout.addWidget(self.requests_button)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.archived_button)
        self.new_chat_button.clicked.connect(self.newChatClicked.emit)
        self.new_group_button.clicked.connect(self.newGroupClicked.emit)
        selection = self.list.selectionModel()
        selection.currentChanged.connect(self._on_current_changed)
        self.list.customContextMenuRequested.connect(self._on_context_menu)
        self.archived_button.toggled.connect(self._on_archived_toggled)
        self.requests_button.toggled.connect(self._on_archived_toggled)
        self._requests: list[Conversation] = []
        self._updating = False
        self._all: list[Conversation] = []
        self._current: str | None = None
        self._listed_peers: list[str] = []
        #: The last context menu opened (tests trigger its actions).
        self.context_menu: QMenu | None = None

    # ---- content -----------------------------------------------------------------------------

    @property
    def showing_archived(self) -> bool:
        """Whether the archived conversations are shown (instead of the others)."""
        return self.archived_button.isChecked()

    def set_conversations(
        self,
        conversations: Sequence[Conversation],
        current: str | None,
        requests: Sequence[Conversation] = (),
    ) -> None:
        """Shows ``conversations`` (archived ones too: they go behind the toggle; message
        ``requests`` behind theirs, at the top).

        ``current`` (the open conversation) stays selected; no selection is emitted.
        """
        self._all = list(conversations)
        self._requests = list(requests)
        self._current = current
        self._show()

    def _show(self) -> None:
        self.requests_button.show_count(len(self._requests))
        requests = self.requests_button.isChecked()
        archived = self.showing_archived and not requests
        shown = [c for c in self._all if c.archived == archived]
        if requests:
            shown = self._requests
        archived_count = sum(1 for c in self._all if c.archived)
        self._updating = True
        try:
            self.model.set_conversations(shown)
            self._select(self._current)
        finally:
            self._updating = False
        if archived:
            self.archived_button.setText(self.tr("Back to chats"))
        else:
            self.archived_button.setText(
                self.tr("Archived (%1)").replace("%1", str(archived_count))
            )
        self.archived_button.setVisible(not requests and (archived or archived_count > 0))
        peers = self.model.peers()
        if peers != self._listed_peers:
            added = set(peers) - set(self._listed_peers)
            self._listed_peers = peers
            if added:
                self.peersChanged.emit(peers)

    def set_current(self, peer: str | None) -> None:
        """Selects ``peer``'s row (the open conversation) without emitting a selection."""
        self._current = peer
        self._updating = True
        try:
            self._select(peer)
        finally:
            self._updating = False

    def _select(self, peer: str | None) -> None:
        selection = self.list.selectionModel()
        number = None if peer is None else self.model.row_of(peer)
        if number is None:
            selection.clear()
            return
        index = self.model.index(number)
        if selection.currentIndex() != index or not selection.isSelected(index):
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def set_online(self, peer: str, online: bool) -> None:
        """Shows whether ``peer`` is online (a dot on the avatar)."""
        self.model.set_online(peer, online)

    def clear_presence(self) -> None:
        """Hides every presence dot (the relay link is down)."""
        self.model.clear_presence()

    def set_verified(self, peer: str, verified: bool) -> None:
        """Shows whether ``peer``'s safety number was verified."""
        self.model.set_verified(peer, verified)

    def set_avatar(self, peer: str, avatar: QPixmap | None) -> None:
        """Shows ``peer``'s round profile picture on its row (None: its initials)."""
        self.model.set_avatar(peer, avatar)

    def peers(self) -> list[str]:
        """The peers listed, top to bottom."""
        return self.model.peers()

    def all_peers(self) -> list[str]:
        """Every conversation's peer, archived ones included (the quick switcher's choices)."""
        return [peer_of(c) for c in self._all]

    def all_names(self) -> dict[str, str]:
        """Each conversation's peer and the name the list shows for it (a group's title)."""
        return {peer_of(c): conversation_name(c) for c in self._all}

    def accessible_text(self, peer: str) -> str:
        """What a screen reader says for ``peer``'s row (empty when not listed)."""
        number = self.model.row_of(peer)
        return "" if number is None else accessible_row_text(self.model.row_data(number))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._updating:
            peer = str(current.data(PEER_ROLE))
            self._current = peer
            self.conversationSelected.emit(peer)

    def _on_archived_toggled(self, _checked: bool) -> None:
        self._listed_peers = []
        self._show()
        self.list.scrollToTop()

    # ---- context menu ------------------------------------------------------------------------

    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.list.indexAt(pos)
        if not index.isValid():
            index = self.list.currentIndex()  # the menu key: the selected row
            if not index.isValid():
                return
            pos = self.list.visualRect(index).center()
        menu = self.context_menu_for(str(index.data(PEER_ROLE)))
        if menu is not None:
            popup_menu(menu, self.list.viewport().mapToGlobal(pos))

    def context_menu_for(self, peer: str) -> QMenu | None:
        """Builds the context menu of ``peer``'s row (shown by the caller, without blocking)."""
        conversation = self.model.conversation(peer)
        if conversation is None:
            return None
        menu = QMenu(self)
        menu.setObjectName("conversationMenu")

        def add(text: str, name: str, slot: object, icon_name: str | None = None) -> QAction:
            action = menu.addAction(text)
            action.setObjectName(name)
            if icon_name is not None:
                action.setIcon(icon(icon_name))
            action.triggered.connect(slot)
            return action

        muted, pinned, archived = conversation.muted, conversation.pinned, conversation.archived
        if conversation.marked_unread and not conversation.unread_count:
            add(
                self.tr("Mark as read"),
                "markUnreadAction",
                lambda: self.markUnreadRequested.emit(peer, False),
            )
        elif not conversation.unread_count:
            add(
                self.tr("Mark as unread"),
                "markUnreadAction",
                lambda: self.markUnreadRequested.emit(peer, True),
            )
        add(
            self.tr("Unmute") if muted else self.tr("Mute"),
            "muteAction",
            lambda: self.muteRequested.emit(peer, not muted),
            "muted",
        )
        add(
            self.tr("Unpin") if pinned else self.tr("Pin"),
            "pinAction",
            lambda: self.pinRequested.emit(peer, not pinned),
            "pinned",
        )
        add(
            self.tr("Unarchive") if archived else self.tr("Archive"),
            "archiveAction",
            lambda: self.archiveRequested.emit(peer, not archived),
            "archive",
        )
        menu.addSeparator()
        if not peer.startswith("g:"):  # a contact (a group has no one to block)
            add(self.tr("Block…"), "blockAction", lambda: self.blockRequested.emit(peer))
        add(
            self.tr("Delete conversation…"),
            "deleteAction",
            lambda: self.deleteRequested.emit(peer),
        )
        self.context_menu = menu
        return menu
