"""Undelivered messages after a key change go as ordinary sending to the new key (issue 18 §1).

A retry request that arrives with (or after) a change of the peer's identity key never
re-sends a delivered message; the messages it names that the asking device never confirmed
are queued once more as any message to the peer is: encrypted to the current devices under
the trusted-key rules, so for a verified contact only once the user accepts the new key.
The relay is the real one, seen by the test (``WatchedRelay``); the new key is Mallory's, whose
PreKey message the relay stores as if Bob's device 1 had sent it (Bob is offline meanwhile).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import PASSWORD, EventLog, acquaint, new_client, wait_until
from test_engine_resend_log import (
    WatchedRelay,
    alice_to_bob,
    outbox_empty,
    prekey_message,
    queued_copies,
    status_is,
)

from chat_desktop.protocol.message_content import RetryContent
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.context import new_message_id, now_ms
from chat_desktop.services.events import IdentityKeyChanged
from chat_desktop.storage.models import MessageStatus

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


async def ask_with_new_key(
    watched: WatchedRelay, mallory: ChatClient, bob_device: int, ids: list[str]
) -> None:
    """Mallory's PreKey message carrying a retry for ``ids``, stored as Bob's device."""
    retry = RetryContent(id=new_message_id(), sent_at=now_ms(), message_ids=ids)
    payloads = await prekey_message(mallory, "alice", retry)
    await watched.inject("bob", bob_device, "alice", payloads)


@pytest.mark.parametrize("verified", [False, True])
async def test_undelivered_messages_go_to_the_new_key_once_and_delivered_ones_never(
    tmp_path: Path, relay: RelayServer, verified: bool
) -> None:
    watched = WatchedRelay(relay)
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    mallory = await new_client(tmp_path, relay.url, "mallory")
    await acquaint(alice, bob)
    clients = [alice, bob, mallory]
    log = EventLog(alice)
    try:
        seen = await alice.messages.send_text("bob", "delivered before")
        await wait_until(lambda: status_is(alice, "bob", seen, MessageStatus.DELIVERED))
        if verified:
            await alice.trust.mark_verified("bob")
        bob_device = bob._context.device_id
        await bob.close()
        clients.remove(bob)
        # These reach the relay but never Bob: no receipt, their send-log rows stay.
        watched.swallow = alice_to_bob
        lost = [await alice.messages.send_text("bob", f"never delivered {n}") for n in range(3)]
        for message_id in lost:
            await wait_until(lambda m=message_id: status_is(alice, "bob", m, MessageStatus.SENT))
        watched.swallow = None
        watched.hold = alice_to_bob  # what Alice queues for Bob now stays queued
        mark = len(watched.sent)

        await ask_with_new_key(watched, mallory, bob_device, [seen, *lost])
        await log.wait_for(lambda events: any(isinstance(e, IdentityKeyChanged) for e in events))
        assert log.of_type(IdentityKeyChanged)[0].sending_paused is verified
        # Queued in the transaction that took the key change: the undelivered ones only.
        assert await queued_copies(alice, "bob", lost) == 3
        assert await queued_copies(alice, "bob", [seen]) == 0
        assert await alice.trust.messages_waiting("bob") == (3 if verified else 0)
        if verified:
            assert watched.sends("alice", "bob", mark) == []  # paused: not even tried

        # Asked again, after the change and after a restart: nothing more is queued.
        await alice.close()
        clients.remove(alice)
        log.close()
        alice = await ChatClient.unlock(tmp_path / "alice", PASSWORD)
        clients.append(alice)
        await alice.connect()
        await alice.wait_connected()
        log = EventLog(alice)
        await ask_with_new_key(watched, mallory, bob_device, [seen, *lost])
        await wait_until(lambda: _handled_retry(alice, watched))
        assert await queued_copies(alice, "bob", lost) == 3

        # Delete for everyone cancels the one it names.
        await alice.messages.delete_for_everyone("bob", lost[0])
        assert await queued_copies(alice, "bob", [lost[0]]) == 0
        assert await queued_copies(alice, "bob", lost[1:]) == 2
        if verified:
            assert await alice.trust.messages_waiting("bob") == 2
            assert watched.sends("alice", "bob", mark) == []
            await alice.trust.accept_identity("bob")
            assert await alice.trust.messages_waiting("bob") == 0
        watched.hold = None
        await wait_until(lambda: outbox_empty(alice))
        assert await queued_copies(alice, "bob", [seen, *lost]) == 0
    finally:
        log.close()
        for client in clients:
            await client.close()


async def _handled_retry(alice: ChatClient, watched: WatchedRelay) -> bool:
    """Whether the relay has nothing left for Alice (she took and acked the retry)."""
    store = watched.context.store
    device = alice._context.device_id
    return await store.pending_envelopes("alice", device, 0, 2**62, 10) == []
