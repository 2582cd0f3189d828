"""Running ChatClient coroutines from Qt slots, on the qasync loop, without losing errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

_running: set[asyncio.Future[Any]] = set()


def spawn(
    coroutine: Coroutine[Any, Any, T],
    what: str,
    on_error: Callable[[BaseException], None] | None = None,
) -> asyncio.Future[T]:
    """Schedules ``coroutine`` on the running loop and keeps a reference until it ends.

    A failure is logged by its type and ``what`` only (never its message, which could hold
    content), then handed to ``on_error`` if given (to show the user something).

    Args:
        coroutine: The work, e.g. ``client.messages.send_text(peer, text)``.
        what: A short content-free label for the log ("send text").
        on_error: Called on the Qt thread with the exception, if the work failed.
    """
    future = asyncio.ensure_future(coroutine)
    _running.add(future)

    def finished(done: asyncio.Future[T]) -> None:
        _running.discard(done)
        if done.cancelled():
            return
        error = done.exception()
        if error is None:
            return
        logger.warning("%s failed: %s", what, type(error).__name__)
        if on_error is not None:
            on_error(error)

    future.add_done_callback(finished)
    return future
