"""``MainWindow``: conversation list on the left, the open conversation on the right.

The title carries the unread total of the conversations that are not muted ("chat_desktop (3)
— alice"); each conversation's unsent text is kept as its draft (:mod:`.draft_keeper`).
Closing the window quits, or, where the controller says so, only hides it (the app keeps
running in the tray); Quit (Ctrl+Q) always quits.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
)

from chat_desktop.gui.common.avatars import AvatarImages
from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.common.notices import StandardButton, ask, show_error
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.conversation.draft_keeper import DraftKeeper
from chat_desktop.gui.conversation.group_conversation import (
    GroupConversationView,
    known_contacts,
)
from chat_desktop.gui.conversation.group_source import is_group
from chat_desktop.gui.conversation.search_panel import SearchPanel
from chat_desktop.gui.conversation_list.new_chat import NewChatDialog
from chat_desktop.gui.conversation_list.new_group import NewGroupDialog
from chat_desktop.gui.conversation_list.panel import ConversationList
from chat_desktop.gui.conversation_list.quick_switcher import QuickSwitcher
from chat_desktop.gui.shell.key_notices import KeyNotices
from chat_desktop.services.capabilities.preferences import WindowState
from chat_desktop.services.client import ChatClient
from chat_desktop.services.types import Conversation

if TYPE_CHECKING:
    # Loaded when first opened (or after the first paint): not on the start path.
    from chat_desktop.gui.settings.window import SettingsWindow

#: How long a short note stays in the status bar.
STATUS_NOTE_MS = 8_000
#: Engine events arriving within this long cause one conversation-list refresh, not one each
#: (a burst of 1,000 incoming messages is one query, not 1,000).
LIST_REFRESH_DELAY_MS = 50
#: The most conversations the list reads (archived ones included).
LIST_LIMIT = 500
#: What the user reads when the engine restarted one of its background tasks.
TASK_RESTARTED_NOTE = str(
    QT_TRANSLATE_NOOP(
        "MainWindow", "A background task of the app stopped unexpectedly and was restarted."
    )
)

CONNECTION_TEXT = {
    "connecting": str(QT_TRANSLATE_NOOP("MainWindow", "connecting…")),
    "connected": str(QT_TRANSLATE_NOOP("MainWindow", "connected")),
    "disconnected": str(QT_TRANSLATE_NOOP("MainWindow", "offline (messages wait in the outbox)")),
    "unlinked": str(QT_TRANSLATE_NOOP("MainWindow", "unlinked from this account")),
}


#: The settings window's "About" section (Help → About).
ABOUT_SECTION = 3


class MainWindow(QMainWindow):
    """The chat window of one unlocked account.

    The conversation list follows the engine's events (new, changed, removed and expired
    messages, receipts, mute / pin / archive) through one coalesced refresh
    (:meth:`refresh_conversations`), which also reports the unread total for the tray.

    Signals:
        lockRequested(): The user chose "Lock" (the controller closes the client).
        settingsOpened(object): The settings window was opened (the controller connects its
            live changes: theme, text size, language, idle lock, crash reports, deletion).
        closed(): The window was closed by the user (quit).
        hiddenToTray(): The user closed the window and it only hid (the app stays in the
            tray; see :attr:`keep_running_in_tray`).
        unreadTotalChanged(int): The unread total (every conversation not archived) after a
            list refresh (the tray shows it).
    """

    lockRequested = Signal()  # noqa: N815
    settingsOpened = Signal(object)  # noqa: N815
    closed = Signal()
    hiddenToTray = Signal()  # noqa: N815
    unreadTotalChanged = Signal(int)  # noqa: N815

    def __init__(self, client: ChatClient, bridge: EventBridge) -> None:
        """Builds the window and connects it to ``bridge``'s signals."""
        super().__init__()
        self.setObjectName("mainWindow")
        self._client = client
        self._locking = False
        self._quitting = False
        #: Closing the window only hides it (the controller sets it where a tray shows the
        #: app and the user wants it); Quit still quits.
        self.keep_running_in_tray = False
        #: The unread total of unmuted conversations the title shows.
        self.title_unread = 0
        self._own_title = ""
        self._show_title(0)
        #: Opens a conversation at the first list refresh (as chat apps do): ``start_peer``'s
        #: (the one open when the window last closed) if it still exists, else the latest.
        #: Only until a chat opens or one is deleted: after that a reload that finds no chat
        #: open (a delete just closed it; its list read before the delete) opens nothing.
        self.open_latest_on_start = True
        self.start_peer: str | None = None
        #: The conversation an opening still in flight shows, and that opening's number: a
        #: delete of that conversation (or a newer opening) makes it stop where it is, so a
        #: deleted chat is never shown again by an opening that began before the delete.
        self._opening_peer: str | None = None
        self._opening = 0
        #: The conversation being deleted (asked, confirmed, not yet gone from the list).
        self._deleting: str | None = None
        # Built from the window down: each part joins the window once, so the style sheet is
        # worked out once for it (built bottom up, every part was styled again at each of the
        # two levels it was added to: a quarter of the window's construction).
        splitter = QSplitter()
        self.splitter = splitter
        self.setCentralWidget(splitter)
        self.conversation_list = ConversationList()
        self.conversation_list.account_label.setText(
            self.tr("Signed in as <b>%1</b>").replace("%1", client.username)
        )
        self.conversation_list.model.own_username = client.username
        splitter.addWidget(self.conversation_list)
        self._stack = QStackedWidget()
        splitter.addWidget(self._stack)
        self._placeholder = QLabel(self.tr("Choose a conversation, or start a new chat."))
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setObjectName("emptyPlaceholder")
        self._stack.addWidget(self._placeholder)
        self.conversation_view = GroupConversationView(client)
        self._stack.addWidget(self.conversation_view)
        self.drafts = DraftKeeper(
            client.conversations.drafts, self.conversation_view.composer, self
        )
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 760])
        self.resize(1000, 680)

        self._build_menus()
        self._let_parts_shrink()
        self._chain_tab_order()

        view = self.conversation_view
        view.connect_bridge(bridge)
        bridge.messageReceived.connect(view.on_message_received)
        bridge.messageUndecryptable.connect(view.on_message_received)
        bridge.statusChanged.connect(view.on_status_changed)
        bridge.typingChanged.connect(view.on_typing_changed)
        bridge.presenceChanged.connect(view.on_presence_changed)
        bridge.identityKeyChanged.connect(view.on_identity_key_changed)
        bridge.messagesWaiting.connect(view.on_messages_waiting)
        self.key_notices = KeyNotices(bridge, self, client.username)
        bridge.messagesExpired.connect(view.on_messages_expired)
        bridge.timerChanged.connect(view.on_timer_changed)
        bridge.attachmentStored.connect(view.on_attachment_stored)
        bridge.messageRecovered.connect(view.on_message_recovered)
        bridge.connectionChanged.connect(self._show_connection)
        bridge.connectionChanged.connect(view.on_connection_changed)
        # One coalesced list refresh for every event that changes a row or the order.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(LIST_REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(
            lambda: spawn(self.refresh_conversations_now(), "list conversations")
        )
        self._refreshing = False
        self._refresh_again = False
        #: How many list refreshes ran (tests check that bursts are coalesced).
        self.refresh_count = 0
        for signal in (
            bridge.messageReceived,
            bridge.messageUndecryptable,
            bridge.messageRecovered,
            bridge.statusChanged,
            bridge.messageChanged,
            bridge.messagesRemoved,
            bridge.conversationChanged,
            bridge.messagesExpired,
            bridge.timerChanged,
            bridge.readElsewhere,
            bridge.groupChanged,
        ):
            signal.connect(self.refresh_conversations)
        view.conversationsChanged.connect(self.refresh_conversations)
        bridge.presenceChanged.connect(self._on_presence_changed)
        bridge.identityKeyChanged.connect(self._on_identity_key_changed)
        view.verifiedChanged.connect(lambda peer: self._on_identity_key_changed(peer, False))
        bridge.verifiedElsewhere.connect(self._on_verified_elsewhere)
        bridge.connectionChanged.connect(self._on_connection_for_presence)
        panel = self.conversation_list
        panel.conversationSelected.connect(self.open_conversation)
        panel.newChatClicked.connect(self.show_new_chat_dialog)
        panel.newGroupClicked.connect(self.show_new_group_dialog)
        panel.muteRequested.connect(self.set_muted)
        panel.pinRequested.connect(self.set_pinned)
        panel.archiveRequested.connect(self.set_archived)
        panel.markUnreadRequested.connect(self.set_marked_unread)
        panel.blockRequested.connect(self.block_contact)
        panel.deleteRequested.connect(self.delete_conversation)
        view.request_banner.deleteClicked.connect(self.delete_conversation)
        view.request_banner.blockClicked.connect(self.block_contact)
        bridge.conversationChanged.connect(  # accepted or blocked elsewhere: its banners follow
            lambda peer: spawn(view.refresh_blocked(), "banners") if peer == view.peer else None
        )
        panel.peersChanged.connect(self._on_listed_peers_changed)
        #: Contacts' and groups' round pictures, for the list (read again on a change).
        self.avatars = AvatarImages(client, self)
        self.avatars.changed.connect(lambda peer: panel.set_avatar(peer, self.avatars.pixmap(peer)))
        bridge.profileChanged.connect(self.refresh_conversations)  # a name titles its chat
        bridge.profileChanged.connect(
            lambda peer: spawn(self.avatars.reload(peer), "profile picture")
        )
        bridge.groupChanged.connect(  # a group's picture may have changed
            lambda peer: spawn(self.avatars.reload(peer), "group picture")
        )
        self._verified_known: set[str] = set()
        bridge.engineTaskRestarted.connect(self._show_task_restarted)
        self.new_chat_dialog: NewChatDialog | None = None
        self.new_group_dialog: NewGroupDialog | None = None
        self.quick_switcher: QuickSwitcher | None = None
        self.search_panel: SearchPanel | None = None
        self.settings_window: SettingsWindow | None = None
        self._show_connection(
            "unlinked"
            if client.devices.unlinked
            else "connected"
            if client.connected
            else "connecting"
        )

    def _let_parts_shrink(self) -> None:
        """Lets the panes' texts wrap or elide, so a larger text size never widens the window.

        A window is at least as wide as its widest row of parts' minimum widths; with labels
        and buttons at their full text width, 200 % text made the window widen itself.
        """
        pane = self.conversation_list
        for label in (pane.account_label, pane.connection_label):
            label.setWordWrap(True)
        view = self.conversation_view
        # Preferred, not Ignored: an Ignored label got its least width ("maxi" of a longer
        # name) whenever the stretch beside it took the rest of the header.
        view.peer_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        view.peer_label.setMinimumWidth(view.peer_label.fontMetrics().averageCharWidth() * 4)
        view.timer_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        view.timer_box.setMinimumContentsLength(6)
        # The icon stays in view; the text gives way before the window grows. "New chat" fills
        # its column anyway; "Safety number" keeps its whole width while the header has room
        # (Preferred: an Ignored policy gave it its minimum, cut off, whenever the name's
        # stretch took the rest) and narrows to the minimum set here only when it has not.
        pane.new_chat_button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        pane.new_group_button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        view.safety_button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        for button in (pane.new_chat_button, view.safety_button):
            button.setMinimumWidth(button.iconSize().width() * 3)
        for button in (pane.new_chat_button, pane.new_group_button):  # side by side: narrower
            button.setMinimumWidth(button.iconSize().width() * 2)

    def _chain_tab_order(self) -> None:
        """Tab goes list → messages → composer → send, then the composer's other buttons."""
        pane, view = self.conversation_list, self.conversation_view
        chain = (
            pane.new_chat_button,
            pane.list,
            view.view,
            view.composer.edit,
            view.composer.send_button,
            view.composer.attach_button,
        )
        for first, second in itertools.pairwise(chain):
            self.setTabOrder(first, second)

    def _build_menus(self) -> None:
        """The menus and their shortcuts (every action reachable from the keyboard)."""

        def action(text: str, shortcut: QKeySequence | None, slot: object) -> QAction:
            made = QAction(text, self)
            if shortcut is not None:
                made.setShortcut(shortcut)
            made.triggered.connect(slot)
            return made

        self.new_chat_action = action(
            self.tr("New chat…"), QKeySequence("Ctrl+N"), self.show_new_chat_dialog
        )
        self.new_group_action = action(
            self.tr("New group…"), QKeySequence("Ctrl+Shift+N"), self.show_new_group_dialog
        )
        self.note_to_self_action = action(
            self.tr("Note to Self"), QKeySequence("Ctrl+Shift+S"), self.show_note_to_self
        )
        self.switch_action = action(
            self.tr("Go to conversation…"), QKeySequence("Ctrl+K"), self.show_quick_switcher
        )
        self.search_action = action(
            self.tr("Search messages…"), QKeySequence("Ctrl+F"), self.show_search
        )
        self.find_action = action(
            self.tr("Find in this chat…"), QKeySequence("Ctrl+Shift+F"), self.show_find_in_chat
        )
        self.settings_action = action(
            self.tr("Settings…"), QKeySequence("Ctrl+,"), lambda: self.show_settings()
        )
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.lock_action = action(self.tr("Lock"), QKeySequence("Ctrl+L"), self.lock)
        self.quit_action = action(
            self.tr("Quit"), QKeySequence(QKeySequence.StandardKey.Quit), self.quit
        )
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.about_action = action(
            self.tr("About chat_desktop"), None, lambda: self.show_settings(ABOUT_SECTION)
        )
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        chat_menu = self.menuBar().addMenu(self.tr("&Chat"))
        for item in (
            self.new_chat_action,
            self.new_group_action,
            self.note_to_self_action,
            self.switch_action,
            self.search_action,
            self.find_action,
        ):
            chat_menu.addAction(item)
        chat_menu.addSeparator()
        for item in (self.settings_action, self.lock_action, self.quit_action):
            chat_menu.addAction(item)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(self.about_action)

    # ---- conversations ------------------------------------------------------------------------

    @property
    def open_peer(self) -> str | None:
        """The conversation shown in the right pane (None while the placeholder shows)."""
        if self._stack.currentWidget() is not self.conversation_view:
            return None
        return self.conversation_view.peer

    def refresh_conversations(self, *_args: object) -> None:
        """Reloads the conversation list soon (events within a few ms share one reload)."""
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    async def refresh_conversations_now(self) -> None:
        """Reloads the conversation list and the unread total now (awaitable).

        A call while a reload runs makes that reload run once more when it ends (never two
        at a time, never a change missed).
        """
        self._refresh_timer.stop()
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        try:
            self._refresh_again = True
            while self._refresh_again:
                self._refresh_again = False
                await self._refresh()
        finally:
            self._refreshing = False

    async def _refresh(self) -> None:
        self.refresh_count += 1
        conversations = await self._client.conversations.list(LIST_LIMIT, include_archived=True)
        requests = await self._client.conversations.requests(LIST_LIMIT)
        unread_total = await self._client.conversations.unread_total()
        title_unread = await self._client.conversations.unread_total(include_muted=False)
        self.conversation_list.set_conversations(conversations, self.open_peer, requests)
        self.unreadTotalChanged.emit(unread_total)
        self._show_title(title_unread)
        listed = [c for c in conversations if not c.archived]
        if self.open_peer is None and listed and self.open_latest_on_start:
            # First, before the verified marks: the open conversation's first page is what
            # the user waits for at start (benchmarks/ui.py).
            self.open_latest_on_start = False
            known = {c.peer_address or c.id for c in listed}
            if self.start_peer is not None and self.start_peer in known:
                await self.open_conversation_now(self.start_peer, conversations)
            else:
                latest = listed[0]
                await self.open_conversation_now(latest.peer_address or latest.id, conversations)
        await self._check_verified(self.conversation_list.peers())

    async def _check_verified(self, peers: list[str], *, again: bool = False) -> None:
        """Reads the verified state of ``peers`` not checked yet (or all of them, ``again``)."""
        for peer in peers:
            if again or peer not in self._verified_known:
                self._verified_known.add(peer)
                self.conversation_list.set_verified(
                    peer, await self._client.trust.is_verified(peer)
                )

    def _on_identity_key_changed(self, peer: str, _paused: bool) -> None:
        spawn(self._check_verified([peer], again=True), "verified state")

    def _on_verified_elsewhere(self, peer: str, _verified: bool) -> None:
        """Another device of ours (un)verified ``peer``: the list mark and, if it is the open
        conversation, its header follow."""
        self._on_identity_key_changed(peer, False)
        if self.conversation_view.peer == peer:
            spawn(self.conversation_view.refresh_verified(), "verified badge")

    def _on_presence_changed(self, peer: str, online: bool, _last_seen: object) -> None:
        self.conversation_list.set_online(peer, online)

    def _on_listed_peers_changed(self, peers: list[str]) -> None:
        spawn(self.avatars.ensure(peers), "pictures")  # contacts' and groups'
        peers = [peer for peer in peers if not is_group(peer)]  # a group has no presence
        if self._client.connected and peers:
            spawn(self._client.presence.subscribe(peers), "subscribe presence")

    def _on_connection_for_presence(self, state: str) -> None:
        if state == "connected":
            self._on_listed_peers_changed(self.conversation_list.peers())
        elif state in ("disconnected", "unlinked"):
            self.conversation_list.clear_presence()

    # ---- mute, pin, archive, delete ---------------------------------------------------------

    def set_muted(self, peer: str, muted: bool) -> None:
        """Mutes or unmutes ``peer``'s conversation (the list follows the engine's event)."""
        spawn(
            self._client.conversations.set_muted(peer, muted), "mute conversation", self._show_error
        )

    def set_pinned(self, peer: str, pinned: bool) -> None:
        """Pins ``peer``'s conversation to the top, or unpins it."""
        spawn(
            self._client.conversations.set_pinned(peer, pinned),
            "pin conversation",
            self._show_error,
        )

    def set_marked_unread(self, peer: str, marked: bool) -> None:
        """Marks ``peer``'s conversation unread (until it is opened), or clears the mark."""
        spawn(
            self._client.conversations.set_marked_unread(peer, marked),
            "mark unread",
            self._show_error,
        )

    def set_archived(self, peer: str, archived: bool) -> None:
        """Archives ``peer``'s conversation, or brings it back to the list."""
        spawn(
            self._client.conversations.set_archived(peer, archived),
            "archive conversation",
            self._show_error,
        )

    def block_contact(self, peer: str) -> None:
        """Asks, then blocks ``peer`` (non-blocking)."""
        spawn(self.block_contact_now(peer), "block contact", self._show_error)

    async def block_contact_now(self, peer: str) -> bool:
        """Awaitable :meth:`block_contact`; True if the user confirmed and ``peer`` is blocked."""
        answer = await ask(
            self,
            self.tr("Block contact"),
            self.tr(
                "Block %1? Nothing they send will reach you and you cannot write to them until "
                "you unblock them (in Settings, under Privacy). They are not told."
            ).replace("%1", peer),
        )
        if answer != StandardButton.Yes:
            return False
        await self._client.conversations.block(peer)
        if self.open_peer == peer:
            await self.conversation_view.refresh_blocked()
        return True

    def delete_conversation(self, peer: str) -> None:
        """Asks, then deletes ``peer``'s conversation from this device (non-blocking)."""
        spawn(self.delete_conversation_now(peer), "delete conversation", self._show_error)

    async def delete_conversation_now(self, peer: str) -> bool:
        """Awaitable :meth:`delete_conversation`; True if the user confirmed and it is gone."""
        answer = await ask(
            self,
            self.tr("Delete conversation"),
            self.tr(
                "Delete the conversation with %1 from this device? Its messages and files are "
                "removed here; %1 keeps their copy."
            ).replace("%1", peer),
        )
        if answer != StandardButton.Yes:
            return False
        self.open_latest_on_start = False
        if self.drafts.peer == peer:
            self.drafts.forget()  # its draft goes with it (not saved back)
        # Until the list no longer shows it, nothing opens it again: the answer's box closing
        # gives the list the focus back, and a list that gets the focus makes a row current,
        # which opens that chat (it came back after the delete, found by the CI).
        self._deleting = peer
        try:
            await self._client.conversations.delete(peer)
            if self._opening_peer == peer:
                self._opening += 1  # an opening of it still in flight stops where it is
                self._opening_peer = None
            if self.open_peer == peer:
                self._stack.setCurrentWidget(self._placeholder)
                self.conversation_view.close_conversation()
                self.conversation_list.set_current(None)
            await self.refresh_conversations_now()
        finally:
            self._deleting = None
        return True

    # ---- window state ---------------------------------------------------------------------

    def restore_state(self, state: WindowState) -> None:
        """Puts back size, position, split and open conversation as the user left them."""
        if state.geometry is not None:
            self.restoreGeometry(QByteArray(state.geometry))
        if state.splitter is not None:
            self.splitter.restoreState(QByteArray(state.splitter))
        self.start_peer = state.open_peer

    def current_state(self) -> WindowState:
        """The state to remember when the window closes (lock, quit)."""
        return WindowState(
            geometry=bytes(self.saveGeometry().data()),
            splitter=bytes(self.splitter.saveState().data()),
            open_peer=self.open_peer,
        )

    def open_conversation(self, peer: str) -> None:
        """Shows the conversation with ``peer`` (a new one if we never talked); nothing while
        that conversation is being deleted."""
        if peer == self._deleting:
            return
        spawn(self.open_conversation_now(peer), "open conversation", self._show_error)

    async def open_conversation_now(
        self, peer: str, conversations: list[Conversation] | None = None
    ) -> None:
        """Awaitable :meth:`open_conversation` (tests, the demo).

        ``conversations``: the list just read, if the caller has it (saves reading it again).
        """
        self.open_latest_on_start = False  # a chat opens: nothing opens by itself after
        self._opening += 1
        opening = self._opening
        self._opening_peer = peer

        def superseded() -> bool:
            return opening != self._opening or peer == self._deleting

        if conversations is None:
            conversations = await self._client.conversations.list(LIST_LIMIT, include_archived=True)
            conversations += await self._client.conversations.requests(LIST_LIMIT)
        timer = next((c.expire_timer for c in conversations if c.id == peer), 0)
        marked = any(c.id == peer and c.marked_unread for c in conversations)
        await self.drafts.leave()  # the conversation left keeps what was typed in it
        if superseded():
            return
        # Shown first: a hidden view has no width yet, and its rows would be laid out twice
        # (at the minimum width, then at the real one) before the first page is painted.
        self._stack.setCurrentWidget(self.conversation_view)
        await self.conversation_view.open(peer, timer)
        if superseded():
            return
        self._opening_peer = None
        await self.drafts.enter(peer)
        if marked:  # opened: no longer marked unread
            await self._client.conversations.set_marked_unread(peer, False)
        if self.isActiveWindow():
            self.conversation_view.composer.edit.setFocus()
        self.conversation_list.set_current(peer)
        await self.refresh_conversations_now()

    # ---- keyboard: switcher, search, settings ----------------------------------------------

    def show_quick_switcher(self) -> None:
        """Ctrl+K: type a name, press Enter, the conversation opens."""
        switcher = QuickSwitcher(
            self.conversation_list.all_peers(), self, self.conversation_list.all_names()
        )
        switcher.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        switcher.conversationChosen.connect(self.open_conversation)
        switcher.finished.connect(lambda _result: self._forget("quick_switcher", switcher))
        self.quick_switcher = switcher
        switcher.open()

    def show_find_in_chat(self) -> None:
        """Ctrl+Shift+F: finds words in the open chat (nothing while no chat is open)."""
        if self.open_peer is not None:
            self.conversation_view.show_find_bar()

    def show_search(self) -> None:
        """Ctrl+F: searches every conversation; a result opens the chat at that message."""
        if self.search_panel is not None:
            self.search_panel.raise_()
            self.search_panel.activateWindow()
            self.search_panel.query_edit.setFocus()
            return
        panel = SearchPanel(self._client, self)
        panel.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        panel.messageChosen.connect(self.open_message)
        panel.finished.connect(lambda _result: self._forget("search_panel", panel))
        self.search_panel = panel
        panel.open()

    def open_message(self, peer: str, message_id: str) -> None:
        """Opens the conversation with ``peer`` scrolled to ``message_id`` (search results)."""
        spawn(self.open_message_now(peer, message_id), "open message", self._show_error)

    async def open_message_now(self, peer: str, message_id: str) -> None:
        """Awaitable :meth:`open_message`."""
        if self.open_peer != peer:
            await self.open_conversation_now(peer)
        if await self.conversation_view.view.jump_to(message_id):
            self.conversation_view.view.highlight(message_id)

    def show_settings(self, section: int = 0) -> None:
        """Opens the settings window (a single one) at ``section``."""
        if self.settings_window is None:
            from chat_desktop.gui.settings.window import SettingsWindow

            window = SettingsWindow(self._client)
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.destroyed.connect(lambda _obj=None: self._forget_settings(window))
            self.settings_window = window
            window.privacy_page.doubleClickReplyChanged.connect(
                self.conversation_view.set_double_click_reply
            )
            self.settingsOpened.emit(window)
        window = self.settings_window
        window.show_section(section)
        window.show()
        window.raise_()
        window.activateWindow()

    def _forget_settings(self, window: SettingsWindow) -> None:
        if self.settings_window is window:
            self.settings_window = None

    def _forget(self, attribute: str, dialog: QuickSwitcher | SearchPanel) -> None:
        if getattr(self, attribute) is dialog:
            setattr(self, attribute, None)
        self.take_focus_back()

    def take_focus_back(self) -> None:
        """After a dialog closes, the keyboard goes back to this window (and its composer).

        Window managers usually re-activate the parent; without one (or when the dialog
        was closed by a shortcut) the keys would otherwise go nowhere.
        """
        self.activateWindow()
        if self.open_peer is not None:
            self.conversation_view.composer.edit.setFocus()
        else:
            self.conversation_list.list.setFocus()

    def show_new_chat_dialog(self) -> None:
        """Asks who to write to (non-blocking; the dialog checks the name with the relay)."""
        if self.new_chat_dialog is not None:
            self.new_chat_dialog.raise_()
            self.new_chat_dialog.activateWindow()
            return
        dialog = NewChatDialog(self._client, self)
        dialog.started.connect(self.open_conversation)
        dialog.finished.connect(lambda _result: self._forget_new_chat_dialog(dialog))
        self.new_chat_dialog = dialog
        dialog.open()

    def show_note_to_self(self) -> None:
        """Opens the Note to Self: notes kept here and on our other devices only."""
        spawn(self._open_note_to_self(), "note to self", self._show_error)

    async def _open_note_to_self(self) -> None:
        peer = await self._client.conversations.note_to_self()
        await self.refresh_conversations_now()
        await self.open_conversation_now(peer)

    def show_new_group_dialog(self) -> None:
        """Opens the "New group" form (title, members); the group opens once created."""
        if self.new_group_dialog is not None:
            self.new_group_dialog.raise_()
            self.new_group_dialog.activateWindow()
            return
        spawn(self._open_new_group_dialog(), "new group", self._show_error)

    async def _open_new_group_dialog(self) -> None:
        contacts = await known_contacts(self._client)
        if self.new_group_dialog is not None:
            return
        dialog = NewGroupDialog(self._client, contacts, self)
        dialog.created.connect(self.open_conversation)
        dialog.finished.connect(lambda _result: setattr(self, "new_group_dialog", None))
        self.new_group_dialog = dialog
        dialog.open()

    def _forget_new_chat_dialog(self, dialog: NewChatDialog) -> None:
        if self.new_chat_dialog is dialog:
            self.new_chat_dialog = None
        dialog.deleteLater()
        self.take_focus_back()

    def _show_error(self, error: BaseException) -> None:
        show_error(self, error)

    def _show_task_restarted(self, _task: str) -> None:
        # The task's name is for the log; the user only needs to know it recovered.
        self.statusBar().showMessage(self.tr(TASK_RESTARTED_NOTE), STATUS_NOTE_MS)

    def _show_connection(self, state: str) -> None:
        text = CONNECTION_TEXT.get(state)
        self.conversation_list.connection_label.setText(self.tr(text) if text else state)
        self.conversation_list.connection_label.setProperty("state", state)
        style = self.conversation_list.connection_label.style()
        style.unpolish(self.conversation_list.connection_label)
        style.polish(self.conversation_list.connection_label)

    # ---- title ---------------------------------------------------------------------------------

    def _show_title(self, unread: int) -> None:
        """Puts the unread total of unmuted conversations in the title ("chat_desktop (3)").

        A title set by someone else (the demo names its windows) is left as it is.
        """
        self.title_unread = unread
        if self.windowTitle() != self._own_title:
            return
        user = self._client.username  # a-z, 0-9, "_" and ".": no "%" to replace again
        if unread > 0:
            title = self.tr("chat_desktop (%1) — %2").replace("%1", str(unread))
            title = title.replace("%2", user)
        else:
            title = self.tr("chat_desktop — %1").replace("%1", user)
        self._own_title = title
        self.setWindowTitle(title)

    # ---- lock / close ---------------------------------------------------------------------------

    async def save_draft_now(self) -> None:
        """Saves what is typed in the open conversation as its draft (lock, quit)."""
        await self.drafts.save_now()

    def quit(self) -> None:
        """Quits the app (Ctrl+Q, the tray's Quit), also where closing only hides the window."""
        self._quitting = True
        self.close()

    def lock(self) -> None:
        """Asks the controller to lock (close the client, forget the keys)."""
        self._locking = True
        self.lockRequested.emit()

    def close_for_lock(self) -> None:
        """Closes the window without it counting as "quit" (the controller locks or quits)."""
        self._locking = True
        if self.settings_window is not None:
            self.settings_window.close()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Closing the window quits the app (the controller closes the client), or only hides
        it while :attr:`keep_running_in_tray` (Quit still quits)."""
        super().closeEvent(event)
        if self._locking:
            return
        if self.keep_running_in_tray and not self._quitting:
            self.hiddenToTray.emit()
            return
        self.closed.emit()
