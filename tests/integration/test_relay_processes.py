"""The relay as several processes on one PostgreSQL store, signalling through a real Redis
(issue 25, acceptance 2 and 4; docs/protocol.md "Several relay processes (Redis)").

Most tests run two in-process :class:`RelayServer` instances on one database and one
``redis-server``; the crash test runs two real ``python -m chat_desktop.relay`` processes
behind a small TCP forwarder that stands in for nginx. Both relays of a test share one public
URL, as they would behind a load balancer: a client signs its connect for that origin
whichever process it reaches.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as redis_asyncio
import socketio
from postgres_server import PostgresServer
from redis_server import RedisServer
from relay_device_helpers import (
    DeviceWatch,
    add_device,
    http_call,
    link_new_device,
    link_token,
    register_device_account,
)
from relay_harness import (
    RELAXED_LIMITS,
    RelayClient,
    RelayProcess,
    TestAccount,
    new_message_id,
    register_account,
    send_payload,
)

from chat_desktop.protocol import events
from chat_desktop.protocol.auth import build_connect_auth, relay_origin
from chat_desktop.protocol.codec import b64url_decode, b64url_encode
from chat_desktop.relay import redis_peers
from chat_desktop.relay.__main__ import parse_rate_limits, reset_account
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.relay.logs import LOGGER_NAME
from chat_desktop.relay.provisioning import MAX_CHANNELS_PER_ADDRESS
from chat_desktop.relay.redis_messages import (
    DEVICES_CHANNEL,
    PRESENCE_CHANNEL,
    RESET_CHANNEL,
    WAKE_CHANNEL,
)
from chat_desktop.relay.redis_peers import RedisPeers

pytestmark = pytest.mark.integration

#: The public URL both in-process relays of a test answer for (never dialled).
PUBLIC_URL = "https://chat.example"
#: Messages of acceptance criterion 2.
MESSAGES = 1000
#: How long Redis stays stopped in the outage test (criterion 2).
OUTAGE_S = 30.0
#: Test relays take messages as fast as the test sends them (the default is 60 a second).
LIMITS = (*RELAXED_LIMITS, "messages=100000/1")
#: Longest wait for anything in these tests.
WAIT_S = 60.0


# ---- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def shared_database(postgres_server: PostgresServer) -> Iterator[str]:
    """One empty PostgreSQL database for every relay of the test (emptied afterwards)."""
    url = postgres_server.create_database()
    yield url
    postgres_server.release_database(url)


def relay_config(data_dir: Path, database: str, redis_url: str) -> RelayConfig:
    """An in-process relay of a group on ``database`` and ``redis_url``."""
    return RelayConfig(
        data_dir=data_dir,
        database_url=database,
        redis_url=redis_url,
        port=0,
        public_url=PUBLIC_URL,
        rate_limits=parse_rate_limits(LIMITS),
    )


def peers_of(relay: RelayServer) -> RedisPeers:
    """The relay's Redis side."""
    peers = relay.context.peers
    assert isinstance(peers, RedisPeers)
    return peers


async def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Waits (bounded) until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


StartRelays = Callable[..., Awaitable[tuple[RelayServer, RelayServer]]]


@pytest.fixture
async def start_relays(
    tmp_path: Path, shared_database: str, redis_server: RedisServer
) -> AsyncIterator[StartRelays]:
    """Starts two in-process relays on one database and one Redis (``limits``: rate-limit
    overrides; ``subscribed``: wait until both listen to Redis; ``changes``: other config
    fields); stopped at teardown, after the test's clients are gone (request
    ``relay_clients`` after this fixture)."""
    started: list[RelayServer] = []

    async def start(
        limits: Sequence[str] = LIMITS, subscribed: bool = True, **changes: Any
    ) -> tuple[RelayServer, RelayServer]:
        relays = []
        for name in ("a", "b"):
            config = relay_config(
                tmp_path / f"{name}{len(started)}", shared_database, redis_server.url
            )
            relay = RelayServer(
                dataclasses.replace(config, rate_limits=parse_rate_limits(limits), **changes)
            )
            await relay.start()
            started.append(relay)
            relays.append(relay)
        if subscribed:
            await wait_until(lambda: all(peers_of(r).connected for r in relays), "subscriptions")
        return relays[0], relays[1]

    yield start
    for relay in reversed(started):
        await relay.stop()


