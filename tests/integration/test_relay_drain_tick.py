"""The drain tick of several relay processes (issue 25; docs/protocol.md "Several relay
processes (Redis)", "Delivery without loss").

Each process asks the store once per tick which devices got envelopes lately
(``RelayStore.recipients_since``) and has only those of its queues drain, instead of reading
every connected queue: the store method on both stores, then two in-process relays on one
PostgreSQL database and a real ``redis-server``, their wake-ups thrown away so that only the
tick can carry a message over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from relay_harness import RelayClient, TestAccount, register_account
from test_relay_processes import (  # noqa: F401 (shared_database, start_relays: fixtures)
    Inbox,
    StartRelays,
    alice_on_a_bob_on_b,
    connect,
    peers_of,
    public_auth,
    send_numbers,
    shared_database,
    start_relays,
    wait_until,
)
from test_relay_store import store  # noqa: F401 (a fixture: alice and bob, one device each)

from chat_desktop.protocol.schemas import DevicePayload
from chat_desktop.relay import redis_peers
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.logs import LOGGER_NAME, JsonLineFormatter
from chat_desktop.relay.store import RelayStore

pytestmark = pytest.mark.integration

#: Ticks come fast in these tests, so they wait on conditions, not on the 5 s default.
FAST_TICK_S = 0.05
#: Idle connections on one process in the read-count test.
IDLE = 12


@pytest.fixture
def fast_ticks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every relay of the test ticks every :data:`FAST_TICK_S` seconds."""
    monkeypatch.setattr(redis_peers, "DRAIN_INTERVAL_S", FAST_TICK_S)


def lose_wake_ups(monkeypatch: pytest.MonkeyPatch, relay: RelayServer) -> None:
    """Throws away every wake-up ``relay`` publishes (as if Redis dropped them)."""
    monkeypatch.setattr(peers_of(relay), "wake", lambda devices: None)


