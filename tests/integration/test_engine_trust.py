"""Identity keys: trust on first use, key changes, verified contacts pause until accepted."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from engine_helpers import EventLog, new_client, wait_until

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import (
    IdentityKeyChanged,
    MessageReceived,
    MessageUndecryptable,
    TypingChanged,
)
from chat_desktop.storage.models import MessageStatus

pytestmark = pytest.mark.integration


def operator_resets_account(relay: RelayServer, username: str) -> None:
    """What a relay operator runs for a user who lost their device."""
    data_dir = relay.context.config.data_dir
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "chat_desktop.relay",
            "--data-dir",
            str(data_dir),
            "--reset-account",
            username,
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


async def reinstall(client: ChatClient, root: Path, relay: RelayServer) -> ChatClient:
    """The user loses their device: profile gone, the operator frees the name, new identity."""
    name = client.username
    await client.close()
    shutil.rmtree(root / name)
    operator_resets_account(relay, name)
    return await new_client(root, relay.url, name)


async def test_reinstall_changes_key_and_verified_contact_waits_for_approval(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    alice_log = EventLog(alice)
    try:
        bob_log = EventLog(bob)
        await alice.messages.send_text("bob", "before")
        await bob_log.wait_for(lambda events: any(isinstance(e, MessageReceived) for e in events))
        bob_log.close()
        old_number = await alice.trust.safety_number("bob")
        await alice.trust.mark_verified("bob")
        assert await alice.trust.is_verified("bob")

        # Bob loses his laptop: new profile, new identity, same name.
        bob = await reinstall(bob, tmp_path, relay)
        bob_log = EventLog(bob)
        await bob.messages.send_text("alice", "new laptop")
        await alice_log.wait_for(
            lambda events: any(isinstance(e, IdentityKeyChanged) for e in events)
        )
        change = alice_log.of_type(IdentityKeyChanged)[0]
        assert change.peer == "bob" and change.sending_paused
        assert not await alice.trust.is_verified("bob")
        assert await alice.trust.safety_number("bob") != old_number

        waiting = await alice.messages.send_text("bob", "are you really bob?")
        await asyncio.sleep(1.5)  # long enough for it to have gone out, were it allowed to
        message = await alice.messages.get("bob", waiting)
        assert message is not None and message.status is MessageStatus.PENDING
        assert not any(
            isinstance(e, MessageReceived) and e.message_id == waiting for e in bob_log.events
        )

        await alice.trust.accept_identity("bob")
        await bob_log.wait_for(
            lambda events: any(
                isinstance(e, MessageReceived) and e.message_id == waiting for e in events
            )
        )

        async def delivered() -> bool:
            sent = await alice.messages.get("bob", waiting)
            return sent is not None and sent.status is MessageStatus.DELIVERED

        await wait_until(delivered)
        bob_log.close()
    finally:
        alice_log.close()
        await alice.close()
        await bob.close()


async def test_unverified_contact_key_change_is_announced_but_not_blocking(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    alice_log = EventLog(alice)
    try:
        await alice.messages.send_text("bob", "hi")
        await wait_until(lambda: _has_messages(bob, "alice", 1))
        bob = await reinstall(bob, tmp_path, relay)
        await bob.messages.send_text("alice", "reinstalled")
        await alice_log.wait_for(
            lambda events: any(isinstance(e, IdentityKeyChanged) for e in events)
        )
        assert not alice_log.of_type(IdentityKeyChanged)[0].sending_paused
        reply = await alice.messages.send_text("bob", "welcome back")
        await wait_until(lambda: _has_message(bob, "alice", reply))
    finally:
        alice_log.close()
        await alice.close()
        await bob.close()


async def _has_messages(client: ChatClient, peer: str, count: int) -> bool:
    return len(await client.messages.history(peer)) >= count


async def _has_message(client: ChatClient, peer: str, message_id: str) -> bool:
    return await client.messages.get(peer, message_id) is not None


async def test_message_on_a_lost_session_heals_it_and_announces_the_new_key(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    alice_log = EventLog(alice)
    try:
        await alice.messages.send_text("bob", "hi")
        await wait_until(lambda: _has_messages(bob, "alice", 1))
        bob = await reinstall(bob, tmp_path, relay)
        bob_log = EventLog(bob)
        # Alice writes first, still on the old session: Bob cannot read it...
        lost = await alice.messages.send_text("bob", "sent to the old laptop's session")
        await bob_log.wait_for(
            lambda events: any(isinstance(e, MessageUndecryptable) for e in events)
        )
        assert bob_log.of_type(MessageUndecryptable)[0].message_id == lost
        # ...so Bob's engine answers with a new session: Alice learns the new key,
        await alice_log.wait_for(
            lambda events: any(isinstance(e, IdentityKeyChanged) for e in events)
        )
        # and what she writes next reaches him.
        after = await alice.messages.send_text("bob", "and this one?")
        await bob_log.wait_for(
            lambda events: any(
                isinstance(e, MessageReceived) and e.message_id == after for e in events
            )
        )
        bob_log.close()
    finally:
        alice_log.close()
        await alice.close()
        await bob.close()


async def test_typing_waits_like_other_content_while_a_verified_contact_is_paused(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    alice_log = EventLog(alice)
    try:
        await alice.messages.send_text("bob", "hi")
        await wait_until(lambda: _has_messages(bob, "alice", 1))
        await alice.trust.mark_verified("bob")
        bob = await reinstall(bob, tmp_path, relay)
        bob_log = EventLog(bob)
        await bob.messages.send_text("alice", "new laptop")
        await alice_log.wait_for(
            lambda events: any(isinstance(e, IdentityKeyChanged) for e in events)
        )
        assert alice_log.of_type(IdentityKeyChanged)[0].sending_paused

        await alice.presence.set_typing("bob", True)
        await asyncio.sleep(1.0)  # time enough for a typing notice to arrive, were it sent
        assert not bob_log.of_type(TypingChanged)

        await alice.trust.accept_identity("bob")
        await alice.presence.set_typing("bob", True)
        await bob_log.wait_for(lambda events: any(isinstance(e, TypingChanged) for e in events))
        bob_log.close()
    finally:
        alice_log.close()
        await alice.close()
        await bob.close()
