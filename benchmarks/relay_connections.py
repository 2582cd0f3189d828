"""The ``--connections N`` mode of ``benchmarks/relay.py``: many idle connections, a fixed rate.

N accounts connect and stay connected (memory per connection is the relay's RSS after the
connects minus before, over N); then messages flow among them at a fixed rate for a fixed
time, each ``message:send`` from a random account to another one, acked by the receiver. The
same load then runs against the storage-free forwarder as a baseline.

The clients are NOT python-socketio clients: 5,000 of those (each with its own Engine.IO
tasks, queues and timers) would make the load generator, not the relay, the bound. Each
connection here is one aiohttp WebSocket and one reader task speaking Engine.IO 4 /
Socket.IO 5 by hand (open, CONNECT with ``auth``, pong, binary events with one attachment,
acks): what the relay sees on the wire is what a real client sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
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
from chat_desktop.protocol.schemas import PqPreKey, SignedPreKey

#: Concurrent registrations / connects while setting up.
SETUP_CONCURRENCY = 64
#: How long after the last send undelivered messages are waited for before counting them lost.
DRAIN_TIMEOUT_S = 30.0
_JSON = json.JSONEncoder(separators=(",", ":"))


def rss_kib(pid: int) -> int:
    """Resident memory of process ``pid`` in KiB, from ``/proc``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@dataclass
class Tally:
    """What the receivers saw, shared by all connections of one run."""

    sent_at: dict[str, float] = field(default_factory=dict)
    deliveries: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    delivered: asyncio.Event = field(default_factory=asyncio.Event)
    expected: int = -1
    dropped_connections: int = 0

    def on_delivery(self, msg_id: str) -> None:
        count = self.deliveries.get(msg_id, 0) + 1
        self.deliveries[msg_id] = count
        if count == 1 and msg_id in self.sent_at:
            self.latencies_ms.append((time.perf_counter() - self.sent_at[msg_id]) * 1000)
            if len(self.latencies_ms) == self.expected:
                self.delivered.set()


class RawPeer:
    """One connection speaking Engine.IO/Socket.IO over a bare aiohttp WebSocket."""

    __slots__ = ("_acking", "_acks", "_lock", "_next_id", "_reader", "name", "tally", "ws")

    def __init__(self, name: str, tally: Tally) -> None:
        self.name = name
        self.tally = tally
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._next_id = 0
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None
        self._acking: set[asyncio.Task[None]] = set()

    async def connect(self, http: aiohttp.ClientSession, url: str, auth: dict[str, Any]) -> None:
        ws_url = url.replace("http", "ws", 1) + events.SOCKETIO_PATH + "/?EIO=4&transport=websocket"
        self.ws = ws = await http.ws_connect(ws_url, max_msg_size=0, autoclose=True)
        opening = await ws.receive_str()
        assert opening.startswith("0{"), opening
        await ws.send_str("40" + _JSON.encode(auth))
        while True:
            reply = await ws.receive_str()
            if reply == "2":
                await ws.send_str("3")
                continue
            if reply.startswith("40"):
                break
            raise RuntimeError(f"connect refused: {reply[:200]}")
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        for task in list(self._acking):  # acks of the last deliveries may still be pending
            task.cancel()
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader

    async def send_message(self, to: str, body: bytes) -> tuple[str, asyncio.Future[Any]]:
        """Emits one ``message:send`` (a binary event: header frame, then the body frame)."""
        msg_id = str(uuid6.uuid7())
        self.tally.sent_at[msg_id] = time.perf_counter()
        data = {
            "id": msg_id,
            "to": to,
            "payloads": [{"device_id": 1, "body": {"_placeholder": True, "num": 0}}],
        }
        ack_id, future = self._new_ack()
        header = "451-" + str(ack_id) + _JSON.encode([events.MESSAGE_SEND, data])
        assert self.ws is not None
        try:
            async with self._lock:  # the two frames of one packet must not interleave
                await self.ws.send_str(header)
                await self.ws.send_bytes(body)
        except (ConnectionError, aiohttp.ClientError):
            future.set_result({"ok": False, "error": "connection closed"})
        return msg_id, future

    def _new_ack(self) -> tuple[int, asyncio.Future[Any]]:
        ack_id = self._next_id
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        return ack_id, future

    async def _ack_delivery(self, msg_id: str) -> None:
        ack_id, future = self._new_ack()
        text = "42" + str(ack_id) + _JSON.encode([events.MESSAGE_ACK, {"ids": [msg_id]}])
        assert self.ws is not None
        try:
            async with self._lock:
                await self.ws.send_str(text)
        except (ConnectionError, aiohttp.ClientError):
            return
        await future

    async def _read(self) -> None:
        assert self.ws is not None
        header: str | None = None
        async for message in self.ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                text: str = message.data
                if text == "2":
                    await self.ws.send_str("3")
                elif text.startswith("43"):
                    start = text.index("[")
                    future = self._acks.pop(int(text[2:start]), None)
                    if future is not None and not future.done():
                        future.set_result(json.loads(text[start:])[0])
                elif text.startswith("451-"):
                    header = text
            elif message.type is aiohttp.WSMsgType.BINARY and header is not None:
                event = json.loads(header[header.index("[") :])
                header = None
                if event[0] == events.MESSAGE:
                    msg_id = event[1]["id"]
                    self.tally.on_delivery(msg_id)
                    task = asyncio.create_task(self._ack_delivery(msg_id))
                    self._acking.add(task)
                    task.add_done_callback(self._acking.discard)
        self.tally.dropped_connections += 1  # the relay ended it (we close only at the end)


