"""Scrolling a million messages in the real window, measured; prints one JSON line (issue 22).

Figures, with their targets on this 2-core machine (issue 22):

- ``open_1m_vs_1k_ratio`` (≤ 1.5): from selecting the conversation in the list until its
  first page has been painted, on the 1,000,000-message profile (``open_1m_ms``) over the
  same on a 1,000-message profile (``open_1k_ms``, the baseline); medians of ``--repeats``
  opens each (after one unmeasured warm-up), switching from the short conversation.
- ``scroll_page_median_ms``, ``scroll_page_p99_ms`` (≤ 16), also ``_p50``, ``_p90``,
  ``_max``: one step pages the message list with its scroll bar's page action
  (``triggerAction(SliderPageStepSub)``, newest towards oldest, then ``SliderPageStepAdd``
  back: ``--steps`` in all, 3,000 by default). A step's time runs from ``triggerAction``
  to the first ``QEvent.Paint`` of the list's viewport that begins once the work the step
  set off is finished: the page coming in and its layout (``MessageListView.settling``:
  paging, the model's fetch, the check for images queued after a scroll, the re-align) and
  every coroutine the GUI spawned meanwhile (image decrypt-and-decode, thumbnail decode;
  ``chat_desktop.gui.common.tasks``). If the work ends without a paint of its own, the
  viewport is asked for one. A paint that sets off more work (a thumbnail to decode) does
  not end the step. Work for later steps (images decoded ahead of the viewport, the next
  page fetched ahead: the app's image_queue.py, page_ahead.py) is not the step's own: a step
  that needs it (a row on screen, a page at the edge) waits for it. ``step_kinds`` splits
  the steps: ``page_in`` (rows came in), ``image`` (a decoded image arrived), ``text``
  (neither), each with its count, p50 and p99; ``pages_at_once`` counts the pages that came
  in at once (fetched ahead), ``pages_waited`` those the list waited for;
  ``steps_ended_on_asked_paint`` counts the steps whose work ended after the app's last
  paint (the benchmark asked for the one that ended them).
- ``gui_stall_max_ms`` (≤ 50): a 5 ms precise ``QTimer`` on the GUI thread runs while the
  steps do; its longest gap minus 5 ms. ``gui_stalls_over_50ms`` counts the gaps over that.
- ``memory_growth_mb`` (≤ 50): the process's RSS (``VmRSS`` of ``/proc/self/status``) after
  the last step minus before the first (``rss_before_mb``, ``rss_after_mb``).
- ``rows_changed_height`` and ``anchor_jumps`` (both 0): after each step, every visible
  row's height (``visualRect``) is compared with the height it had when first seen (rows
  counted once; ``rows_seen`` rows were); and the message that was at the top before the
  step, if still visible, must have moved by exactly the page step of ``triggerAction``
  (the slider's position when the action fires, before the view reacts to it: later changes
  are the view's own, e.g. keeping its place while a page comes in above, even within
  ``triggerAction``; ``anchor_jump_examples`` shows the first few that did not).
- ``jump_900k_ms`` (≤ 100): ``MainWindow.open_message`` (what choosing a search result
  does) to the message 900,000 before the newest (``jump_back_messages``: 90 % of a smaller
  profile), from the newest page, until the first paint that begins with the message in
  view and the jump's work done has been drawn; median of ``--repeats``.
- ``search_1m_ms`` (≤ 150): the search panel (Ctrl+F) with "lantern orbit" (each word in
  1 % of the messages, both together only in a few spread over the whole history), from
  ``search_now`` (Enter) until its first result row has been painted; median of
  ``--repeats`` (``search_first_ms``: the first, colder one).

How: the app's real start path after the password, in this process, offscreen
(``QT_QPA_PLATFORM=offscreen``): ``AppController`` on the profile, the unlock dialog typed
into and "Unlock" clicked, the real ``MainWindow`` (sized 1100 × 800), the background
housekeeping awaited before anything is measured, auto-lock off (``--lock-after 0``). The
account's relay is stopped: the app runs offline. The profiles (benchmarks/scroll_profile.py:
10 % images stored encrypted at rest with real thumbnails, replies, reactions) are built
once and cached in ``~/.cache/chat_desktop-bench/`` (``build_s`` is 0 when cached;
``profile_mb``: the 1M profile's database and attachment files).
Wall time on a shared machine is noisy: ``loadavg_1min_at_start`` and ``_at_end`` say how
busy it was.

Run: ``.venv/bin/python benchmarks/scroll.py [--messages 1000000] [--steps 3000]
[--repeats 5]`` (about two minutes; the first run also builds the 1M profile, 1.5 more);
``--quick`` for a small trial (3,000 messages, 20 steps). Not run by CI;
tests/gui/test_scroll_benchmark.py runs :func:`run_benchmark` on a tiny profile.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractSlider, QApplication, QWidget
from scroll_profile import LONG_PEER, SEARCH_QUERY, SHORT_PEER, ScrollProfile, cached_profile
from ui import PASSWORD

from chat_desktop.gui.common import tasks
from chat_desktop.gui.conversation.message_model import IMAGE_ROLE

if TYPE_CHECKING:
    from chat_desktop.gui.conversation.message_view import MessageListView
    from chat_desktop.gui.shell.app_controller import AppController
    from chat_desktop.gui.shell.main_window import MainWindow

DEFAULT_MESSAGES = 1_000_000
BASELINE_MESSAGES = 1_000
DEFAULT_STEPS = 3_000
DEFAULT_REPEATS = 5
QUICK_MESSAGES = 3_000
QUICK_STEPS = 20
WINDOW_SIZE = (1100, 800)
TICK_MS = 5
STALL_MS = 50
#: A step, open, jump or search not done by then has hung: the run fails.
WAIT_TIMEOUT_S = 60.0
#: Unlocking and the background housekeeping (a million messages' pages checked, a snapshot).
START_TIMEOUT_S = 600.0
#: The account's relay, never reached (the profile's own is stopped): the app runs offline.
OFFLINE_RELAY = "http://127.0.0.1:9"
DEFAULT_CACHE = Path.home() / ".cache" / "chat_desktop-bench"
TARGETS = {
    "scroll_page_p99_ms": 16,
    "gui_stall_max_ms": 50,
    "memory_growth_mb": 50,
    "open_1m_vs_1k_ratio": 1.5,
    "jump_900k_ms": 100,
    "search_1m_ms": 150,
    "rows_changed_height": 0,
    "anchor_jumps": 0,
}


# ---- waiting for a paint after the work -----------------------------------------------------


class PaintWatch(QObject):
    """Reports the first paint of a widget that begins once its work is finished.

    ``ready`` says the awaited state is there (a row shown, a result listed); ``pending``
    says work is still running. While both allow it and no paint came, the widget is asked
    for one (the work may end without repainting). The time reported is when that paint
    began, or, with ``drawn``, one event-loop turn later (the paint has been drawn). A paint
    that leaves work pending behind it (it asked for a thumbnail) does not count.
    """

    def __init__(self, widget: QWidget) -> None:
        """Watches ``widget``'s paint events."""
        super().__init__(widget)
        self._widget = widget
        self._ready: Callable[[], bool] | None = None
        self._pending: Callable[[], bool] = _nothing
        self._done: Callable[[int], None] | None = None
        self._drawn = False
        self._painted_ns: int | None = None
        self._asked = False
        #: How many reports were of a paint this watch asked for (the work ended unpainted).
        self.asked_paints = 0
        self._poll = QTimer(self)
        self._poll.setTimerType(Qt.TimerType.PreciseTimer)
        self._poll.setInterval(1)
        self._poll.timeout.connect(self._ask_for_paint)
        widget.installEventFilter(self)

    def arm(
        self,
        ready: Callable[[], bool],
        pending: Callable[[], bool],
        done: Callable[[int], None],
        *,
        drawn: bool = False,
    ) -> None:
        """Calls ``done(perf_counter_ns)`` at the first paint after ``ready`` and no work."""
        self._ready, self._pending, self._done, self._drawn = ready, pending, done, drawn
        self._painted_ns = None
        self._asked = False
        self._poll.start()

    async def wait(
        self, ready: Callable[[], bool], pending: Callable[[], bool], *, drawn: bool = True
    ) -> int:
        """Awaitable :meth:`arm`: the ``perf_counter_ns`` of that paint."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.arm(ready, pending, future.set_result, drawn=drawn)
        try:
            return await asyncio.wait_for(future, WAIT_TIMEOUT_S)
        finally:
            self.disarm()

    def disarm(self) -> None:
        """Stops watching (nothing is reported)."""
        self._ready = self._done = None
        self._poll.stop()

    def _settled(self) -> bool:
        return self._ready is not None and self._ready() and not self._pending()

    def _ask_for_paint(self) -> None:
        if self._painted_ns is not None:
            return
        if not self._settled():
            self._asked = False
        elif not self._asked:
            self._asked = True
            self._widget.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Notes the time a paint begins once everything is done."""
        if (
            event.type() == QEvent.Type.Paint
            and self._painted_ns is None
            and watched is self._widget
            and self._settled()
        ):
            self._painted_ns = time.perf_counter_ns()
            QTimer.singleShot(0, self._confirm)
        return False

    def _confirm(self) -> None:
        """After the paint: reports it unless it set off more work."""
        painted, self._painted_ns = self._painted_ns, None
        done = self._done
        if painted is None or done is None:
            return
        if not self._settled():
            self._asked = False
            return
        self.asked_paints += self._asked
        self.disarm()
        done(time.perf_counter_ns() if self._drawn else painted)


