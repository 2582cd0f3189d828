"""Hostile members and a hostile relay against groups: real relay, real stores (issue 21, crit. 4).

Each attack is refused (or healed), recorded as a typed event with no plaintext, and changes
nothing else: a member that is not an admin adds someone; a member forges a group message in
another's name (it knows the chain key, not the signing key); an old ``group_update`` comes
again (re-sent, and replayed by the relay); the relay hands a group body to a non-member and
to a removed member; a removed member hands out a new sender key. (An update the relay
withholds is healed by the next one: ``test_groups_convergence.py``.)
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
import pytest
from engine_helpers import EventLog, new_client, wait_until
from groups_helpers import RelayOrder, group_texts, wait_for_state, wait_for_texts

from chat_desktop.crypto.sender_keys import OwnSenderKey
from chat_desktop.protocol.message_content import (
    Content,
    SenderKeyContent,
    TextContent,
    encode_content,
)
from chat_desktop.protocol.schemas import MessageDelivery
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.context import new_message_id, now_ms
from chat_desktop.services.events import GroupMessageRefused, GroupUpdateRefused
from chat_desktop.services.sending import OutboxPayload, encode_payload
from chat_desktop.storage.group_ids import group_id_of

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

GROUP_BODY = b"\x03"


@pytest.fixture
def relay_order(monkeypatch: pytest.MonkeyPatch) -> RelayOrder:
    """Records (and can withhold) what the relay delivers to each client."""
    order = RelayOrder()
    order.install(monkeypatch)
    return order


async def send_pairwise(
    client: ChatClient, conversation_id: str, recipient: str, content: Content
) -> None:
    """Makes ``client`` send ``content`` pairwise, past every check its own API makes."""

    def queue() -> None:
        payload = OutboxPayload(
            content=encode_content(content), bodies=None, expires_at=None, track_status=False
        )
        client.store.outbox.enqueue(conversation_id, content.id, recipient, encode_payload(payload))

    await client.run_in_store(queue)
    client._engine.sender.wake()


def relay_delivers(client: ChatClient, sender: str, device: int, body: bytes) -> None:
    """The relay pushes ``body`` to ``client`` as an envelope from ``sender``'s device."""
    client._engine.receiver.enqueue(
        MessageDelivery(
            id=new_message_id(), from_=sender, from_device=device, server_ts=now_ms(), body=body
        )
    )


def refusals(log: EventLog, reason: str) -> list[GroupMessageRefused]:
    return [e for e in log.of_type(GroupMessageRefused) if e.reason == reason]