async def register_accounts(url: str, names: list[str]) -> list[IdentityKeyPair]:
    """Registers every name on the relay with real keys; returns their identities."""
    spk_private = X25519PrivateKey.generate()
    spk = spk_private.public_key().public_bytes_raw()
    pq = MLKEM1024PrivateKey.generate().public_key().public_bytes_raw()
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def one(http: aiohttp.ClientSession, name: str) -> IdentityKeyPair:
        identity = IdentityKeyPair.generate()
        request = build_registration(
            name,
            identity.public_key,
            identity.sign,
            SignedPreKey(id=1, public_key=spk, signature=identity.sign(signed_prekey_message(spk))),
            [
                PqPreKey(
                    id=2,
                    public_key=pq,
                    signature=identity.sign(pq_prekey_message(pq)),
                    last_resort=True,
                )
            ],
            [],
        )
        async with gate:
            response = await http.post(url + events.ACCOUNTS_PATH, data=encode_http_json(request))
            assert response.status == 201, await response.text()
        return identity

    async with aiohttp.ClientSession() as http:
        return list(await asyncio.gather(*(one(http, name) for name in names)))


async def connect_all(
    http: aiohttp.ClientSession,
    url: str,
    peers: list[RawPeer],
    auth_of: Callable[[RawPeer], dict[str, Any]],
) -> None:
    """Connects every peer, at most :data:`SETUP_CONCURRENCY` at a time."""
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def one(peer: RawPeer) -> None:
        async with gate:
            await peer.connect(http, url, auth_of(peer))

    await asyncio.gather(*(one(peer) for peer in peers))


@dataclass
class RateRun:
    """The outcome of one fixed-rate run."""

    sent: int
    acked: int
    seconds: float
    tally: Tally
    server_cpu_s: float
    client_cpu_s: float
    failed_acks: int
    acked_undelivered: int = 0