def _nothing() -> bool:
    return False


def spawned_work() -> bool:
    """Whether a coroutine the GUI spawned (``gui.common.tasks.spawn``) is still running.

    The app spawns nothing long-lived (a list refresh, a page, a decode): once all of them
    are done, the GUI is idle.
    """
    return any(not future.done() for future in tasks._running)


# ---- the app on one profile -------------------------------------------------------------------


class AppSession:
    """The real app on a profile: controller, unlock dialog typed into, main window.

    ``async with AppSession(profile) as session`` unlocks, waits for the window and the
    background housekeeping, sizes the window; leaving shuts the app down (as at a lock).
    """

    def __init__(self, profile: ScrollProfile) -> None:
        """For ``profile`` (not started yet)."""
        self.profile = profile
        self.controller: AppController | None = None
        self._window: MainWindow | None = None

    @property
    def window(self) -> MainWindow:
        """The unlocked main window."""
        assert self._window is not None
        return self._window

    @property
    def view(self) -> MessageListView:
        """The message list."""
        return self.window.conversation_view.view

    async def __aenter__(self) -> AppSession:
        """Starts the app, types the password, waits for the window and the housekeeping."""
        from chat_desktop.gui.account.account_dialogs import UnlockDialog
        from chat_desktop.gui.shell.app_controller import AppController

        loop = asyncio.get_running_loop()
        shown: asyncio.Future[MainWindow] = loop.create_future()
        housekept: asyncio.Future[object] = loop.create_future()
        controller = AppController(self.profile.path, OFFLINE_RELAY, idle_lock_s=0)
        self.controller = controller
        controller.windowShown.connect(lambda window: _settle(shown, window))
        controller.housekeepingDone.connect(lambda outcome: _settle(housekept, outcome))
        controller.start()
        dialog = controller.dialog
        assert isinstance(dialog, UnlockDialog), dialog
        dialog.password_edit.setText(PASSWORD)
        dialog.unlock_button.click()
        self._window = await asyncio.wait_for(shown, START_TIMEOUT_S)
        outcome = await asyncio.wait_for(housekept, START_TIMEOUT_S)
        if outcome is not None:
            raise RuntimeError(f"the housekeeping failed: {outcome!r}")
        self.window.resize(*WINDOW_SIZE)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        """Shuts the app down (window state saved, client closed)."""
        controller, self.controller = self.controller, None
        if controller is None:
            return
        await controller.shutdown()
        if controller.dialog is not None:
            controller.dialog.close()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(controller)
        self._window = None

    def view_work(self) -> bool:
        """Whether the message list or a coroutine the GUI spawned is still working."""
        return self.view.settling or spawned_work()

    async def settle(self, ready: Callable[[], bool] = lambda: True) -> None:
        """Waits until ``ready``, the list's work done and a paint after it drawn."""
        await paint_watch_of(self.view).wait(ready, self.view_work)

    async def open_ms(self, peer: str) -> float:
        """Selects ``peer`` in the conversation list: ms until its first page is drawn."""
        window = self.window
        panel = window.conversation_list
        model = window.conversation_view.model
        row = panel.model.row_of(peer)
        assert row is not None, peer
        if window.open_peer == peer:  # selecting it again would open nothing
            return 0.0
        reset = [False]

        def on_reset() -> None:
            reset[0] = reset[0] or model.peer == peer

        model.windowReset.connect(on_reset)
        try:
            started = time.perf_counter_ns()
            panel.list.setCurrentIndex(panel.model.index(row))
            painted = await paint_watch_of(self.view).wait(
                lambda: reset[0] and model.rowCount() > 0, _nothing
            )
        finally:
            model.windowReset.disconnect(on_reset)
        await self.settle()
        return (painted - started) / 1e6


