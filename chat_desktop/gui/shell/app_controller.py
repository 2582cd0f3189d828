"""``AppController``: the app's states (create or link account → unlocked ⇄ locked) and their
windows.

Once the window shows, the controller runs the engine's housekeeping (the full database check
included) in the background; a damaged database is met with a non-blocking offer to restore
a snapshot, after which the app goes on with the restored client. When another device of the
account unlinks this one, the controller says so and offers to erase this computer's data.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog

from chat_desktop.gui.account.account_dialogs import (
    CreateAccountDialog,
    RecoveryKeyDialog,
    UnlockDialog,
)
from chat_desktop.gui.account.restore import RestoreOfferDialog
from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.common.notices import show_error, show_notice
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.common.theme import apply_theme
from chat_desktop.gui.common.translation import apply_language
from chat_desktop.services.account import ProfileNotErased
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import DatabaseCorrupt
from chat_desktop.services.telemetry import InvalidDsn, Telemetry, configured_dsn
from chat_desktop.services.types import Argon2Params

if TYPE_CHECKING:
    # Imported while the user types the password (see _preload), not at start.
    from chat_desktop.gui.calls.call_controller import CallController
    from chat_desktop.gui.settings.device_events import DeviceEvents, UnlinkedNotice
    from chat_desktop.gui.settings.window import SettingsWindow
    from chat_desktop.gui.shell.main_window import MainWindow
    from chat_desktop.gui.shell.notifications import NativeNotifier, NotificationCenter
    from chat_desktop.gui.shell.notifier import Notifier
    from chat_desktop.gui.shell.tray import TrayIcon

#: The modules of the unlocked window, loaded while the first dialog waits for the user.
MAIN_WINDOW_MODULES = (
    "chat_desktop.gui.shell.main_window",
    "chat_desktop.gui.shell.notifications",
    "chat_desktop.gui.shell.tray",
    "chat_desktop.gui.calls.call_controller",
)
#: Loaded once the window has painted (so that the first opening is quick), not before: the
#: settings window and its licence list are not needed to show the conversation.
AFTER_PAINT_MODULES = ("chat_desktop.gui.settings.window",)
#: The relay link starts this long after the window shows, so that the network stack loads
#: after the window's first paint (benchmarks/ui.py); sending works offline meanwhile.
CONNECT_DELAY_MS = 400

#: Lock after this long without keyboard or mouse input, until the account's setting is read.
DEFAULT_IDLE_LOCK_S = 15 * 60
#: How long after the window shows the background upkeep (database check, snapshot) starts.
HOUSEKEEPING_DELAY_MS = 1_500
#: The settings window's "Appearance" section (shown again after a language change).
APPEARANCE_SECTION = 2
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
        housekeepingDone(object): The background check after unlock ended (the error it
            raised, or None).
    """

    quitRequested = Signal()  # noqa: N815
    windowShown = Signal(object)  # noqa: N815
    housekeepingDone = Signal(object)  # noqa: N815

    def __init__(
        self,
        profile_dir: Path,
        default_relay_url: str,
        *,
        kdf_params: Argon2Params | None = None,
        telemetry: Telemetry | None = None,
        idle_lock_s: float | None = None,
        crash_report_dsn: str | None = None,
        notifier: Notifier | None = None,
        tray_available: bool | None = None,
    ) -> None:
        """Prepares the controller; :meth:`start` shows the first window.

        ``idle_lock_s`` overrides the account's "lock after" setting (the command line's
        ``--lock-after``); None follows the setting. ``notifier`` shows the notifications of
        incoming messages (default: the desktop's own service, the tray's bubble as a
        fallback). ``tray_available`` forces the tray icon on or off (None: where the
        desktop has a tray).
        """
        super().__init__()
        self.profile_dir = profile_dir
        self._default_relay_url = default_relay_url
        self._kdf_params = kdf_params
        self.client: ChatClient | None = None
        self.window: MainWindow | None = None
        self.dialog: QDialog | None = None
        self._bridge: EventBridge | None = None
        self.restore_dialog: RestoreOfferDialog | None = None
        #: The message that this computer was unlinked, while it is shown.
        self.unlinked_notice: UnlinkedNotice | None = None
        self._device_events: DeviceEvents | None = None
        #: The tray icon and the notifications, while a window is open.
        self.tray: TrayIcon | None = None
        self.notifications: NotificationCenter | None = None
        self._native_notifier: NativeNotifier | None = None
        #: The call windows of the unlocked account (ringing, in call), while a window is open.
        self.calls: CallController | None = None
        #: The caller's notifier, or None: the desktop's own, made with the first window.
        self._notifier: Notifier | None = notifier
        self._tray_available = tray_available
        #: The user's "keep running in the tray when the window is closed".
        self._close_to_tray = False
        self.telemetry = telemetry or Telemetry()
        #: Where crash reports go, if the user opts in: the build's or deployment's choice.
        self._crash_report_dsn = crash_report_dsn or configured_dsn()
        # Idle auto-lock: any key or mouse input restarts the countdown; 0 turns it off.
        self._idle_timer = QTimer(self)
        self._idle_timer.setSingleShot(True)
        self._idle_timer.timeout.connect(self._lock_when_idle)
        self._idle_lock_override_ms = None if idle_lock_s is None else int(idle_lock_s * 1000)
        self._idle_lock_ms = (
            int(DEFAULT_IDLE_LOCK_S * 1000)
            if self._idle_lock_override_ms is None
            else self._idle_lock_override_ms
        )
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def apply_appearance(self) -> None:
        """Applies the profile's theme, text size and language (readable before unlock)."""
        appearance = ChatClient.appearance(self.profile_dir)
        apply_language(appearance.language)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, appearance.theme, appearance.text_scale_percent)

    def start(self) -> None:
        """Shows the account-creation dialog on first run, else the unlock dialog."""
        self.apply_appearance()
        if ChatClient.profile_exists(self.profile_dir):
            self.show_unlock()
        else:
            self.show_sign_up()

    def show_sign_up(self) -> None:
        """Shows the first run's sign-up (which offers linking an existing account instead)."""
        dialog = CreateAccountDialog(
            self.profile_dir, self._default_relay_url, kdf_params=self._kdf_params
        )
        dialog.created.connect(self._on_created)
        dialog.linkRequested.connect(self.show_link)
        dialog.restoreRequested.connect(self.show_restore_backup)
        dialog.rejected.connect(self.quitRequested.emit)
        self._show_dialog(dialog)

    def show_restore_backup(self) -> None:
        """Shows the first run's "restore from a backup" (or back to sign-up)."""
        from chat_desktop.gui.account.restore_backup_dialog import RestoreBackupDialog

        dialog = RestoreBackupDialog(self.profile_dir, kdf_params=self._kdf_params)
        dialog.restored.connect(self._on_created)  # the new recovery key, then the window
        dialog.backRequested.connect(self.show_sign_up)
        dialog.rejected.connect(self.quitRequested.emit)
        self._show_dialog(dialog)

    def show_link(self) -> None:
        """Shows the first run's "link to an existing account" (or back to sign-up)."""
        from chat_desktop.gui.account.link_device import (
            LinkDeviceDialog,  # (its QR code: when used)
        )

        dialog = LinkDeviceDialog(
            self.profile_dir, self._default_relay_url, kdf_params=self._kdf_params
        )
        dialog.linked.connect(self._on_created)  # the same recovery key, then the window
        dialog.createRequested.connect(self.show_sign_up)
        dialog.rejected.connect(self.quitRequested.emit)
        self._show_dialog(dialog)

    def show_unlock(self) -> None:
        """Shows the unlock dialog."""
        dialog = UnlockDialog(self.profile_dir)
        dialog.unlocked.connect(lambda client: spawn(self._enter(client), "open account"))
        dialog.rejected.connect(self.quitRequested.emit)
        dialog.profileInUse.connect(self._quit_in_use)
        self._show_dialog(dialog)

    def _quit_in_use(self, text: str) -> None:
        """Another process has the profile: say so, then quit once the user read it."""
        box = show_notice(self.dialog, self.tr("chat_desktop is already running"), text)
        box.finished.connect(lambda _result: self.quitRequested.emit())

    def raise_window(self) -> None:
        """Brings the app's current window (main window or dialog) to the front."""
        target = self.window if self.window is not None else self.dialog
        if target is None:
            return
        if target.isMinimized():
            target.showNormal()
        target.show()
        target.raise_()
        target.activateWindow()

    def _show_dialog(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        QTimer.singleShot(0, lambda: _preload(MAIN_WINDOW_MODULES))

    def _on_created(self, client: ChatClient, recovery_key: str) -> None:
        dialog = RecoveryKeyDialog(recovery_key)
        dialog.accepted.connect(lambda: spawn(self._enter(client), "open account"))
        self._show_dialog(dialog)

    async def _enter(self, client: ChatClient) -> None:
        self.client = client
        self.dialog = None
        preferences = await client.preferences.load()
        if self._idle_lock_override_ms is None:
            self._idle_lock_ms = preferences.idle_lock_minutes * 60_000
        self._apply_crash_reports(await client.preferences.crash_reports())
        window = await self._open_window(client)
        window.show()
        # The relay link starts once the window is up: loading the network stack takes a
        # third of a second the user should not wait for (sending works offline meanwhile).
        QTimer.singleShot(CONNECT_DELAY_MS, lambda: self._connect(client))
        QTimer.singleShot(CONNECT_DELAY_MS, lambda: _preload(AFTER_PAINT_MODULES))
        self._restart_idle_countdown()
        self.windowShown.emit(window)
        # After the first page has painted: the full database check competes for the disk
        # and the CPU with the window's first page (benchmarks/ui.py).
        QTimer.singleShot(HOUSEKEEPING_DELAY_MS, lambda: self._start_housekeeping(client))

    def _connect(self, client: ChatClient) -> None:
        spawn(self._connect_now(client), "connect")

    async def _connect_now(self, client: ChatClient) -> None:
        # Checked when the task runs: the app may have locked (closed the client) meanwhile.
        if client is self.client:
            await client.connect()

    def _start_housekeeping(self, client: ChatClient) -> None:
        if client is self.client:  # not if the app locked (or restored) meanwhile
            spawn(self._housekeeping(client), "housekeeping")

    async def _open_window(self, client: ChatClient) -> MainWindow:
        """Builds the main window (and its event bridge) for ``client``, as the user left it."""
        from chat_desktop.gui.shell.main_window import MainWindow

        bridge = EventBridge(client.events)
        window = MainWindow(client, bridge)
        window.restore_state(await client.preferences.window_state())
        # Read before the window becomes ours: from here to its return nothing awaits, so no
        # one sees a half-wired window (the language switch reopens Settings right after).
        close_to_tray = (await client.preferences.load()).close_to_tray
        window.lockRequested.connect(lambda: spawn(self.lock(), "lock"))
        window.settingsOpened.connect(self._connect_settings)
        window.closed.connect(self.quitRequested.emit)
        self._bridge = bridge
        self.window = window
        self._open_tray_and_notifications(client, bridge, window)
        self._open_calls(client, window)
        self._keep_running_in_tray(client, window, close_to_tray)
        bridge.start()
        self._watch_devices(client)
        # Now, not after the list's usual 50 ms of coalescing: the first page is awaited.
        spawn(window.refresh_conversations_now(), "list conversations")
        return window

    # ---- this device unlinked ---------------------------------------------------------------

    def _watch_devices(self, client: ChatClient) -> None:
        """Listens for this device being unlinked (and says so if it already was)."""
        from chat_desktop.gui.settings.device_events import DeviceEvents, DeviceNotices

        watcher = DeviceEvents(client.events, self)
        watcher.deviceUnlinked.connect(self._on_unlinked)
        # A new device, a removed one listed again, a failed history import: told (§6.11).
        notifier = self._notifier or self._native_notifier
        DeviceNotices(watcher, self.window, notifier, raise_window=self.raise_window)
        self._device_events = watcher
        if client.devices.unlinked:  # announced before this window listened
            self._on_unlinked()

    def _stop_watching_devices(self) -> None:
        watcher, self._device_events = self._device_events, None
        if watcher is not None:
            watcher.stop()
            watcher.deleteLater()

    def _on_unlinked(self) -> None:
        """Says that this computer left the account; offers to erase its data."""
        client = self.client
        if client is None or self.unlinked_notice is not None:
            return
        from chat_desktop.gui.settings.device_events import UnlinkedNotice

        box = UnlinkedNotice(client.username, self.window)
        box.buttonClicked.connect(
            lambda button: (
                spawn(self.erase_unlinked(), "erase unlinked profile")
                if button is box.erase_button
                else None
            )
        )
        box.finished.connect(lambda _result: self._forget_unlinked_notice(box))
        self.unlinked_notice = box
        box.open()

    def _forget_unlinked_notice(self, box: UnlinkedNotice) -> None:
        if self.unlinked_notice is box:
            self.unlinked_notice = None

    async def erase_unlinked(self) -> None:
        """Erases the unlinked account's profile on this computer, then starts over."""
        client, self.client = self.client, None
        await self._close_window()
        try:
            if client is not None:
                await client.account.erase_this_device()
            else:
                await asyncio.to_thread(shutil.rmtree, self.profile_dir)
        except (ProfileNotErased, OSError) as error:
            logger.warning("erasing the unlinked profile failed: %s", type(error).__name__)
            self.start()
            show_notice(
                self.dialog,
                self.tr("Not everything was erased"),
                self.tr(
                    "Some files of this computer's profile folder stayed behind: delete the "
                    "folder by hand."
                ),
            )
            return
        self.start()

    def _open_tray_and_notifications(
        self, client: ChatClient, bridge: EventBridge, window: MainWindow
    ) -> None:
        """The tray icon (unread total, Show / Lock / Quit) and the notifications."""
        from chat_desktop.gui.shell.notifications import NativeNotifier, NotificationCenter
        from chat_desktop.gui.shell.tray import TrayIcon

        if self._notifier is None and self._native_notifier is None:
            self._native_notifier = NativeNotifier()
        notifier = self._notifier or self._native_notifier
        assert notifier is not None
        tray = TrayIcon(self, available=self._tray_available)
        tray.showRequested.connect(self.raise_window)
        tray.lockRequested.connect(window.lock)
        tray.quitRequested.connect(window.quit)
        window.unreadTotalChanged.connect(tray.set_unread_count)
        self.tray = tray
        if self._native_notifier is not None:
            self._native_notifier.fallback = tray.show_message
        self.notifications = NotificationCenter(
            client, bridge, window, notifier, raise_window=self.raise_window, parent=self
        )

    def _open_calls(self, client: ChatClient, window: MainWindow) -> None:
        """The call windows, the header's call buttons, and calls on this computer's real
        microphone, speakers and camera (a test may have given the client its own media)."""
        from chat_desktop.gui.calls.call_controller import CallController

        calls = CallController(
            client, window, self._notifier or self._native_notifier, self.raise_window
        )
        header = window.conversation_view.header
        header.callRequested.connect(
            lambda video: (
                calls.start_call(window.conversation_view.peer, video)
                if window.conversation_view.peer
                else None
            )
        )
        if client.calls.media_factory is None:
            client.calls.media_factory = calls.device_media
        self.calls = calls

    def _keep_running_in_tray(self, client: ChatClient, window: MainWindow, wanted: bool) -> None:
        """Closing the window hides it where a tray shows the app and the user wants that;
        the first time, a notification says the app is still running."""
        self._apply_close_to_tray(wanted)
        window.hiddenToTray.connect(lambda: spawn(self._say_still_in_tray(client), "tray note"))

    def _apply_close_to_tray(self, wanted: bool | None = None) -> None:
        if wanted is not None:
            self._close_to_tray = wanted
        if self.window is not None:
            tray = self.tray is not None and self.tray.available
            self.window.keep_running_in_tray = tray and self._close_to_tray

    async def _say_still_in_tray(self, client: ChatClient) -> None:
        """Tells once per profile that closing the window left the app running."""
        from chat_desktop.gui.common.translation import APP_NAME
        from chat_desktop.services.told_once import STILL_IN_TRAY

        notifier = self._notifier or self._native_notifier
        if notifier is None or not await client.preferences.tell_once(STILL_IN_TRAY):
            return
        text = self.tr(
            "chat_desktop is still running in the tray. To quit, choose Quit in its menu or "
            "press Ctrl+Q."
        )
        await notifier.notify(APP_NAME, text, self.raise_window)

    # ---- settings applied live -------------------------------------------------------------

    def _connect_settings(self, settings: SettingsWindow) -> None:
        settings.themeChanged.connect(lambda _theme: self.apply_appearance_now())
        settings.textScaleChanged.connect(lambda _percent: self.apply_appearance_now())
        settings.languageChanged.connect(
            lambda _language: spawn(self._change_language(), "change language")
        )
        settings.idleLockChanged.connect(self._set_idle_lock_minutes)
        settings.crashReportsChanged.connect(self._apply_crash_reports)
        settings.privacy_page.closeToTrayChanged.connect(self._apply_close_to_tray)
        settings.accountDeleted.connect(lambda: spawn(self._account_deleted(), "account deleted"))

    def apply_appearance_now(self) -> None:
        """Repaints with the theme and text size just chosen."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            appearance = ChatClient.appearance(self.profile_dir)
            apply_theme(app, appearance.theme, appearance.text_scale_percent)

    async def _change_language(self) -> None:
        """Switches the language: the open window is rebuilt in it, settings shown again."""
        client = self.client
        if client is None:
            return
        apply_language(ChatClient.appearance(self.profile_dir).language)
        await self._close_window()
        window = await self._open_window(client)
        window.show()
        window.show_settings(APPEARANCE_SECTION)
        self._restart_idle_countdown()
        self.windowShown.emit(window)

    def _set_idle_lock_minutes(self, minutes: int) -> None:
        if self._idle_lock_override_ms is not None:
            return  # the command line decided for this run
        self._idle_lock_ms = minutes * 60_000
        if self._idle_lock_ms > 0:
            self._restart_idle_countdown()
        else:
            self._idle_timer.stop()

    async def _account_deleted(self) -> None:
        """The account is gone (the client closed itself and erased the profile): start over."""
        self.client = None
        await self._close_window()
        self.start()

    async def _housekeeping(self, client: ChatClient) -> None:
        """Runs the engine's background upkeep; a damaged database brings the restore offer."""
        outcome: BaseException | None = None
        try:
            await client.housekeeping()
        except DatabaseCorrupt as error:
            outcome = error
            if client is self.client:
                self.offer_restore(error.snapshots)
        except Exception as error:  # the app goes on; the log has the type only
            outcome = error
            logger.warning("housekeeping failed: %s", type(error).__name__)
        self.housekeepingDone.emit(outcome)

    def offer_restore(self, snapshots: tuple[Path, ...]) -> None:
        """Shows the non-blocking offer to restore one of ``snapshots`` (newest first)."""
        dialog = RestoreOfferDialog(snapshots, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.restoreChosen.connect(
            lambda snapshot: spawn(self._restore(snapshot), "restore snapshot")
        )
        dialog.finished.connect(lambda _result: self._forget_restore_dialog(dialog))
        self.restore_dialog = dialog
        dialog.show()

    def _forget_restore_dialog(self, dialog: RestoreOfferDialog) -> None:
        if self.restore_dialog is dialog:
            self.restore_dialog = None

    async def _restore(self, snapshot: Path) -> None:
        """Swaps the damaged client for one on the restored snapshot and reopens the window."""
        client = self.client
        if client is None:
            return
        # Nothing more is written to the damaged store (not even the window state).
        self.client = None
        await self._close_window()
        try:
            restored = await client.restore_snapshot(snapshot)
        except Exception as error:
            logger.warning("restoring a snapshot failed: %s", type(error).__name__)
            with contextlib.suppress(Exception):
                await client.close()
            self.show_unlock()
            show_error(self.dialog, error, self.tr("Could not restore the snapshot"))
            return
        await self._enter(restored)

    async def lock(self) -> None:
        """Closes the client (dropping its keys) and goes back to the unlock dialog."""
        await self.shutdown()
        self.show_unlock()

    def _apply_crash_reports(self, enabled: bool) -> None:
        """Turns crash reports on or off as the user chose (off unless they opted in).

        They go to the build's or deployment's DSN; with none configured, nothing is sent.
        """
        dsn = self._crash_report_dsn
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
        await self._close_window()
        client, self.client = self.client, None
        if client is not None:
            await client.close()

    async def _close_window(self) -> None:
        """Closes the window and its event bridge, leaving the client open."""
        self._idle_timer.stop()
        self._stop_watching_devices()
        notice, self.unlinked_notice = self.unlinked_notice, None
        if notice is not None:
            notice.close()
        self.telemetry.disable()  # a locked app reports nothing
        restore_dialog, self.restore_dialog = self.restore_dialog, None
        if restore_dialog is not None:
            restore_dialog.close()
        calls, self.calls = self.calls, None
        if calls is not None:
            calls.stop()
            calls.deleteLater()
        notifications, self.notifications = self.notifications, None
        if notifications is not None:
            notifications.stop()
            notifications.deleteLater()
        tray, self.tray = self.tray, None
        if tray is not None:
            if self._native_notifier is not None:
                self._native_notifier.fallback = None
            tray.dispose()
        window, self.window = self.window, None
        if window is not None:
            if self.client is not None:
                try:  # size, split, open conversation and draft come back at the next unlock
                    await window.save_draft_now()
                    await self.client.preferences.set_window_state(window.current_state())
                except Exception as error:  # a damaged store must not keep the app open
                    logger.warning("the window state was not saved: %s", type(error).__name__)
            window.close_for_lock()
            window.deleteLater()
        bridge, self._bridge = self._bridge, None
        if bridge is not None:
            await bridge.stop()


def _preload(modules: tuple[str, ...]) -> None:
    """Imports ``modules`` before they are needed: the unlocked window's while a dialog waits
    for the user (typing a password takes seconds; these imports take a third of one), so
    unlocking shows the window sooner. Already imported modules cost nothing."""
    for name in modules:
        importlib.import_module(name)
    gc.freeze()  # they live as long as the process: see chat_desktop.app.freeze_imported_objects
