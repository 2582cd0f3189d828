"""The sweeper: deletes what may no longer be kept, on a timer.

Envelopes and blobs past their ``expires_at`` (disappearing messages), anything older than
the retention period, dedupe records and connect nonces that expired. Queries already skip
expired rows, so the sweeper is about freeing storage, not about correctness.

Every relay process runs one. On a store shared by several processes (PostgreSQL) the
store's :meth:`~chat_desktop.relay.store.RelayStore.sweep` takes a try-lock (an advisory
lock): while one process sweeps, the others' sweeps return an empty result, and each
expired row is deleted, and its blob named for deletion, by exactly one of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from chat_desktop.relay.blob_storage import BlobStorage
from chat_desktop.relay.logs import log_event, log_exception
from chat_desktop.relay.store import RelayStore, SweepResult


async def sweep_once(
    store: RelayStore, blobs: BlobStorage, now_ms: int, retention_ms: int
) -> SweepResult:
    """Runs one sweep: rows first, so no request finds a row whose file is gone."""
    result = await store.sweep(now_ms, retention_ms)
    if result.blob_ids:
        await blobs.delete(list(result.blob_ids))
    if result.envelopes or result.blob_ids:
        log_event("swept", envelopes=result.envelopes, blobs=len(result.blob_ids))
    return result


async def run_sweeper(
    store: RelayStore,
    blobs: BlobStorage,
    interval_s: float,
    retention_ms: int,
    clock: Callable[[], int],
) -> None:
    """Sweeps every ``interval_s`` seconds until cancelled; a failed sweep is retried."""
    while True:
        try:
            await sweep_once(store, blobs, clock(), retention_ms)
        except Exception:
            log_exception("sweep_failed")
        await asyncio.sleep(interval_s)