@pytest.fixture
async def two_relays(start_relays: StartRelays) -> tuple[RelayServer, RelayServer]:
    """Two in-process relays on one database and one Redis, both subscribed."""
    return await start_relays()


def public_auth(account: TestAccount, origin_url: str = PUBLIC_URL) -> dict[str, Any]:
    """A fresh connect ``auth`` signed for the relays' shared public origin."""
    return build_connect_auth(
        account.username, account.device_id, relay_origin(origin_url), account.sign
    )


async def connect(
    clients: Callable[[TestAccount], RelayClient], relay_url: str, account: TestAccount
) -> RelayClient:
    """Connects ``account`` to one process (signed for the public origin)."""
    client = clients(account)
    await client.connect(relay_url, auth=public_auth(account))
    return client


class Inbox:
    """Collects a client's ``message`` events as the numbers in their bodies, acking each."""

    def __init__(self, client: RelayClient) -> None:
        """Takes over ``client``'s message events (before it connects)."""
        self.client = client
        self.numbers: list[int] = []
        self.connection = 1
        #: The connection (1, 2, ...) each number arrived on, in arrival order.
        self.arrivals: list[tuple[int, int]] = []
        client.sio.on(events.MESSAGE, self._on_message)

    async def _on_message(self, data: dict[str, Any]) -> None:
        number = int(bytes(data["body"]))
        self.numbers.append(number)
        self.arrivals.append((self.connection, number))
        with contextlib.suppress(socketio.exceptions.SocketIOError):
            await self.client.sio.emit(events.MESSAGE_ACK, {"ids": [data["id"]]})

    def distinct(self) -> int:
        """How many different messages arrived."""
        return len(set(self.numbers))


async def alice_on_a_bob_on_b(
    a: RelayServer, b: RelayServer, clients: Callable[[TestAccount], RelayClient]
) -> tuple[TestAccount, TestAccount, RelayClient, RelayClient, Inbox]:
    """Alice connected to process A, Bob to process B with an inbox: (alice, bob, Alice's
    client, Bob's client, Bob's inbox)."""
    alice, bob = await register_account(a.url), await register_account(b.url)
    sender = await connect(clients, a.url, alice)
    bob_client = clients(bob)
    inbox = Inbox(bob_client)
    await bob_client.connect(b.url, auth=public_auth(bob))
    return alice, bob, sender, bob_client, inbox


async def send_numbers(sender: RelayClient, to: TestAccount, numbers: Sequence[int]) -> None:
    """Sends ``numbers`` one after the other (each acked before the next), bodies b"N"."""
    for number in numbers:
        ack = await sender.call(events.MESSAGE_SEND, send_payload(to, str(number).encode()))
        assert ack["ok"] is True, ack


