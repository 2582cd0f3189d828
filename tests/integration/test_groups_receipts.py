"""Receipts in groups and each member's state of a message (issue 21): real relay, real stores.

Members send delivery and read receipts pairwise to the message's sender (``group_receipt``);
the sender's devices keep, per member, when each came (``client.groups.details``), and the
message's status follows every member. Read marks sync to our own other devices
(``group_read``). Hostile: receipts from a non-member, for another member's message, for a
group not held, a read sync from someone else: each refused (recorded where it names a
group) and nothing changes.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from engine_helpers import EventLog, new_client, wait_until
from groups_helpers import wait_for_state, wait_for_texts
from test_groups_hostile import send_pairwise
from test_linked_devices import link_device

from chat_desktop.protocol.message_content import GroupReadSyncContent, GroupReceiptContent
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.capabilities.groups import GroupMessageDetails
from chat_desktop.services.client import ChatClient
from chat_desktop.services.client_errors import UnknownMessage
from chat_desktop.services.context import new_message_id, now_ms
from chat_desktop.services.events import GroupMessageRefused, ReadElsewhere, StatusChanged
from chat_desktop.storage.group_ids import group_id_of
from chat_desktop.storage.models import Message

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def states(details: GroupMessageDetails) -> dict[str, str]:
    return {member.member: member.status for member in details.members}


async def find(client: ChatClient, group: str, message_id: str) -> Message | None:
    for message in await client.groups.history(group, limit=200):
        if message.id == message_id:
            return message
    return None


async def wait_for_states(
    client: ChatClient, group: str, message_id: str, expected: dict[str, str]
) -> GroupMessageDetails:
    async def there() -> bool:
        return states(await client.groups.details(group, message_id)) == expected

    await wait_until(there, timeout=60)
    return await client.groups.details(group, message_id)


async def test_members_delivered_and_read_states_reach_every_sender_device(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    a2 = await link_device(a1, tmp_path, relay.url, "alice2", history=False)
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    clients = [a1, a2, bob, carol]
    a1_log, a2_log = EventLog(a1), EventLog(a2)
    try:
        preferences = await carol.preferences.load()
        await carol.preferences.save(msgspec.structs.replace(preferences, read_receipts=False))
        group = await a1.groups.create("Receipts", ["bob", "carol"])
        await wait_for_state(clients, group, revision=1)
        hello = await a1.groups.send_text(group, "hello")
        for client in (a2, bob, carol):
            await wait_for_texts(client, group, 1)

        # Both members' devices stored it: each sends alice a delivery receipt, which both of
        # alice's devices take (the second one sent nothing; it holds the message as ours).
        for device in (a1, a2):
            details = await wait_for_states(
                device, group, hello, {"bob": "delivered", "carol": "delivered"}
            )
            assert all(m.delivered_at is not None and m.read_at is None for m in details.members)
            message = await find(device, group, hello)
            assert message is not None and message.status.value == "delivered"

        # Bob reads: alice sees bob's read, not carol's; the message is not read by everyone.
        assert await bob.groups.mark_read(group, hello) == 1
        for device in (a1, a2):
            details = await wait_for_states(
                device, group, hello, {"bob": "read", "carol": "delivered"}
            )
            (bob_state,) = [m for m in details.members if m.member == "bob"]
            assert bob_state.read_at is not None and bob_state.delivered_at is not None
        # Carol reads with read receipts off: her copy is read, alice never learns it.
        assert await carol.groups.mark_read(group, hello) == 1
        copy = await find(carol, group, hello)
        assert copy is not None and copy.read_at is not None

        # A message read by every member that sends read receipts... carol does not, so
        # alice's message stays "delivered"; bob's message read by alice and carol:
        from_bob = await bob.groups.send_text(group, "from bob")
        for client in (a1, a2, carol):
            await wait_for_texts(client, group, 2)
        await wait_for_states(bob, group, from_bob, {"alice": "delivered", "carol": "delivered"})
        # Alice reads on her first device: her second one marks it read too (a group_read
        # sync), and bob sees alice's read.
        assert await a1.groups.mark_read(group, from_bob) == 1
        await a2_log.wait_for(
            lambda events: any(
                isinstance(e, ReadElsewhere) and e.peer == group and from_bob in e.message_ids
                for e in events
            )
        )
        synced = await find(a2, group, from_bob)
        assert synced is not None and synced.read_at is not None
        await wait_for_states(bob, group, from_bob, {"alice": "read", "carol": "delivered"})
        mine = await find(a1, group, hello)
        assert mine is not None and mine.status.value == "delivered"
        assert any(
            isinstance(e, StatusChanged) and e.message_id == hello and e.status == "delivered"
            for e in a1_log.events
        )

        # details() is for our own messages of the group only.
        with pytest.raises(UnknownMessage):
            await a1.groups.details(group, from_bob)
        with pytest.raises(UnknownMessage):
            await a1.groups.details(group, new_message_id())
    finally:
        a1_log.close()
        a2_log.close()
        for client in clients:
            await client.close()


async def test_every_member_reading_makes_the_message_read(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice, bob, carol = clients = [
        await new_client(tmp_path, relay.url, name) for name in ("alice", "bob", "carol")
    ]
    try:
        group = await alice.groups.create("All read", ["bob", "carol"])
        await wait_for_state(clients, group, revision=1)
        first = await alice.groups.send_text(group, "one")
        second = await alice.groups.send_text(group, "two")
        for client in (bob, carol):
            await wait_for_texts(client, group, 2)
        # Reading the second marks both read: one receipt names both messages.
        assert await bob.groups.mark_read(group, second) == 2
        assert await carol.groups.mark_read(group, second) == 2

        async def read_by_all() -> bool:
            found = [await find(alice, group, message_id) for message_id in (first, second)]
            return all(m is not None and m.status.value == "read" for m in found)

        await wait_until(read_by_all, timeout=60)
        details = await alice.groups.details(group, first)
        assert states(details) == {"bob": "read", "carol": "read"}
    finally:
        for client in clients:
            await client.close()


async def test_receipts_from_outside_the_group_or_for_others_messages_change_nothing(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice, bob, carol, mallory = clients = [
        await new_client(tmp_path, relay.url, name) for name in ("alice", "bob", "carol", "mallory")
    ]
    log = EventLog(alice)
    try:
        group = await alice.groups.create("Guarded", ["bob", "carol"])
        await wait_for_state([alice, bob, carol], group, revision=1)
        group_id = group_id_of(group)
        assert group_id is not None
        mine = await alice.groups.send_text(group, "mine")
        await wait_for_texts(bob, group, 1)
        from_carol = await carol.groups.send_text(group, "carol's")
        await wait_for_texts(alice, group, 2)
        await wait_for_states(alice, group, mine, {"bob": "delivered", "carol": "delivered"})

        def receipt(ids: list[str], group_id: bytes = group_id) -> GroupReceiptContent:
            return GroupReceiptContent(
                id=new_message_id(),
                sent_at=now_ms(),
                group_id=group_id,
                receipt="read",
                message_ids=ids,
            )

        # Mallory is no member: her read receipt for alice's message is refused, recorded.
        await send_pairwise(mallory, "alice", "alice", receipt([mine]))
        await log.wait_for(
            lambda events: any(
                isinstance(e, GroupMessageRefused)
                and (e.sender, e.reason) == ("mallory", "not_a_member")
                for e in events
            )
        )
        # A receipt naming a group alice does not hold: refused as such.
        await send_pairwise(bob, "alice", "alice", receipt([mine], group_id=bytes(32)))
        await log.wait_for(
            lambda events: any(
                isinstance(e, GroupMessageRefused)
                and (e.sender, e.reason) == ("bob", "unknown_group")
                for e in events
            )
        )
        # Bob, a member, "reads" carol's message at alice's and an id alice never sent;
        # then, last, a read sync in alice's own name (only her devices may send one).
        await send_pairwise(bob, "alice", "alice", receipt([from_carol, new_message_id()]))
        sync = GroupReadSyncContent(
            id=new_message_id(), sent_at=now_ms(), group_id=group_id, message_ids=[from_carol]
        )
        await send_pairwise(bob, "alice", "alice", sync)
        # Then a real read, after all of those in bob's order to alice.
        await bob.groups.mark_read(group, mine)
        await wait_for_states(alice, group, mine, {"bob": "read", "carol": "delivered"})

        # Nothing else changed: mallory holds no state, carol's message is unread at
        # alice's and has no per-member state (it is not alice's).
        details = await alice.groups.details(group, mine)
        assert "mallory" not in states(details)
        carols = await find(alice, group, from_carol)
        assert carols is not None and carols.read_at is None
        with pytest.raises(UnknownMessage):
            await alice.groups.details(group, from_carol)
        assert not any(isinstance(e, ReadElsewhere) for e in log.events)
    finally:
        log.close()
        for client in clients:
            await client.close()
