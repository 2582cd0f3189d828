"""The per-recipient-device storage quota (docs/protocol.md §6.6 / §6.8, issue 18 §6 e).

A device that stays offline makes the relay keep what is sent to it; past
``--max-queued-bytes`` of waiting bodies a send to it is refused ``quota_exceeded`` and
nothing of it is stored (not even for the recipient's other devices). The check is in the
write that stores, so concurrent sends cannot pass the quota together; acks free room. The
client shows such a send as failed instead of retrying it forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import all_outgoing_have_status, new_client, wait_until
from relay_device_helpers import DeviceAccount, add_device, register_device_account
from relay_harness import RELAXED_LIMITS, RelayClient, TestAccount, new_message_id

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.protocol import events
from chat_desktop.protocol.auth import now_ms
from chat_desktop.protocol.errors import HTTP_STATUS, ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import MAX_BODY_SIZE
from chat_desktop.relay.__main__ import build_parser, config_from_args, parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import DEFAULT_MAX_QUEUED_BYTES, MIN_MAX_QUEUED_BYTES, RelayConfig
from chat_desktop.storage.models import MessageStatus

pytestmark = pytest.mark.integration

Clients = Callable[[TestAccount], RelayClient]
#: The smallest quota the relay allows: four quarter-size bodies fill it exactly.
QUOTA = MIN_MAX_QUEUED_BYTES
QUARTER = MAX_BODY_SIZE // 4


@pytest.fixture
async def small_quota_relay(tmp_path: Path) -> AsyncIterator[RelayServer]:
    """An in-process relay with the smallest queue quota (and relaxed message limits)."""
    server = RelayServer(
        RelayConfig(
            data_dir=tmp_path / "quota",
            port=0,
            rate_limits=parse_rate_limits([*RELAXED_LIMITS, "messages=1000/1"]),
            max_queued_bytes=QUOTA,
        )
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def connected(relay_clients: Clients, relay: RelayServer, device: TestAccount) -> RelayClient:
    """Returns a connected client of ``device``."""
    client = relay_clients(device)
    await client.connect(relay.url)
    return client


def send(to: TestAccount, devices: list[int], body: bytes, msg_id: str | None = None) -> Any:
    """A ``message:send`` with ``body`` for each listed device of ``to``."""
    return {
        "id": msg_id or new_message_id(),
        "to": to.username,
        "payloads": [{"device_id": device, "body": body} for device in devices],
    }


async def waiting(relay: RelayServer, device: TestAccount, device_id: int = 1) -> int:
    """How many envelopes wait for one device of ``device``'s account."""
    envelopes = await relay.context.store.pending_envelopes(
        device.username, device_id, 0, now_ms(), 1000
    )
    return len(envelopes)


async def test_a_full_queue_refuses_sends_until_the_device_acks(
    small_quota_relay: RelayServer, relay_clients: Clients
) -> None:
    relay = small_quota_relay
    alice, bob = await register_device_account(relay.url), await register_device_account(relay.url)
    sender = await connected(relay_clients, relay, alice)
    first_id = new_message_id()
    for number in range(4):
        msg_id = first_id if number == 0 else None
        assert (await sender.call(events.MESSAGE_SEND, send(bob, [1], b"q" * QUARTER, msg_id)))[
            "ok"
        ]

    refused = await sender.call(events.MESSAGE_SEND, send(bob, [1], b"x"))
    assert (refused["ok"], refused["error"]) == (False, "quota_exceeded")
    assert await waiting(relay, bob) == 4
    # A retry of a message stored before the queue filled is still answered as stored.
    repeat = await sender.call(events.MESSAGE_SEND, send(bob, [1], b"q" * QUARTER, first_id))
    assert repeat["ok"] is True

    receiver = await connected(relay_clients, relay, bob)
    delivered = await receiver.next_message()
    assert await receiver.call(events.MESSAGE_ACK, {"ids": [delivered["id"]]}) == {"ok": True}
    assert (await sender.call(events.MESSAGE_SEND, send(bob, [1], b"x")))["ok"] is True


