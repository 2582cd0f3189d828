"""When the relay lets CPython's cyclic garbage collector run: young passes often, full rarely.

With thousands of connections the relay holds hundreds of thousands of GC-tracked objects
(Engine.IO keeps several tasks, futures and timer handles per socket). CPython's default
schedule starts a full collection, which walks all of them, whenever enough objects have
survived the young passes: under a steady message rate that is every few seconds, each
pass taking most of a second while the event loop stands still (issue 25 measured 44-50 %
of the relay's CPU there, and found nothing to collect).

The policy here keeps the allocation-driven young collections (generations 0 and 1, cheap:
they only look at recent objects) with a higher generation-0 threshold, takes full
collections off that schedule (the generation-2 threshold is set out of reach), and runs
them on a timer instead, each logged with its duration. Objects alive at start-up (modules,
classes, configuration) are frozen so even those timed passes skip them.
"""

from __future__ import annotations

import asyncio
import gc
import time
from dataclasses import dataclass
from typing import Final

from chat_desktop.relay.logs import log_event

#: Allocations (minus deallocations) of tracked objects between two generation-0 passes;
#: CPython's default is 700, so a message's few hundred objects would trigger one each.
YOUNG_THRESHOLD: Final = 20_000
#: Generation-0 passes per generation-1 pass (CPython's default).
MIDDLE_THRESHOLD: Final = 10
#: Generation-1 passes before CPython would consider a full one: out of reach, so that
#: full collections only happen on :meth:`GcPolicy.run`'s timer.
NEVER: Final = 2**31 - 1
#: Seconds between two timed full collections.
DEFAULT_FULL_INTERVAL_S: Final = 600.0


@dataclass(frozen=True)
class FullCollection:
    """The outcome of one timed full collection."""

    collected: int
    seconds: float


class GcPolicy:
    """Installs the relay's collection schedule and runs its timed full collections."""

    def __init__(self, full_interval_s: float = DEFAULT_FULL_INTERVAL_S) -> None:
        """Prepares the policy; nothing changes before :meth:`install`.

        Args:
            full_interval_s: Seconds between two full collections (> 0).

        Raises:
            ValueError: The interval is not positive.
        """
        if not full_interval_s > 0:
            raise ValueError("the full-collection interval must be positive")
        self.full_interval_s = full_interval_s
        self._previous: tuple[int, int, int] | None = None

    def install(self) -> None:
        """Collects once, freezes what survives (start-up objects) and sets the thresholds.

        Call it when start-up is done (store open, handlers registered), before clients come.
        """
        self._previous = gc.get_threshold()
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, NEVER)
        log_event(
            "gc_policy",
            young_threshold=YOUNG_THRESHOLD,
            full_interval_s=self.full_interval_s,
            frozen=gc.get_freeze_count(),
        )

    def uninstall(self) -> None:
        """Restores CPython's thresholds and unfreezes (the relay stopped, e.g. in tests)."""
        if self._previous is not None:
            gc.set_threshold(*self._previous)
            self._previous = None
        gc.unfreeze()

    def collect_full(self) -> FullCollection:
        """Runs one full collection now and logs its duration."""
        started = time.perf_counter()
        collected = gc.collect(2)
        seconds = time.perf_counter() - started
        log_event("gc_full", collected=collected, duration_ms=round(seconds * 1000, 1))
        return FullCollection(collected=collected, seconds=seconds)

    async def run(self) -> None:
        """Runs a full collection every ``full_interval_s`` seconds until cancelled."""
        while True:
            await asyncio.sleep(self.full_interval_s)
            self.collect_full()
