"""A throwaway PostgreSQL server for tests: Debian's binaries, a temporary folder, loopback.

:class:`PostgresServer` runs ``initdb`` and ``pg_ctl`` from the installed ``postgresql``
package on 127.0.0.1 and a free port, with no Unix socket and ``fsync`` off (test data
only), and trusts local connections as the ``postgres`` superuser. One server serves a
whole test session; each relay gets an empty database of its own from
:meth:`create_database`. Copying ``template1`` costs about half a second on a busy CI
machine, so :meth:`release_database` empties a database a test is done with (its sessions
ended, its ``public`` schema dropped and made again) for the next test to take.

PostgreSQL refuses to run as root. Under root (CI, containers) the server runs as the
``postgres`` system user the package creates, with its folder chowned to it; under a normal
user it runs as that user.
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

#: The Debian package that provides the server binaries.
PACKAGE = "postgresql"
_START_TIMEOUT_S = 60
T = TypeVar("T")


class PostgresMissing(RuntimeError):
    """PostgreSQL's server binaries are not installed."""


def find_bindir() -> Path:
    """Returns the folder of ``initdb``/``pg_ctl``: ``pg_config --bindir``, else the newest
    ``/usr/lib/postgresql/*/bin``.

    Raises:
        PostgresMissing: Neither holds ``initdb``.
    """
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: int(Path(path).parent.name) if Path(path).parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += [Path(path) for path in versions]
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    raise PostgresMissing(
        f"PostgreSQL's server binaries (initdb, pg_ctl) were not found: install the Debian "
        f"package '{PACKAGE}' (scripts/install-system-deps installs it)"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One PostgreSQL server in a temporary folder, listening on 127.0.0.1 only."""

    def __init__(self) -> None:
        """Finds the binaries; :meth:`start` creates and starts the server.

        Raises:
            PostgresMissing: The ``postgresql`` package is not installed.
        """
        self._bindir = find_bindir()
        self._as_root = os.geteuid() == 0
        self._folder = Path(tempfile.mkdtemp(prefix="relay-pg-"))
        self.port = 0
        self._names = itertools.count(1)
        self._names_lock = threading.Lock()
        self._emptied: list[str] = []

    @property
    def _data_dir(self) -> Path:
        return self._folder / "data"

    @property
    def user(self) -> str:
        """The superuser tests connect as."""
        return "postgres"

    def url(self, database: str) -> str:
        """Returns the ``postgresql://`` URL of one database of this server."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def _run(self, command: Sequence[str]) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_root else []
        result = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=_START_TIMEOUT_S
        )
        if result.returncode != 0:
            raise RuntimeError(f"{Path(command[0]).name} failed:\n{result.stdout}{result.stderr}")

    def start(self) -> None:
        """Creates the cluster and starts the server; returns once it accepts connections."""
        if self._as_root:
            shutil.chown(self._folder, "postgres", "postgres")
        self._run(
            [
                str(self._bindir / "initdb"),
                "-D",
                str(self._data_dir),
                "-U",
                self.user,
                "--auth=trust",
                "--no-sync",
                "--encoding=UTF8",
                "--locale=C",
            ]
        )
        self.port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories=''"
            " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
            " -c max_connections=300"
        )
        self._run(
            [
                str(self._bindir / "pg_ctl"),
                "-D",
                str(self._data_dir),
                "-l",
                str(self._folder / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                str(_START_TIMEOUT_S),
                "start",
            ]
        )

    def stop(self) -> None:
        """Stops the server at once and deletes its folder."""
        try:
            if self._data_dir.exists():
                self._run(
                    [
                        str(self._bindir / "pg_ctl"),
                        "-D",
                        str(self._data_dir),
                        "-m",
                        "immediate",
                        "stop",
                    ]
                )
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)

    def create_database(self) -> str:
        """Returns the URL of an empty database: a released one, else a new one."""
        with self._names_lock:
            if self._emptied:
                return self.url(self._emptied.pop())
            name = f"relay_{next(self._names)}"
        self.execute("postgres", f'CREATE DATABASE "{name}"')
        return self.url(name)

    def release_database(self, url: str) -> None:
        """Ends every session on the database at ``url``, empties it and keeps it for
        :meth:`create_database` (call it once nothing uses the database any more)."""
        name = url.rsplit("/", 1)[1]
        self.execute(
            "postgres",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            name,
        )
        _run_sync(self._empty(url))
        with self._names_lock:
            self._emptied.append(name)

    @staticmethod
    async def _empty(url: str) -> None:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            await connection.close()

    def execute(self, database: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """Runs one statement in ``database`` and returns its rows (blocking; own loop)."""
        return _run_sync(self._fetch(self.url(database), sql, *args))

    @staticmethod
    async def _fetch(url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        connection = await asyncpg.connect(url)
        try:
            return [tuple(row) for row in await connection.fetch(sql, *args)]
        finally:
            await connection.close()


def query_url(url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Runs one statement on the database at ``url`` and returns its rows (blocking)."""
    return _run_sync(PostgresServer._fetch(url, sql, *args))


def _run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs ``coroutine`` to completion on a fresh loop in a helper thread, so it works
    from sync code and from inside a running event loop alike."""
    values: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            values.append(asyncio.run(coroutine))
        except BaseException as error:  # handed to the caller
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return values[0]
