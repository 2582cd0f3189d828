"""Binary events and binary acks to one connection never interleave.

A Socket.IO packet with binary data travels as a header and then one frame per binary
attachment. If the relay writes another packet's frames between them, the client pairs the
wrong bytes with the header: a message body arrives corrupted (undecryptable) or the client's
parser fails. Here Bob's connection gets a stream of ``message`` events (binary bodies) while
his own ``keys:bundle`` requests are answered with acks that carry binary keys.
"""

from __future__ import annotations

import asyncio

import pytest
from relay_harness import register_account

from chat_desktop.protocol import events
from chat_desktop.relay.app import RelayServer

pytestmark = pytest.mark.integration

MESSAGES = 300
BUNDLE_FETCHES = 60


async def test_message_bodies_arrive_intact_while_binary_acks_flow(
    relay: RelayServer, relay_clients
) -> None:  # type: ignore[no-untyped-def]
    alice = await register_account(relay.url)
    bob = await register_account(relay.url)
    carol = await register_account(relay.url, one_time=100, pq_one_time=100)
    sender, receiver = relay_clients(alice), relay_clients(bob)
    await sender.connect(relay.url)
    await receiver.connect(relay.url)
    bodies = {f"{number:04d}".encode() * 50: number for number in range(MESSAGES)}

    async def send_all() -> None:
        for body in bodies:
            ack = await sender.send_text(bob, body)
            while ack.get("error") == "rate_limited":  # the relay's 60/s: wait as told
                await asyncio.sleep(ack["retry_after"])
                ack = await sender.send_text(bob, body)
            assert ack["ok"], ack

    async def fetch_bundles() -> None:
        for _ in range(BUNDLE_FETCHES):
            ack = await receiver.call(events.KEYS_BUNDLE, {"user": carol.username})
            assert ack["ok"], ack
            device = ack["devices"][0]
            assert device["identity_key"] == carol.identity.public_key

    await asyncio.gather(send_all(), fetch_bundles())
    received = await receiver.receive(MESSAGES, timeout=30)
    assert sorted(bodies[message["body"]] for message in received) == list(range(MESSAGES))
