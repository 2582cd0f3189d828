"""``AppController``: the app's states (create account → unlocked ⇄ locked) and their windows."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog

from chat_desktop.crypto.vault import Argon2Params
from chat_desktop.gui.account_dialogs import CreateAccountDialog, RecoveryKeyDialog, UnlockDialog
from chat_desktop.gui.event_bridge import EventBridge
from chat_desktop.gui.main_window import MainWindow
from chat_desktop.gui.tasks import spawn
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.vault_file import Vault
from chat_desktop.telemetry import InvalidDsn, Telemetry

#: Lock after this long without keyboard or mouse input (ARCHITECTURE: idle timeout).
DEFAULT_IDLE_LOCK_S = 15 * 60
_USER_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}

logger = logging.getLogger(__name__)


class AppController(QObject):
    """Shows the right window for the profile's state and owns the unlocked client.

    Signals:
        quitRequested(): The user closed the app (the caller stops the loop).
        windowShown(object): A main window was shown for a freshly unlocked client.
    """

    quitRequested = Signal()  # noqa: N815
    windowShown = Signal(object)  # noqa: N815

    def __init__(
        self,
        profile_dir: Path,
        default_relay_url: str,
        *,
        kdf_params: Argon2Params | None = None,
        telemetry: Telemetry | None = None,
        idle_lock_s: float = DEFAULT_IDLE_LOCK_S,
    ) -> None:
        """Prepares the controller; :meth:`start` shows the first window."""
        super().__init__()
        self.profile_dir = profile_dir
        self._default_relay_url = default_relay_url
        self._kdf_params = kdf_params
        self.client: ChatClient | None = None
        self.window: MainWindow | None = None
        self.dialog: QDialog | None = None
        self._bridge: EventBridge | None = None
        self.telemetry = telemetry or Telemetry()
        # Idle auto-lock: any key or mouse input restarts the countdown; 0 turns it off.
        self._idle_timer = QTimer(self)
        self._idle_timer.setSingleShot(True)
        self._idle_timer.timeout.connect(self._lock_when_idle)
        self._idle_lock_ms = int(idle_lock_s * 1000)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def start(self) -> None:
        """Shows the account-creation dialog on first run, else the unlock dialog."""
        if Vault.exists(self.profile_dir):
            self.show_unlock()
        else:
            dialog = CreateAccountDialog(
                self.profile_dir, self._default_relay_url, kdf_params=self._kdf_params
            )
            dialog.created.connect(self._on_created)
            dialog.rejected.connect(self.quitRequested.emit)
            self._show_dialog(dialog)

    def show_unlock(self) -> None:
        """Shows the unlock dialog."""
        dialog = UnlockDialog(self.profile_dir)
        dialog.unlocked.connect(lambda client: spawn(self._enter(client), "open account"))
        dialog.rejected.connect(self.quitRequested.emit)
        self._show_dialog(dialog)

    def _show_dialog(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _on_created(self, client: ChatClient, recovery_key: str) -> None:
        dialog = RecoveryKeyDialog(recovery_key)
        dialog.accepted.connect(lambda: spawn(self._enter(client), "open account"))
        self._show_dialog(dialog)

    async def _enter(self, client: ChatClient) -> None:
        self.client = client
        self.dialog = None
        bridge = EventBridge(client.events)
        window = MainWindow(client, bridge)
        window.lockRequested.connect(lambda: spawn(self.lock(), "lock"))
        window.crashReportsChanged.connect(self._apply_crash_reports)
        enabled, dsn = await client.crash_reports()
        self._apply_crash_reports(enabled, dsn or "")
        window.closed.connect(self.quitRequested.emit)
        self._bridge = bridge
        self.window = window
        bridge.start()
        await client.connect()
        window.refresh_conversations()
        window.show()
        self._restart_idle_countdown()
        self.windowShown.emit(window)

    async def lock(self) -> None:
        """Closes the client (dropping its keys) and goes back to the unlock dialog."""
        await self.shutdown()
        self.show_unlock()

    def _apply_crash_reports(self, enabled: bool, dsn: str) -> None:
        """Turns crash reports on or off as the user chose (off unless they opted in)."""
        if not (enabled and dsn):
            self.telemetry.disable()
            return
        try:
            self.telemetry.enable(dsn)
        except InvalidDsn:
            logger.warning("crash reports stay off: the configured DSN is not valid")
            self.telemetry.disable()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Restarts the idle countdown on user input (never consumes the event)."""
        if event.type() in _USER_INPUT and self.client is not None:
            self._restart_idle_countdown()
        return False

    def _restart_idle_countdown(self) -> None:
        if self._idle_lock_ms > 0 and self.client is not None:
            self._idle_timer.start(self._idle_lock_ms)

    def _lock_when_idle(self) -> None:
        if self.client is not None:
            spawn(self.lock(), "idle lock")

    async def shutdown(self) -> None:
        """Closes the window and the client, if any (on lock and on quit)."""
        self._idle_timer.stop()
        self.telemetry.disable()  # a locked app reports nothing
        window, self.window = self.window, None
        if window is not None:
            window.close_for_lock()
            window.deleteLater()
        bridge, self._bridge = self._bridge, None
        if bridge is not None:
            await bridge.stop()
        client, self.client = self.client, None
        if client is not None:
            await client.close()
