"""Desktop notifications of incoming messages: when, what they say, and how they are shown.

- :class:`NotificationPolicy` decides from an incoming message whether to notify and with
  which words: never for our own messages, timer notes, a muted conversation, or the
  conversation open in the active window; the content follows the user's privacy choice
  (``Preferences.notification_content``): ``full`` = sender and text ("Photo", a file
  name), ``sender`` = sender and "New message", ``none`` = no notification at all.
- :class:`~chat_desktop.gui.shell.notifier.Notifier` is what shows a notification;
  :class:`NativeNotifier` uses the desktop's own service through desktop-notifier (D-Bus on
  Linux, the Notification Center on macOS, WinRT on Windows) and falls back to the tray's
  bubble where that fails. With the user's "sound" on (``Preferences.notification_sound``)
  it asks the desktop for its message sound:
  the freedesktop ``sound-name`` hint ``message-new-instant`` (the sound theme's name for an
  instant message) on Linux, the system's default notification sound on Windows and macOS,
  and ``QApplication.beep()`` beside the tray's bubble, which has no sound of its own. Qt's
  ``QSoundEffect`` would play a file of ours, but QtMultimedia is not part of
  PySide6-Essentials; the desktop's own sound also follows the user's volume and
  do-not-disturb settings. Failures are
  logged by type only and never reach the user. On freedesktop desktops the title and body
  go out with ``&``, ``<`` and ``>`` escaped: their notification servers draw markup
  (``<b>``, ``<a href>``, ``<img src>``), and a peer's words must show as written.
- :class:`NotificationCenter` follows the engine's ``messageReceived`` for one unlocked
  window: a burst of messages is handled in one pass (one notification per conversation,
  for its latest message). Clicking a notification opens that conversation and raises the
  window.

Never is a message's text logged, here or by the notification library (its records are
reduced to their type before they reach any handler).
"""

from __future__ import annotations

import contextlib
import html
import logging
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
import shiboken6
from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QApplication

from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.common.translation import APP_NAME
from chat_desktop.gui.conversation_list.panel import message_preview
from chat_desktop.gui.shell.notifier import Notifier
from chat_desktop.services.client import ChatClient
from chat_desktop.services.types import NOTE_KINDS, Direction, Message

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier, Sound

    from chat_desktop.gui.shell.main_window import MainWindow

logger = logging.getLogger(__name__)

_CONTEXT = "Notifications"
#: Shows a notification another way (the tray's bubble); False when it could not.
Fallback = Callable[[str, str, Callable[[], None]], bool]
#: The library whose log records are reduced to their type (they would name the text).
_LIBRARY_LOGGER = "desktop_notifier"
#: The freedesktop sound theme's name for an incoming instant message.
FREEDESKTOP_MESSAGE_SOUND = "message-new-instant"


class Notice(msgspec.Struct, frozen=True):
    """A notification to show, decided by :class:`NotificationPolicy`.

    Attributes:
        peer: The conversation it opens when clicked.
        message_id: The message it is about.
        title: The first line (the sender).
        body: The text, or "New message" when the user keeps the text private.
    """

    peer: str
    message_id: str
    title: str
    body: str


class NotificationPolicy:
    """Decides whether an incoming message is announced, and with which words."""

    def decide(
        self,
        message: Message,
        *,
        muted: bool,
        open_peer: str | None,
        window_active: bool,
        content: str,
    ) -> Notice | None:
        """The notification for ``message``, or None when there should be none.

        Args:
            message: The stored message.
            muted: Its conversation is muted.
            open_peer: The conversation open in the window, if any.
            window_active: The window is the active one (the user sees the open chat).
            content: ``full``, ``sender`` or ``none`` (anything else counts as ``sender``).
        """
        peer = message.conversation_id
        if content == "none" or muted:
            return None
        if message.direction is Direction.OUTGOING or message.kind in NOTE_KINDS:
            return None
        if window_active and open_peer == peer:
            return None
        new_message = QCoreApplication.translate(_CONTEXT, "New message")
        body = message_preview(message) if content == "full" else new_message
        return Notice(
            peer=peer, message_id=message.id, title=message.sender, body=body or new_message
        )


