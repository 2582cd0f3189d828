"""Short background tasks of one client (a receipt to queue, a key upload), kept referenced.

asyncio keeps only weak references to tasks: one nobody holds can be collected mid-flight.
These are held here until they finish, and cancelled together when the client closes. The
long-lived loops (receiver, sender, expiry, key upkeep) run under the
:class:`~chat_desktop.services.supervisor.TaskSupervisor` instead, which restarts them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class BackgroundTasks:
    """The client's fire-and-forget tasks."""

    def __init__(self) -> None:
        """Starts with none."""
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Runs ``coroutine`` as a task held until it finishes."""
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def cancel_all(self) -> None:
        """Cancels every task still running (the client is closing)."""
        for task in list(self._tasks):
            task.cancel()
