"""Group membership on a real relay with real stores (issue 21, crit. 2 and 3).

Removal locks out: the removed member gets the update that removes it and nothing after; a
test keeps every sender key it held and tries each on every later group body (as delivered
to a remaining member): none decrypts, since every remaining member made a new sender key.
A member added later reads from then on, not before. Two admins renaming at once, delivered
in different orders, leave every member with the same state and revision.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import PASSWORD, EventLog, new_client, wait_until
from groups_helpers import RelayOrder, group_texts, wait_for_state, wait_for_texts

from chat_desktop.crypto.errors import CryptoError
from chat_desktop.crypto.sender_keys import ReceivedSenderKey
from chat_desktop.protocol.schemas import MessageDelivery
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.capabilities.groups import GroupChangeRefused, NotAGroupMember
from chat_desktop.services.client import ChatClient
from chat_desktop.services.client_errors import ClientError
from chat_desktop.services.events import GroupChanged, GroupMessageRefused
from chat_desktop.storage.store import MessageStore

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

GROUP_BODY = 0x03


@pytest.fixture
def deliveries(monkeypatch: pytest.MonkeyPatch) -> RelayOrder:
    """Records what the relay pushes to every client made after it (the receiver is real)."""
    order = RelayOrder()
    order.install(monkeypatch)
    return order


def group_bodies(deliveries: RelayOrder, client: ChatClient) -> list[MessageDelivery]:
    """The group message bodies delivered to ``client``."""
    return [d for d in deliveries.of(client) if d.body[:1] == bytes([GROUP_BODY])]


def held_sender_keys(store: MessageStore, conversation_id: str, users: list[str]) -> list[bytes]:
    """Every sender key ``store`` holds in the group, of devices 1–4 of ``users``."""
    found = []
    for user in users:
        for device in range(1, 5):
            key = store.groups.received_sender_key(conversation_id, user, device)
            if key is not None:
                found.append(key)
    return found


def decrypts_with_any(keys: list[bytes], body: bytes) -> bool:
    """Whether any of the kept sender keys (fresh copies each time) decrypts ``body``."""
    for stored in keys:
        try:
            ReceivedSenderKey.from_bytes(stored).decrypt(body[1:])
        except CryptoError:
            continue
        return True
    return False


async def test_a_removed_member_reads_nothing_after_and_an_added_one_nothing_before(
    tmp_path: Path, relay: RelayServer, deliveries: RelayOrder
) -> None:
    alice, bob, carol, dave, erin = [
        await new_client(tmp_path, relay.url, name)
        for name in ("alice", "bob", "carol", "dave", "erin")
    ]
    everyone = [alice, bob, carol, dave, erin]
    dave_log = EventLog(dave)
    try:
        group = await alice.groups.create("Ropes", ["bob", "carol", "dave"])
        await wait_for_state([alice, bob, carol, dave], group, revision=1)
        for client, name in ((alice, "alice"), (bob, "bob"), (carol, "carol"), (dave, "dave")):
            await client.groups.send_text(group, f"before {name}")
        for client in (alice, bob, carol, dave):
            await wait_for_texts(client, group, 4)
        # Every sender key dave holds now (he keeps them: a hostile ex-member would).
        dave_keys = await dave.run_in_store(
            held_sender_keys, dave.store, group, ["alice", "bob", "carol"]
        )
        assert len(dave_keys) == 3
        bob_before = len(group_bodies(deliveries, bob))
        carol_before = len(group_bodies(deliveries, carol))

        await alice.groups.remove_members(group, ["dave"])
        await wait_for_state([alice, bob, carol, dave], group, revision=2)
        await dave_log.wait_for(
            lambda events: any(
                isinstance(e, GroupChanged)
                and e.removed_me
                and (e.sender, e.removed, e.added) == ("alice", ("dave",), ())
                for e in events
            )
        )
        with pytest.raises(NotAGroupMember):
            await dave.groups.send_text(group, "still here?")

        for client, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
            for index in range(3):
                await client.groups.send_text(group, f"after {name} {index}")
        for client in (alice, bob, carol):
            await wait_for_texts(client, group, 4 + 9)
        after = (
            group_bodies(deliveries, bob)[bob_before:]
            + group_bodies(deliveries, carol)[carol_before:]
        )
        later = [d for d in after if d.from_ in ("alice", "bob", "carol")]
        assert len(later) == 12  # bob gets alice's and carol's three, carol alice's and bob's
        for delivery in later:
            assert not decrypts_with_any(dave_keys, delivery.body)
        # Nothing after the removal reached dave's devices, and he shows none of it.
        assert await group_texts(dave, group) == [
            "before alice",
            "before bob",
            "before carol",
            "before dave",
        ]
        assert len(group_bodies(deliveries, dave)) == 3

        # Erin is added: she reads from now on, not before.
        bob_bodies_before_erin = list(group_bodies(deliveries, bob))
        await alice.groups.add_members(group, ["erin"])
        await wait_for_state([alice, bob, carol, erin], group, revision=3)
        for client, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
            await client.groups.send_text(group, f"welcome from {name}")
        await wait_for_texts(erin, group, 3)
        await wait_until(lambda: _settled(erin, group, 3))
        assert sorted(await group_texts(erin, group)) == [
            "welcome from alice",
            "welcome from bob",
            "welcome from carol",
        ]
        erin_keys = await erin.run_in_store(
            held_sender_keys, erin.store, group, ["alice", "bob", "carol"]
        )
        assert len(erin_keys) == 3
        earlier = [d for d in bob_bodies_before_erin if d.from_ in ("alice", "carol")]
        assert earlier
        for delivery in earlier:
            assert not decrypts_with_any(erin_keys, delivery.body)
    finally:
        dave_log.close()
        for client in everyone:
            await client.close()


async def _settled(client: ChatClient, group: str, count: int) -> bool:
    return len(await group_texts(client, group)) == count


async def test_after_a_restart_the_sender_key_is_not_handed_out_again(
    tmp_path: Path, relay: RelayServer, deliveries: RelayOrder
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    clients = [alice, bob, carol]
    try:
        group = await alice.groups.create("Restart", ["bob", "carol"])
        await wait_for_state(clients, group, revision=1)
        await alice.groups.send_text(group, "before the restart")
        await wait_for_texts(bob, group, 1)
        before = len(deliveries.of(bob))

        await alice.close()
        alice = await ChatClient.unlock(tmp_path / "alice", PASSWORD)
        clients[0] = alice
        await alice.connect()
        await alice.wait_connected()
        await alice.groups.send_text(group, "after the restart")
        await wait_for_texts(bob, group, 2)
        await wait_for_texts(carol, group, 2)
        since = [d for d in deliveries.of(bob)[before:] if d.from_ == "alice"]
        # One group body, and no sender key again (nor anything else pairwise).
        assert [d.body[:1] for d in since] == [bytes([GROUP_BODY])]
        assert await group_texts(bob, group) == ["before the restart", "after the restart"]
    finally:
        for client in clients:
            await client.close()


async def test_a_members_key_that_comes_before_the_update_adding_us_is_taken_after_it(
    tmp_path: Path, relay: RelayServer, deliveries: RelayOrder
) -> None:
    alice, bob, erin = clients = [
        await new_client(tmp_path, relay.url, name) for name in ("alice", "bob", "erin")
    ]
    erin_log = EventLog(erin)
    try:
        group = await alice.groups.create("Early", ["bob"])
        await wait_for_state([alice, bob], group, revision=1)
        # The relay holds alice's envelopes to erin back: bob's key reaches her first.
        deliveries.hold(erin, "alice")
        await alice.groups.add_members(group, ["erin"])
        await wait_for_state([alice, bob], group, revision=2)
        await bob.groups.send_text(group, "too early for erin")
        await erin_log.wait_for(
            lambda events: (
                {e.reason for e in events if isinstance(e, GroupMessageRefused)}
                >= {"not_a_member", "unknown_sender_key"}
            )
        )
        deliveries.release(erin, "alice")
        await wait_for_state([erin], group, revision=2)
        await bob.groups.send_text(group, "welcome erin")
        await wait_for_texts(erin, group, 1)
        assert await group_texts(erin, group) == ["welcome erin"]
    finally:
        erin_log.close()
        for client in clients:
            await client.close()


async def test_a_member_who_leaves_is_out_everywhere_and_reads_nothing_after(
    tmp_path: Path, relay: RelayServer, deliveries: RelayOrder
) -> None:
    alice, bob, carol = clients = [
        await new_client(tmp_path, relay.url, name) for name in ("alice", "bob", "carol")
    ]
    try:
        group = await alice.groups.create("Leaving", ["bob", "carol"])
        await wait_for_state(clients, group, revision=1)
        await alice.groups.send_text(group, "hi both")
        await wait_for_texts(carol, group, 1)
        carol_keys = await carol.run_in_store(held_sender_keys, carol.store, group, ["alice"])

        await carol.groups.leave(group)  # not an admin: leaving is the one change she may make
        states = await wait_for_state(clients, group, revision=2)
        assert all(state.members == ("alice", "bob") for state in states)
        with pytest.raises(NotAGroupMember):
            await carol.groups.send_text(group, "one more thing")

        bob_before = len(group_bodies(deliveries, bob))
        await alice.groups.send_text(group, "just us now")
        await wait_for_texts(bob, group, 2)
        (after,) = [d for d in group_bodies(deliveries, bob)[bob_before:] if d.from_ == "alice"]
        assert not decrypts_with_any(carol_keys, after.body)
        assert await group_texts(carol, group) == ["hi both"]
    finally:
        for client in clients:
            await client.close()


async def test_changes_a_member_may_not_make_are_refused_before_anything_is_sent(
    tmp_path: Path, relay: RelayServer, deliveries: RelayOrder
) -> None:
    alice, bob = clients = [
        await new_client(tmp_path, relay.url, name) for name in ("alice", "bob")
    ]
    try:
        group = await alice.groups.create("Rules", ["bob"])
        await wait_for_state(clients, group, revision=1)
        with pytest.raises(GroupChangeRefused):
            await bob.groups.rename(group, "Bob's now")  # not an admin
        with pytest.raises(GroupChangeRefused):
            await bob.groups.add_members(group, ["carol"])
        with pytest.raises(GroupChangeRefused):
            await alice.groups.rename(group, "Rules")  # changes nothing
        with pytest.raises(GroupChangeRefused):
            await alice.groups.add_members(group, [f"member{index:03d}" for index in range(255)])
        with pytest.raises(ClientError):
            await alice.groups.rename(group, "two\nlines")
        for client in clients:
            state = await client.groups.get(group)
            assert state is not None and (state.revision, state.title) == (1, "Rules")
        assert await bob.run_in_store(lambda: bob.store.outbox.pending(10)) == []
    finally:
        for client in clients:
            await client.close()
