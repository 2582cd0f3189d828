"""Blocking a contact (issue 23, item 1): what a blocked contact sends is dropped unread and
acked (no message, no receipt back, no typing), writing to them is refused until unblocked,
and they are not told. Real relay, real stores.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from engine_helpers import EventLog, new_client, wait_until

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.blocking import MAX_BLOCKED, ContactBlocked
from chat_desktop.services.client_errors import InvalidPeer
from chat_desktop.services.events import MessageReceived, TypingChanged
from chat_desktop.storage.models import MessageStatus

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


async def test_a_blocked_contact_is_dropped_unread_and_cannot_be_written_to(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    alice_log = EventLog(alice)
    try:
        first = await bob.messages.send_text("alice", "before the block")
        await alice_log.wait_for(
            lambda events: any(
                isinstance(e, MessageReceived) and e.message_id == first for e in events
            )
        )
        await alice.conversations.block("bob")
        assert await alice.conversations.blocked() == ["bob"]
        with pytest.raises(InvalidPeer):
            await alice.conversations.block("alice")
        with pytest.raises(ContactBlocked):
            await alice.messages.send_text("bob", "nothing goes")

        dropped = await bob.messages.send_text("alice", "while blocked")
        await bob.presence.set_typing("alice", True)
        # Carol's message after Bob's shows that Alice's device took everything before it.
        marker = await carol.messages.send_text("alice", "a marker")
        await alice_log.wait_for(
            lambda events: any(
                isinstance(e, MessageReceived) and e.message_id == marker for e in events
            )
        )
        assert await alice.messages.get("bob", dropped) is None
        assert [m.id for m in await alice.messages.history("bob", 10)] == [first]
        assert not alice_log.of_type(TypingChanged)

        # Acked at the relay (nothing waits for Alice), and no receipt went back to Bob.
        async def acked() -> bool:
            return not await relay.context.store.pending_envelopes("alice", 1, 0, 2**62, 10)

        await wait_until(acked)
        await asyncio.sleep(0.5)  # a receipt would have come by now
        sent = await bob.messages.get("alice", dropped)
        assert sent is not None and sent.status is MessageStatus.SENT  # never "delivered"

        await alice.conversations.unblock("bob")
        assert await alice.conversations.blocked() == []
        after = await bob.messages.send_text("alice", "after the unblock")

        async def arrived() -> bool:
            return await alice.messages.get("bob", after) is not None

        await wait_until(arrived)
        await alice.messages.send_text("bob", "writing again")
    finally:
        alice_log.close()
        for client in (alice, bob, carol):
            await client.close()


def test_the_blocked_list_is_bounded(tmp_path: Path) -> None:
    """Past :data:`MAX_BLOCKED` a block is refused and the list stays as it was."""
    from chat_desktop.crypto.vault import FLOOR_PARAMS
    from chat_desktop.services.blocking import blocked_contacts, set_blocked
    from chat_desktop.services.client_errors import ClientError
    from chat_desktop.storage.vault_file import Vault

    vault, _recovery = Vault.create(
        tmp_path / "p", "a long enough password 1", kdf_params=FLOOR_PARAMS
    )
    try:
        store = vault.open_store()
        full = [f"user{number}" for number in range(MAX_BLOCKED)]
        store.settings.set("contacts.blocked", full)
        with pytest.raises(ClientError):
            set_blocked(store, "one_more", True)
        assert blocked_contacts(store) == full
        assert set_blocked(store, "user7", False)
        assert "user7" not in blocked_contacts(store)
        store.settings.set("contacts.blocked", {"not": "a list"})  # damaged: nobody blocked
        assert blocked_contacts(store) == []
    finally:
        vault.lock()