async def run_at_rate(
    peers: list[RawPeer],
    rate: float,
    duration_s: float,
    body: bytes,
    server_cpu: Callable[[], float],
    client_cpu: Callable[[], float],
) -> RateRun:
    """Sends ``rate`` messages a second for ``duration_s`` between random pairs of peers,
    then waits (bounded) for every delivery."""
    tally = peers[0].tally
    chooser = random.Random(25)
    count = int(rate * duration_s)
    tally.expected = count
    acks: dict[asyncio.Future[Any], str] = {}
    loop = asyncio.get_running_loop()
    cpu_before, client_before = server_cpu(), client_cpu()
    start = loop.time()
    pending_sends: set[asyncio.Task[tuple[str, asyncio.Future[Any]]]] = set()
    for index in range(count):
        due = start + index / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        sender, receiver = chooser.sample(peers, 2)
        task = asyncio.create_task(sender.send_message(receiver.name, body))
        pending_sends.add(task)
    for task in pending_sends:
        msg_id, ack = await task
        acks[ack] = msg_id
    if acks:  # an ack on a connection the relay dropped never comes: bounded
        await asyncio.wait(acks, timeout=DRAIN_TIMEOUT_S)
    acked_ids = [msg_id for ack, msg_id in acks.items() if ack.done() and ack.result().get("ok")]
    acked = len(acked_ids)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(tally.delivered.wait(), DRAIN_TIMEOUT_S)
    seconds = loop.time() - start
    return RateRun(
        sent=count,
        acked=acked,
        seconds=seconds,
        tally=tally,
        server_cpu_s=server_cpu() - cpu_before,
        client_cpu_s=client_cpu() - client_before,
        failed_acks=count - acked,
        acked_undelivered=sum(1 for msg_id in acked_ids if msg_id not in tally.deliveries),
    )


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summarise(run: RateRun) -> dict[str, Any]:
    """The figures of one run."""
    delivered = len(run.tally.latencies_ms)
    latencies = run.tally.latencies_ms or [float("nan")]
    return {
        "sent": run.sent,
        "acked": run.acked,
        "delivered": delivered,
        "lost": run.acked_undelivered,
        "not_acked": run.failed_acks,
        "duplicated": sum(count - 1 for count in run.tally.deliveries.values()),
        "connections_dropped_by_server": run.tally.dropped_connections,
        "achieved_msgs_per_s": round(delivered / run.seconds, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "server_cpu_ms_per_message": round(run.server_cpu_s * 1000 / max(delivered, 1), 3),
        "server_cpu_percent": round(run.server_cpu_s * 100 / run.seconds, 1),
        "load_generator_cpu_percent": round(run.client_cpu_s * 100 / run.seconds, 1),
    }


async def measure_server(
    url: str,
    pid: int,
    names: list[str],
    auth_of: Callable[[RawPeer], dict[str, Any]],
    rate: float,
    duration_s: float,
    body: bytes,
    server_cpu: Callable[[int], float],
    client_cpu: Callable[[], float],
) -> dict[str, Any]:
    """Connects ``names`` to one server, measures its memory per connection, then runs the
    fixed-rate load; returns the figures."""
    tally = Tally()
    peers = [RawPeer(name, tally) for name in names]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        rss_before = rss_kib(pid)
        started = time.perf_counter()
        await connect_all(http, url, peers, auth_of)
        connect_s = time.perf_counter() - started
        await asyncio.sleep(2)  # let per-connection start-up work settle before measuring
        rss_after = rss_kib(pid)
        idle_cpu_before = server_cpu(pid)
        await asyncio.sleep(5)
        idle_cpu_percent = (server_cpu(pid) - idle_cpu_before) * 100 / 5
        run = await run_at_rate(peers, rate, duration_s, body, lambda: server_cpu(pid), client_cpu)
        figures = summarise(run)
        figures["rss_after_run_kib"] = rss_kib(pid)
        await asyncio.gather(*(peer.close() for peer in peers), return_exceptions=True)
    return {
        "connect_s": round(connect_s, 1),
        "memory_per_connection_kib": round((rss_after - rss_before) / len(names), 1),
        "idle_cpu_percent": round(idle_cpu_percent, 1),
        "rss_before_connects_kib": rss_before,
        "rss_after_connects_kib": rss_after,
        **figures,
    }


def relay_auth(identities: dict[str, IdentityKeyPair], url: str) -> Callable[[RawPeer], Any]:
    """The CONNECT ``auth`` of a registered account (signed with its identity key)."""
    origin = relay_origin(url)

    def auth(peer: RawPeer) -> dict[str, Any]:
        return build_connect_auth(peer.name, 1, origin, identities[peer.name].sign)

    return auth
