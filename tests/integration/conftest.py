"""Fixtures that start the real relay on 127.0.0.1 port 0 (docs/protocol.md §6).

- ``relay``: an in-process relay (fast; same event loop as the test). Yields a
  :class:`chat_desktop.relay.app.RelayServer`: use ``relay.url``, ``relay.context``.
- ``relay_process``: the relay as a subprocess (``python -m chat_desktop.relay``), for
  crash and restart tests. Yields a :class:`relay_harness.RelayProcess` with ``url``,
  ``data_dir``, ``kill()`` (SIGKILL), ``restart()`` (same data folder, new port), ``stop()``.
- ``relay_process_factory(args)``: more subprocess relays with extra command-line args.
- ``relay_clients(account)``: a :class:`relay_harness.RelayClient`, disconnected at teardown.

Both relays run with relaxed registration / bundle / key-upload limits (tests register many
accounts from one address); message and attachment limits keep their protocol defaults.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path

import pytest
from relay_harness import RELAXED_LIMITS, RelayClient, RelayProcess, TestAccount

from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig

#: Shortly before pytest-timeout (150 s) stops a stuck test, print what every asyncio task is
#: waiting on: pytest-timeout's own dump shows threads only, and a stuck coroutine leaves
#: every thread idle.
TASK_DUMP_AFTER_S = 140.0


def _dump_tasks() -> None:
    print("\n+++ asyncio tasks of the stuck test +++", file=sys.stderr)
    for task in asyncio.all_tasks():
        task.print_stack(file=sys.stderr)


@pytest.fixture(autouse=True)
async def dump_tasks_if_stuck() -> AsyncIterator[None]:
    """Prints the asyncio tasks if the test is about to hit its timeout."""
    loop = asyncio.get_running_loop()
    timer = threading.Timer(TASK_DUMP_AFTER_S, lambda: loop.call_soon_threadsafe(_dump_tasks))
    timer.daemon = True
    timer.start()
    yield
    timer.cancel()


@pytest.fixture
async def relay(tmp_path: Path) -> AsyncIterator[RelayServer]:
    """An in-process relay on 127.0.0.1, port 0, with a fresh data folder."""
    config = RelayConfig(
        data_dir=tmp_path / "relay",
        port=0,
        rate_limits=parse_rate_limits(RELAXED_LIMITS),
        sweep_interval_s=0.2,
    )
    server = RelayServer(config)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def relay_process_factory(
    tmp_path: Path,
) -> Iterator[Callable[[Sequence[str]], RelayProcess]]:
    """Starts subprocess relays with extra args; every one is killed at teardown."""
    started: list[RelayProcess] = []

    def start(args: Sequence[str] = ()) -> RelayProcess:
        process = RelayProcess(tmp_path / f"relay{len(started)}", [*_relaxed_limit_args(), *args])
        started.append(process)
        process.start()
        return process

    yield start
    for process in started:
        process.kill()


@pytest.fixture
def relay_process(
    relay_process_factory: Callable[[Sequence[str]], RelayProcess],
) -> RelayProcess:
    """A relay subprocess on 127.0.0.1, port 0 (see :class:`relay_harness.RelayProcess`)."""
    return relay_process_factory(())


@pytest.fixture
async def relay_clients() -> AsyncIterator[Callable[[TestAccount], RelayClient]]:
    """Makes :class:`relay_harness.RelayClient` objects and disconnects them at teardown."""
    made: list[RelayClient] = []

    def make(account: TestAccount) -> RelayClient:
        client = RelayClient(account)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.disconnect()


def _relaxed_limit_args() -> list[str]:
    return [arg for limit in RELAXED_LIMITS for arg in ("--rate-limit", limit)]
