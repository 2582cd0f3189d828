"""Relay throughput and latency against a bare Socket.IO forwarder, on loopback.

50 sender→receiver pairs. For the relay each message goes send → durably stored (group
commit, ``synchronous=FULL``) → acked → delivered → acked by the receiver → deleted. The
baseline is a python-socketio forwarder with no storage, auth or validation, doing the same
wire work (send with ack, push, receiver ack with ack), measured in the same run.

Prints one JSON line: ``relay_msgs_per_s``, ``forwarder_msgs_per_s``,
``relay_vs_forwarder_ratio``, ``p50_ms``, ``p99_ms`` (relay, send → delivered) and the
forwarder's percentiles for reference, and ``relay_cpu_ms_per_message``: the relay process's
CPU time (user + system, all its threads, from ``/proc``) over the sending phase divided by
the messages delivered, with ``forwarder_cpu_ms_per_message`` as its baseline (issue 25).

``--connections N`` (issue 25, criterion 5) instead holds N idle authenticated connections on
one relay process, then sends ``--rate`` messages a second among them for ``--duration``
seconds (``benchmarks/relay_connections.py``), and prints ``memory_per_connection_kib``,
``p99_at_<N>_connections_ms``, ``relay_cpu_ms_per_message`` at that rate, p50, the achieved
rate, lost and duplicated counts, the CPU of the relay and of the load generator, and the
forwarder's figures under the same load as the baseline.

With ``--connections 5000`` the latency key is ``p99_at_5000_connections_ms``.

``--scale`` (``benchmarks/relay_scale.py``) runs the pairs on one relay process, then on two
sharing PostgreSQL and Redis, and prints ``one_process_msgs_per_s``,
``two_process_msgs_per_s`` and ``two_vs_one_process_ratio``.

Usage: ``python benchmarks/relay.py [--pairs 50] [--messages 200] [--window 4]``,
``python benchmarks/relay.py --connections 5000 [--rate 500] [--duration 30]`` or
``python benchmarks/relay.py --scale [--pairs 50] [--messages 200]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
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
from chat_desktop.protocol.schemas import PqPreKey, SignedPreKey

BODY = os.urandom(200)  # a short text message once encrypted


# ---- the baseline server --------------------------------------------------------------------


def serve_forwarder() -> None:
    """Runs the storage-free forwarder (a subprocess of the benchmark)."""
    from aiohttp import web

    sio = socketio.AsyncServer(async_mode="aiohttp", transports=["websocket"])
    app = web.Application()
    sio.attach(app)
    sid_of: dict[str, str] = {}

    @sio.on("connect")
    async def connect(sid: str, environ: Any, auth: Any) -> None:
        sid_of[auth["user"]] = sid

    @sio.on(events.MESSAGE_SEND)
    async def send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        server_ts = time.time_ns() // 1_000_000
        payload = data["payloads"][0]
        message = {"id": data["id"], "from": "x", "from_device": 1, "server_ts": server_ts}
        await sio.emit(events.MESSAGE, {**message, "body": payload["body"]}, to=sid_of[data["to"]])
        return {"ok": True, "server_ts": server_ts}

    @sio.on(events.MESSAGE_ACK)
    async def ack(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    async def run() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        print(json.dumps({"event": "listening", "port": runner.addresses[0][1]}), flush=True)
        await asyncio.Event().wait()

    asyncio.run(run())


def start_server(command: list[str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Starts a server subprocess and returns it with its URL once it listens."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if line.startswith("{") and json.loads(line).get("event") == "listening":
                return process, f"http://127.0.0.1:{json.loads(line)['port']}"
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        time.sleep(0.05)
    raise RuntimeError("server did not start")


def start_relay(
    data_dir: Path, log: Path, options: Sequence[str] = ()
) -> tuple[subprocess.Popen[bytes], str]:
    """The real relay as a subprocess on a free port, with message and sign-up rates lifted
    (benchmarks measure the machinery, not the rate policy); ``options``: more of its
    command line (``--database``, ``--redis``)."""
    # RELAY_BENCH_PROFILE=FILE runs the relay under cProfile (written when it stops).
    profile = os.environ.get("RELAY_BENCH_PROFILE")
    profiler = ["-m", "cProfile", "-o", profile] if profile else []
    return start_server(
        [
            sys.executable,
            *profiler,
            "-m",
            "chat_desktop.relay",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            "--rate-limit",
            "messages=1000000/1",
            "--rate-limit",
            "registrations=1000000/1",
            *options,
        ],
        log,
    )


# ---- clients ----------------------------------------------------------------------------------


class Peer:
    """One benchmark client connection with serialised emits."""

    def __init__(self, name: str, identity: IdentityKeyPair | None) -> None:
        self.name = name
        self.identity = identity
        self.sio = socketio.AsyncClient(reconnection=False)
        self.lock = asyncio.Lock()

    async def connect(self, url: str) -> None:
        if self.identity is None:
            auth = {"user": self.name}
        else:
            auth = build_connect_auth(self.name, 1, relay_origin(url), self.identity.sign)
        await self.sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)

    async def call(self, event: str, data: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def done(*args: Any) -> None:
            future.set_result(args[0])

        async with self.lock:
            await self.sio.emit(event, data, callback=done)
        return future


async def register(url: str, name: str) -> IdentityKeyPair:
    """Registers ``name`` on the relay with real keys."""
    identity = IdentityKeyPair.generate()
    spk = X25519PrivateKey.generate().public_key().public_bytes_raw()
    pq = MLKEM1024PrivateKey.generate().public_key().public_bytes_raw()
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
    async with aiohttp.ClientSession() as http:
        response = await http.post(url + events.ACCOUNTS_PATH, data=encode_http_json(request))
        assert response.status == 201, await response.text()
    return identity


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process ``pid`` has used so far, from ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_pairs(
    url: str,
    pairs: int,
    messages: int,
    window: int,
    authed: bool,
    tag: str,
    pids: int | Sequence[int],
    *,
    place: Callable[[int], tuple[str, str]] | None = None,
) -> tuple[float, list[float], float]:
    """Runs the pairs once; returns (messages per second, send→delivered latencies in ms,
    the servers' CPU ms per message over the sending phase).

    ``place(i)``: the URLs pair ``i``'s sender and receiver connect to (default: ``url``
    both), for several relay processes (``--scale``); ``pids``: the server process(es).
    """
    senders, receivers = [], []
    urls: list[str] = []
    for index in range(pairs):
        names = (f"{tag}s{index}", f"{tag}r{index}")
        identities = [await register(url, n) if authed else None for n in names]
        senders.append(Peer(names[0], identities[0]))
        receivers.append(Peer(names[1], identities[1]))
    for index in range(pairs):
        urls += place(index) if place is not None else (url, url)
    peers = [peer for pair in zip(senders, receivers, strict=True) for peer in pair]
    await asyncio.gather(*(peer.connect(at) for peer, at in zip(peers, urls, strict=True)))
    server_pids = [pids] if isinstance(pids, int) else list(pids)

    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    remaining = [pairs * messages]
    finished = asyncio.Event()

    def on_message_for(receiver: Peer):
        async def on_message(data: dict[str, Any]) -> None:
            latencies.append((time.perf_counter() - sent_at[data["id"]]) * 1000)
            ack = await receiver.call(events.MESSAGE_ACK, {"ids": [data["id"]]})

            def acked(_: Any) -> None:
                remaining[0] -= 1
                if remaining[0] == 0:
                    finished.set()

            ack.add_done_callback(acked)

        return on_message

    for receiver in receivers:
        receiver.sio.on(events.MESSAGE, on_message_for(receiver))

    async def send_all(sender: Peer, receiver: Peer) -> None:
        in_flight: set[asyncio.Future[Any]] = set()
        for _ in range(messages):
            while len(in_flight) >= window:
                done, in_flight = await asyncio.wait(in_flight, return_when="FIRST_COMPLETED")
                for future in done:
                    assert future.result()["ok"], future.result()
            msg_id = str(uuid6.uuid7())
            sent_at[msg_id] = time.perf_counter()
            payload = {
                "id": msg_id,
                "to": receiver.name,
                "payloads": [{"device_id": 1, "body": BODY}],
            }
            in_flight.add(await sender.call(events.MESSAGE_SEND, payload))
        for future in in_flight:
            assert (await future)["ok"]

    started = time.perf_counter()
    cpu_before = sum(cpu_seconds(pid) for pid in server_pids)
    await asyncio.gather(*(send_all(s, r) for s, r in zip(senders, receivers, strict=True)))
    await asyncio.wait_for(finished.wait(), 120)
    elapsed = time.perf_counter() - started
    cpu_used = sum(cpu_seconds(pid) for pid in server_pids) - cpu_before
    cpu_ms = cpu_used * 1000 / (pairs * messages)
    await asyncio.gather(*(peer.sio.disconnect() for peer in senders + receivers))
    return pairs * messages / elapsed, latencies, cpu_ms


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def benchmark(
    args: argparse.Namespace, relay: tuple[str, int], forwarder: tuple[str, int]
) -> dict[str, Any]:
    results: dict[str, list[tuple[float, list[float], float]]] = {"relay": [], "forwarder": []}
    for round_index in range(args.rounds):
        for kind, (url, pid) in (("forwarder", forwarder), ("relay", relay)):
            tag = f"{kind[0]}{round_index}_"
            results[kind].append(
                await run_pairs(
                    url, args.pairs, args.messages, args.window, kind == "relay", tag, pid
                )
            )
    relay_rate, relay_latencies, relay_cpu = max(results["relay"], key=lambda r: r[0])
    forwarder_rate, forwarder_latencies, forwarder_cpu = max(
        results["forwarder"], key=lambda r: r[0]
    )
    return {
        "benchmark": "relay",
        "pairs": args.pairs,
        "messages_per_pair": args.messages,
        "window": args.window,
        "relay_msgs_per_s": round(relay_rate, 1),
        "forwarder_msgs_per_s": round(forwarder_rate, 1),
        "relay_vs_forwarder_ratio": round(relay_rate / forwarder_rate, 3),
        "p50_ms": round(statistics.median(relay_latencies), 2),
        "p99_ms": round(percentile(relay_latencies, 0.99), 2),
        "forwarder_p50_ms": round(statistics.median(forwarder_latencies), 2),
        "forwarder_p99_ms": round(percentile(forwarder_latencies, 0.99), 2),
        "relay_cpu_ms_per_message": round(relay_cpu, 3),
        "forwarder_cpu_ms_per_message": round(forwarder_cpu, 3),
        "durable": "sqlite WAL synchronous=FULL, ack after group commit",
    }


async def benchmark_connections(
    args: argparse.Namespace, relay: tuple[str, int], forwarder: tuple[str, int]
) -> dict[str, Any]:
    """The ``--connections`` mode: the relay, then the forwarder, under the same load."""
    import relay_connections as load

    def own_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    names = [f"conn{index}" for index in range(args.connections)]
    relay_url, relay_pid = relay
    started = time.perf_counter()
    identities = dict(zip(names, await load.register_accounts(relay_url, names), strict=True))
    register_s = time.perf_counter() - started
    relay_figures = await load.measure_server(
        relay_url,
        relay_pid,
        names,
        load.relay_auth(identities, relay_url),
        args.rate,
        args.duration,
        BODY,
        cpu_seconds,
        own_cpu,
    )
    forwarder_url, forwarder_pid = forwarder
    forwarder_figures = await load.measure_server(
        forwarder_url,
        forwarder_pid,
        names,
        lambda peer: {"user": peer.name},
        args.rate,
        args.duration,
        BODY,
        cpu_seconds,
        own_cpu,
    )
    n = args.connections
    return {
        "benchmark": "relay_connections",
        "connections": n,
        "target_msgs_per_s": args.rate,
        "duration_s": args.duration,
        "memory_per_connection_kib": relay_figures["memory_per_connection_kib"],
        f"p99_at_{n}_connections_ms": relay_figures["p99_ms"],
        "p50_ms": relay_figures["p50_ms"],
        "relay_cpu_ms_per_message": relay_figures["server_cpu_ms_per_message"],
        "forwarder_cpu_ms_per_message": forwarder_figures["server_cpu_ms_per_message"],
        "achieved_msgs_per_s": relay_figures["achieved_msgs_per_s"],
        "lost": relay_figures["lost"],
        "duplicated": relay_figures["duplicated"],
        "register_s": round(register_s, 1),
        "relay": relay_figures,
        "forwarder": forwarder_figures,
        "durable": "sqlite WAL synchronous=FULL, ack after group commit",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--messages", type=int, default=200, help="messages per pair")
    parser.add_argument("--window", type=int, default=4, help="unacked sends per sender")
    parser.add_argument("--rounds", type=int, default=2, help="best of this many runs each")
    parser.add_argument(
        "--connections", type=int, help="idle connections held while sending at --rate"
    )
    parser.add_argument("--rate", type=float, default=500.0, help="messages a second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of sending")
    parser.add_argument(
        "--scale", action="store_true", help="one relay process against two (PostgreSQL, Redis)"
    )
    parser.add_argument("--serve-forwarder", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_forwarder:
        serve_forwarder()
        return
    if args.scale:
        import relay_scale

        with tempfile.TemporaryDirectory(prefix="relay-scale-") as folder:
            print(json.dumps(relay_scale.benchmark_scale(args, Path(folder))))
        return
    with tempfile.TemporaryDirectory(prefix="relay-bench-") as folder:
        work = Path(folder)
        relay, relay_url = start_relay(work / "data", work / "relay.log")
        forwarder, forwarder_url = start_server(
            [sys.executable, __file__, "--serve-forwarder"], work / "forwarder.log"
        )
        run = benchmark_connections if args.connections else benchmark
        try:
            result = asyncio.run(run(args, (relay_url, relay.pid), (forwarder_url, forwarder.pid)))
        finally:
            for process in (relay, forwarder):
                process.terminate()
                process.wait(timeout=15)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
