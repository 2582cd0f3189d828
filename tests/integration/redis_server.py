"""A throwaway Redis server for tests: Debian's ``redis-server``, a temporary folder, loopback.

:class:`RedisServer` runs ``redis-server`` on 127.0.0.1 and a free port with persistence off
(``--save ''``, no append-only file): the relay keeps nothing in Redis that a restart may not
lose. :meth:`RedisServer.stop` and :meth:`RedisServer.start` again on the same port stand in
for an outage in the middle of a test.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

#: The Debian package that provides the server.
PACKAGE = "redis-server"
_START_TIMEOUT_S = 15.0


class RedisMissing(RuntimeError):
    """``redis-server`` is not installed."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One ``redis-server`` in a temporary folder, listening on 127.0.0.1 only."""

    def __init__(self) -> None:
        """Finds the binary and picks a port; :meth:`start` runs the server.

        Raises:
            RedisMissing: The ``redis-server`` package is not installed.
        """
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).is_file():
            raise RedisMissing(
                f"redis-server was not found: install the Debian package '{PACKAGE}' "
                "(scripts/install-system-deps installs it)"
            )
        self._binary = binary
        self._folder = Path(tempfile.mkdtemp(prefix="relay-redis-"))
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._starts = 0

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:PORT/0``, the same across restarts."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        """True while the server process runs."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Starts the server (again, on the same port); returns once it answers PING."""
        self._starts += 1
        log = self._folder / f"redis-{self._starts}.log"
        self._process = subprocess.Popen(
            [
                self._binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self._folder),
                "--logfile",
                str(log),
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited early:\n{log.read_text(errors='replace')}")
            if self._answers_ping():
                return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start in time")

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """Stops the server at once (SIGKILL): its clients see their connections drop."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)

    def stop(self) -> None:
        """Stops the server and deletes its folder (the end of the session)."""
        self.kill()
        shutil.rmtree(self._folder, ignore_errors=True)
