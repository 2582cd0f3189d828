"""Slow account work that a user can cancel up to its point of no return, and no later.

An Argon2id derivation cannot be interrupted, so "cancel" means: the caller stops waiting at
once and the result is thrown away. That is only honest while nothing has been written. Work
run by :func:`run_until_commit` passes a :class:`CommitGate` before it writes anything;
whichever comes first, the cancellation or the gate, decides the outcome:

- cancelled first: the work stops at the gate, nothing is applied, the caller gets
  ``CancelledError`` at once (the derivation still running finishes in the background and
  its result is dropped);
- gate first: the change is being written; the cancellation came too late, so the caller
  waits for the (quick) write and gets the result as if it had not cancelled, to tell the
  user what was applied.
"""

from __future__ import annotations

import asyncio
import enum
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Abandoned(Exception):
    """Raised at the gate in the worker thread: the caller cancelled, nothing is applied."""


class _State(enum.Enum):
    OPEN = "open"
    CANCELLED = "cancelled"
    COMMITTING = "committing"


class CommitGate:
    """Decides, once and for good, whether a cancellation or the commit came first."""

    def __init__(self) -> None:
        """An open gate: neither cancelled nor committing."""
        self._lock = threading.Lock()
        self._state = _State.OPEN

    def enter(self) -> None:
        """Called by the work right before it writes anything.

        Raises:
            Abandoned: The caller cancelled first; the work must stop without writing.
        """
        with self._lock:
            if self._state is _State.CANCELLED:
                raise Abandoned("cancelled before anything was written")
            self._state = _State.COMMITTING

    def cancel(self) -> bool:
        """Closes the gate; False if the work already passed it (the change goes through)."""
        with self._lock:
            if self._state is _State.COMMITTING:
                return False
            self._state = _State.CANCELLED
            return True


def _drop_outcome(future: asyncio.Future[Any]) -> None:
    # The caller cancelled: the outcome (a result, Abandoned, WrongPassword...) is unwanted,
    # but retrieving it keeps asyncio from logging "exception was never retrieved".
    if not future.cancelled():
        future.exception()


async def run_until_commit(work: Callable[[CommitGate], T]) -> T:
    """Runs ``work(gate)`` in a worker thread; cancelling discards it unless it passed the gate.

    Args:
        work: Does the slow part, calls ``gate.enter()``, then writes (briefly) and returns.

    Returns:
        What ``work`` returned, also when the caller was cancelled after the gate.

    Raises:
        asyncio.CancelledError: Cancelled before the gate; nothing was applied.
        Exception: What ``work`` raised.
    """
    gate = CommitGate()
    future = asyncio.ensure_future(asyncio.to_thread(work, gate))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        if gate.cancel():
            future.add_done_callback(_drop_outcome)
            future.cancel()  # a derivation already running finishes; one not started never runs
            raise
    # Too late to cancel: the change is being written; wait for it and report it.
    task = asyncio.current_task()
    while True:
        if task is not None:
            task.uncancel()
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            if future.cancelled() or task is None:
                raise
