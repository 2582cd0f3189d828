"""The qasync loop of one GUI test, closed so that nothing of it outlives the test in Qt.

qasync's ``QEventLoop.close()`` only marks its timer object (``loop._timer``, a QObject that
runs every ``call_later`` as a Qt timer) as stopped: each timer still pending stays registered
with the GUI thread's event dispatcher until it fires. A network test leaves a hundred or so
(a cancelled ``asyncio.sleep`` or timeout of aiohttp, socket.io, aiortc, up to a minute away).
The closed loop is garbage inside reference cycles, so Python's collector frees it whenever a
collection runs, on whatever thread allocates then: often one of a later test's executor
threads (qasync's ``_QThreadWorker``). A QObject destroyed off its own thread cannot unregister
its timers ("QObject::~QObject: Timers cannot be stopped from another thread"), and the next
one fires into freed memory: a segfault inside ``QTimerInfoList::activateTimers``, in whichever
test happens to run then (seen in the accessibility walk and the demo after the calls tests).

:class:`GuiTestLoop` deletes the timer object when the loop closes, on the GUI thread, which
unregisters its timers there; afterwards nothing more may be scheduled on the loop, as with
asyncio's own loops.
"""

from __future__ import annotations

import asyncio
from typing import Any

import qasync
import shiboken6
from PySide6.QtWidgets import QApplication


class GuiTestLoop(qasync.QEventLoop):  # type: ignore[misc]
    """A ``qasync.QEventLoop`` whose :meth:`close` frees its Qt timers on the GUI thread."""

    def close(self) -> None:
        """Closes the loop, then deletes its timer object here (the thread that owns it)."""
        super().close()
        timer = self._timer
        if shiboken6.isValid(timer):
            shiboken6.delete(timer)

    def _add_callback(self, handle: asyncio.Handle, delay: float = 0) -> Any:
        """Schedules ``handle``; refused once the loop is closed (its timer object is gone)."""
        self._check_closed()
        return super()._add_callback(handle, delay)


def new_gui_loop() -> asyncio.AbstractEventLoop:
    """A :class:`GuiTestLoop` on the shared QApplication (made if there is none yet)."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # as in the app: closing a dialog must not quit
    return GuiTestLoop(app)