class CountedReads:
    """Counts the finished ``pending_envelopes`` reads of one relay's store (its delivery
    queues' reads) by wrapping the method on that store object."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, relay: RelayServer) -> None:
        """Starts counting now."""
        self.count = 0
        read = relay.context.store.pending_envelopes

        async def counted(*args: Any, **kwargs: Any) -> Any:
            result = await read(*args, **kwargs)
            self.count += 1
            return result

        monkeypatch.setattr(relay.context.store, "pending_envelopes", counted)


async def idle_quietly(relay: RelayServer, reads: CountedReads, ticks: int) -> int:
    """Waits for ``ticks`` more successful ticks of ``relay``; returns the queue reads meanwhile."""
    peers = peers_of(relay)
    first_tick, first_count = peers.ticks, reads.count
    await wait_until(lambda: peers.ticks >= first_tick + ticks, f"{ticks} ticks")
    return reads.count - first_count


# ---- the store's query, on SQLite and PostgreSQL -------------------------------------------------


async def test_recipients_since_names_each_device_with_recent_envelopes_once(
    store: RelayStore,  # noqa: F811 (the imported fixture)
) -> None:
    async def send(sender: str, msg_id: str, recipient: str, now: int) -> None:
        payloads = [DevicePayload(device_id=1, body=b"x")]
        await store.store_message(sender, 1, msg_id, recipient, payloads, None, now)

    await send("alice", "m1", "bob", 100)
    await send("alice", "m2", "bob", 200)
    await send("bob", "m3", "alice", 300)

    assert sorted(await store.recipients_since(0, 10)) == [("alice", 1), ("bob", 1)]  # once each
    assert sorted(await store.recipients_since(200, 10)) == [("alice", 1), ("bob", 1)]  # >=
    assert await store.recipients_since(201, 10) == [("alice", 1)]
    assert await store.recipients_since(301, 10) == []
    assert len(await store.recipients_since(0, 1)) == 1  # bounded
    # Acked (deleted) envelopes no longer name their device.
    assert await store.delete_envelopes("alice", 1, ["m3"]) == 1
    assert await store.recipients_since(201, 10) == []


# ---- the tick across processes -------------------------------------------------------------------


async def test_a_message_whose_wake_up_is_lost_is_delivered_by_the_tick(
    monkeypatch: pytest.MonkeyPatch,
    fast_ticks: None,
    start_relays: StartRelays,  # noqa: F811 (the imported fixture)
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    a, b = await start_relays()
    lose_wake_ups(monkeypatch, a)
    _alice, bob, sender, _bob_client, inbox = await alice_on_a_bob_on_b(a, b, relay_clients)
    assert a.context.sessions.by_device(bob.username, bob.device_id) is None

    await send_numbers(sender, bob, [1, 2, 3])

    await wait_until(lambda: inbox.numbers == [1, 2, 3], "the messages, by the tick")
    await send_numbers(sender, bob, [4])  # a duplicate of 1-3 would come before it
    await wait_until(lambda: inbox.numbers[-1:] == [4], "the last message")
    assert inbox.numbers == [1, 2, 3, 4]


async def test_idle_connections_cost_the_tick_no_store_reads(
    monkeypatch: pytest.MonkeyPatch,
    fast_ticks: None,
    start_relays: StartRelays,  # noqa: F811 (the imported fixture)
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    a, b = await start_relays()
    lose_wake_ups(monkeypatch, a)
    reads = CountedReads(monkeypatch, b)
    accounts = [await register_account(b.url, one_time=0, pq_one_time=0) for _ in range(IDLE)]
    idle = [relay_clients(account) for account in accounts]
    inboxes = [Inbox(client) for client in idle]
    for account, client in zip(accounts, idle, strict=True):
        await client.connect(b.url, auth=public_auth(account))
    await wait_until(lambda: reads.count >= IDLE, "the drains on connect")

    # Nothing was sent: five ticks read no queue (the timer used to read all IDLE each time).
    assert await idle_quietly(b, reads, ticks=5) == 0

    # A message whose wake-up is lost: the tick has that one queue read, no other.
    alice = await register_account(a.url)
    sender = await connect(relay_clients, a.url, alice)
    await send_numbers(sender, accounts[0], [1])
    await wait_until(lambda: inboxes[0].numbers == [1], "the message, by the tick")
    assert all(inbox.numbers == [] for inbox in inboxes[1:])
    # Five more ticks: Bob's queue is read again while his envelope is in the ticks' window
    # (acked or not), the other queues never.
    assert await idle_quietly(b, reads, ticks=5) <= 2 * 5

    # The same counter sees the old cost: with the fall-back to draining every queue forced
    # (a tick that gets the limit of recipients), each tick reads all IDLE queues again.
    monkeypatch.setattr(redis_peers, "DRAIN_TICK_RECIPIENTS", 0)
    assert await idle_quietly(b, reads, ticks=3) >= IDLE


async def test_a_tick_that_gets_the_limit_of_recipients_drains_every_queue(
    monkeypatch: pytest.MonkeyPatch,
    fast_ticks: None,
    start_relays: StartRelays,  # noqa: F811 (the imported fixture)
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    monkeypatch.setattr(redis_peers, "DRAIN_TICK_RECIPIENTS", 1)
    a, b = await start_relays()
    lose_wake_ups(monkeypatch, a)
    alice = await register_account(a.url)
    bob, carol = await register_account(b.url), await register_account(b.url)
    sender = await connect(relay_clients, a.url, alice)
    inboxes = []
    for account in (bob, carol):
        client = relay_clients(account)
        inboxes.append(Inbox(client))
        await client.connect(b.url, auth=public_auth(account))

    await send_numbers(sender, bob, [1])
    await send_numbers(sender, carol, [2])

    # The query names one of the two devices (its limit): the tick reads every queue.
    await wait_until(lambda: [i.numbers for i in inboxes] == [[1], [2]], "both messages")


class FormattedLogs(logging.Handler):
    """The relay's log lines of one test, as the relay writes them (JSON)."""

    def __init__(self) -> None:
        """Starts empty."""
        super().__init__(logging.INFO)
        self.setFormatter(JsonLineFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keeps the formatted line."""
        self.lines.append(self.format(record))


@pytest.fixture
def relay_logs() -> Iterator[FormattedLogs]:
    """The relay's formatted log lines during the test."""
    logs = FormattedLogs()
    relay_logger = logging.getLogger(LOGGER_NAME)
    level = relay_logger.level
    relay_logger.addHandler(logs)
    relay_logger.setLevel(logging.INFO)
    try:
        yield logs
    finally:
        relay_logger.removeHandler(logs)
        relay_logger.setLevel(level)


async def test_a_failing_store_does_not_move_the_tick_past_a_message(
    monkeypatch: pytest.MonkeyPatch,
    fast_ticks: None,
    start_relays: StartRelays,  # noqa: F811 (the imported fixture)
    relay_clients: Callable[[TestAccount], RelayClient],
    relay_logs: FormattedLogs,
) -> None:
    # No slack: only "a failed tick keeps its start" can bring the message over.
    monkeypatch.setattr(redis_peers, "DRAIN_SLACK_MS", 0)
    a, b = await start_relays()
    lose_wake_ups(monkeypatch, a)
    failing, failures = [True], [0]
    query = b.context.store.recipients_since

    async def hostile_query(since_ms: int, limit: int) -> list[tuple[str, int]]:
        if failing[0]:
            failures[0] += 1
            raise ConnectionError("secret-store-detail")  # a message the log must not quote
        return await query(since_ms, limit)

    monkeypatch.setattr(b.context.store, "recipients_since", hostile_query)
    reads = CountedReads(monkeypatch, b)
    _alice, bob, sender, _bob_client, inbox = await alice_on_a_bob_on_b(a, b, relay_clients)
    await wait_until(lambda: reads.count >= 1, "Bob's drain on connect")

    await send_numbers(sender, bob, [1])
    stored_at = failures[0]
    # Two ticks that began after the message was stored fail: a tick that moved its start
    # on failure would now look only past the message.
    await wait_until(lambda: failures[0] >= stored_at + 2, "failed ticks")
    assert inbox.numbers == []
    failing[0] = False

    await wait_until(lambda: inbox.numbers == [1], "the message, once the store answers")
    failed = [line for line in relay_logs.lines if '"drain_tick_failed"' in line]
    assert failed and all('"error_type":"ConnectionError"' in line for line in failed)
    assert not any("secret-store-detail" in line for line in relay_logs.lines)
