"""Group state converges on a real relay with real stores (issue 21, crit. 3 and 4).

Two admins rename the group at once and the relay delivers the two updates in opposite
orders to two members: everyone ends with the same state and revision. An update whose
sender's rights come from an update delayed on its way is kept aside and taken once that one
arrives; an update withheld for good is healed by the next one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import EventLog, new_client, wait_until
from groups_helpers import RelayOrder, wait_for_state

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import GroupUpdateRefused
from chat_desktop.services.group_state import GroupState

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


@pytest.fixture
def relay_order(monkeypatch: pytest.MonkeyPatch) -> RelayOrder:
    """A relay whose deliveries to chosen devices the test reorders or withholds."""
    order = RelayOrder()
    order.install(monkeypatch)
    return order


async def four(root: Path, relay: RelayServer) -> list[ChatClient]:
    """alice, bob, carol and dave, connected."""
    return [await new_client(root, relay.url, name) for name in ("alice", "bob", "carol", "dave")]


def same(states: list[GroupState]) -> GroupState:
    """The one state every member holds (fails if any differs)."""
    assert all(state == states[0] for state in states)
    return states[0]


async def test_concurrent_renames_in_different_orders_end_the_same(
    tmp_path: Path, relay: RelayServer, relay_order: RelayOrder
) -> None:
    alice, bob, carol, dave = clients = await four(tmp_path, relay)
    try:
        group = await alice.groups.create("Start", ["bob", "carol", "dave"])
        await wait_for_state(clients, group, revision=1)
        await alice.groups.make_admin(group, "bob")
        await wait_for_state(clients, group, revision=2)

        # Each admin renames before seeing the other's; carol gets alice's first, dave bob's.
        relay_order.hold(bob, "alice")
        relay_order.hold(alice, "bob")
        relay_order.hold(carol, "bob")
        relay_order.hold(dave, "alice")
        await alice.groups.rename(group, "Alice's title")
        await bob.groups.rename(group, "Bob's title")
        (carol_state,) = await wait_for_state([carol], group, revision=3)
        (dave_state,) = await wait_for_state([dave], group, revision=3)
        assert (carol_state.title, dave_state.title) == ("Alice's title", "Bob's title")
        relay_order.release(bob, "alice")
        relay_order.release(alice, "bob")
        relay_order.release(carol, "bob")
        relay_order.release(dave, "alice")

        async def converged() -> bool:
            states = [await client.groups.get(group) for client in clients]
            return all(state is not None and state == states[0] for state in states)

        await wait_until(converged)
        state = same([s for s in [await c.groups.get(group) for c in clients] if s is not None])
        # Same revision: of two updates of one revision the smaller (sender, id) wins.
        assert (state.revision, state.title) == (3, "Alice's title")
    finally:
        for client in clients:
            await client.close()


async def test_an_update_early_for_its_rights_is_kept_aside_and_taken_later(
    tmp_path: Path, relay: RelayServer, relay_order: RelayOrder
) -> None:
    alice, bob, carol, dave = clients = await four(tmp_path, relay)
    carol_log = EventLog(carol)
    try:
        group = await alice.groups.create("Start", ["bob", "carol", "dave"])
        await wait_for_state(clients, group, revision=1)
        # Carol gets alice's "bob is admin" late, after bob's first change as admin.
        relay_order.hold(carol, "alice")
        await alice.groups.make_admin(group, "bob")
        await wait_for_state([alice, bob, dave], group, revision=2)
        await bob.groups.rename(group, "Bob renamed it")
        await carol_log.wait_for(
            lambda events: any(
                isinstance(e, GroupUpdateRefused) and e.kept_aside and e.sender == "bob"
                for e in events
            )
        )
        (held,) = await wait_for_state([carol], group, revision=1)
        assert held.title == "Start"  # refused for now: nothing changed
        relay_order.release(carol, "alice")
        states = await wait_for_state(clients, group, revision=3)
        state = same(states)
        assert state.title == "Bob renamed it" and state.admins == ("alice", "bob")
    finally:
        carol_log.close()
        for client in clients:
            await client.close()


async def test_an_update_withheld_from_one_member_is_healed_by_the_next(
    tmp_path: Path, relay: RelayServer, relay_order: RelayOrder
) -> None:
    alice, bob, carol, dave = clients = await four(tmp_path, relay)
    try:
        group = await alice.groups.create("Start", ["bob", "carol", "dave"])
        await wait_for_state(clients, group, revision=1)
        relay_order.drop_next(carol, "alice")  # the relay never delivers it
        await alice.groups.rename(group, "Renamed")
        await wait_for_state([alice, bob, dave], group, revision=2)
        assert not relay_order.dropping(carol, "alice")
        (held,) = await wait_for_state([carol], group, revision=1)
        assert held.title == "Start"
        await alice.groups.set_timer(group, 3600)
        state = same(await wait_for_state(clients, group, revision=3))
        assert (state.title, state.timer_seconds) == ("Renamed", 3600)
    finally:
        for client in clients:
            await client.close()
