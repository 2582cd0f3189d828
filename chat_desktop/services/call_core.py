"""What every part of the call service shares: the one current call and its machinery.

``client.calls`` is split by job (placing a call, the peer's signals, the peer connection,
the end); each part works on one :class:`CallCore`, so they all see the same current call,
take the same lock (one change to the call at a time, in arrival order) and keep their
background tasks in one place, which the client's close cancels.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine

from chat_desktop.services.call_errors import UnknownCall
from chat_desktop.services.call_media import CallDeviceError, CallMedia, MediaFactory
from chat_desktop.services.call_signaling import CallSender
from chat_desktop.services.call_state import ActiveCall
from chat_desktop.services.context import EngineContext
from chat_desktop.services.events import CallStateChanged
from chat_desktop.services.sending import OutboxSender

logger = logging.getLogger(__name__)

#: How long an unanswered offer rings, in seconds.
RING_TIMEOUT_S = 60.0
#: How long hangups and answers may wait on the relay (ms).
SIGNAL_TTL_MS = 60_000
#: Call ids remembered to ignore a replayed offer.
_SEEN_CALLS = 256


class CallCore:
    """The current call, the lock guarding it, the service's tasks and its settings.

    Attributes:
        context: The engine's context (store worker, relay link, events).
        signals: Sends call contents to the peer now (never queued).
        media_factory: Makes one call's media (None: no devices, calls refuse to start).
        ring_timeout_s: How long an offer rings (tests shorten it).
        remote_sdp_hook: Test hook: rewrites every SDP received before it is used.
        call: The call going on on this device, or None.
        seen: Recent offers' call ids (a replayed offer rings once).
        lock: Held by every change to the call.
    """

    def __init__(self, context: EngineContext, sender: OutboxSender) -> None:
        """Built by the call service; sends call contents through ``sender``'s sessions."""
        self.context = context
        self.signals = CallSender(context, sender)
        self.media_factory: MediaFactory | None = None
        self.ring_timeout_s = RING_TIMEOUT_S
        self.remote_sdp_hook: Callable[[str], str] | None = None
        self.call: ActiveCall | None = None
        self.seen: deque[str] = deque(maxlen=_SEEN_CALLS)
        self.lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def current(self, call_id: str) -> ActiveCall:
        """The current call if it is ``call_id``.

        Raises:
            UnknownCall: It is not (it ended, or never was).
        """
        call = self.call
        if call is None or call.call_id != call_id:
            raise UnknownCall()
        return call

    def make_media(self, video: bool) -> CallMedia:
        """A new call's media from the factory (the microphone, and the camera if ``video``).

        Raises:
            CallDeviceError: No factory (no devices), or the device is missing or busy.
        """
        if self.media_factory is None:
            raise CallDeviceError("microphone", "missing")
        return self.media_factory(video)

    def remote(self, sdp: str) -> str:
        """A received SDP as it is used (passed through the test hook, if any)."""
        hook = self.remote_sdp_hook
        return sdp if hook is None else hook(sdp)

    def ring_ttl_ms(self) -> int:
        """How long an offer may wait on the relay: as long as it rings."""
        return int(self.ring_timeout_s * 1000)

    def publish_state(self, call: ActiveCall) -> None:
        """Tells the GUI where ``call`` stands now."""
        self.context.events.publish(CallStateChanged(info=call.info()))

    def cancel_timer(self, call: ActiveCall) -> None:
        """Stops ``call``'s ring timer (unless it is the task running this)."""
        timer, call.timer = call.timer, None
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()

    def spawn(self, coroutine: Coroutine[object, object, None]) -> asyncio.Task[None]:
        """Runs ``coroutine`` as a task the service keeps (and cancels at close)."""
        task = asyncio.get_running_loop().create_task(_guarded(coroutine))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # A task cancelled before its first step never started ``coroutine``: close it.
        task.add_done_callback(lambda _task: coroutine.close())
        return task

    async def cancel_tasks(self) -> None:
        """Cancels every task the service keeps and waits for them (the client closes)."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _guarded(coroutine: Coroutine[object, object, None]) -> None:
    """A call task's failure is logged (its type only), never left unretrieved."""
    try:
        await coroutine
    except asyncio.CancelledError:
        raise
    except Exception as error:
        logger.warning("a call task failed: %s", type(error).__name__)
