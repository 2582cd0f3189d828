"""``chat-desktop --demo``: Alice and Bob in two real windows, end to end encrypted, one command.

Everything the demo needs lives in one fresh temporary folder: the real relay runs in this
process on 127.0.0.1 (a free port), Alice's and Bob's encrypted profiles are created with the
quickest key-derivation settings and a throw-away password, and each says hello to the other so
both conversations exist. Then two unlocked main windows open side by side (Alice left, Bob
right), each showing the other's conversation, exactly as the app shows an unlocked account.

Closing either window (or Ctrl+Q, or Ctrl+C / SIGTERM in the terminal) ends the demo: both
clients are closed, the relay stops and the temporary folder is removed. The demo has no idle
lock and never touches the system keychain; it shares nothing with the user's own profile.

This module belongs to the composition root (next to :mod:`chat_desktop.app`): it is the one
place, besides the headless :mod:`chat_desktop.demo`, where the relay and the GUI meet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Final

from PySide6.QtCore import QCoreApplication, QRect
from PySide6.QtGui import QGuiApplication

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.demo import DEMO_PASSWORD
from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import ClientEvent, MessageReceived

logger = logging.getLogger(__name__)

#: The two demo accounts, in window order (left, right).
USERS: Final = ("alice", "bob")
#: The first messages, so both conversations exist when the windows open.
GREETINGS: Final = (
    ("alice", "bob", "Hi Bob! This was encrypted on my device; the relay only sees ciphertext."),
    ("bob", "alice", "Hi Alice! Type below and watch it arrive in my window."),
)
#: Longest wait for the relay link or for a greeting to arrive before the demo gives up.
SETUP_TIMEOUT_S: Final = 30.0
#: The signals that end the demo cleanly instead of killing it mid-write.
QUIT_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)


class DemoError(Exception):
    """The demo could not start (the message says what to try; it holds no content or keys)."""


class DemoSession:
    """A running demo: the relay, the two clients and their windows, in one temporary folder.

    Build it with :meth:`start`; end it with :meth:`close` (idempotent), which also removes
    :attr:`root`. :attr:`quit_requested` is set when the user closes either window.

    Attributes:
        root: The temporary folder holding the relay's data and both profiles.
        relay: The in-process relay (``None`` until it started).
        clients: The unlocked clients by username (``"alice"``, ``"bob"``).
        windows: Their main windows by username.
        quit_requested: Set when a window was closed by the user (or :meth:`request_quit`).
    """

    def __init__(self, root: Path) -> None:
        """Prepares an empty session in ``root`` (a fresh folder it owns and will remove)."""
        self.root = root
        self.relay: RelayServer | None = None
        self.clients: dict[str, ChatClient] = {}
        self.windows: dict[str, MainWindow] = {}
        self.quit_requested = asyncio.Event()
        self._bridges: list[EventBridge] = []
        self._closed = False

    @classmethod
    async def start(
        cls,
        parent: Path | None = None,
        *,
        area: QRect | None = None,
        on_connected: Callable[[], None] | None = None,
    ) -> DemoSession:
        """Starts the relay, creates both accounts, exchanges greetings and shows the windows.

        Args:
            parent: Where to create the temporary folder (default: the system's temp folder).
            area: The screen area the two windows share (default: the available geometry of
                the primary screen).
            on_connected: Called once both clients are connected to the relay (the demo
                claims the quit signals back from the socket.io client there).

        Returns:
            The running session; the caller awaits :attr:`quit_requested`, then :meth:`close`.

        Raises:
            DemoError: The relay link or the first messages did not come up in time. Whatever
                was started is closed and the temporary folder removed before raising (also on
                cancellation).
        """
        root = Path(tempfile.mkdtemp(prefix="chat-desktop-demo-", dir=parent))
        session = cls(root)
        try:
            await session._start(area, on_connected)
        except BaseException:
            await session.close()
            raise
        return session

    async def _start(self, area: QRect | None, on_connected: Callable[[], None] | None) -> None:
        relay = RelayServer(RelayConfig(data_dir=self.root / "relay", host="127.0.0.1", port=0))
        self.relay = relay
        await relay.start()
        for name in USERS:
            client, _recovery_key = await ChatClient.create(
                self.root / name, relay.url, name, DEMO_PASSWORD, kdf_params=FLOOR_PARAMS
            )
            self.clients[name] = client
        # As AppController does on unlock: the bridge subscribes before anything can happen.
        for name, client in self.clients.items():
            bridge = EventBridge(client.events)
            self._bridges.append(bridge)
            self.windows[name] = self._build_window(client, bridge)
            bridge.start()
            await client.connect()
        for client in self.clients.values():
            await _within(client.wait_connected(SETUP_TIMEOUT_S), "reach the local relay")
        if on_connected is not None:
            on_connected()
        for sender, recipient, text in GREETINGS:
            await self._greet(sender, recipient, text)
        for window, peer in zip(self.windows.values(), reversed(USERS), strict=True):
            await window.open_conversation_now(peer)
            window.refresh_conversations()
            window.show()
        place_side_by_side(list(self.windows.values()), area or _primary_area())
        left = self.windows[USERS[0]]
        left.raise_()
        left.activateWindow()

    def _build_window(self, client: ChatClient, bridge: EventBridge) -> MainWindow:
        """The main window of one demo account: no lock, no keychain, closing it quits."""
        window = MainWindow(client, bridge)
        window.setWindowTitle(
            QCoreApplication.translate("Demo", "%1 — chat_desktop demo").replace(
                "%1", client.username
            )
        )
        window.open_latest_on_start = False  # the session opens the peer's conversation
        # Locking would close the client with no unlock dialog to come back to; the demo's
        # profiles are throw-away, so account settings (keychain, password, deletion) have
        # no purpose here either.
        for action in (window.lock_action, window.settings_action):
            action.setEnabled(False)
        window.closed.connect(self.request_quit)
        return window

    async def _greet(self, sender: str, recipient: str, text: str) -> None:
        """``sender`` writes to ``recipient`` and the demo waits until it arrived."""
        arrivals = self.clients[recipient].events.subscribe()
        try:
            await self.clients[sender].messages.send_text(recipient, text)
            await _within(_arrival(arrivals, sender), "deliver the first messages")
        finally:
            self.clients[recipient].events.unsubscribe(arrivals)

    def request_quit(self) -> None:
        """Asks the demo to end (a window closed, Ctrl+Q, or a signal)."""
        self.quit_requested.set()

    async def close(self) -> None:
        """Closes the windows and clients, stops the relay and removes :attr:`root`.

        Every step runs even if an earlier one failed (failures are logged by type only);
        the folder is removed last, once the profiles are locked and the relay's store closed.
        """
        if self._closed:
            return
        self._closed = True
        try:
            for window in self.windows.values():
                window.close_for_lock()  # not a "quit" signal: we are already quitting
                window.deleteLater()
            for bridge in self._bridges:
                await _quietly(bridge.stop(), "stopping an event bridge")
            for client in self.clients.values():
                await _quietly(client.close(), "closing a demo client")
            if self.relay is not None:
                await _quietly(self.relay.stop(), "stopping the demo relay")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


async def _arrival(queue: asyncio.Queue[ClientEvent], sender: str) -> None:
    """Returns once ``queue`` delivered a message from ``sender``."""
    while True:
        event = await queue.get()
        if isinstance(event, MessageReceived) and event.peer == sender:
            return


async def _within(step: Awaitable[None], what: str) -> None:
    """Awaits ``step`` for at most :data:`SETUP_TIMEOUT_S`, as a :class:`DemoError` if not."""
    try:
        async with asyncio.timeout(SETUP_TIMEOUT_S):
            await step
    except TimeoutError as error:
        raise DemoError(
            f"The demo could not {what} within {SETUP_TIMEOUT_S:.0f} s. Check that nothing "
            "blocks connections to 127.0.0.1 (a firewall or proxy setting), then try again."
        ) from error


async def _quietly(step: Awaitable[None], what: str) -> None:
    """Awaits a clean-up ``step``; a failure is logged (by type only) and does not stop the rest."""
    try:
        await step
    except Exception as error:
        logger.warning("%s failed: %s", what, type(error).__name__)


def _primary_area() -> QRect:
    """The available geometry of the primary screen (no taskbar or panels)."""
    screen = QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)


def place_side_by_side(windows: list[MainWindow], area: QRect) -> None:
    """Gives each of ``windows`` an equal strip of ``area`` (frames included), left to right.

    Call it once the windows are shown, so the window manager's frame sizes are known; a
    window whose minimum size is larger than its strip keeps its minimum size.
    """
    width = area.width() // max(1, len(windows))
    for index, window in enumerate(windows):
        frame = window.frameGeometry()
        inner = window.geometry()
        extra_width = frame.width() - inner.width()
        extra_height = frame.height() - inner.height()
        window.resize(width - extra_width, area.height() - extra_height)
        window.move(area.x() + index * width, area.y())


@contextlib.contextmanager
def _quit_on_signals(stop: asyncio.Event) -> Iterator[Callable[[], None]]:
    """Turns Ctrl+C (SIGINT) and SIGTERM into ``stop.set()`` while inside.

    The handlers go through the running loop (:meth:`asyncio.AbstractEventLoop.
    add_signal_handler`), which owns the process's signal wake-up socket; Qt watches that
    socket, so a signal is handled at once even while Qt sits idle. The socket.io client claims
    SIGINT for itself (disconnect, cancel every task, stop the loop) the first time one of its
    clients connects, so the caller claims the signals again, with the yielded function, as
    soon as the demo's clients are connected. On loops without signal support (Windows) the
    demo ends by closing a window only.
    """
    loop = asyncio.get_running_loop()

    def claim() -> None:
        for signum in QUIT_SIGNALS:
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)

    claim()
    try:
        yield claim
    finally:
        for signum in QUIT_SIGNALS:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(signum)


async def run_demo(parent: Path | None = None) -> None:
    """Runs the demo until a window is closed or Ctrl+C / SIGTERM arrives, then cleans up.

    Must run on the qasync loop of the main thread (signal handlers can only be set there).

    Args:
        parent: Where to create the temporary folder (default: the system's temp folder).

    Raises:
        DemoError: The demo could not start (nothing is left behind).
    """
    stop = asyncio.Event()
    with _quit_on_signals(stop) as claim_signals:
        starting = asyncio.ensure_future(DemoSession.start(parent, on_connected=claim_signals))
        if not await _unless_stopped(starting, stop):
            return  # a signal came first: the cancelled start removed what it had made
        session = starting.result()
        try:
            await _until_any(session.quit_requested, stop)
        finally:
            await session.close()


async def _unless_stopped(task: asyncio.Future[DemoSession], stop: asyncio.Event) -> bool:
    """Waits for ``task``; if ``stop`` is set first (or we are cancelled), cancels it.

    Returns:
        True if ``task`` ended by itself (with a result or an error), False if it was cancelled.
    """
    try:
        await _until_any(task, stop)
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return not task.cancelled()


async def _until_any(*waitables: asyncio.Event | asyncio.Future[DemoSession]) -> None:
    """Returns as soon as one of the events is set or one of the futures is done."""
    waits = [
        asyncio.ensure_future(w.wait()) if isinstance(w, asyncio.Event) else w for w in waitables
    ]
    own = [w for w, given in zip(waits, waitables, strict=True) if w is not given]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in own:
            wait.cancel()