async def test_hostile_members_and_relay_are_refused_and_change_nothing(
    tmp_path: Path, relay: RelayServer, relay_order: RelayOrder
) -> None:
    names = ("alice", "bob", "carol", "dave", "erin", "mallory")
    alice, bob, carol, dave, erin, mallory = clients = [
        await new_client(tmp_path, relay.url, name) for name in names
    ]
    logs = {name: EventLog(client) for name, client in zip(names, clients, strict=True)}
    try:
        group = await alice.groups.create("Ropes", ["bob", "carol", "dave"])
        members = [alice, bob, carol, dave]
        await wait_for_state(members, group, revision=1)
        await alice.groups.send_text(group, "hello all")
        for client in (bob, carol, dave):
            await wait_for_texts(client, group, 1)

        # 1. Bob, not an admin, adds mallory: refused by everyone (kept aside: its rights
        #    might come from an update not received yet), nothing changes.
        state = await alice.groups.get(group)
        assert state is not None
        forged_state = msgspec.structs.replace(
            state, revision=2, members=(*state.members, "mallory")
        )
        forged_update = forged_state.to_content(content_id=new_message_id(), sent_at=now_ms())
        for target in ("alice", "carol"):
            await send_pairwise(bob, group, target, forged_update)
        for name in ("alice", "carol"):
            await logs[name].wait_for(
                lambda events: any(
                    isinstance(e, GroupUpdateRefused)
                    and e.sender == "bob"
                    and e.reason == "not_only_leaving"  # a member who is no admin may only leave
                    and e.kept_aside
                    for e in events
                )
            )
        for client in (alice, carol):
            held = await client.groups.get(group)
            assert held is not None and held.revision == 1 and "mallory" not in held.members

        # 2. An old update again: re-sent by its own admin, then replayed by the relay.
        old_update = state.to_content(content_id=new_message_id(), sent_at=now_ms())
        old_update = msgspec.structs.replace(old_update, revision=1)
        await send_pairwise(alice, group, "carol", old_update)
        await logs["carol"].wait_for(
            lambda events: any(
                isinstance(e, GroupUpdateRefused) and e.reason == "stale" for e in events
            )
        )
        first_update = relay_order.of(carol)[0]  # alice's group creation, as delivered
        relay_delivers(carol, first_update.from_, first_update.from_device, first_update.body)

        # A real change now: the kept-aside forgery is stale and forgotten, mallory is out.
        await alice.groups.rename(group, "Ropes and knots")
        states = await wait_for_state(members, group, revision=2)
        assert all(s.title == "Ropes and knots" and "mallory" not in s.members for s in states)

        # 3. Carol (a member: she knows alice's chain key) forges a message in alice's name.
        group_id = group_id_of(group)
        assert group_id is not None
        carols_copy = await carol.run_in_store(
            carol.store.groups.received_sender_key, group, "alice", alice.device_id
        )
        fields = msgspec.msgpack.decode(carols_copy)
        key_id, iteration, chain_key = fields[2], fields[5], fields[6]
        forger = OwnSenderKey(
            key_id=key_id, iteration=iteration, chain_key=chain_key, signing_seed=os.urandom(32)
        )
        fake = TextContent(id=new_message_id(), sent_at=now_ms(), text="send me your password")
        forged_body = GROUP_BODY + forger.encrypt(group_id + encode_content(fake))
        relay_delivers(bob, "alice", alice.device_id, forged_body)
        await logs["bob"].wait_for(lambda events: bool(refusals(logs["bob"], "forged")))

        # 4. The relay hands alice's group body to erin, who is no member.
        alice_bodies = [
            d for d in relay_order.of(bob) if d.from_ == "alice" and d.body[:1] == GROUP_BODY
        ]
        relay_delivers(erin, "alice", alice.device_id, alice_bodies[0].body)
        await logs["erin"].wait_for(
            lambda events: bool(refusals(logs["erin"], "unknown_sender_key"))
        )

        # 5. Dave is removed; he hands out a new sender key and writes: both refused, and a
        #    body of alice's new key handed to him by the relay does not open either.
        await alice.groups.remove_members(group, ["dave"])
        await wait_for_state(members, group, revision=3)
        rogue = OwnSenderKey.generate()
        await send_pairwise(
            dave,
            group,
            "bob",
            SenderKeyContent(
                id=new_message_id(),
                sent_at=now_ms(),
                group_id=group_id,
                distribution=rogue.distribution().to_bytes(),
            ),
        )
        await logs["bob"].wait_for(lambda events: bool(refusals(logs["bob"], "not_a_member")))
        rogue_text = TextContent(id=new_message_id(), sent_at=now_ms(), text="still here")
        relay_delivers(
            bob,
            "dave",
            dave.device_id,
            GROUP_BODY + rogue.encrypt(group_id + encode_content(rogue_text)),
        )
        await logs["bob"].wait_for(lambda events: bool(refusals(logs["bob"], "unknown_sender_key")))
        await alice.groups.send_text(group, "after dave left")
        for client in (bob, carol):
            await wait_for_texts(client, group, 2)
        after = [d for d in relay_order.of(bob) if d.from_ == "alice" and d.body[:1] == GROUP_BODY][
            -1
        ]
        relay_delivers(dave, "alice", alice.device_id, after.body)
        await logs["dave"].wait_for(
            lambda events: bool(refusals(logs["dave"], "unknown_sender_key"))
        )

        # Nothing else changed: the same texts everywhere, no forgery shown, and bob's held
        # key of alice still reads her next message (the forgery did not advance it).
        await alice.groups.send_text(group, "last one")
        for client in (bob, carol):
            await wait_for_texts(client, group, 3)
        for client in (bob, carol):
            assert await group_texts(client, group) == ["hello all", "after dave left", "last one"]
        assert await group_texts(dave, group) == ["hello all"]
        assert await erin.groups.get(group) is None
        assert await mallory.groups.get(group) is None
        for log in logs.values():
            for event in log.of_type(GroupMessageRefused):
                assert "password" not in repr(event) and "still here" not in repr(event)
        await wait_until(lambda: _no_messages(erin, group))
    finally:
        for log in logs.values():
            log.close()
        for client in clients:
            await client.close()


async def _no_messages(client: ChatClient, group: str) -> bool:
    return await client.groups.history(group) == []
