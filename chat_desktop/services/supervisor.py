"""Supervision of the engine's long-running tasks: a task that dies is logged, reported and
restarted, never silently gone.

The receiver, the outbox drain and its ack committer, the disappearing-message sweeper and the
key upkeep each run for as long as the account is open. If one of them dies of an unexpected
error (a bug, or a nested Qt event loop that re-entered asyncio), messages would silently stop
flowing. The supervisor logs the failure by its type only (an exception's text could quote
content), publishes :class:`EngineTaskRestarted`, and starts the task again after a growing
delay, so one failure never stops the engine for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from chat_desktop.services.events import EngineTaskRestarted, EventStream

logger = logging.getLogger(__name__)

#: First restart delay (s); doubled after each failure in a row, up to ``MAX_RESTART_DELAY_S``.
FIRST_RESTART_DELAY_S = 0.2
MAX_RESTART_DELAY_S = 30.0
#: A task that ran at least this long before failing starts again from the first delay.
HEALTHY_RUN_S = 60.0

#: While closing, a task that has not ended this long (s) after being cancelled is cancelled
#: again.
CANCEL_RETRY_S = 0.5

TaskFactory = Callable[[], Coroutine[Any, Any, None]]


class TaskSupervisor:
    """Runs named long-lived coroutines and restarts any that fails.

    Args:
        events: Where :class:`EngineTaskRestarted` is published.
    """

    def __init__(self, events: EventStream) -> None:
        self._events = events
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._closed = False

    def start(self, name: str, factory: TaskFactory) -> None:
        """Starts ``factory()`` under supervision as ``name`` (idempotent per name)."""
        if self._closed or name in self._tasks:
            return
        self._tasks[name] = asyncio.create_task(self._supervise(name, factory), name=name)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called (nothing starts or restarts then)."""
        return self._closed

    def running(self, name: str) -> bool:
        """Whether the task ``name`` is under supervision (running or waiting to restart)."""
        task = self._tasks.get(name)
        return task is not None and not task.done()

    async def _supervise(self, name: str, factory: TaskFactory) -> None:
        delay = FIRST_RESTART_DELAY_S
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await factory()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.error("engine task %s died (%s); restarting", name, type(error).__name__)
            else:
                return  # finished on its own (closing): nothing to restart
            if self.closed:
                return
            if loop.time() - started >= HEALTHY_RUN_S:
                delay = FIRST_RESTART_DELAY_S
            self._events.publish(EngineTaskRestarted(task=name))
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RESTART_DELAY_S)

    async def close(self) -> None:
        """Cancels every supervised task and waits for them to end."""
        self._closed = True
        tasks = list(self._tasks.values())
        # Cancel until each has ended: on Python 3.11 ``asyncio.wait_for`` swallows a
        # cancellation that lands as its inner wait completes, and a loop would go on.
        while pending := [task for task in tasks if not task.done()]:
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=CANCEL_RETRY_S)
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
