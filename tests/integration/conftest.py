"""Fixtures that start the real relay on 127.0.0.1 port 0 (docs/protocol.md §6).

- ``relay``: an in-process relay (fast; same event loop as the test). Yields a
  :class:`chat_desktop.relay.app.RelayServer`: use ``relay.url``, ``relay.context``.
- ``relay_process``: the relay as a subprocess (``python -m chat_desktop.relay``), for
  crash and restart tests. Yields a :class:`relay_harness.RelayProcess` with ``url``,
  ``data_dir``, ``kill()`` (SIGKILL), ``restart()`` (same data folder, new port), ``stop()``.
- ``relay_process_factory(args)``: more subprocess relays with extra command-line args.
- ``relay_clients(account)``: a :class:`relay_harness.RelayClient`, disconnected at teardown.
- ``redis_server``: a real ``redis-server`` on loopback for this test (relays as several
  processes, ``--redis``), see :class:`redis_server.RedisServer`.

Both relays run with relaxed registration / bundle / key-upload limits (tests register many
accounts from one address); message and attachment limits keep their protocol defaults.

The relay's own tests (modules ``test_relay_*``) run twice, once per store: the fixtures
above depend on ``relay_store``, which ``pytest_generate_tests`` parametrizes there with
``sqlite`` and ``postgresql``. On PostgreSQL every relay gets an empty database on one server
per session (``postgres_server``, Debian's ``postgresql`` package, started on loopback in a
temporary folder). Every other test (the engine, groups, GUI) runs on SQLite only: they test
the client against a relay, not the relay's store.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path

import pytest
from postgres_server import PostgresServer
from redis_server import RedisServer
from relay_harness import RELAXED_LIMITS, RelayClient, RelayProcess, TestAccount

from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig

#: Shortly before pytest-timeout (150 s) stops a stuck test, print what every asyncio task is
#: waiting on: pytest-timeout's own dump shows threads only, and a stuck coroutine leaves
#: every thread idle.
TASK_DUMP_AFTER_S = 140.0
#: The stores the relay's own tests run on.
RELAY_STORES = ("sqlite", "postgresql")
#: The modules whose tests run on every store: the relay's integration suite.
RELAY_SUITE_PREFIX = "test_relay_"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Runs every test of the relay's suite that starts a relay once per store."""
    if "relay_store" in metafunc.fixturenames and metafunc.module.__name__.startswith(
        RELAY_SUITE_PREFIX
    ):
        metafunc.parametrize("relay_store", RELAY_STORES, indirect=True)


@pytest.fixture
def relay_store(request: pytest.FixtureRequest) -> str:
    """The store relays of this test run on: ``sqlite`` unless parametrized."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session; it FAILS (never skips) when not installed."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A Redis server of this test's own (``kill()`` and ``start()`` make an outage); it
    FAILS (never skips) when ``redis-server`` is not installed."""
    server = RedisServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def relay_database(
    request: pytest.FixtureRequest, relay_store: str
) -> Iterator[Callable[[], str | None]]:
    """Makes the ``--database`` of one more relay: an empty PostgreSQL database, or None
    (the SQLite file in the relay's data folder). The databases are emptied for later tests
    once the relays using them are gone (fixtures that start relays depend on this one, so
    they stop first)."""
    server: PostgresServer | None = None
    if relay_store == "postgresql":
        server = request.getfixturevalue("postgres_server")
    made: list[str] = []

    def make() -> str | None:
        if server is None:
            return None
        made.append(server.create_database())
        return made[-1]

    yield make
    if server is not None:
        for url in made:
            server.release_database(url)


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
async def relay(
    tmp_path: Path, relay_database: Callable[[], str | None]
) -> AsyncIterator[RelayServer]:
    """An in-process relay on 127.0.0.1, port 0, with a fresh data folder (and database)."""
    config = RelayConfig(
        data_dir=tmp_path / "relay",
        database_url=relay_database(),
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
    tmp_path: Path, relay_database: Callable[[], str | None]
) -> Iterator[Callable[[Sequence[str]], RelayProcess]]:
    """Starts subprocess relays with extra args; every one is killed at teardown.

    Each gets its own data folder and, on PostgreSQL, its own database.
    """
    started: list[RelayProcess] = []

    def start(args: Sequence[str] = ()) -> RelayProcess:
        database = relay_database()
        database_args = [] if database is None else ["--database", database]
        process = RelayProcess(
            tmp_path / f"relay{len(started)}", [*_relaxed_limit_args(), *database_args, *args]
        )
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
