"""Helpers to run the real relay and talk to it like a client, for integration tests.

- :class:`RelayProcess` runs ``python -m chat_desktop.relay`` as a subprocess on port 0
  (needed to SIGKILL it), reading the bound port from its ``listening`` log line.
- :func:`register_account` registers an account over HTTP with real keys;
  :class:`RelayClient` connects with signed auth and records what the relay pushes.

Import it from test modules in this folder as ``from relay_harness import ...``; the
fixtures in ``conftest.py`` wrap it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import socketio
import uuid6
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM1024PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.protocol import events
from chat_desktop.protocol.auth import (
    build_connect_auth,
    build_registration,
    pq_prekey_message,
    relay_origin,
    signed_prekey_message,
)
from chat_desktop.protocol.codec import encode_http_json
from chat_desktop.protocol.schemas import OneTimePreKey, PqPreKey, SignedPreKey
from chat_desktop.relay.app import RelayServer

#: Rate-limit overrides for tests that register or fetch a lot (the defaults stay for others).
RELAXED_LIMITS = ("registrations=10000/1", "bundles=10000/1", "key_uploads=10000/1")
_START_TIMEOUT_S = 30.0


class RelayProcess:
    """A relay subprocess on 127.0.0.1, port 0, with its own data folder.

    Attributes:
        data_dir: The relay's data folder (kept across :meth:`restart`).
        url: ``http://127.0.0.1:PORT`` of the running process.
        port: The bound port.
    """

    def __init__(self, data_dir: Path, args: Sequence[str] = ()) -> None:
        """Prepares a relay with extra command-line ``args``; :meth:`start` runs it."""
        self.data_dir = data_dir
        self.args = list(args)
        self.url = ""
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._starts = 0

    @property
    def log_path(self) -> Path:
        """The log file (stdout and stderr) of the current process."""
        return self.data_dir.parent / f"{self.data_dir.name}-relay-{self._starts}.log"

    def start(self, args: Sequence[str] | None = None) -> None:
        """Starts the process (optionally with new extra args) and waits until it listens."""
        if args is not None:
            self.args = list(args)
        self._starts += 1
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "chat_desktop.relay",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data-dir",
            str(self.data_dir),
            *self.args,
        ]
        environment = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"}
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=environment
            )
        self.port = self._wait_for_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + _START_TIMEOUT_S
        assert self._process is not None
        while time.monotonic() < deadline:
            for line in self.log_path.read_text(errors="replace").splitlines():
                if line.startswith("{"):
                    record = json.loads(line)
                    if record.get("event") == "listening":
                        return int(record["port"])
            if self._process.poll() is not None:
                raise RuntimeError(f"relay exited early:\n{self.log_path.read_text()}")
            time.sleep(0.02)
        raise RuntimeError("relay did not start in time")

    def kill(self) -> None:
        """SIGKILLs the process: no shutdown code runs, like a power cut for the relay."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)

    def wait_exit(self, timeout: float = 10.0) -> int:
        """Waits for the process to exit on its own; returns the exit status."""
        assert self._process is not None
        return self._process.wait(timeout=timeout)

    def stop(self) -> int:
        """Stops gracefully (SIGTERM) and returns the exit status."""
        if self._process is None:
            return 0
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
        return self._process.wait(timeout=15)

    def restart(self, args: Sequence[str] | None = None) -> None:
        """Kills the process if it runs and starts a new one on the same data folder."""
        self.kill()
        self.start(args)

    @property
    def database_url(self) -> str | None:
        """The ``--database`` URL the relay runs with, None on SQLite."""
        for flag, value in zip(self.args, self.args[1:], strict=False):
            if flag == "--database":
                return value
        return None

    def log_records(self) -> list[dict[str, Any]]:
        """Returns the JSON log records of the current process."""
        records = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                records.append(json.loads(line))
        return records


def database_of(relay: RelayServer | RelayProcess) -> Path | str:
    """The relay's store: its SQLite file, or the ``postgresql://`` URL of its database."""
    if isinstance(relay, RelayProcess):
        return relay.database_url or relay.data_dir / "relay.sqlite3"
    return relay.config.database_url or relay.config.database_path


