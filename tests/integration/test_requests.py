"""Message requests (issue 23, item 1): a stranger's chat is a request that sends nothing back
(no delivery or read receipt, no typing) and fetches no attachment until it is accepted;
accepting sends the held receipts once, deleting removes it, blocking drops what follows, a
blocked stranger opens nothing, and writing first makes a chat ours. Real relay, real stores.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import EventLog, new_client, wait_until
from PIL import Image

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.client_errors import InvalidPeer
from chat_desktop.services.events import MessageReceived, StatusChanged, TypingChanged
from chat_desktop.services.requests import NotARequest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def received(message_id: str) -> object:
    """A predicate for an event log: ``message_id`` arrived."""
    return lambda events: any(
        isinstance(e, MessageReceived) and e.message_id == message_id for e in events
    )


async def ids_of(client: ChatClient, peer: str) -> list[str]:
    return [m.id for m in await client.messages.history(peer, 50)]


async def test_a_strangers_chat_is_a_request_that_sends_nothing_back_until_accepted(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    alice_log, bob_log = EventLog(alice), EventLog(bob)
    photo = tmp_path / "photo.png"
    Image.new("RGB", (40, 30), (0, 128, 255)).save(photo)
    try:
        first = await alice.messages.send_text("bob", "hello, we have not met")
        picture = await alice.attachments.send_file("bob", photo)
        marker = await alice.messages.send_text("bob", "one more")
        await bob_log.wait_for(received(marker))

        assert [c.id for c in await bob.conversations.requests()] == ["alice"]
        assert "alice" not in [c.id for c in await bob.conversations.list()]
        assert await bob.conversations.is_request("alice")
        assert not (await bob.conversations.requests())[0].accepted
        # The image waits (its thumbnail came in the message itself).
        held = await bob.messages.get("alice", picture)
        assert held is not None and held.attachment is not None
        assert held.attachment.thumbnail
        assert held.attachment.local_status in (None, "none")

        # Reading it and typing in it send nothing to Alice.
        assert await bob.conversations.mark_read("alice", first) == 1
        await bob.presence.set_typing("alice", True)

        # Accepting: the chat joins the list, a read receipt goes for what was read and a
        # delivery receipt for the rest, once; the held image is fetched.
        assert await bob.conversations.accept("alice")
        assert not await bob.conversations.accept("alice")  # no request any more
        assert await bob.conversations.requests() == []
        assert "alice" in [c.id for c in await bob.conversations.list()]
        await alice_log.wait_for(
            lambda events: any(
                isinstance(e, StatusChanged) and e.message_id == first and e.status == "read"
                for e in events
            )
        )
        await alice_log.wait_for(
            lambda events: any(
                isinstance(e, StatusChanged) and e.message_id == marker and e.status == "delivered"
                for e in events
            )
        )
        # Bob's typing notice went before his receipts would have: none ever arrived, and the
        # first receipt Alice saw for her first message was the one sent at accepting.
        assert not alice_log.of_type(TypingChanged)
        first_statuses = [
            e.status
            for e in alice_log.of_type(StatusChanged)
            if e.message_id == first and e.status != "sent"
        ]
        assert first_statuses == ["read"]

        async def fetched() -> bool:
            message = await bob.messages.get("alice", picture)
            return (
                message is not None
                and message.attachment is not None
                and message.attachment.local_status == "done"
            )

        await wait_until(fetched)

        # From now on receipts flow as in any chat.
        later = await alice.messages.send_text("bob", "thanks")
        await bob_log.wait_for(received(later))
        await bob.conversations.mark_read("alice", later)
        await alice_log.wait_for(
            lambda events: any(
                isinstance(e, StatusChanged) and e.message_id == later and e.status == "read"
                for e in events
            )
        )
    finally:
        alice_log.close()
        bob_log.close()
        await alice.close()
        await bob.close()


async def test_deleting_a_request_removes_it_and_a_new_message_opens_a_new_one(
    tmp_path: Path, relay: RelayServer
) -> None:
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    bob_log = EventLog(bob)
    try:
        first = await carol.messages.send_text("bob", "buy my thing")
        await bob_log.wait_for(received(first))
        with pytest.raises(InvalidPeer):
            await bob.conversations.delete_request("bob")
        await bob.conversations.delete_request("carol")
        assert await bob.conversations.requests() == []
        assert await ids_of(bob, "carol") == []
        with pytest.raises(NotARequest):
            await bob.conversations.delete_request("carol")  # nothing there any more

        again = await carol.messages.send_text("bob", "really, buy it")
        await bob_log.wait_for(received(again))
        assert [c.id for c in await bob.conversations.requests()] == ["carol"]
        assert await ids_of(bob, "carol") == [again]
        # An accepted chat is never deleted as a request.
        await bob.conversations.accept("carol")
        with pytest.raises(NotARequest):
            await bob.conversations.delete_request("carol")
        assert await ids_of(bob, "carol") == [again]
    finally:
        bob_log.close()
        await bob.close()
        await carol.close()


async def test_blocking_a_request_drops_what_follows_and_a_blocked_stranger_opens_nothing(
    tmp_path: Path, relay: RelayServer
) -> None:
    bob = await new_client(tmp_path, relay.url, "bob")
    dave = await new_client(tmp_path, relay.url, "dave")
    eve = await new_client(tmp_path, relay.url, "eve")
    carol = await new_client(tmp_path, relay.url, "carol")
    bob_log = EventLog(bob)
    try:
        first = await dave.messages.send_text("bob", "hi")
        await bob_log.wait_for(received(first))
        await bob.conversations.block("dave")
        assert await bob.conversations.requests() == []  # a blocked one shows in its chat only

        await bob.conversations.block("eve")  # before Eve ever wrote
        await dave.messages.send_text("bob", "hi again")
        await eve.messages.send_text("bob", "hello")
        # A group invite from a blocked account is refused too.
        await eve.groups.create("eve's club", ["bob"])
        # Carol writes after them all: once her message is here, theirs were handled.
        marker = await carol.messages.send_text("bob", "a marker")
        await bob_log.wait_for(received(marker))
        assert await ids_of(bob, "dave") == [first]
        assert await ids_of(bob, "eve") == []
        assert await bob.groups.list() == []
        assert [c.id for c in await bob.conversations.requests()] == ["carol"]
    finally:
        bob_log.close()
        for client in (bob, dave, eve, carol):
            await client.close()


async def test_writing_first_makes_the_chat_ours_on_both_sides(
    tmp_path: Path, relay: RelayServer
) -> None:
    bob = await new_client(tmp_path, relay.url, "bob")
    frank = await new_client(tmp_path, relay.url, "frank")
    bob_log, frank_log = EventLog(bob), EventLog(frank)
    try:
        hello = await bob.messages.send_text("frank", "hello frank")
        assert not await bob.conversations.is_request("frank")
        await frank_log.wait_for(received(hello))
        assert await frank.conversations.is_request("bob")  # Bob is a stranger to Frank
        # Frank answers without accepting first: writing accepts.
        answer = await frank.messages.send_text("bob", "hi bob")
        assert not await frank.conversations.is_request("bob")
        assert await frank.conversations.requests() == []
        await bob_log.wait_for(received(answer))
        assert await bob.conversations.requests() == []
        # Receipts flow both ways now.
        await bob.conversations.mark_read("frank", answer)
        await frank_log.wait_for(
            lambda events: any(
                isinstance(e, StatusChanged) and e.message_id == answer and e.status == "read"
                for e in events
            )
        )
        # Starting a chat that is a request accepts it.
        george = await new_client(tmp_path, relay.url, "george")
        try:
            note = await george.messages.send_text("bob", "hi, it's george")
            await bob_log.wait_for(received(note))
            assert await bob.conversations.is_request("george")
            await bob.conversations.start("george")
            assert not await bob.conversations.is_request("george")
        finally:
            await george.close()
        # Note to Self is never a request.
        await bob.conversations.note_to_self()
        assert not await bob.conversations.is_request("bob")
    finally:
        bob_log.close()
        frank_log.close()
        await bob.close()
        await frank.close()


async def test_accepting_on_one_device_accepts_on_our_other_devices(
    tmp_path: Path, relay: RelayServer
) -> None:
    from test_linked_devices import link_device

    alice = await new_client(tmp_path, relay.url, "alice")
    laptop = await link_device(alice, tmp_path, relay.url, "alice-laptop", history=False)
    sam = await new_client(tmp_path, relay.url, "sam")
    laptop_log = EventLog(laptop)
    try:
        hello = await sam.messages.send_text("alice", "hello from a stranger")
        await laptop_log.wait_for(received(hello))

        async def request_here() -> bool:
            return await alice.conversations.is_request("sam")

        await wait_until(request_here)
        assert await laptop.conversations.is_request("sam")
        assert await alice.conversations.accept("sam")

        async def accepted_there() -> bool:
            return not await laptop.conversations.is_request("sam")

        await wait_until(accepted_there)
        assert await laptop.conversations.requests() == []
    finally:
        laptop_log.close()
        for client in (alice, laptop, sam):
            await client.close()
