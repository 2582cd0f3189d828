"""Linked devices and groups (issue 21): real relay, real stores, a real link.

A newly linked device gets the groups with the history transfer (state, flags, messages with
their senders, files; no sender key: it makes its own), then reads the members' next
messages (they find it through ``mismatched_devices`` and hand it their keys) and sends to
the group. Unlinking one of our devices makes our next group message go under a new sender
key, never handed to the unlinked device.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from engine_helpers import new_client, wait_until
from groups_helpers import group_messages, wait_for_state, wait_for_texts
from test_linked_devices import link_device

from chat_desktop.crypto.sender_keys import OwnSenderKey
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def own_key_id(client: ChatClient, group: str) -> int | None:
    def read() -> int | None:
        stored = client.store.groups.own_sender_key(group)
        return None if stored is None else OwnSenderKey.from_bytes(stored).key_id

    found: int | None = await client.run_in_store(read)
    return found


async def test_a_linked_device_gets_the_groups_reads_and_sends_and_an_unlink_rotates(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    for client in (a1, bob, carol):
        client.groups.transfers = client.groups.transfers or client._engine.transfers
    clients = [a1, bob, carol]
    try:
        group = await a1.groups.create("Before the link", ["bob", "carol"])
        await wait_for_state(clients, group, revision=1)
        await a1.groups.rename(group, "Linked")
        await wait_for_state(clients, group, revision=2)
        await a1.groups.send_text(group, "hello")
        await bob.groups.send_text(group, "hi from bob")
        notes = tmp_path / "notes.txt"
        secret = os.urandom(3000)
        notes.write_bytes(secret)
        file_id = await carol.groups.send_file(group, notes)
        await wait_for_texts(a1, group, 2)

        async def file_here() -> bool:
            return any(m.id == file_id for m in await a1.groups.history(group))

        await wait_until(file_here, timeout=60)
        await a1.groups.download(group, file_id)
        # client.conversations takes usernames only (yet): the flag is set in the store.
        await a1.run_in_store(a1.store.conversations.set_pinned, group, True)
        before = await group_messages(a1, group)

        a3 = await link_device(a1, tmp_path, relay.url, "alice3", history=True)
        a3.groups.transfers = a3.groups.transfers or a3._engine.transfers
        clients.append(a3)

        async def imported() -> bool:
            state = await a3.groups.get(group)
            return state is not None and len(await group_messages(a3, group)) >= len(before)

        await wait_until(imported, timeout=60)
        state, original = await a3.groups.get(group), await a1.groups.get(group)
        assert state == original and state is not None and state.title == "Linked"
        assert await group_messages(a3, group) == before  # senders and texts, in order
        assert await a3.groups.read(group, file_id) == secret  # the file came inline
        (listed,) = [c for c in await a3.conversations.list() if c.id == group]
        assert listed.pinned
        assert await own_key_id(a3, group) is None  # no sender key travelled

        # The members' next messages reach the new device; its own reach everyone.
        await bob.groups.send_text(group, "bob after the link")
        await wait_for_texts(a3, group, 3)
        await a3.groups.send_text(group, "from alice's new device")
        for client in (a1, bob, carol):
            await wait_for_texts(client, group, 4)
            assert (await group_messages(client, group))[-1] == (
                "alice",
                "from alice's new device",
            )

        # Unlinking a3: a1's key (handed to a3) goes; the next message goes under a new one
        # that a3 is never given.
        old_key = await own_key_id(a1, group)
        assert old_key is not None
        await a1.devices.unlink(a3.device_id)
        assert await own_key_id(a1, group) is None
        await a1.groups.send_text(group, "after the unlink")
        for client in (bob, carol):
            await wait_for_texts(client, group, 5)
        new_key = await own_key_id(a1, group)
        assert new_key is not None and new_key != old_key

        def holders() -> set[tuple[str, int]]:
            assert new_key is not None
            return a1.store.groups.key_holders(group, new_key)

        held_by = await a1.run_in_store(holders)
        assert ("alice", a3.device_id) not in held_by
        assert {"bob", "carol"} <= {user for user, _ in held_by}
    finally:
        for client in clients:
            await client.close()
