"""``CallController``: the call windows of one unlocked account, driven by the engine's call
events.

It listens to ``client.events`` on a subscription of its own (like the device notices):

- ``CallIncoming`` opens the :class:`IncomingCallWindow` (it rings) and a desktop
  notification; accepting or declining goes to ``client.calls``.
- ``CallStateChanged`` opens the :class:`InCallWindow` once we ring someone or a call is
  answered here, and keeps it up to date (state, clock, mute, camera).
- ``CallEnded`` closes both, and says why when the user should know (busy, declined, no
  answer, failed, refused).

Starting a call (the header's buttons: :meth:`CallController.start_call`) and accepting one
may fail at once: a missing or busy device (``CallDeviceError``), a call already going on
(``CallBusy``), a contact one cannot call (``CallNotAllowed``); each is said in a message
box, in the user's language.

Video reaches the windows through :meth:`CallController.prepare`, which the app's media
factory calls for each call's media: frames are turned into pictures on the thread that
delivers them and posted to the GUI thread (:class:`FrameRouter`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox, QWidget

from chat_desktop.gui.calls.call_words import cannot_call_title, ended_notice, refusal_text
from chat_desktop.gui.calls.in_call_window import InCallWindow
from chat_desktop.gui.calls.incoming_window import IncomingCallWindow
from chat_desktop.gui.calls.video_view import frame_to_image
from chat_desktop.gui.common.notices import show_notice
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.services.events import (
    CallEnded,
    CallIncoming,
    CallInfo,
    CallStateChanged,
    ClientEvent,
)

if TYPE_CHECKING:
    import av

    from chat_desktop.gui.shell.notifier import Notifier
    from chat_desktop.services.call_media import CallMedia
    from chat_desktop.services.client import ChatClient

logger = logging.getLogger(__name__)

#: Reasons an ended call is worth a word only when we placed it (the callee knows already).
_CALLER_NOTICES = frozenset({"busy", "declined", "timeout"})
#: Reasons worth a word whoever called.
_ANY_NOTICES = frozenset({"failed", "refused", "device"})


class FrameRouter:
    """Carries converted frames from the media's threads to handlers on the GUI thread.

    Not a Qt signal: a signal emitted on another thread from a QObject the GUI thread may be
    deleting at that moment (the call ends, the account locks) is a crash. Frames go
    through the event loop, which outlives every window, and are dropped once
    :meth:`close` was called.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_remote: Callable[[QImage], None],
        on_local: Callable[[QImage], None],
    ) -> None:
        """Delivers on ``loop`` (the GUI thread's) to ``on_remote`` and ``on_local``."""
        self._loop = loop
        self._on_remote = on_remote
        self._on_local = on_local
        self._closed = False

    def remote(self, frame: av.VideoFrame) -> None:
        """On the frame's thread: converts it and posts it."""
        self._post(self._on_remote, frame)

    def local(self, frame: av.VideoFrame) -> None:
        """On the camera's thread: converts it and posts it."""
        self._post(self._on_local, frame)

    def close(self) -> None:
        """Drops every frame from now on (also those already posted)."""
        self._closed = True

    def _post(self, handler: Callable[[QImage], None], frame: av.VideoFrame) -> None:
        if self._closed:
            return
        image = frame_to_image(frame)
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody to show it to
            self._loop.call_soon_threadsafe(self._deliver, handler, image)

    def _deliver(self, handler: Callable[[QImage], None], image: QImage) -> None:
        if not self._closed:
            handler(image)


