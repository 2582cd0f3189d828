"""Replies, reactions, edits, deletes and details between two real clients via the real relay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engine_helpers import EventLog, acquaint, new_client
from PIL import Image

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import (
    ClientError,
    DeleteNotAllowed,
    EditNotAllowed,
    UnknownMessage,
)
from chat_desktop.services.events import (
    AttachmentStored,
    ClientEvent,
    ConversationChanged,
    MessageChanged,
    MessageReceived,
    MessagesRemoved,
    StatusChanged,
)
from chat_desktop.storage.models import Message, Quote, Reaction

pytestmark = pytest.mark.integration


def received(log: EventLog, text: str) -> bool:
    return any(event.text == text for event in log.of_type(MessageReceived))


def changes(log: EventLog, message_id: str, change: str) -> int:
    return sum(
        1
        for event in log.of_type(MessageChanged)
        if event.message_id == message_id and event.change == change
    )


async def wait_changes(log: EventLog, message_id: str, change: str, count: int) -> None:
    await log.wait_for(lambda _: changes(log, message_id, change) >= count)


async def send_and_receive(sender: ChatClient, log: EventLog, peer: str, text: str) -> str:
    """``sender`` sends ``text`` to ``peer``; waits until ``peer``'s log has it."""
    message_id = await sender.messages.send_text(peer, text)
    await log.wait_for(lambda _: received(log, text))
    return message_id


async def get(client: ChatClient, peer: str, message_id: str) -> Message:
    message = await client.messages.get(peer, message_id)
    assert message is not None
    return message


async def stored_files(client: ChatClient) -> int:
    def count() -> int:
        return int(client.store._db.query_value("SELECT count(*) FROM attachment_files"))

    result: int = await client.run_in_store(count)
    return result


async def age_message(client: ChatClient, peer: str, message_id: str, hours: float) -> None:
    """Moves a stored message's times ``hours`` into the past (as if sent that long ago)."""
    shift = int(hours * 3600 * 1000)

    def update() -> None:
        client.store._db.execute(
            "UPDATE messages SET sent_at = sent_at - ?, received_at = received_at - ? "
            "WHERE conversation_id = ? AND id = ?",
            (shift, shift, peer, message_id),
        )

    await client.run_in_store(update)


@pytest.fixture
async def pair(tmp_path: Path, relay: RelayServer) -> Any:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(alice, bob)
    alice_log, bob_log = EventLog(alice), EventLog(bob)
    yield alice, bob, alice_log, bob_log
    alice_log.close()
    bob_log.close()
    await alice.close()
    await bob.close()


async def test_a_reply_quotes_the_stored_message_on_both_sides(pair: Any) -> None:
    alice, bob, alice_log, bob_log = pair
    question = await send_and_receive(alice, bob_log, "bob", "the original question")

    answer = await bob.messages.send_text("alice", "the answer", reply_to=question)
    expected = Quote(question, "alice", "the original question", "text", found=True)
    assert (await get(bob, "alice", answer)).quote == expected
    await alice_log.wait_for(lambda _: received(alice_log, "the answer"))
    assert (await get(alice, "bob", answer)).quote == expected

    with pytest.raises(UnknownMessage):
        await bob.messages.send_text(
            "alice", "to nothing", reply_to="0190f5a4-7c3e-7b2a-9f00-0123456789ab"
        )


async def test_reactions_set_change_and_remove_show_on_the_other_side(pair: Any) -> None:
    alice, bob, alice_log, bob_log = pair
    message_id = await send_and_receive(alice, bob_log, "bob", "react to me")

    await bob.messages.react("alice", message_id, "👍")
    assert (await get(bob, "alice", message_id)).reactions == (Reaction("bob", "👍"),)
    await wait_changes(alice_log, message_id, "reactions", 1)
    assert (await get(alice, "bob", message_id)).reactions == (Reaction("bob", "👍"),)

    await bob.messages.react("alice", message_id, "❤️")  # replaces bob's reaction
    await wait_changes(alice_log, message_id, "reactions", 2)
    assert (await get(alice, "bob", message_id)).reactions == (Reaction("bob", "❤️"),)

    await alice.messages.react("bob", message_id, "😂")  # on her own message
    await wait_changes(bob_log, message_id, "reactions", 3)
    assert len((await get(bob, "alice", message_id)).reactions) == 2

    await bob.messages.react("alice", message_id, None)
    await wait_changes(alice_log, message_id, "reactions", 4)
    assert (await get(alice, "bob", message_id)).reactions == (Reaction("alice", "😂"),)

    with pytest.raises(ClientError):
        await bob.messages.react("alice", message_id, "not an emoji at all")


async def test_an_edit_shows_on_both_sides_with_its_history(pair: Any) -> None:
    alice, bob, _alice_log, bob_log = pair
    message_id = await send_and_receive(alice, bob_log, "bob", "first draft")

    await alice.messages.edit("bob", message_id, "final words")
    mine = await get(alice, "bob", message_id)
    assert mine.body == "final words" and mine.edited_at is not None
    await wait_changes(bob_log, message_id, "edited", 1)
    theirs = await get(bob, "alice", message_id)
    assert (theirs.body, theirs.edited_at) == ("final words", mine.edited_at)
    history = [(mine.edited_at, "first draft")]
    assert await alice.messages.edit_history("bob", message_id) == history
    assert await bob.messages.edit_history("alice", message_id) == history
    for client in (alice, bob):
        assert await client.messages.search("draft") == []
        assert [message.id for message in await client.messages.search("final")] == [message_id]

    with pytest.raises(EditNotAllowed):
        await bob.messages.edit("alice", message_id, "not his to edit")
    await age_message(alice, "bob", message_id, 24.5)
    with pytest.raises(EditNotAllowed):
        await alice.messages.edit("bob", message_id, "too late")
    with pytest.raises(DeleteNotAllowed):
        await alice.messages.delete_for_everyone("bob", message_id)
    assert (await get(alice, "bob", message_id)).body == "final words"