class _TypeOnly(logging.Filter):
    """Reduces the notification library's records to their message and the error's type.

    Its debug records print the whole notification (title and text); its warnings carry
    a traceback. Neither reaches a handler as such.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return False
        error = record.exc_info[1] if record.exc_info else None
        kind = type(error).__name__ if error is not None else ""
        record.msg = f"{record.msg} ({kind})" if kind else str(record.msg)
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True


def _quiet_library_logs() -> None:
    """Puts :class:`_TypeOnly` on every logger of the notification library."""
    import desktop_notifier.backends.base  # noqa: F401 - imported for its loggers

    names = [
        name
        for name in list(logging.root.manager.loggerDict)
        if name == _LIBRARY_LOGGER or name.startswith(_LIBRARY_LOGGER + ".")
    ]
    for name in names:
        library_logger = logging.getLogger(name)
        if not any(isinstance(f, _TypeOnly) for f in library_logger.filters):
            library_logger.addFilter(_TypeOnly())


def as_plain_text(text: str) -> str:
    """``text`` as the desktop's notification service will show it literally.

    Freedesktop notification servers (Linux and the BSDs, through desktop-notifier or Qt's
    tray) read the body as markup, so ``&``, ``<`` and ``>`` are escaped there; Windows and
    macOS show plain text as it is.
    """
    if sys.platform in ("win32", "darwin"):
        return text
    return html.escape(text, quote=False)


def message_sound() -> Sound:
    """The desktop's sound for a new message: the freedesktop sound theme's
    ``message-new-instant`` on Linux and the BSDs, the system default elsewhere."""
    from desktop_notifier import DEFAULT_SOUND, Sound

    if sys.platform in ("win32", "darwin"):
        return DEFAULT_SOUND
    return Sound(name=FREEDESKTOP_MESSAGE_SOUND)


def _icons_dir() -> Path:
    return Path(str(resources.files("chat_desktop.gui") / "resources" / "icons"))


class NativeNotifier:
    """Notifications through the desktop's own service (desktop-notifier).

    Args:
        fallback: Shows a notification another way (the tray's bubble) when the desktop's
            service is missing or fails; may be set later (the tray comes with the window).
    """

    def __init__(self, fallback: Fallback | None = None) -> None:
        """Prepares the notifier; the desktop's service is contacted at the first one."""
        self.fallback = fallback
        self._notifier: DesktopNotifier | None = None

    def _backend(self) -> DesktopNotifier:
        if self._notifier is None:
            _quiet_library_logs()
            from desktop_notifier import DesktopNotifier, Icon

            icon = Icon(path=_icons_dir() / "chat-desktop-64.png")
            self._notifier = DesktopNotifier(app_name=APP_NAME, app_icon=icon)
            _quiet_library_logs()  # the backend's module is imported now too
        return self._notifier

    async def notify(
        self, title: str, body: str, on_clicked: Callable[[], None], *, sound: bool = False
    ) -> None:
        """Shows the notification natively, else through :attr:`fallback`; never raises.

        ``sound``: with the desktop's message sound (a beep beside the tray's bubble).
        """
        title, body = as_plain_text(title), as_plain_text(body)
        dispatched: list[bool] = []
        try:
            await self._backend().send(
                title=title,
                message=body,
                on_clicked=on_clicked,
                on_dispatched=lambda: dispatched.append(True),
                sound=message_sound() if sound else None,
            )
        except Exception as error:  # a notification must never break the app
            logger.warning("a desktop notification failed: %s", type(error).__name__)
        if dispatched:
            return
        shown = False
        if self.fallback is not None:
            try:
                shown = self.fallback(title, body, on_clicked)
            except Exception as error:
                logger.warning("the tray notification failed: %s", type(error).__name__)
        if shown and sound:
            QApplication.beep()  # the tray's bubble has no sound of its own
        if not shown:
            logger.info("no notification service is available")


async def announce_call(
    notifier: Notifier, client: ChatClient, name: str, video: bool, on_clicked: Callable[[], None]
) -> None:
    """Tells of an incoming call ("bob", "Incoming video call"), with the desktop's sound when
    the user wants sounds; none when the user turned notifications off (the ringing window
    still shows)."""
    preferences = await client.preferences.load()
    if preferences.notification_content == "none":
        return
    if video:
        body = QCoreApplication.translate("Notifications", "Incoming video call")
    else:
        body = QCoreApplication.translate("Notifications", "Incoming voice call")
    await notifier.notify(name, body, on_clicked, sound=preferences.notification_sound)


class NotificationCenter(QObject):
    """Announces the messages that arrive for one unlocked window.

    Args:
        client: The unlocked client (preferences, conversation flags, the messages).
        bridge: The window's event bridge.
        window: The main window (which conversation is open, whether it is active).
        notifier: What shows the notifications.
        raise_window: Brings the window to the front after a click (default: the window's
            own show / raise / activate).
        policy: The decision rules (default :class:`NotificationPolicy`).
    """

    def __init__(
        self,
        client: ChatClient,
        bridge: EventBridge,
        window: MainWindow,
        notifier: Notifier,
        *,
        raise_window: Callable[[], None] | None = None,
        policy: NotificationPolicy | None = None,
        parent: QObject | None = None,
    ) -> None:
        """Connects to ``bridge``'s incoming messages."""
        super().__init__(parent)
        self._client = client
        self._bridge = bridge
        self._window = window
        self._notifier = notifier
        self._raise_window = raise_window
        self._policy = policy or NotificationPolicy()
        self._pending: list[tuple[str, str]] = []
        self._draining = False
        self._stopped = False
        bridge.messageReceived.connect(self._on_received)

    def stop(self) -> None:
        """Stops announcing (the window closes); a later click does nothing."""
        self._stopped = True
        self._pending.clear()
        with contextlib.suppress(RuntimeError, TypeError):  # already gone with the bridge
            self._bridge.messageReceived.disconnect(self._on_received)

    def _on_received(self, peer: str, message_id: str, kind: str) -> None:
        if self._stopped or kind in NOTE_KINDS:
            return
        self._pending.append((peer, message_id))
        if not self._draining:
            self._draining = True
            spawn(self._drain(), "notify")

    async def _drain(self) -> None:
        """Handles what arrived, a burst at a time: the latest message of each conversation."""
        try:
            while self._pending and not self._stopped:
                batch, self._pending = self._pending, []
                latest = dict(batch)  # per peer, the last one wins
                await self._announce(latest)
        finally:
            self._draining = False

    def _window_state(self) -> tuple[str | None, bool]:
        window = self._window
        if not shiboken6.isValid(window):
            return None, False
        active = window.isActiveWindow() and not window.isMinimized() and window.isVisible()
        return window.open_peer, active

    async def _announce(self, latest: dict[str, str]) -> None:
        preferences = await self._client.preferences.load()
        content = preferences.notification_content
        sound = preferences.notification_sound
        if content == "none":
            return
        conversations = await self._client.conversations.list(500, include_archived=True)
        muted = {c.peer_address or c.id for c in conversations if c.muted}
        # A contact's profile name (its chat's title) names it; a group's message is titled
        # with the group and says who wrote it ("bob: …"), as Signal Desktop does.
        names = {c.peer_address: c.title for c in conversations if c.peer_address and c.title}
        groups = {c.id: c.title for c in conversations if c.id.startswith("g:") and c.title}
        for peer, message_id in latest.items():
            message = await self._client.messages.get(peer, message_id)
            if message is None or self._stopped:
                continue
            open_peer, active = self._window_state()
            notice = self._policy.decide(
                message,
                muted=peer in muted,
                open_peer=open_peer,
                window_active=active,
                content=content,
            )
            if notice is None:
                continue
            if notice.title in names and notice.title == peer:
                notice = msgspec.structs.replace(notice, title=names[peer])
            elif peer in groups:
                sender = names.get(notice.title, notice.title)
                notice = msgspec.structs.replace(
                    notice, title=groups[peer], body=f"{sender}: {notice.body}"
                )
            try:
                await self._notifier.notify(
                    notice.title, notice.body, self._click_handler(notice), sound=sound
                )
            except Exception as error:  # a notifier must not stop the announcements
                logger.warning("showing a notification failed: %s", type(error).__name__)

    def _click_handler(self, notice: Notice) -> Callable[[], None]:
        def clicked() -> None:
            self._clicked(notice)

        return clicked

    def _clicked(self, notice: Notice) -> None:
        """Opens the notification's conversation and brings the window to the front."""
        window = self._window
        if self._stopped or not shiboken6.isValid(window):
            return
        window.open_conversation(notice.peer)
        if self._raise_window is not None:
            self._raise_window()
            return
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()
