"""``benchmarks/relay.py --scale`` (issue 25, criterion 5): one relay process against two.

Both runs use the several-process set-up: a real PostgreSQL (the store) and a real Redis
(wake-ups), Debian's servers on loopback in a temporary folder. The one-process run puts every
sender and receiver on one relay process; the two-process run starts two relay processes on
the same database and Redis and puts each pair's sender on one and its receiver on the other
(half the pairs each way), so every message crosses processes: stored by one, woken up
through Redis, delivered by the other. Same pairs, messages and window in both runs.

Prints ``one_process_msgs_per_s``, ``two_process_msgs_per_s``, their ratio
``two_vs_one_process_ratio``, each run's p50/p99 (send to delivered) and the CPU the relay
processes used per message, with the machine's core count and load: on 2 cores the relays
share them with PostgreSQL, Redis and the load generator, which bounds what a second process
can add.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import relay as bench

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A real ``redis-server`` (Debian's package) on loopback that keeps nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is missing: run scripts/install-system-deps")
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


async def run_scale(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Both runs; the figures as one dictionary."""
    sys.path.insert(0, str(REPO / "tests"))
    from postgres_server import PostgresServer

    postgres = PostgresServer()
    postgres.start()
    redis, redis_url = start_redis(work / "redis")
    processes: list[subprocess.Popen[bytes]] = [redis]
    try:
        figures: dict[str, Any] = {}
        for count in (1, 2):
            database = postgres.create_database()
            relays = []
            for index in range(count):
                # One data folder for all: they share token_secret, as deploy/compose does.
                process, url = bench.start_relay(
                    work / f"data{count}",
                    work / f"relay{count}_{index}.log",
                    ["--database", database, "--redis", redis_url],
                )
                processes.append(process)
                relays.append((process, url))
            urls = [url for _, url in relays]

            def place(index: int, urls: list[str] = urls) -> tuple[str, str]:
                sender = urls[index % len(urls)]
                return sender, urls[(index + 1) % len(urls)]

            rate, latencies, cpu_ms = await bench.run_pairs(
                urls[0],
                args.pairs,
                args.messages,
                args.window,
                True,
                f"scale{count}_",
                [process.pid for process, _ in relays],
                place=place,
            )
            name = "one_process" if count == 1 else "two_process"
            figures[f"{name}_msgs_per_s"] = round(rate, 1)
            figures[f"{name}_p50_ms"] = round(statistics.median(latencies), 2)
            figures[f"{name}_p99_ms"] = round(bench.percentile(latencies, 0.99), 2)
            figures[f"{name}_relay_cpu_ms_per_message"] = round(cpu_ms, 3)
            for process, _ in relays:
                process.terminate()
                process.wait(timeout=15)
        return figures
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=15)
        postgres.stop()


def benchmark_scale(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The ``--scale`` mode's JSON line (as a dictionary)."""
    load_before = os.getloadavg()[0]
    figures = asyncio.run(run_scale(args, work))
    return {
        "benchmark": "relay_scale",
        "pairs": args.pairs,
        "messages_per_pair": args.messages,
        "window": args.window,
        **figures,
        "two_vs_one_process_ratio": round(
            figures["two_process_msgs_per_s"] / figures["one_process_msgs_per_s"], 3
        ),
        "cores": os.cpu_count(),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "setup": "PostgreSQL + Redis on loopback; two-process run: every message crosses",
    }