class LogRecords(logging.Handler):
    """The relay's log records of one test (in-process relays)."""

    def __init__(self, level: int = logging.INFO) -> None:
        """Starts empty; attach with :meth:`attached`."""
        super().__init__(level)
        self.events: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keeps the event name."""
        self.events.append(record.getMessage())

    @contextlib.contextmanager
    def attached(self) -> Iterator[LogRecords]:
        """Records the relay logger's records of this handler's level while in the block."""
        relay_logger = logging.getLogger(LOGGER_NAME)
        level = relay_logger.level
        relay_logger.addHandler(self)
        relay_logger.setLevel(self.level)
        try:
            yield self
        finally:
            relay_logger.removeHandler(self)
            relay_logger.setLevel(level)


# ---- criterion 2: messages between processes ---------------------------------------------------


async def test_wake_ups_carry_1000_messages_across_processes_exactly_once_in_order(
    monkeypatch: pytest.MonkeyPatch,
    start_relays: StartRelays,
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    # No drain ticks in this test: only the Redis wake-ups can bring the messages over.
    monkeypatch.setattr(redis_peers, "DRAIN_INTERVAL_S", 3600.0)
    a, b = await start_relays()
    alice, bob, sender, bob_client, inbox = await alice_on_a_bob_on_b(a, b, relay_clients)
    assert b.context.sessions.by_device(bob.username, bob.device_id) is not None
    assert a.context.sessions.by_device(bob.username, bob.device_id) is None

    await send_numbers(sender, bob, range(MESSAGES))

    await wait_until(lambda: len(inbox.numbers) >= MESSAGES, "1000 messages")
    await send_numbers(sender, bob, [MESSAGES])  # a last one: a late duplicate comes before it
    await wait_until(lambda: inbox.numbers[-1] == MESSAGES, "the last message")
    assert inbox.numbers == list(range(MESSAGES + 1))  # all, once each, in order
    # And back: Bob on B to Alice on A.
    alice_inbox = Inbox(sender)
    await send_numbers(bob_client, alice, [7])
    await wait_until(lambda: alice_inbox.numbers == [7], "the answer")


async def test_a_group_message_reaches_its_members_on_both_processes_once(
    monkeypatch: pytest.MonkeyPatch,
    start_relays: StartRelays,
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    """Criterion 3: one ``message:send_multi`` (a group message) sent through A reaches a
    member connected to A (pushed) and one connected to B (woken through Redis), each once."""
    monkeypatch.setattr(redis_peers, "DRAIN_INTERVAL_S", 3600.0)  # only wake-ups cross
    a, b = await start_relays()
    alice, bob, carol = [await register_account(a.url) for _ in range(3)]
    sender = await connect(relay_clients, a.url, alice)
    bob_client = relay_clients(bob)
    bob_inbox = Inbox(bob_client)
    await bob_client.connect(b.url, auth=public_auth(bob))
    carol_client = relay_clients(carol)
    carol_inbox = Inbox(carol_client)
    await carol_client.connect(a.url, auth=public_auth(carol))
    group = [{"user": member.username, "device_ids": [member.device_id]} for member in (bob, carol)]

    for number in (1, 2):
        payload = {"id": new_message_id(), "recipients": group, "body": str(number).encode()}
        ack = await sender.call(events.MESSAGE_SEND_MULTI, payload)
        assert ack["ok"] is True, ack

    await wait_until(lambda: bob_inbox.numbers[-1:] == [2], "the group messages on B")
    await wait_until(lambda: carol_inbox.numbers[-1:] == [2], "the group messages on A")
    assert bob_inbox.numbers == [1, 2]
    assert carol_inbox.numbers == [1, 2]


async def test_a_redis_outage_delays_messages_but_loses_none(
    two_relays: tuple[RelayServer, RelayServer],
    redis_server: RedisServer,
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    a, b = two_relays
    _alice, bob, sender, _bob_client, inbox = await alice_on_a_bob_on_b(a, b, relay_clients)
    first, during, after = range(0, 300), range(300, 700), range(700, MESSAGES)

    with LogRecords().attached() as logs:
        await send_numbers(sender, bob, first)
        await wait_until(lambda: len(inbox.numbers) >= len(first), "the first messages")

        redis_server.kill()  # the outage: both relays lose their subscription
        outage_began = asyncio.get_running_loop().time()
        await wait_until(
            lambda: not peers_of(a).connected and not peers_of(b).connected, "the outage"
        )
        await send_numbers(sender, bob, during)  # still acked: the relays keep serving
        # Delivered while Redis is still down: by B's drain tick, from the store.
        await wait_until(lambda: len(inbox.numbers) >= during.stop, "messages during the outage")
        # The outage lasts as long as the criterion says (not a wait for anything).
        down_for = asyncio.get_running_loop().time() - outage_began
        await asyncio.sleep(max(0.0, OUTAGE_S - down_for))
        assert not peers_of(a).connected and not peers_of(b).connected

        redis_server.start()
        await wait_until(lambda: peers_of(a).connected and peers_of(b).connected, "reconnects")
        await send_numbers(sender, bob, [*after, MESSAGES])  # a last one: see above
        await wait_until(lambda: inbox.numbers[-1:] == [MESSAGES], "every message")

    assert inbox.numbers == list(range(MESSAGES + 1))  # all, once each, in order
    # The outage is logged once per process however many reconnects failed, and its end too.
    assert logs.events.count("redis_unavailable") == 2
    assert logs.events.count("redis_connected") == 2


class Forwarder:
    """A loopback TCP forwarder standing in for nginx: each new connection goes to the first
    backend that accepts it, so clients of a dead process reconnect to a live one."""

    def __init__(self) -> None:
        """Not listening yet; :meth:`start` binds a port."""
        self.backends: list[int] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        """The URL clients dial."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Binds 127.0.0.1 on a free port."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Closes the listener and every forwarded connection."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        for port in self.backends:
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                continue
        else:
            writer.close()
            return
        self._writers.add(upstream_writer)
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()
            self._writers.discard(writer)