class CallController(QObject):
    """Opens, updates and closes the call windows of one client.

    Attributes:
        incoming_window: The ringing window, while one rings.
        call_window: The in-call window, while a call is on.
        last_notice: The last message box shown about a call (tests read it).
    """

    def __init__(
        self,
        client: ChatClient,
        parent_window: QWidget | None = None,
        notifier: Notifier | None = None,
        raise_window: Callable[[], None] | None = None,
    ) -> None:
        """Subscribes to ``client``'s events at once (nothing published later is missed)."""
        super().__init__()
        self._client = client
        self._parent_window = parent_window
        self._notifier = notifier
        self._raise_window = raise_window
        self.incoming_window: IncomingCallWindow | None = None
        self.call_window: InCallWindow | None = None
        self.last_notice: QMessageBox | None = None
        #: The devices chosen in Settings (microphone, speaker, camera; "" = default), read
        #: again before each call starts or is accepted.
        self.devices: tuple[str, str, str] = ("", "", "")
        self.frames = FrameRouter(asyncio.get_running_loop(), self._show_remote, self._show_local)
        self._queue: asyncio.Queue[ClientEvent] | None = client.events.subscribe()
        self._task: asyncio.Task[None] | None = asyncio.ensure_future(self._forward())
        # A call already going on (the window was rebuilt for a new language): shown again.
        ongoing = client.calls.current()
        if ongoing is not None and ongoing.state != "ended":
            if not ongoing.outgoing and ongoing.state == "ringing":
                again = CallIncoming(ongoing.call_id, ongoing.peer, ongoing.video)
                spawn(self._ring(again), "ring again")
            else:
                spawn(self._follow(ongoing), "show the call")

    # ---- the engine's events ----------------------------------------------------------------

    async def _forward(self) -> None:
        assert self._queue is not None
        while True:
            event = await self._queue.get()
            try:
                if isinstance(event, CallIncoming):
                    await self._ring(event)
                elif isinstance(event, CallStateChanged):
                    await self._follow(event.info)
                elif isinstance(event, CallEnded):
                    self._ended(event)
            except Exception:  # a broken window must not stop the forwarding
                logger.exception("handling a %s event failed", type(event).__name__)

    def stop(self) -> None:
        """Stops listening and closes the windows (the account locks; idempotent)."""
        queue, self._queue = self._queue, None
        if queue is not None:
            self._client.events.unsubscribe(queue)
        task, self._task = self._task, None
        if task is not None and not task.get_loop().is_closed():
            with contextlib.suppress(RuntimeError):
                task.cancel()
        self.frames.close()
        self._close_incoming()
        self._close_call_window()

    async def _name_of(self, peer: str) -> str:
        """The contact's profile name, else the username."""
        try:
            profile = await self._client.profile.of(peer)
        except Exception as error:  # a name is a nicety: the username will do
            logger.warning("reading a caller's profile failed: %s", type(error).__name__)
            return peer
        return profile.name or peer

    async def _ring(self, event: CallIncoming) -> None:
        if self.incoming_window is not None or self.call_window is not None:
            return  # the engine answers "busy" to a second call
        name = await self._name_of(event.peer)
        window = IncomingCallWindow(event.call_id, name, event.video)
        window.acceptRequested.connect(lambda video: self._accept(event.call_id, video))
        window.declineRequested.connect(lambda: self._decline(event.call_id))
        window.destroyed.connect(lambda: self._forget_incoming(window))
        self.incoming_window = window
        window.show()
        window.raise_()
        window.activateWindow()
        if self._notifier is not None:
            from chat_desktop.gui.shell.notifications import announce_call

            spawn(
                announce_call(self._notifier, self._client, name, event.video, self._show_incoming),
                "notify call",
            )

    def _show_incoming(self) -> None:
        """A click on the notification: the ringing window to the front."""
        window = self.incoming_window
        if window is not None and shiboken6.isValid(window):
            window.show()
            window.raise_()
            window.activateWindow()

    def _forget_incoming(self, window: IncomingCallWindow) -> None:
        if self.incoming_window is window:
            self.incoming_window = None

    async def _follow(self, info: CallInfo) -> None:
        if info.state == "ended":
            return
        window = self.call_window
        if window is not None and window.call_id == info.call_id:
            window.show_info(info)
            return
        if not info.outgoing and info.state == "ringing":
            return  # the ringing window shows it
        self._close_incoming()
        await self._open_call_window(info)

    async def _open_call_window(self, info: CallInfo) -> None:
        name = await self._name_of(info.peer)
        current = self.call_window
        if current is not None and current.call_id == info.call_id:
            return  # opened meanwhile
        latest = self._client.calls.current()
        if latest is None or latest.call_id != info.call_id:
            return  # over meanwhile
        self._close_call_window()
        window = InCallWindow(latest, name)
        call_id = info.call_id
        window.muteRequested.connect(
            lambda muted: spawn(self._client.calls.set_muted(call_id, muted), "mute")
        )
        window.cameraRequested.connect(
            lambda on: spawn(self._client.calls.set_camera(call_id, on), "camera")
        )
        window.hangUpRequested.connect(
            lambda: spawn(self._client.calls.hang_up(call_id), "hang up")
        )
        window.destroyed.connect(lambda: self._forget_call_window(window))
        self.call_window = window
        window.show()
        window.raise_()
        window.activateWindow()

    def _forget_call_window(self, window: InCallWindow) -> None:
        if self.call_window is window:
            self.call_window = None

    def _ended(self, event: CallEnded) -> None:
        incoming = self.incoming_window
        if incoming is not None and incoming.call_id == event.call_id:
            self._close_incoming()
        window = self.call_window
        if window is not None and window.call_id == event.call_id:
            self._close_call_window()
        wanted = event.reason in _ANY_NOTICES or (
            event.outgoing and event.reason in _CALLER_NOTICES
        )
        if wanted:
            spawn(self._say_ended(event), "call ended notice")

    async def _say_ended(self, event: CallEnded) -> None:
        text = ended_notice(event.reason, await self._name_of(event.peer))
        if text is not None:
            self.last_notice = show_notice(
                self._parent_window, self.tr("Call ended"), text, QMessageBox.Icon.Information
            )

    def _close_incoming(self) -> None:
        window, self.incoming_window = self.incoming_window, None
        if window is not None and shiboken6.isValid(window):
            window.dismiss()

    def _close_call_window(self) -> None:
        window, self.call_window = self.call_window, None
        if window is not None and shiboken6.isValid(window):
            window.end()

    # ---- the user's requests ----------------------------------------------------------------

    def start_call(self, peer: str, video: bool) -> None:
        """Calls ``peer`` (the header's buttons); a refusal is said in a message box."""
        spawn(self._start(peer, video), "start call", self._cannot_call)

    async def _read_devices(self) -> None:
        preferences = await self._client.preferences.load()
        self.devices = (
            preferences.call_microphone,
            preferences.call_speaker,
            preferences.call_camera,
        )

    def device_choice(self) -> tuple[str, str, str]:
        """The devices the next call's media opens (what the app's media factory reads)."""
        return self.devices

    def device_media(self, video: bool) -> CallMedia:
        """The app's ``client.calls.media_factory``: a call on this computer's devices, its
        video routed to the windows (PyAV and PortAudio load with the first call)."""
        from chat_desktop.services.call_devices import device_media_factory

        return device_media_factory(self.device_choice, self.prepare)(video)

    async def _start(self, peer: str, video: bool) -> None:
        await self._read_devices()
        await self._client.calls.start(peer, video=video)
        info = self._client.calls.current()
        if info is not None and info.state != "ended":
            await self._follow(info)

    def _accept(self, call_id: str, video: bool) -> None:
        self.incoming_window = None  # it closes itself; a refused accept rings again
        spawn(self._accept_now(call_id, video), "accept call", self._cannot_accept)

    async def _accept_now(self, call_id: str, video: bool) -> None:
        await self._read_devices()
        await self._client.calls.accept(call_id, video=video)
        info = self._client.calls.current()
        if info is not None and info.call_id == call_id and info.state != "ended":
            await self._follow(info)

    def _decline(self, call_id: str) -> None:
        spawn(self._decline_now(call_id), "decline call")

    async def _decline_now(self, call_id: str) -> None:
        from chat_desktop.services.call_errors import UnknownCall

        with contextlib.suppress(UnknownCall):  # it ended by itself meanwhile
            await self._client.calls.decline(call_id)

    def _cannot_call(self, error: BaseException) -> None:
        self.last_notice = show_notice(
            self._parent_window, cannot_call_title(), refusal_text(error)
        )

    def _cannot_accept(self, error: BaseException) -> None:
        """Accepting failed: say why; if the call still rings (a device), ring again."""
        self._cannot_call(error)
        info = self._client.calls.current()
        if info is not None and not info.outgoing and info.state == "ringing":
            spawn(self._ring(CallIncoming(info.call_id, info.peer, info.video)), "ring again")

    # ---- video ------------------------------------------------------------------------------

    def prepare(self, media: Any) -> None:
        """Points a new call media's video callbacks at the windows (any media that has
        them: the devices' and the test's)."""
        if hasattr(media, "on_remote_frame"):
            media.on_remote_frame = self.frames.remote
        if hasattr(media, "on_local_frame"):
            media.on_local_frame = self.frames.local

    def _show_remote(self, image: QImage) -> None:
        window = self.call_window
        if window is not None and shiboken6.isValid(window):
            window.remote_view.show_image(image)

    def _show_local(self, image: QImage) -> None:
        window = self.call_window
        if window is not None and shiboken6.isValid(window) and window.show_local_frame_allowed():
            window.local_view.show_image(image)