def query_database(database: Path | str, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Runs one read-only query on a relay's store, SQLite or PostgreSQL alike.

    ``sql`` is written for SQLite with ``?`` placeholders; on PostgreSQL they become ``$1``,
    ``$2``... The tables and columns are the same in both stores.
    """
    if isinstance(database, str):
        from postgres_server import query_url  # asyncpg: only where PostgreSQL runs

        numbers = iter(range(1, len(args) + 1))
        return query_url(database, re.sub(r"\?", lambda _: f"${next(numbers)}", sql), *args)
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


@dataclass
class TestAccount:
    """A registered account with its real keys (test material only)."""

    __test__ = False  # not a pytest test class

    username: str
    identity: IdentityKeyPair
    device_id: int = 1
    one_time_ids: list[int] = field(default_factory=list)
    pq_ids: list[int] = field(default_factory=list)

    def sign(self, message: bytes) -> bytes:
        """Signs with the account's identity key."""
        return self.identity.sign(message)


def make_signed_prekey(identity: IdentityKeyPair, key_id: int) -> SignedPreKey:
    """Returns a fresh signed X25519 prekey."""
    public = X25519PrivateKey.generate().public_key().public_bytes_raw()
    return SignedPreKey(
        id=key_id, public_key=public, signature=identity.sign(signed_prekey_message(public))
    )


def make_pq_prekey(identity: IdentityKeyPair, key_id: int, last_resort: bool = False) -> PqPreKey:
    """Returns a fresh signed ML-KEM-1024 prekey."""
    public = MLKEM1024PrivateKey.generate().public_key().public_bytes_raw()
    return PqPreKey(
        id=key_id,
        public_key=public,
        signature=identity.sign(pq_prekey_message(public)),
        last_resort=last_resort,
    )


def make_one_time_prekeys(first_id: int, count: int) -> list[OneTimePreKey]:
    """Returns ``count`` fresh one-time X25519 prekeys with consecutive ids."""
    return [
        OneTimePreKey(
            id=first_id + i, public_key=X25519PrivateKey.generate().public_key().public_bytes_raw()
        )
        for i in range(count)
    ]


def unique_username(prefix: str = "u") -> str:
    """Returns a valid username unlikely to be taken."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def new_message_id() -> str:
    """Returns a fresh message id (UUIDv7 like the client makes)."""
    return str(uuid6.uuid7())


def send_payload(
    to: TestAccount, body: bytes, msg_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    """Returns a ``message:send`` payload for ``to``'s device."""
    return {
        "id": msg_id or new_message_id(),
        "to": to.username,
        "payloads": [{"device_id": to.device_id, "body": body}],
        **extra,
    }


async def register_account(
    base_url: str,
    username: str | None = None,
    *,
    one_time: int = 25,
    pq_one_time: int = 25,
) -> TestAccount:
    """Registers an account with real, correctly signed keys and returns it.

    Args:
        base_url: The relay's URL.
        username: The name; a unique one when omitted.
        one_time: How many one-time X25519 prekeys to upload.
        pq_one_time: How many one-time PQ prekeys to upload (plus one last-resort key).
    """
    identity = IdentityKeyPair.generate()
    account = TestAccount(username=username or unique_username(), identity=identity)
    one_time_keys = make_one_time_prekeys(1, one_time)
    pq_keys = [make_pq_prekey(identity, 1000 + i) for i in range(pq_one_time)]
    pq_keys.append(make_pq_prekey(identity, 999, last_resort=True))
    request = build_registration(
        account.username,
        identity.public_key,
        identity.sign,
        make_signed_prekey(identity, 1),
        pq_keys,
        one_time_keys,
    )
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            base_url + events.ACCOUNTS_PATH,
            data=encode_http_json(request),
            headers={"Content-Type": "application/json"},
        ) as response,
    ):
        body = await response.json()
        if response.status != 201:
            raise RuntimeError(f"registration failed: {response.status} {body}")
    account.device_id = int(body["device_id"])
    account.one_time_ids = [key.id for key in one_time_keys]
    account.pq_ids = [key.id for key in pq_keys if not key.last_resort]
    return account


class RelayClient:
    """A Socket.IO client of one device, as the real client would connect.

    Attributes:
        messages: ``message`` events pushed by the relay, in arrival order.
        events: Every other relay→client event, as ``(name, payload)``.
        connect_error: The payload of the last refused connect, if any.
    """

    def __init__(self, account: TestAccount) -> None:
        """Prepares a client for ``account``; :meth:`connect` connects it."""
        self.account = account
        self.sio = socketio.AsyncClient(reconnection=False)
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.events: list[tuple[str, Any]] = []
        self.connect_error: Any = None
        self._emit_lock = asyncio.Lock()
        self.sio.on(events.MESSAGE, self._on_message)
        self.sio.on(events.KEYS_LOW, self._recorder(events.KEYS_LOW))
        self.sio.on(events.PRESENCE, self._recorder(events.PRESENCE))
        self.sio.on("connect_error", self._on_connect_error)

    async def _on_message(self, data: dict[str, Any]) -> None:
        self.messages.put_nowait(data)

    async def _on_connect_error(self, data: Any) -> None:
        self.connect_error = data

    def _recorder(self, name: str) -> Any:
        async def record(data: Any) -> None:
            self.events.append((name, data))

        return record

    async def connect(self, url: str, auth: dict[str, Any] | None = None) -> None:
        """Connects with freshly signed auth (or the given ``auth`` object).

        Raises:
            socketio.exceptions.ConnectionError: The relay refused; see :attr:`connect_error`.
        """
        if auth is None:
            auth = build_connect_auth(
                self.account.username, self.account.device_id, relay_origin(url), self.account.sign
            )
        await self.sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)

    async def start_call(self, event: str, payload: Any) -> asyncio.Future[Any]:
        """Emits ``event`` (emits are serialised) and returns a future of the relay's ack.

        Many calls may be in flight at once; the relay handles them concurrently.
        """
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def on_ack(*args: Any) -> None:
            if not future.done():
                future.set_result(args[0] if len(args) == 1 else list(args))

        async with self._emit_lock:
            await self.sio.emit(event, payload, callback=on_ack)
        return future

    async def call(self, event: str, payload: Any, timeout: float = 15) -> dict[str, Any]:
        """Emits ``event`` and returns the relay's ack."""
        ack = await asyncio.wait_for(await self.start_call(event, payload), timeout)
        assert isinstance(ack, dict), ack
        return ack

    async def send_text(
        self, to: TestAccount, body: bytes, msg_id: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """Sends ``body`` to ``to``'s device and returns the ack (``extra``: more fields)."""
        return await self.call(events.MESSAGE_SEND, send_payload(to, body, msg_id, **extra))

    async def next_message(self, timeout: float = 10) -> dict[str, Any]:
        """Waits for the next pushed ``message``."""
        return await asyncio.wait_for(self.messages.get(), timeout)

    async def receive(self, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        """Waits for ``count`` messages and returns them in arrival order."""
        return [await self.next_message(timeout) for _ in range(count)]

    async def disconnect(self) -> None:
        """Disconnects (no-op when not connected)."""
        if self.sio.connected:
            await self.sio.disconnect()