def paint_watch_of(view: MessageListView) -> PaintWatch:
    """The one :class:`PaintWatch` of a message list's viewport (made at the first call)."""
    viewport = view.viewport()
    watch = viewport.findChild(PaintWatch)
    return watch if isinstance(watch, PaintWatch) else PaintWatch(viewport)


def _settle(future: asyncio.Future[Any], value: object) -> None:
    if not future.done():
        future.set_result(value)


# ---- the steps --------------------------------------------------------------------------------


class Pager(QObject):
    """Pages the list up ``steps // 2`` times (fewer at the top), then as many times down.

    Each step: the top message and its place noted, the scroll bar's page action, the
    :class:`PaintWatch` armed; at its report the step's time is kept, the rows checked,
    and the next step queued.
    """

    def __init__(self, session: AppSession, steps: int) -> None:
        """Ready to page ``session``'s message list."""
        super().__init__()
        self._session = session
        self._view = session.view
        self._model = session.window.conversation_view.model
        self._watch = paint_watch_of(self._view)
        self._pending = session.view_work
        self._up = max(1, steps // 2)
        self._upwards_done = 0
        self._downwards_done = 0
        self._going_up = True
        self._finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._started_ns = 0
        self._delta = 0
        self._action_position: int | None = None
        self._bar = self._view.verticalScrollBar()
        self._bar.actionTriggered.connect(self._action_fired)
        self._anchor: Any = None
        self._page_in = False
        self._image = False
        self.samples: list[tuple[str, float]] = []
        self.heights: dict[str, int] = {}
        self.changed_height: set[str] = set()
        self.anchor_jumps = 0
        self.anchor_examples: list[dict[str, Any]] = []
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.setInterval(int(WAIT_TIMEOUT_S * 1000))
        self._timeout.timeout.connect(self._hung)
        self._model.rowsInserted.connect(self._rows_came)
        self._model.dataChanged.connect(self._data_changed)
        # A model that announces a decoded image without a dataChanged (issue 22's plan).
        self._image_ready = getattr(self._model, "imageReady", None)
        if self._image_ready is not None:
            self._image_ready.connect(self._image_came)

    async def run(self) -> None:
        """Runs every step; returns once the last has been painted."""
        QTimer.singleShot(0, self._next)
        try:
            await self._finished
        finally:
            self._timeout.stop()
            self._watch.disarm()
            self._model.rowsInserted.disconnect(self._rows_came)
            self._model.dataChanged.disconnect(self._data_changed)
            self._bar.actionTriggered.disconnect(self._action_fired)
            if self._image_ready is not None:
                self._image_ready.disconnect(self._image_came)

    def _rows_came(self, *_args: object) -> None:
        self._page_in = True

    def _action_fired(self, _action: int) -> None:
        """The page action's own move: the slider is there, the value not yet."""
        self._action_position = self._bar.sliderPosition()

    def _data_changed(self, _first: object, _last: object, roles: list[int]) -> None:
        if IMAGE_ROLE in roles:
            self._image = True

    def _image_came(self, *_args: object) -> None:
        self._image = True

    def _next(self) -> None:
        bar = self._view.verticalScrollBar()
        if self._going_up and (
            self._upwards_done >= self._up
            or (bar.value() == bar.minimum() and not self._model.has_older)
        ):
            self._going_up = False
        if not self._going_up and self._downwards_done >= self._upwards_done:
            _settle(self._finished, None)
            return
        action = (
            QAbstractSlider.SliderAction.SliderPageStepSub
            if self._going_up
            else QAbstractSlider.SliderAction.SliderPageStepAdd
        )
        self._anchor = self._view.top_anchor()
        self._page_in = self._image = False
        before = bar.value()
        self._timeout.start()
        self._started_ns = time.perf_counter_ns()
        bar.triggerAction(action)
        moved_to = self._action_position
        self._action_position = None
        self._delta = (bar.value() if moved_to is None else moved_to) - before
        self._watch.arm(lambda: True, self._pending, self._step_done)

    def _step_done(self, painted_ns: int) -> None:
        self._timeout.stop()
        kind = "page_in" if self._page_in else "image" if self._image else "text"
        self.samples.append((kind, (painted_ns - self._started_ns) / 1e6))
        if self._going_up:
            self._upwards_done += 1
        else:
            self._downwards_done += 1
        self._check_rows()
        QTimer.singleShot(0, self._next)

    def _check_rows(self) -> None:
        """Counts a moved top message and rows whose height changed since first seen."""
        view, model = self._view, self._model
        shown = view.viewport().rect()
        anchor = self._anchor
        if anchor is not None:
            row = model.row_of(anchor.message_id)
            if row is not None:
                rect = view.visualRect(model.index(row))
                expected = anchor.offset - self._delta
                if rect.intersects(shown) and rect.top() != expected:
                    self.anchor_jumps += 1
                    if len(self.anchor_examples) < 5:
                        self.anchor_examples.append(
                            {"step": len(self.samples), "expected": expected, "at": rect.top()}
                        )
        for row in view.visible_rows():
            message_id = model.message_at(row).id
            height = view.visualRect(model.index(row)).height()
            if self.heights.setdefault(message_id, height) != height:
                self.changed_height.add(message_id)

    def _hung(self) -> None:
        if not self._finished.done():
            self._finished.set_exception(
                TimeoutError(f"step {len(self.samples) + 1} not done in {WAIT_TIMEOUT_S} s")
            )


class StallClock(QObject):
    """A 5 ms precise timer on the GUI thread; keeps the gaps between its ticks (ms)."""

    def __init__(self) -> None:
        """Not ticking yet."""
        super().__init__()
        self.gaps: list[float] = []
        self._last = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        """Starts ticking."""
        self._last = time.perf_counter_ns()
        self._timer.start()

    def stop(self) -> None:
        """Stops ticking (the gap up to now counts)."""
        self._tick()
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter_ns()
        self.gaps.append((now - self._last) / 1e6)
        self._last = now


# ---- the measurements -------------------------------------------------------------------------


async def _opens_ms(session: AppSession, repeats: int) -> list[float]:
    """Selects the long conversation ``repeats`` times (after a warm-up), from the short one."""
    samples = []
    for number in range(repeats + 1):
        await session.open_ms(SHORT_PEER)
        took = await session.open_ms(LONG_PEER)
        if number:
            samples.append(took)
    return samples


async def _page(session: AppSession, steps: int, profile_to: Path | None = None) -> dict[str, Any]:
    """Pages up and back down; the step times, stalls, memory, heights and anchor jumps
    (with ``profile_to``: the GUI thread's profile while it pages, written there)."""
    session.view.show_newest()
    await session.settle(lambda: not session.window.conversation_view.model.has_newer)
    await asyncio.sleep(0.5)  # let the allocator and the caches settle before RSS is read
    pager = Pager(session, steps)
    asked_before = paint_watch_of(session.view).asked_paints
    at_once_before, waited_before = session.view.pages_at_once, session.view.pages_waited
    clock = StallClock()
    rss_before = _rss_mb()
    profiler = cProfile.Profile() if profile_to is not None else None
    clock.start()
    if profiler is not None:
        profiler.enable()
    try:
        await pager.run()
    finally:
        if profiler is not None:
            profiler.disable()
        clock.stop()
    if profiler is not None and profile_to is not None:
        profiler.dump_stats(str(profile_to))
    rss_after = _rss_mb()
    times = [took for _kind, took in pager.samples]
    stalls = [gap - TICK_MS for gap in clock.gaps]
    result: dict[str, Any] = {
        "steps": len(times),
        "scroll_page_median_ms": _round(statistics.median(times)),
        "scroll_page_p50_ms": _round(_percentile(times, 50)),
        "scroll_page_p90_ms": _round(_percentile(times, 90)),
        "scroll_page_p99_ms": _round(_percentile(times, 99)),
        "scroll_page_max_ms": _round(max(times)),
        "step_kinds": {
            kind: {
                "count": len(taken),
                "p50_ms": _round(_percentile(taken, 50)),
                "p99_ms": _round(_percentile(taken, 99)),
            }
            for kind in ("text", "image", "page_in")
            if (taken := [took for sample_kind, took in pager.samples if sample_kind == kind])
        },
        "gui_stall_max_ms": _round(max([0.0, *stalls])),
        "gui_stalls_over_50ms": sum(1 for stall in stalls if stall > STALL_MS),
        "memory_growth_mb": _round(rss_after - rss_before),
        "rss_before_mb": _round(rss_before),
        "rss_after_mb": _round(rss_after),
        "rows_seen": len(pager.heights),
        "rows_changed_height": len(pager.changed_height),
        "anchor_jumps": pager.anchor_jumps,
        "steps_ended_on_asked_paint": paint_watch_of(session.view).asked_paints - asked_before,
        "pages_at_once": session.view.pages_at_once - at_once_before,
        "pages_waited": session.view.pages_waited - waited_before,
    }
    if pager.anchor_examples:
        result["anchor_jump_examples"] = pager.anchor_examples
    return result


async def _jumps_ms(session: AppSession, repeats: int) -> list[float]:
    """From the newest page, jumps to the profile's jump target ``repeats`` times."""
    window, view = session.window, session.view
    model = window.conversation_view.model
    target = session.profile.jump_target
    shown = view.viewport()

    def target_in_view() -> bool:
        row = model.row_of(target)
        return row is not None and view.visualRect(model.index(row)).intersects(shown.rect())

    samples = []
    for _ in range(repeats):
        view.show_newest()
        await session.settle(lambda: not model.has_newer and model.row_of(target) is None)
        started = time.perf_counter_ns()
        window.open_message(LONG_PEER, target)
        painted = await paint_watch_of(view).wait(target_in_view, session.view_work)
        samples.append((painted - started) / 1e6)
        await session.settle()
    return samples


async def _searches_ms(session: AppSession, repeats: int) -> tuple[list[float], int]:
    """Searches :data:`SEARCH_QUERY` ``repeats`` times in the panel; times and hits."""
    window = session.window
    window.show_search()
    panel = window.search_panel
    assert panel is not None
    watch = PaintWatch(panel.results.viewport())
    samples = []
    try:
        for _ in range(repeats):
            panel.results.clear()
            await asyncio.sleep(0.05)
            panel.query_edit.setText(SEARCH_QUERY)
            started = time.perf_counter_ns()
            panel.search_now()  # what Enter does while the typing pause runs
            painted = await watch.wait(lambda: panel.results.count() > 0, spawned_work)
            samples.append((painted - started) / 1e6)
        hits = panel.results.count()
    finally:
        panel.reject()
    return samples, hits


async def run_benchmark(
    messages: int = DEFAULT_MESSAGES,
    steps: int = DEFAULT_STEPS,
    *,
    cache: Path = DEFAULT_CACHE,
    baseline_messages: int = BASELINE_MESSAGES,
    repeats: int = DEFAULT_REPEATS,
    profile_to: Path | None = None,
) -> dict[str, Any]:
    """Builds (or takes from ``cache``) both profiles, measures, returns the JSON's fields.

    Runs on the running qasync loop (the app's own, or a GUI test's). With ``profile_to``,
    the GUI thread is profiled (``cProfile``) while it pages and the statistics are written
    there (``pstats`` format; the profiler slows the steps: their figures are not the
    app's then).
    """
    result: dict[str, Any] = {
        "benchmark": "scroll",
        "messages": messages,
        "baseline_messages": baseline_messages,
        "loadavg_1min_at_start": round(os.getloadavg()[0], 2),
    }
    big = await cached_profile(cache, messages)
    small = await cached_profile(cache, baseline_messages)
    result["build_s"] = round(big.build_s + small.build_s, 1)
    result["profile_mb"] = _round(_folder_mb(big.path))
    async with AppSession(small) as session:
        small_opens = await _opens_ms(session, repeats)
    async with AppSession(big) as session:
        big_opens = await _opens_ms(session, repeats)
        result.update(await _page(session, steps, profile_to))
        jumps = await _jumps_ms(session, repeats)
        searches, hits = await _searches_ms(session, repeats)
    open_big, open_small = statistics.median(big_opens), statistics.median(small_opens)
    result.update(
        {
            "open_1m_vs_1k_ratio": _round(open_big / open_small),
            "open_1m_ms": _round(open_big),
            "open_1k_ms": _round(open_small),
            "open_1m_samples_ms": [_round(took) for took in big_opens],
            "open_1k_samples_ms": [_round(took) for took in small_opens],
            "jump_back_messages": big.jump_back,
            "jump_900k_ms": _round(statistics.median(jumps)),
            "jump_samples_ms": [_round(took) for took in jumps],
            "search_1m_ms": _round(statistics.median(searches)),
            "search_first_ms": _round(searches[0]),
            "search_samples_ms": [_round(took) for took in searches],
            "search_hits": hits,
            "targets": TARGETS,
            "loadavg_1min_at_end": round(os.getloadavg()[0], 2),
        }
    )
    return result


# ---- helpers ----------------------------------------------------------------------------------


def _percentile(values: list[float], percent: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def _round(value: float) -> float:
    return round(value, 2)


def _rss_mb() -> float:
    """This process's resident memory (``VmRSS``), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _folder_mb(folder: Path) -> float:
    """The profile's size, MiB: its database and attachments (not the app's snapshots)."""
    files = (path for path in folder.rglob("*") if "snapshots" not in path.parts)
    return sum(path.stat().st_size for path in files if path.is_file()) / 2**20


def main() -> None:
    """Parses the command line, runs the app's loop over :func:`run_benchmark`, prints."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="3,000 messages, 20 steps")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="write a cProfile of the GUI thread while it pages here (slows the steps)",
    )
    args = parser.parse_args()
    messages = args.messages or (QUICK_MESSAGES if args.quick else DEFAULT_MESSAGES)
    steps = args.steps or (QUICK_STEPS if args.quick else min(DEFAULT_STEPS, messages // 10))
    repeats = args.repeats or (2 if args.quick else DEFAULT_REPEATS)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    import qasync

    from chat_desktop.app import freeze_imported_objects, shorten_gil_turns
    from chat_desktop.gui.common.notices import install_nested_loop_guard

    freeze_imported_objects()  # as the app does at its start
    shorten_gil_turns()  # as the app does at its start
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    install_nested_loop_guard()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result = loop.run_until_complete(
            run_benchmark(
                messages, max(2, steps), cache=args.cache, repeats=repeats, profile_to=args.profile
            )
        )
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
