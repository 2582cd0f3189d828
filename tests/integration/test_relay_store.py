"""The relay's stores (SQLite, and PostgreSQL through the ``relay_store`` parameter), limits
and tokens with an injected clock (unit tests; PostgreSQL is the session's test server)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from relay_harness import make_pq_prekey, make_signed_prekey

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import DevicePayload
from chat_desktop.relay.config import DAY_MS, RateRule
from chat_desktop.relay.limits import RateLimiter
from chat_desktop.relay.pg_store import PgRelayStore
from chat_desktop.relay.sqlite_store import SqliteRelayStore
from chat_desktop.relay.store import AccountExists, NewAccount, RelayStore, UnknownRecipient
from chat_desktop.relay.telemetry import init_sentry
from chat_desktop.relay.tokens import BlobGrant, BlobTokens, InvalidToken

pytestmark = pytest.mark.unit

RETENTION = 30 * DAY_MS


@pytest.fixture
async def store(tmp_path: Path, relay_database: Callable[[], str | None]):
    url = relay_database()
    relay_store = SqliteRelayStore(tmp_path / "relay.sqlite3") if url is None else PgRelayStore(url)
    await relay_store.open()
    identity = IdentityKeyPair.generate()
    for name in ("alice", "bob"):
        await relay_store.create_account(
            NewAccount(
                username=name,
                identity_key=identity.public_key,
                signed_prekey=make_signed_prekey(identity, 1),
                pq_prekeys=[make_pq_prekey(identity, 9, last_resort=True)],
                one_time_prekeys=[],
            ),
            now_ms=0,
        )
    yield relay_store
    await relay_store.close()


async def _send(store: RelayStore, msg_id: str, now: int, expires_at: int | None = None):
    return await store.store_message(
        "alice", 1, msg_id, "bob", [DevicePayload(device_id=1, body=b"x")], expires_at, now
    )


async def test_account_names_are_unique(store: RelayStore) -> None:
    identity = IdentityKeyPair.generate()
    with pytest.raises(AccountExists):
        await store.create_account(
            NewAccount("alice", identity.public_key, make_signed_prekey(identity, 1), [], []), 1
        )


async def test_store_once_per_sender_and_id(store: RelayStore) -> None:
    first, second = await asyncio.gather(_send(store, "m1", 100), _send(store, "m1", 200))
    assert (first.server_ts, second.server_ts) == (100, 100)
    assert len(first.envelopes) + len(second.envelopes) == 1
    with pytest.raises(UnknownRecipient):
        await store.store_message("alice", 1, "m2", "nobody", [], None, 1)


async def test_expired_envelopes_are_never_pending_and_get_swept(store: RelayStore) -> None:
    await _send(store, "expiring", 100, expires_at=1_000)
    await _send(store, "old", 100)
    assert [e.msg_id for e in await store.pending_envelopes("bob", 1, 0, 999, 10)] == [
        "expiring",
        "old",
    ]
    assert [e.msg_id for e in await store.pending_envelopes("bob", 1, 0, 1_000, 10)] == ["old"]
    assert (await store.sweep(1_000, RETENTION)).envelopes == 1
    assert (await store.sweep(100 + RETENTION - 1, RETENTION)).envelopes == 0
    assert (await store.sweep(100 + RETENTION + 1, RETENTION)).envelopes == 1
    assert await store.pending_envelopes("bob", 1, 0, 0, 10) == []
    # After retention the dedupe record is gone too; within it, a repeat is still caught.
    assert (await _send(store, "old", 100 + RETENTION + 2)).envelopes


async def test_ack_deletes_only_the_acking_devices_envelopes(store: RelayStore) -> None:
    await _send(store, "m", 1)
    assert await store.delete_envelopes("alice", 1, ["m"]) == 0
    assert await store.delete_envelopes("bob", 1, ["m"]) == 1


async def test_nonces_are_remembered_until_they_expire(store: RelayStore) -> None:
    assert await store.remember_nonce(b"n" * 16, expires_at=100, now_ms=0)
    assert not await store.remember_nonce(b"n" * 16, expires_at=200, now_ms=50)
    assert await store.remember_nonce(b"n" * 16, expires_at=300, now_ms=100)


def test_rate_limiter_refills_and_reports_retry_after() -> None:
    now = [0.0]
    limiter = RateLimiter(RateRule(2, 1.0), clock=lambda: now[0])
    limiter.acquire("a")
    limiter.acquire("a")
    with pytest.raises(ProtocolError) as error:
        limiter.acquire("a")
    assert error.value.code is ErrorCode.RATE_LIMITED
    assert error.value.retry_after == pytest.approx(0.5)
    limiter.acquire("b")  # buckets are per key
    now[0] = 0.5
    limiter.acquire("a")


def test_blob_tokens_bind_purpose_blob_and_expiry() -> None:
    tokens = BlobTokens(b"k" * 32)
    token = tokens.issue(BlobGrant("put", "a" * 32, 10, valid_until=100))
    assert tokens.check(token, "put", "a" * 32, now_ms=99).max_size == 10
    for purpose, blob_id, now in [
        ("get", "a" * 32, 1),
        ("put", "b" * 32, 1),
        ("put", "a" * 32, 100),
    ]:
        with pytest.raises(InvalidToken):
            tokens.check(token, purpose, blob_id, now)
    with pytest.raises(InvalidToken):
        BlobTokens(b"j" * 32).check(token, "put", "a" * 32, 1)


def test_sentry_stays_off_without_a_dsn() -> None:
    assert init_sentry(None) is False
    assert init_sentry("") is False


SENTRY_PROBE = """
import sentry_sdk
from sentry_sdk.transport import Transport
from chat_desktop.relay.logs import log_exception
from chat_desktop.relay.telemetry import init_sentry
from chat_desktop.scrubbing import scrub_event

class Capture(Transport):
    envelopes = []
    def capture_envelope(self, envelope):
        Capture.envelopes.append(envelope)

assert init_sentry("https://public@sentry.invalid/1", transport=Capture({}))
assert sentry_sdk.get_client().options["before_send"] is scrub_event
try:
    raise ValueError("payload bytes of alice")
except ValueError:
    log_exception("event_failed")
sentry_sdk.flush()
events = [item.payload.json for e in Capture.envelopes for item in e.items if item.type == "event"]
assert len(events) == 1, events
assert "alice" not in repr(events[0])
print("ok")
"""


def test_sentry_reports_relay_errors_through_the_shared_scrubbing() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SENTRY_PROBE], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")
