"""Group messages end to end: real ChatClients on a real relay, real stores (issue 21, crit. 1).

A group of five accounts, alice with two linked devices: every member sends, and every device
of every other member gets each message exactly once, in each sender's order; alice's other
device shows her messages as her own. One ``message:send_multi`` per message: the relay is
group-blind and stores one body for every recipient device.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from engine_helpers import EventLog, new_client
from groups_helpers import group_messages, wait_for_state, wait_for_texts
from test_linked_devices import link_device

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import GroupChanged, GroupMessageRefused, MessageReceived
from chat_desktop.storage.models import Direction

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

MESSAGES_EACH = 100


async def test_every_device_of_every_member_gets_every_message_once_in_order(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    a2 = await link_device(a1, tmp_path, relay.url, "alice2", history=False)
    others = [
        await new_client(tmp_path, relay.url, name) for name in ("bob", "carol", "dave", "erin")
    ]
    devices: list[ChatClient] = [a1, a2, *others]
    logs = [EventLog(device) for device in devices]
    try:
        group = await a1.groups.create("Climbing", ["bob", "carol", "dave", "erin"])
        states = await wait_for_state(devices, group, revision=1)
        assert {state.members for state in states} == {("alice", "bob", "carol", "dave", "erin")}
        for log in logs:  # every device, the creator's too, is told who made it with whom
            (created,) = [e for e in log.of_type(GroupChanged) if e.peer == group]
            assert (created.revision, created.sender, created.added, created.admins_added) == (
                1,
                "alice",
                ("alice", "bob", "carol", "dave", "erin"),
                ("alice",),
            )

        senders = [a1, a2, *others]

        async def send_all(client: ChatClient, label: str) -> None:
            for index in range(MESSAGES_EACH):
                await client.groups.send_text(group, f"{label} {index}")

        labels = ["alice1", "alice2", "bob", "carol", "dave", "erin"]
        await asyncio.gather(
            *(send_all(client, label) for client, label in zip(senders, labels, strict=True))
        )
        total = MESSAGES_EACH * len(senders)
        for device in devices:
            await wait_for_texts(device, group, total)

        for device in devices:
            history = await group_messages(device, group)
            assert len(history) == total  # nothing twice, nothing lost
            for label in labels:
                of_sender = [text for _, text in history if text.split()[0] == label]
                # Exactly once each, and in the sender's order.
                assert of_sender == [f"{label} {index}" for index in range(MESSAGES_EACH)]
            for sender, text in history:
                expected = "alice" if text.startswith("alice") else text.split()[0]
                assert sender == expected
        for log in logs:
            arrived = [
                e for e in log.of_type(MessageReceived) if e.peer == group and e.kind == "text"
            ]
            # Arrival order per sender is the sender's order; every event names its sender.
            for label in labels:
                of_sender = [e.text for e in arrived if e.text.split()[0] == label]
                assert of_sender == sorted(of_sender, key=lambda text: int(text.split()[1]))
            assert all(e.sender is not None for e in arrived)
            assert log.of_type(GroupMessageRefused) == []
            # Each device is told of every message but the ones it sent itself.
            assert len(arrived) == total - MESSAGES_EACH
        # Alice's second device shows her first device's messages as her own (outgoing).
        on_a2 = await a2.groups.history(group, limit=total + 10)
        assert all((m.direction is Direction.OUTGOING) == (m.sender == "alice") for m in on_a2)
    finally:
        for log in logs:
            log.close()
        for device in devices:
            await device.close()


async def test_a_members_new_device_found_by_mismatched_devices_gets_the_key(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    c1 = await new_client(tmp_path, relay.url, "carol")
    devices = [alice, bob, c1]
    bob_log = EventLog(bob)
    try:
        group = await alice.groups.create("Trip", ["bob", "carol"])
        await wait_for_state(devices, group, revision=1)
        await bob.groups.send_text(group, "first from bob")
        await wait_for_texts(c1, group, 1)

        # Carol links a second device; alice's next update reaches it (her own pairwise send
        # follows the device set), but bob has not written to it yet.
        c2 = await link_device(c1, tmp_path, relay.url, "carol2", history=False)
        devices.append(c2)
        await alice.groups.rename(group, "Trip 2")
        await wait_for_state(devices, group, revision=2)

        # Bob's group message names carol's old device set: the relay says mismatched, bob
        # hands his key to the new device and sends the same message again.
        await bob.groups.send_text(group, "second from bob")
        await wait_for_texts(c2, group, 1)
        assert await group_messages(c2, group) == [("bob", "second from bob")]
        await wait_for_texts(c1, group, 2)
        await wait_for_texts(alice, group, 2)
        assert await group_messages(c1, group) == [
            ("bob", "first from bob"),
            ("bob", "second from bob"),
        ]
        sent = [m for m in await bob.groups.history(group) if m.kind == "text"]
        # "delivered" once alice's and carol's receipts came (groups_receipts.py).
        assert len(sent) == 2 and {m.status.value for m in sent} <= {"sent", "delivered"}
        assert bob_log.of_type(GroupMessageRefused) == []
    finally:
        bob_log.close()
        for device in devices:
            await device.close()
