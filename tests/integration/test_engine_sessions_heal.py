"""Sessions that heal: simultaneous first messages converge, a lost session is repaired and the
lost message is resent, one bad envelope never holds back the others, dead tasks restart."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import EventLog, new_client, wait_until

from chat_desktop.protocol.message_content import Content, TimerContent
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import UnknownUser
from chat_desktop.services.events import (
    EngineTaskRestarted,
    MessageReceived,
    MessageRecovered,
    MessageUndecryptable,
)

pytestmark = pytest.mark.integration


async def texts(client: ChatClient, peer: str) -> list[str]:
    return [
        m.body or "" for m in await client.messages.history(peer, limit=500) if m.sender == peer
    ]


async def undecryptable(client: ChatClient, peer: str) -> int:
    return sum(1 for m in await client.messages.history(peer, limit=500) if m.undecryptable)


async def test_simultaneous_first_messages_converge(tmp_path: Path, relay: RelayServer) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    try:
        # Each sets up a session with the other before either message arrives: two sessions.
        assert await alice.conversations.start("bob")
        assert await bob.conversations.start("alice")
        await asyncio.gather(
            *(alice.messages.send_text("bob", f"a{i}") for i in range(3)),
            *(bob.messages.send_text("alice", f"b{i}") for i in range(3)),
        )
        for round_ in range(4):
            await alice.messages.send_text("bob", f"a-round-{round_}")
            await bob.messages.send_text("alice", f"b-round-{round_}")

        async def all_arrived() -> bool:
            return len(await texts(bob, "alice")) == 7 and len(await texts(alice, "bob")) == 7

        await wait_until(all_arrived)
        assert sorted(await texts(bob, "alice")) == sorted(
            [f"a{i}" for i in range(3)] + [f"a-round-{r}" for r in range(4)]
        )
        assert sorted(await texts(alice, "bob")) == sorted(
            [f"b{i}" for i in range(3)] + [f"b-round-{r}" for r in range(4)]
        )
        assert await undecryptable(alice, "bob") == 0
        assert await undecryptable(bob, "alice") == 0
    finally:
        await alice.close()
        await bob.close()


async def test_a_message_on_a_lost_session_is_asked_for_again_and_replaces_the_placeholder(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    bob_log = EventLog(bob)
    try:
        await alice.messages.send_text("bob", "before")
        await wait_until(lambda: _has_text(bob, "alice", "before"))

        # Bob loses every session with Alice (as after restoring a snapshot).
        def drop() -> None:
            with bob.store.transaction():
                bob._context.sessions.drop_peer(bob.store, "alice")

        await bob.run_in_store(drop)
        lost = await alice.messages.send_text("bob", "sent on the session Bob lost")
        await bob_log.wait_for(
            lambda events: any(isinstance(e, MessageUndecryptable) for e in events)
        )
        await bob_log.wait_for(
            lambda events: any(
                isinstance(e, MessageRecovered) and e.message_id == lost for e in events
            )
        )
        recovered = await bob.messages.get("alice", lost)
        assert recovered is not None and not recovered.undecryptable
        assert recovered.body == "sent on the session Bob lost"
        assert await undecryptable(bob, "alice") == 0

        # Both directions work afterwards.
        await bob.messages.send_text("alice", "reply")
        await alice.messages.send_text("bob", "after")
        await wait_until(lambda: _has_text(alice, "bob", "reply"))
        await wait_until(lambda: _has_text(bob, "alice", "after"))
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()


async def _has_text(client: ChatClient, peer: str, text: str) -> bool:
    return text in await texts(client, peer)


async def test_an_out_of_range_timer_never_wedges_the_receiver(
    tmp_path: Path, relay: RelayServer
) -> None:
    mallory = await new_client(tmp_path, relay.url, "mallory")
    carol = await new_client(tmp_path, relay.url, "carol")
    bob = await new_client(tmp_path, relay.url, "bob")
    try:
        await mallory.messages.send_text("bob", "hi")
        await wait_until(lambda: _has_text(bob, "mallory", "hi"))

        def make(message_id: str, sent_at: int, timer: int) -> Content:
            return TimerContent(id=message_id, sent_at=sent_at, seconds=2**62)

        await mallory.messages.queue_content("bob", make, kind=None)
        await carol.messages.send_text("bob", "from carol")
        await wait_until(lambda: _has_text(bob, "carol", "from carol"))
        history = await bob.messages.history("mallory")
        assert await bob.conversations.mark_read("mallory", history[-1].id) >= 0
        reply = await bob.messages.send_text("mallory", "still fine")
        await wait_until(lambda: _has_text(mallory, "bob", "still fine"))
        assert reply
    finally:
        for client in (mallory, carol, bob):
            await client.close()


async def test_an_unexpected_failure_on_one_envelope_is_recorded_and_acked(
    tmp_path: Path, relay: RelayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    try:
        receiver = bob._engine.receiver
        original = receiver._apply

        def apply(store: Any, delivery: Any, content: Any, result: Any) -> None:
            if getattr(content, "text", None) == "poison":
                raise OverflowError("a bug somewhere below")
            original(store, delivery, content, result)

        monkeypatch.setattr(receiver, "_apply", apply)
        poison = await alice.messages.send_text("bob", "poison")
        await alice.messages.send_text("bob", "fine")
        await wait_until(lambda: _has_text(bob, "alice", "fine"))
        placeholder = await bob.messages.get("alice", poison)
        assert placeholder is not None and placeholder.undecryptable
    finally:
        await alice.close()
        await bob.close()


async def test_a_dead_engine_task_is_restarted_and_reported(
    tmp_path: Path, relay: RelayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    bob_log = EventLog(bob)
    try:
        receiver = bob._engine.receiver
        original = receiver._ack
        failures = [RuntimeError("Cannot enter into task while another task is being executed")]

        async def ack(ids: list[str]) -> None:
            if failures:
                raise failures.pop()
            await original(ids)

        monkeypatch.setattr(receiver, "_ack", ack)
        await alice.messages.send_text("bob", "one")
        await bob_log.wait_for(
            lambda events: any(
                isinstance(e, EngineTaskRestarted) and e.task == "receiver" for e in events
            )
        )
        await alice.messages.send_text("bob", "two")
        await wait_until(lambda: _has_text(bob, "alice", "two"))
        assert await texts(bob, "alice") == ["one", "two"]
        assert len([e for e in bob_log.events if isinstance(e, MessageReceived)]) == 2
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()


async def test_starting_a_chat_with_nobody_says_no_such_user(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    try:
        with pytest.raises(UnknownUser, match="no such user"):
            await alice.conversations.start("nobody_here")
        bob = await new_client(tmp_path, relay.url, "bob")
        assert await alice.conversations.start("bob")
        await bob.close()
    finally:
        await alice.close()
