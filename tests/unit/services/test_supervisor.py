"""The supervisor restarts a long-lived task that dies, reports it, and stops on close."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from chat_desktop.services.events import EngineTaskRestarted, EventStream
from chat_desktop.services.supervisor import TaskSupervisor

pytestmark = pytest.mark.unit


async def test_a_task_that_dies_is_restarted_and_reported() -> None:
    events = EventStream()
    queue = events.subscribe()
    supervisor = TaskSupervisor(events)
    runs: list[int] = []
    settled = asyncio.Event()

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) < 3:
            raise RuntimeError("Cannot enter into task while another task is being executed")
        settled.set()
        await asyncio.Event().wait()  # then runs for good

    supervisor.start("receiver", flaky)
    await asyncio.wait_for(settled.wait(), 10)
    assert len(runs) == 3
    reported = [queue.get_nowait() for _ in range(queue.qsize())]
    assert reported == [EngineTaskRestarted(task="receiver")] * 2
    assert supervisor.running("receiver")
    await supervisor.close()
    assert not supervisor.running("receiver")


async def test_close_cancels_and_nothing_restarts_afterwards() -> None:
    supervisor = TaskSupervisor(EventStream())
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    supervisor.start("expiry", forever)
    await started.wait()
    await supervisor.close()
    supervisor.start("expiry", forever)
    assert not supervisor.running("expiry")


async def test_a_task_that_ends_normally_is_not_restarted() -> None:
    events = EventStream()
    queue = events.subscribe()
    supervisor = TaskSupervisor(events)
    done = asyncio.Event()

    async def once() -> None:
        done.set()

    supervisor.start("once", once)
    await done.wait()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not supervisor.running("once")
    assert queue.empty()
    await supervisor.close()


async def test_close_ends_a_task_that_swallows_one_cancellation() -> None:
    supervisor = TaskSupervisor(EventStream())
    started = asyncio.Event()

    async def stubborn() -> None:
        started.set()
        # What Python 3.11's wait_for does when the cancel lands as its wait completes: the
        # first cancellation is lost and the loop goes on.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)
        while True:
            await asyncio.sleep(3600)

    supervisor.start("outbox-drain", stubborn)
    await started.wait()
    await asyncio.wait_for(supervisor.close(), 10)
    assert not supervisor.running("outbox-drain")