async def test_delete_for_everyone_leaves_tombstones_and_removes_files_and_search_entries(
    pair: Any, tmp_path: Path
) -> None:
    alice, bob, alice_log, bob_log = pair
    picture = tmp_path / "beach.png"
    Image.new("RGB", (64, 48), (200, 120, 40)).save(picture)
    document = tmp_path / "numbers.txt"
    document.write_text("quarterly numbers in here")

    image_id = await alice.attachments.send_file("bob", picture, caption="beach photo")
    file_id = await alice.attachments.send_file("bob", document, caption="quarterly report")
    text_id = await send_and_receive(alice, bob_log, "bob", "secret plans")
    await bob_log.wait_for(
        lambda events: any(
            isinstance(event, AttachmentStored) and event.message_id == image_id and event.ok
            for event in events
        )
    )
    await bob.attachments.download("alice", file_id)
    await bob.messages.react("alice", image_id, "🔥")
    await wait_changes(alice_log, image_id, "reactions", 1)
    assert await stored_files(bob) == 2 and await stored_files(alice) == 2
    paths = {}
    for client in (alice, bob):
        peer = "bob" if client is alice else "alice"
        for message_id in (image_id, file_id):
            info = (await get(client, peer, message_id)).attachment
            assert info is not None and info.local_file_id is not None
            paths[(client.username, message_id)] = client.store.attachments.path_of(
                info.local_file_id
            )
    assert all(path.exists() for path in paths.values())

    for message_id in (image_id, file_id, text_id):
        await alice.messages.delete_for_everyone("bob", message_id)
    for message_id in (image_id, file_id, text_id):
        await wait_changes(bob_log, message_id, "deleted", 1)

    for client, peer in ((alice, "bob"), (bob, "alice")):
        for message_id in (image_id, file_id, text_id):
            tombstone = await get(client, peer, message_id)
            assert tombstone.deleted and tombstone.body is None
            assert tombstone.attachment is None and tombstone.reactions == ()
        assert await stored_files(client) == 0
        for word in ("beach", "quarterly", "secret"):
            assert await client.messages.search(word) == []
    assert not any(path.exists() for path in paths.values())
    with pytest.raises(DeleteNotAllowed):
        await alice.messages.delete_for_everyone("bob", text_id)  # already deleted
    with pytest.raises(UnknownMessage):
        await alice.messages.react("bob", text_id, "👍")


async def test_only_the_sender_may_delete_for_everyone(pair: Any) -> None:
    alice, bob, _alice_log, bob_log = pair
    message_id = await send_and_receive(alice, bob_log, "bob", "mine, not bob's")
    with pytest.raises(DeleteNotAllowed):
        await bob.messages.delete_for_everyone("alice", message_id)
    assert (await get(bob, "alice", message_id)).body == "mine, not bob's"


async def test_delete_for_me_and_delete_conversation_stay_local(pair: Any, tmp_path: Path) -> None:
    alice, bob, _alice_log, bob_log = pair
    picture = tmp_path / "cat.png"
    Image.new("RGB", (32, 32), (10, 200, 40)).save(picture)
    first = await send_and_receive(alice, bob_log, "bob", "forget this sentence")
    second = await send_and_receive(alice, bob_log, "bob", "keep this one")
    image_id = await alice.attachments.send_file("bob", picture)
    await bob_log.wait_for(
        lambda events: any(
            isinstance(event, AttachmentStored) and event.message_id == image_id for event in events
        )
    )

    await bob.messages.delete_for_me("alice", [first])
    assert [m.id for m in await bob.messages.history("alice")] == [second, image_id]
    assert await bob.messages.search("forget") == []
    assert MessagesRemoved("alice", (first,)) in bob_log.events
    assert (await get(alice, "bob", first)).body == "forget this sentence"

    await bob.conversations.delete("alice")
    assert await bob.messages.history("alice") == []
    assert all(c.id != "alice" for c in await bob.conversations.list())
    assert await bob.messages.search("keep") == []
    assert await stored_files(bob) == 0
    expected: list[ClientEvent] = [MessagesRemoved("alice", ()), ConversationChanged("alice")]
    assert all(event in bob_log.events for event in expected)
    assert len(await alice.messages.history("bob")) == 3

    await send_and_receive(alice, bob_log, "bob", "a new start")
    assert [m.body for m in await bob.messages.history("alice")] == ["a new start"]


async def test_details_are_filled_by_receipts(pair: Any) -> None:
    alice, bob, alice_log, bob_log = pair
    message_id = await send_and_receive(alice, bob_log, "bob", "when did you read this")

    def status_is(status: str) -> bool:
        return any(
            isinstance(event, StatusChanged)
            and event.message_id == message_id
            and event.status == status
            for event in alice_log.events
        )

    await alice_log.wait_for(lambda _: status_is("delivered"))
    details = await alice.messages.details("bob", message_id)
    assert details.sent_at is not None and details.delivered_at is not None
    assert details.read_at is None and details.received_at is None
    assert changes(alice_log, message_id, "details") >= 1

    await bob.conversations.mark_read("alice", message_id)
    await alice_log.wait_for(lambda _: status_is("read"))
    details = await alice.messages.details("bob", message_id)
    assert details.read_at is not None and details.read_at >= details.delivered_at
    theirs = await bob.messages.details("alice", message_id)
    assert theirs.received_at is not None and theirs.read_at is not None
    with pytest.raises(UnknownMessage):
        await bob.messages.details("alice", "0190f5a4-7c3e-7b2a-9f00-0123456789ab")