async def test_a_send_is_refused_whole_when_one_device_is_full(
    small_quota_relay: RelayServer, relay_clients: Clients
) -> None:
    relay = small_quota_relay
    alice, bob = await register_device_account(relay.url), await register_device_account(relay.url)
    sender = await connected(relay_clients, relay, alice)
    for _ in range(4):  # device 1 fills up while it is bob's only device
        assert (await sender.call(events.MESSAGE_SEND, send(bob, [1], b"q" * QUARTER)))["ok"]
    bob_first = await connected(relay_clients, relay, bob)
    bob_second: DeviceAccount = await add_device(relay.url, bob_first, bob)
    await bob_first.disconnect()  # nothing acked: the queue stays full
    refused = await sender.call(events.MESSAGE_SEND, send(bob, [1, 2], b"x"))
    assert (refused["ok"], refused["error"]) == (False, "quota_exceeded")
    assert await waiting(relay, bob, bob_second.device_id) == 0


async def test_concurrent_sends_cannot_pass_the_quota_together(
    small_quota_relay: RelayServer, relay_clients: Clients
) -> None:
    relay = small_quota_relay
    alice, bob = await register_device_account(relay.url), await register_device_account(relay.url)
    sender = await connected(relay_clients, relay, alice)
    calls = [
        await sender.start_call(events.MESSAGE_SEND, send(bob, [1], b"c" * QUARTER))
        for _ in range(8)
    ]
    answers = await asyncio.wait_for(asyncio.gather(*calls), 30)
    assert sorted(str(answer.get("error")) for answer in answers) == [
        *(["None"] * 4),
        *(["quota_exceeded"] * 4),
    ]
    assert await waiting(relay, bob) == 4


def test_the_quota_is_set_on_the_command_line(tmp_path: Path) -> None:
    parser = build_parser()
    default = config_from_args(parser.parse_args(["--data-dir", str(tmp_path)]))
    assert default.max_queued_bytes == DEFAULT_MAX_QUEUED_BYTES == 100 * 1024 * 1024
    chosen = parser.parse_args(["--data-dir", str(tmp_path), "--max-queued-bytes", "1000000"])
    assert config_from_args(chosen).max_queued_bytes == 1_000_000
    too_small = parser.parse_args(["--data-dir", str(tmp_path), "--max-queued-bytes", "1000"])
    with pytest.raises(ValueError, match="max_queued_bytes"):
        config_from_args(too_small)


def test_the_client_knows_the_code() -> None:
    refusal = ProtocolError.from_ack(
        {"ok": False, "error": "quota_exceeded", "message": "too much waiting"}
    )
    assert refusal.code is ErrorCode.QUOTA_EXCEEDED
    assert HTTP_STATUS[ErrorCode.QUOTA_EXCEEDED] == 507


async def test_the_app_shows_a_send_to_a_full_queue_as_failed(
    small_quota_relay: RelayServer, relay_clients: Clients, tmp_path: Path
) -> None:
    relay = small_quota_relay
    alice = await new_client(tmp_path, relay.url, "alice_q")
    bob = await new_client(tmp_path, relay.url, "bob_q")
    try:
        await bob.close()  # offline: everything for bob waits on the relay
        filler = await connected(relay_clients, relay, await register_device_account(relay.url))
        bob_device = TestAccount(username="bob_q", identity=IdentityKeyPair.generate())
        for _ in range(4):
            ack = await filler.call(events.MESSAGE_SEND, send(bob_device, [1], b"f" * QUARTER))
            assert ack["ok"] is True

        await alice.messages.send_text("bob_q", "hello")

        await wait_until(lambda: all_outgoing_have_status(alice, "bob_q", MessageStatus.FAILED, 1))
    finally:
        await alice.close()
        await bob.close()
