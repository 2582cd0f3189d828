"""``AppController``: the app's states (create account → unlocked ⇄ locked) and their windows."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from chat_desktop.crypto.vault import Argon2Params
from chat_desktop.gui.account_dialogs import CreateAccountDialog, RecoveryKeyDialog, UnlockDialog
from chat_desktop.gui.event_bridge import EventBridge
from chat_desktop.gui.main_window import MainWindow
from chat_desktop.gui.tasks import spawn
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.vault_file import Vault

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
        window.closed.connect(self.quitRequested.emit)
        self._bridge = bridge
        self.window = window
        bridge.start()
        await client.connect()
        window.refresh_conversations()
        window.show()
        self.windowShown.emit(window)

    async def lock(self) -> None:
        """Closes the client (dropping its keys) and goes back to the unlock dialog."""
        await self.shutdown()
        self.show_unlock()

    async def shutdown(self) -> None:
        """Closes the window and the client, if any (on lock and on quit)."""
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
