"""``MainWindow``: conversation list on the left, the open conversation on the right."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
)

from chat_desktop.gui.conversation_list import ConversationList
from chat_desktop.gui.conversation_view import ConversationView
from chat_desktop.gui.crash_reports import CrashReportsDialog
from chat_desktop.gui.event_bridge import EventBridge
from chat_desktop.gui.new_chat import NewChatDialog
from chat_desktop.gui.notices import show_error
from chat_desktop.gui.tasks import spawn
from chat_desktop.services.client import ChatClient, WindowState
from chat_desktop.storage.errors import StorageError
from chat_desktop.telemetry import configured_dsn

#: How long a short note stays in the status bar.
STATUS_NOTE_MS = 8_000
#: What the user reads when the engine restarted one of its background tasks.
TASK_RESTARTED_NOTE = "A background task of the app stopped unexpectedly and was restarted."

CONNECTION_TEXT = {
    "connecting": "● connecting…",
    "connected": "● connected",
    "disconnected": "● offline (messages wait in the outbox)",
}


class MainWindow(QMainWindow):
    """The chat window of one unlocked account.

    Signals:
        lockRequested(): The user chose "Lock" (the controller closes the client).
        crashReportsChanged(bool enabled): The user changed the crash-report choice
            (already saved; the controller applies it).
        closed(): The window was closed by the user (quit).
    """

    lockRequested = Signal()  # noqa: N815
    crashReportsChanged = Signal(bool)  # noqa: N815
    closed = Signal()

    def __init__(self, client: ChatClient, bridge: EventBridge) -> None:
        """Builds the window and connects it to ``bridge``'s signals."""
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"chat_desktop — {client.username}")
        self._client = client
        self._locking = False
        #: Opens a conversation at the first list refresh (as chat apps do): ``start_peer``'s
        #: (the one open when the window last closed) if it still exists, else the latest.
        self.open_latest_on_start = True
        self.start_peer: str | None = None
        self.conversation_list = ConversationList()
        self.conversation_list.account_label.setText(f"Signed in as <b>{client.username}</b>")
        self.conversation_view = ConversationView(client)
        self._placeholder = QLabel("Choose a conversation, or start a new chat.")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setObjectName("emptyPlaceholder")
        self._stack = QStackedWidget()
        self._stack.addWidget(self._placeholder)
        self._stack.addWidget(self.conversation_view)
        splitter = QSplitter()
        splitter.addWidget(self.conversation_list)
        splitter.addWidget(self._stack)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 760])
        self.splitter = splitter
        self.setCentralWidget(splitter)
        self.resize(1000, 680)

        lock = QAction("Lock", self)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.triggered.connect(self.lock)
        account_menu = self.menuBar().addMenu("&Account")
        account_menu.addAction(lock)
        keychain = QAction("Unlock with the system keychain", self)
        keychain.setCheckable(True)
        keychain.setChecked(ChatClient.keychain_unlock_enabled(client.store.paths.root))
        keychain.toggled.connect(lambda on: spawn(self._set_keychain(on), "keychain"))
        account_menu.addAction(keychain)
        self.keychain_action = keychain
        crash_reports = QAction("Crash reports…", self)
        crash_reports.triggered.connect(lambda: spawn(self._edit_crash_reports(), "crash reports"))
        account_menu.addAction(crash_reports)
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        account_menu.addAction(quit_action)
        self.lock_action = lock

        view = self.conversation_view
        bridge.messageReceived.connect(view.on_message_received)
        bridge.messageUndecryptable.connect(view.on_message_received)
        bridge.statusChanged.connect(view.on_status_changed)
        bridge.typingChanged.connect(view.on_typing_changed)
        bridge.presenceChanged.connect(view.on_presence_changed)
        bridge.identityKeyChanged.connect(view.on_identity_key_changed)
        bridge.messagesExpired.connect(view.on_messages_expired)
        bridge.timerChanged.connect(view.on_timer_changed)
        bridge.attachmentStored.connect(view.on_attachment_stored)
        bridge.messageRecovered.connect(view.on_message_recovered)
        bridge.connectionChanged.connect(self._show_connection)
        bridge.connectionChanged.connect(view.on_connection_changed)
        bridge.messageReceived.connect(self.refresh_conversations)
        bridge.messageUndecryptable.connect(self.refresh_conversations)
        bridge.messagesExpired.connect(self.refresh_conversations)
        view.conversationsChanged.connect(self.refresh_conversations)
        self.conversation_list.conversationSelected.connect(self.open_conversation)
        self.conversation_list.newChatClicked.connect(self.show_new_chat_dialog)
        bridge.engineTaskRestarted.connect(self._show_task_restarted)
        self.new_chat_dialog: NewChatDialog | None = None
        self.crash_reports_dialog: CrashReportsDialog | None = None
        self._show_connection("connected" if client.connected else "connecting")

    # ---- conversations ------------------------------------------------------------------------

    def refresh_conversations(self, *_args: object) -> None:
        """Reloads the conversation list (unread counts, order)."""
        spawn(self._refresh(), "list conversations")

    async def _refresh(self) -> None:
        conversations = await self._client.conversations()
        self.conversation_list.set_conversations(conversations, self.conversation_view.peer)
        if self.conversation_view.peer is None and conversations and self.open_latest_on_start:
            self.open_latest_on_start = False
            known = {c.peer_address or c.id for c in conversations}
            if self.start_peer is not None and self.start_peer in known:
                await self.open_conversation_now(self.start_peer)
            else:
                latest = conversations[0]
                await self.open_conversation_now(latest.peer_address or latest.id)

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
            open_peer=self.conversation_view.peer,
        )

    def open_conversation(self, peer: str) -> None:
        """Shows the conversation with ``peer`` (a new one if we never talked)."""
        spawn(self.open_conversation_now(peer), "open conversation", self._show_error)

    async def open_conversation_now(self, peer: str) -> None:
        """Awaitable :meth:`open_conversation` (tests, the demo)."""
        conversations = await self._client.conversations()
        timer = next((c.expire_timer for c in conversations if c.id == peer), 0)
        await self.conversation_view.open(peer, timer)
        self._stack.setCurrentWidget(self.conversation_view)
        self.conversation_list.set_conversations(conversations, peer)

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

    def _forget_new_chat_dialog(self, dialog: NewChatDialog) -> None:
        if self.new_chat_dialog is dialog:
            self.new_chat_dialog = None
        dialog.deleteLater()

    def _show_error(self, error: BaseException) -> None:
        show_error(self, error)

    def _show_task_restarted(self, _task: str) -> None:
        # The task's name is for the log; the user only needs to know it recovered.
        self.statusBar().showMessage(TASK_RESTARTED_NOTE, STATUS_NOTE_MS)

    def _show_connection(self, state: str) -> None:
        self.conversation_list.connection_label.setText(CONNECTION_TEXT.get(state, state))
        self.conversation_list.connection_label.setProperty("state", state)
        style = self.conversation_list.connection_label.style()
        style.unpolish(self.conversation_list.connection_label)
        style.polish(self.conversation_list.connection_label)

    # ---- lock / close ---------------------------------------------------------------------------

    async def _set_keychain(self, on: bool) -> None:
        try:
            await self._client.set_keychain_unlock(on)
        except StorageError as error:
            self.keychain_action.blockSignals(True)
            self.keychain_action.setChecked(not on)
            self.keychain_action.blockSignals(False)
            self._show_error(error)

    async def _edit_crash_reports(self) -> None:
        enabled = await self._client.crash_reports()
        dialog = CrashReportsDialog(enabled, configured_dsn() is not None, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: spawn(self._save_crash_reports(dialog.choice), "save choice")
        )
        self.crash_reports_dialog = dialog
        dialog.open()

    async def _save_crash_reports(self, enabled: bool) -> None:
        await self._client.set_crash_reports(enabled)
        self.crashReportsChanged.emit(enabled)

    def lock(self) -> None:
        """Asks the controller to lock (close the client, forget the keys)."""
        self._locking = True
        self.lockRequested.emit()

    def close_for_lock(self) -> None:
        """Closes the window without it counting as "quit" (the controller locks or quits)."""
        self._locking = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Closing the window quits the app (the controller closes the client)."""
        super().closeEvent(event)
        if not self._locking:
            self.closed.emit()
