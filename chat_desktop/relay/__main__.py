"""Command line of the relay: ``chat-relay --host H --port P --data-dir DIR``.

``--database postgresql://…`` keeps the store in PostgreSQL instead of the SQLite file in
the data folder, so several relay processes can share it. ``--blobs s3://bucket[/prefix]``
keeps attachment blobs in an S3-compatible bucket instead of files in the data folder; the
endpoint and credentials come from the environment (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``). ``--redis
redis://host:port/db`` makes this one of several interchangeable processes on that store:
they wake each other and share per-process state through Redis.

Runs until SIGINT or SIGTERM, then shuts down gracefully. With ``--port 0`` the bound port
appears in the ``listening`` JSON log line on stdout. ``SENTRY_DSN`` turns on scrubbed error
reports.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from chat_desktop.relay.app import RelayServer, build_store
from chat_desktop.relay.blob_storage import BlobStorageUnavailable
from chat_desktop.relay.client_address import ProxyHeader, ProxySettings, parse_network
from chat_desktop.relay.config import (
    DEFAULT_MAX_DEVICES,
    DEFAULT_MAX_QUEUED_BYTES,
    FAILPOINTS,
    MAX_MAX_DEVICES,
    MIN_MAX_QUEUED_BYTES,
    RateLimits,
    RateRule,
    RelayConfig,
)
from chat_desktop.relay.logs import configure_logging, log_event
from chat_desktop.relay.telemetry import init_sentry
from chat_desktop.relay.turn_credentials import DEFAULT_TURN_TTL_S, TurnConfig

_RATE_RULE = re.compile(r"(?P<name>[a-z_]+)=(?P<count>[0-9]+)/(?P<period>[0-9]+(\.[0-9]+)?)")


def parse_rate_limits(overrides: Sequence[str]) -> RateLimits:
    """Applies ``NAME=COUNT/SECONDS`` overrides (e.g. ``messages=1000/1``) to the defaults.

    Raises:
        ValueError: An override is malformed or names an unknown limit.
    """
    limits = RateLimits()
    for override in overrides:
        match = _RATE_RULE.fullmatch(override)
        if match is None or int(match["count"]) < 1 or float(match["period"]) <= 0:
            raise ValueError(f"malformed rate limit {override!r}, expected NAME=COUNT/SECONDS")
        limits = limits.with_rule(
            match["name"], RateRule(int(match["count"]), float(match["period"]))
        )
    return limits


def build_parser() -> argparse.ArgumentParser:
    """Returns the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="chat-relay", description="The chat_desktop relay: routes ciphertext between devices."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="TCP port; 0 picks a free one")
    parser.add_argument(
        "--data-dir", type=Path, required=True, help="folder for the database and blob files"
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="postgresql://USER@HOST:PORT/DB to keep the store in PostgreSQL (shared by several "
        "relay processes; needs the postgres extra); default: SQLite in the data folder",
    )
    parser.add_argument(
        "--blobs",
        metavar="URL",
        help="s3://BUCKET[/PREFIX] to keep attachment blobs in an S3-compatible bucket (shared "
        "by several relay processes; needs the s3 extra; endpoint and credentials from "
        "AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION); "
        "default: files in the data folder",
    )
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="redis://HOST:PORT/DB to run as one of several relay processes sharing one store "
        "(--database): they wake each other and share connection state through Redis (needs "
        "the redis extra); default: one process, no Redis",
    )
    parser.add_argument(
        "--public-url", help="URL clients use to reach this relay (default: the bound address)"
    )
    parser.add_argument(
        "--rate-limit",
        action="append",
        default=[],
        metavar="NAME=COUNT/SECONDS",
        help="override a rate limit (messages, bundles, key_uploads, attachments, registrations, "
        "presence, visibility, account_deletions, device_links, device_removals, provisioning, "
        "profiles)",
    )
    parser.add_argument(
        "--max-devices",
        type=int,
        default=DEFAULT_MAX_DEVICES,
        metavar="N",
        help=f"most devices of one account (1 to {MAX_MAX_DEVICES}, default {DEFAULT_MAX_DEVICES})",
    )
    parser.add_argument(
        "--max-queued-bytes",
        type=int,
        default=DEFAULT_MAX_QUEUED_BYTES,
        metavar="BYTES",
        help="most undelivered message bytes kept for one recipient device; sends past it are "
        f"refused quota_exceeded (at least {MIN_MAX_QUEUED_BYTES}, "
        f"default {DEFAULT_MAX_QUEUED_BYTES})",
    )
    parser.add_argument(
        "--trusted-proxy",
        action="extend",
        nargs="+",
        default=[],
        metavar="CIDR",
        help="address or network of a reverse proxy in front of the relay (repeatable); only "
        "their forwarding header names the client address that per-address limits use",
    )
    parser.add_argument(
        "--proxy-header",
        choices=[header.value for header in ProxyHeader],
        default=ProxyHeader.X_FORWARDED_FOR.value,
        help="the header the trusted proxies write the client address in "
        "(default x-forwarded-for; forwarded is RFC 7239)",
    )
    parser.add_argument(
        "--turn-secret",
        help="secret shared with coturn (its static-auth-secret): calls get time-limited "
        "TURN credentials (docs/protocol.md §14.6); needs --turn-url",
    )
    parser.add_argument(
        "--turn-url",
        action="append",
        default=[],
        metavar="URL",
        help="a TURN server for calls, e.g. turn:turn.example.org:3478 (repeatable)",
    )
    parser.add_argument(
        "--turn-ttl",
        type=int,
        default=DEFAULT_TURN_TTL_S,
        help=f"seconds a TURN credential stays valid (default {DEFAULT_TURN_TTL_S})",
    )
    parser.add_argument("--sweep-interval", type=float, default=60.0, help="seconds between sweeps")
    parser.add_argument(
        "--gc-full-interval",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="seconds between two full garbage collections (default 600); they are timed, "
        "not triggered by the message rate",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    parser.add_argument("--failpoint", choices=FAILPOINTS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--reset-account",
        metavar="USERNAME",
        help="operator action: delete this account (a user who lost their device) and exit; "
        "they can then register again with a new identity key, which their contacts see",
    )
    return parser


async def reset_account(config: RelayConfig, username: str) -> bool:
    """Deletes one account from the relay's store (the relay may be running).

    The deletion is logged in the store; a running relay on the same data folder sees the
    log within ``reset_check_interval_s`` and cuts the account's live connections (at once
    with ``--redis``: the reset is published to every relay process).
    """
    store = build_store(config)
    await store.open()
    try:
        deleted = await store.delete_account(username)
    finally:
        await store.close()
    if deleted and config.redis_url is not None:
        from chat_desktop.relay.redis_peers import announce_reset

        if not await announce_reset(config.redis_url, username):
            log_event("redis_unavailable", logging.WARNING)
    return deleted


def config_from_args(args: argparse.Namespace) -> RelayConfig:
    """Builds the relay configuration from parsed arguments and the environment."""
    return RelayConfig(
        data_dir=args.data_dir,
        database_url=args.database,
        blobs_url=args.blobs,
        redis_url=args.redis,
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        rate_limits=parse_rate_limits(args.rate_limit),
        sweep_interval_s=args.sweep_interval,
        gc_full_interval_s=args.gc_full_interval,
        max_devices=args.max_devices,
        max_queued_bytes=args.max_queued_bytes,
        proxies=ProxySettings(
            trusted=tuple(parse_network(text) for text in args.trusted_proxy),
            header=ProxyHeader(args.proxy_header),
        ),
        sentry_dsn=os.environ.get("SENTRY_DSN") or None,
        failpoint=args.failpoint,
        turn=turn_config_from_args(args),
    )


def turn_config_from_args(args: argparse.Namespace) -> TurnConfig | None:
    """The TURN settings, or None when neither ``--turn-secret`` nor ``--turn-url`` is set.

    Raises:
        ValueError: Only one of them is set, or a value is out of range.
    """
    if not args.turn_secret and not args.turn_url:
        return None
    if not args.turn_secret or not args.turn_url:
        raise ValueError("--turn-secret and --turn-url go together")
    return TurnConfig(
        secret=args.turn_secret.encode(), urls=tuple(args.turn_url), ttl_s=args.turn_ttl
    )


async def serve(config: RelayConfig) -> None:
    """Runs a relay until SIGINT or SIGTERM, then stops it gracefully."""
    server = RelayServer(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await server.start()
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``chat-relay``; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as error:
        parser.error(str(error))
    configure_logging(args.log_level)
    if args.reset_account:
        deleted = asyncio.run(reset_account(config, args.reset_account))
        log_event("account_reset" if deleted else "account_not_found")
        return 0 if deleted else 1
    init_sentry(config.sentry_dsn)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(config))
    except BlobStorageUnavailable as error:
        log_event("blob_storage_unavailable", logging.ERROR, reason=str(error))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