async def test_a_killed_process_loses_nothing_its_clients_move_to_the_other(
    tmp_path: Path,
    shared_database: str,
    redis_server: RedisServer,
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    forwarder = Forwarder()
    await forwarder.start()
    args = [
        *(arg for limit in LIMITS for arg in ("--rate-limit", limit)),
        *("--database", shared_database, "--redis", redis_server.url),
        *("--public-url", forwarder.url),
    ]
    processes = [RelayProcess(tmp_path / name, args) for name in ("a", "b")]
    try:
        for process in processes:
            process.start()
        a, b = processes
        forwarder.backends = [a.port, b.port]  # new connections go to A while it lives
        alice, bob = await register_account(b.url), await register_account(b.url)
        sender = relay_clients(alice)
        await sender.connect(b.url, auth=public_auth(alice, forwarder.url))
        bob_client = relay_clients(bob)
        inbox = Inbox(bob_client)
        dropped = asyncio.Event()
        bob_client.sio.on("disconnect", lambda *_: dropped.set())
        await bob_client.connect(forwarder.url, auth=public_auth(bob, forwarder.url))  # on A

        sending = asyncio.create_task(send_numbers(sender, bob, range(MESSAGES)))
        await wait_until(lambda: len(inbox.numbers) >= 300, "messages before the crash")
        a.kill()  # SIGKILL: no shutdown code runs on A
        await asyncio.wait_for(dropped.wait(), WAIT_S)
        inbox.connection = 2
        await bob_client.connect(forwarder.url, auth=public_auth(bob, forwarder.url))  # on B
        await asyncio.wait_for(sending, WAIT_S)
        await wait_until(lambda: inbox.distinct() >= MESSAGES, "every message after the crash")
    finally:
        await forwarder.stop()
        for process in processes:
            process.kill()

    assert set(inbox.numbers) == set(range(MESSAGES))  # nothing lost
    first_arrivals = list(dict.fromkeys(inbox.numbers))
    assert first_arrivals == list(range(MESSAGES))  # first arrivals in order
    # A repeat is only one A pushed but whose ack it never committed: redelivered by B once.
    on_a = {number for connection, number in inbox.arrivals if connection == 1}
    repeats = [number for number in set(inbox.numbers) if inbox.numbers.count(number) > 1]
    assert all(number in on_a and inbox.numbers.count(number) == 2 for number in repeats)


# ---- criterion 4: a link whose two halves talk to different processes ---------------------------


def channel_url(relay: RelayServer, provision_id: str, wait: str | None = None) -> str:
    """The URL of one provisioning channel on one process, with ``?wait=`` when given."""
    url = relay.url + events.provisioning_path(provision_id)
    return url if wait is None else f"{url}?wait={wait}"


def envelope_body(envelope: bytes) -> bytes:
    """A ``PUT`` body carrying ``envelope``."""
    return b'{"envelope":"' + b64url_encode(envelope).encode("ascii") + b'"}'


async def open_channel(relay: RelayServer) -> str:
    """Opens a provisioning channel through ``relay``; returns its id."""
    status, answer = await http_call("POST", relay.url + events.PROVISIONING_PATH)
    assert status == 201, answer
    return str(answer["provision_id"])


async def test_linking_works_when_the_two_halves_talk_to_different_processes(
    two_relays: tuple[RelayServer, RelayServer],
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    a, b = two_relays
    alice = await register_device_account(a.url)
    existing = await connect(relay_clients, a.url, alice)  # the existing device, on A
    existing_watch = DeviceWatch(existing)

    # Opened through A, filled and read through B.
    provision_id = await open_channel(a)
    token = await link_token(existing)
    put = await http_call("PUT", channel_url(b, provision_id), envelope_body(b"x" * 100), token)
    assert put == (204, None)
    assert await http_call("GET", channel_url(b, provision_id, "0")) == (
        200,
        {"envelope": b64url_encode(b"x" * 100)},
    )
    assert (await http_call("GET", channel_url(a, provision_id, "0")))[0] == 404  # one fetch

    # The new device waits on A while the existing device fills through B: the fill wakes it.
    provision_id = await open_channel(b)
    poll = asyncio.create_task(http_call("GET", channel_url(a, provision_id, "30")))
    token = await link_token(existing)
    put = await http_call("PUT", channel_url(b, provision_id), envelope_body(token.encode()), token)
    assert put == (204, None)
    status, answer = await asyncio.wait_for(poll, WAIT_S)
    assert status == 200
    carried_token = b64url_decode(answer["envelope"]).decode()
    # A second fill through the other process is refused (the token and the channel are spent).
    refill = await http_call("PUT", channel_url(a, provision_id), envelope_body(b"y"), token)
    assert refill[0] == 401
    # The new device registers through B; the existing device on A hears of it.
    status, linked, _ = await link_new_device(b.url, alice, carried_token)
    assert (status, linked) == (201, {"device_id": 2})
    assert await existing_watch.next_change() == [1, 2]


async def test_the_channel_limits_hold_across_processes(
    two_relays: tuple[RelayServer, RelayServer],
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    a, b = two_relays
    opened = [
        await open_channel(a if index % 2 else b) for index in range(MAX_CHANNELS_PER_ADDRESS)
    ]
    # The address's channels on both processes count: one more is refused on either.
    for relay in (a, b):
        status, answer = await http_call("POST", relay.url + events.PROVISIONING_PATH)
        assert (status, answer["error"]) == (429, "rate_limited")
    # A channel filled through one process cannot be filled again through the other.
    alice = await register_device_account(a.url)
    existing = await connect(relay_clients, a.url, alice)
    first, second = await link_token(existing), await link_token(existing)
    put = await http_call("PUT", channel_url(a, opened[0]), envelope_body(b"1"), first)
    assert put == (204, None)
    refill = await http_call("PUT", channel_url(b, opened[0]), envelope_body(b"2"), second)
    assert (refill[0], refill[1]["error"]) == (409, "conflict")
    # An unknown channel is unknown everywhere.
    assert (await http_call("GET", channel_url(b, "0" * 32, "0")))[0] == 404


# ---- presence across processes -----------------------------------------------------------------


def presence_flags(client: RelayClient, user: str) -> list[bool]:
    """The ``online`` values of the ``presence`` events ``client`` got about ``user``."""
    return [
        entry["online"]
        for name, payload in client.events
        if name == events.PRESENCE
        for entry in payload["presence"]
        if entry["user"] == user
    ]


async def test_presence_counts_the_devices_on_every_process(
    two_relays: tuple[RelayServer, RelayServer],
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    a, b = two_relays
    watcher_account = await register_account(a.url)
    bob = await register_device_account(b.url)
    watcher = await connect(relay_clients, a.url, watcher_account)  # follows Bob from A
    ack = await watcher.call(events.PRESENCE_SUBSCRIBE, {"users": [bob.username]})
    assert ack["presence"] == [{"user": bob.username, "online": False}]

    on_b = await connect(relay_clients, b.url, bob)  # Bob's first device, on B
    await wait_until(lambda: presence_flags(watcher, bob.username) == [True], "online via B")
    ack = await watcher.call(events.PRESENCE_SUBSCRIBE, {"users": [bob.username]})
    assert ack["presence"] == [{"user": bob.username, "online": True}]  # A asks Redis

    second = await add_device(b.url, on_b, bob)
    on_a = await connect(relay_clients, a.url, second)  # and his second, on A
    await wait_until(lambda: len(presence_flags(watcher, bob.username)) == 2, "online via A")
    with LogRecords(logging.DEBUG).attached() as logs:
        await on_a.disconnect()  # Bob is still online through B: A must not say "offline"
        await wait_until(lambda: "offline_not_announced" in logs.events, "A's decision")
    await on_b.disconnect()  # now he is gone everywhere
    await wait_until(lambda: presence_flags(watcher, bob.username)[-1:] == [False], "offline")
    assert presence_flags(watcher, bob.username) == [True, True, False]


# ---- rate limits across processes ---------------------------------------------------------------


async def test_a_rate_rule_is_allowed_once_across_processes_not_once_per_process(
    start_relays: StartRelays,
    redis_server: RedisServer,
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    a, b = await start_relays([*LIMITS, "presence=2/3600"])
    alice = await register_account(a.url)
    on_a = await connect(relay_clients, a.url, alice)
    on_b = await connect(relay_clients, b.url, alice)
    subscribe = {"users": [alice.username]}
    assert (await on_a.call(events.PRESENCE_SUBSCRIBE, subscribe))["ok"] is True
    assert (await on_b.call(events.PRESENCE_SUBSCRIBE, subscribe))["ok"] is True
    # Two per hour for the account, wherever it asks: the third is refused on both.
    for client in (on_a, on_b):
        refused = await client.call(events.PRESENCE_SUBSCRIBE, subscribe)
        assert refused["error"] == "rate_limited"
        assert refused["retry_after"] > 0
    # Without Redis each process falls back to its own buckets: still serving.
    redis_server.kill()
    await wait_until(lambda: not peers_of(a).connected, "the outage")
    assert (await on_a.call(events.PRESENCE_SUBSCRIBE, subscribe))["ok"] is True


# ---- hostile: what a stolen CONNECT or a forged signal can do ----------------------------------


async def test_a_connect_replayed_on_the_other_process_is_refused(
    two_relays: tuple[RelayServer, RelayServer],
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    a, b = two_relays
    alice = await register_account(a.url)
    auth = public_auth(alice)
    await relay_clients(alice).connect(a.url, auth=auth)

    replay = relay_clients(alice)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await replay.connect(b.url, auth=dict(auth))
    assert replay.connect_error["data"]["error"] == "unauthorized"
    assert replay.connect_error["data"]["message"] == "replayed nonce"
    assert b.context.sessions.by_device(alice.username, alice.device_id) is None
    # A fresh signature is welcome on B: the refusal was the replayed nonce.
    await relay_clients(alice).connect(b.url, auth=public_auth(alice))
    assert b.context.sessions.by_device(alice.username, alice.device_id) is not None


async def test_a_device_removed_through_one_process_is_cut_on_the_other(
    two_relays: tuple[RelayServer, RelayServer],
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    a, b = two_relays
    alice = await register_device_account(a.url)
    first = await connect(relay_clients, a.url, alice)
    second_device = await add_device(a.url, first, alice)
    second = relay_clients(second_device)
    second_watch = DeviceWatch(second)
    await second.connect(b.url, auth=public_auth(second_device))
    third_device = await add_device(a.url, first, alice)
    # The link through A reached the device connected to B.
    assert await second_watch.next_change() == [1, 2, 3]
    third = relay_clients(third_device)
    third_watch = DeviceWatch(third)
    await third.connect(b.url, auth=public_auth(third_device))

    assert await first.call(events.DEVICES_REMOVE, {"device_id": 2}) == {"ok": True}

    # Device removals are in no log that B polls: only the Redis signal can cut it there.
    assert await second_watch.next_change() == [1, 3]  # it learns why ...
    await asyncio.wait_for(second_watch.disconnected.wait(), WAIT_S)  # ... then is cut
    assert second_watch.order[-2:] == [events.DEVICES_CHANGED, "disconnect"]
    assert b.context.sessions.by_device(alice.username, 2) is None
    assert await third_watch.next_change() == [1, 3]  # the account's other device on B
    assert not third_watch.disconnected.is_set()
    refused = relay_clients(second_device)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await refused.connect(b.url, auth=public_auth(second_device))
    assert refused.connect_error["data"]["error"] == "device_removed"


async def test_an_operator_reset_cuts_the_account_on_every_process_at_once(
    start_relays: StartRelays,
    tmp_path: Path,
    shared_database: str,
    redis_server: RedisServer,
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    # The relays look at the reset log once an hour here: only Redis can cut at once.
    a, b = await start_relays(reset_check_interval_s=3600.0)
    alice, bob = await register_account(a.url), await register_account(a.url)
    on_b = relay_clients(alice)
    dropped = asyncio.Event()
    on_b.sio.on("disconnect", lambda *_: dropped.set())
    await on_b.connect(b.url, auth=public_auth(alice))
    bystander = await connect(relay_clients, a.url, bob)

    operator = RelayConfig(
        data_dir=tmp_path / "operator", database_url=shared_database, redis_url=redis_server.url
    )
    assert await reset_account(operator, alice.username)

    await asyncio.wait_for(dropped.wait(), WAIT_S)
    assert b.context.sessions.by_device(alice.username, alice.device_id) is None
    assert bystander.sio.connected


async def test_forged_and_malformed_redis_messages_cut_and_invent_nothing(
    two_relays: tuple[RelayServer, RelayServer],
    redis_server: RedisServer,
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    a, b = two_relays
    alice, bob, sender, bob_client, inbox = await alice_on_a_bob_on_b(a, b, relay_clients)
    intruder = redis_asyncio.Redis.from_url(redis_server.url)
    forged_origin = "0123456789abcdef"
    try:
        with LogRecords().attached() as logs:
            for channel in (WAKE_CHANNEL, DEVICES_CHANNEL, RESET_CHANNEL, PRESENCE_CHANNEL):
                for junk in (b"", b"\xff\x00", b"[]", b'{"origin": "x", "user": "bob"}'):
                    await intruder.publish(channel, junk)
            await intruder.publish(
                WAKE_CHANNEL,
                b'{"origin":"%s","devices":[["%s",1]],"extra":1}'
                % (forged_origin.encode(), bob.username.encode()),
            )
            # Well-formed lies: Bob's live device "removed", Bob's account "reset".
            await intruder.publish(
                DEVICES_CHANNEL,
                b'{"origin":"%s","user":"%s","removed":%d}'
                % (forged_origin.encode(), bob.username.encode(), bob.device_id),
            )
            await intruder.publish(
                RESET_CHANNEL,
                b'{"origin":"%s","user":"%s"}' % (forged_origin.encode(), bob.username.encode()),
            )
            await wait_until(
                lambda: logs.events.count("redis_message_malformed") >= 2 * 17, "the junk"
            )
            # The relays checked the store and cut nothing; messages still flow.
            await send_numbers(sender, bob, [1, 2])
            await wait_until(lambda: inbox.numbers == [1, 2], "messages after the forgeries")
    finally:
        await intruder.aclose()
    assert bob_client.sio.connected
    assert b.context.sessions.by_device(bob.username, bob.device_id) is not None
    assert a.context.sessions.by_device(alice.username, alice.device_id) is not None
    assert "connection_cut" not in logs.events


def test_the_relay_takes_a_redis_url_on_the_command_line(tmp_path: Path) -> None:
    from chat_desktop.relay.__main__ import build_parser, config_from_args

    args = build_parser().parse_args(["--data-dir", str(tmp_path), "--redis", "redis://h:1/2"])
    assert config_from_args(args).redis_url == "redis://h:1/2"
    with pytest.raises(ValueError, match="redis"):
        RelayConfig(data_dir=tmp_path, redis_url="http://h:1/2")
    # Without it nothing of Redis is used.
    bare = build_parser().parse_args(["--data-dir", str(tmp_path)])
    assert config_from_args(bare).redis_url is None


async def test_a_relay_starts_and_serves_while_redis_is_down(
    start_relays: StartRelays,
    redis_server: RedisServer,
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    redis_server.kill()
    a, b = await start_relays(subscribed=False)
    assert not peers_of(a).connected
    _alice, bob, sender, _bob_client, inbox = await alice_on_a_bob_on_b(a, b, relay_clients)
    await send_numbers(sender, bob, [1])
    await wait_until(lambda: inbox.numbers == [1], "a message through the store")
    redis_server.start()
    await wait_until(lambda: peers_of(a).connected and peers_of(b).connected, "subscriptions")
    await send_numbers(sender, bob, [2])
    await wait_until(lambda: inbox.numbers == [1, 2], "a message after Redis came up")
