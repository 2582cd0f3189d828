"""Replies, reactions, edits and deletes in a group, as in 1:1 chats (issue 21).

Real ChatClients on a real relay with real stores. Each action travels as one group message
(sender-key encrypted, one ``message:send_multi``) and every member applies it with the
1:1 chat's rules, the author being the member who sent it; a member may not edit or delete
another's message.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import new_client, wait_until
from groups_helpers import group_texts, wait_for_state, wait_for_texts

from chat_desktop.protocol.message_content import Content, EditContent
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.client_errors import EditNotAllowed
from chat_desktop.storage.models import Message

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def message(client: ChatClient, group: str, message_id: str) -> Message | None:
    for found in await client.groups.history(group, limit=100):
        if found.id == message_id:
            return found
    return None


async def test_replies_reactions_edits_and_deletes_reach_every_member(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice, bob, carol = clients = [
        await new_client(tmp_path, relay.url, name) for name in ("alice", "bob", "carol")
    ]
    try:
        group = await alice.groups.create("Plans", ["bob", "carol"])
        await wait_for_state(clients, group, revision=1)
        hello = await alice.groups.send_text(group, "hello")
        oops = await alice.groups.send_text(group, "oops")
        for client in (bob, carol):
            await wait_for_texts(client, group, 2)

        reply = await bob.groups.send_text(group, "hi alice", reply_to=hello)
        await carol.groups.react(group, hello, "👍")
        await alice.groups.edit_message(group, hello, "hello everyone")
        await alice.groups.delete_for_everyone(group, oops)
        with pytest.raises(EditNotAllowed):
            await bob.groups.edit_message(group, hello, "bob's words in alice's mouth")

        async def applied(client: ChatClient) -> bool:
            first = await message(client, group, hello)
            gone = await message(client, group, oops)
            answer = await message(client, group, reply)
            return (
                first is not None
                and first.body == "hello everyone"
                and [(r.reactor, r.emoji) for r in first.reactions] == [("carol", "👍")]
                and gone is not None
                and gone.deleted
                and answer is not None
                and answer.quote is not None
            )

        for client in clients:
            await wait_until(lambda client=client: applied(client))
            answer = await message(client, group, reply)
            assert answer is not None and answer.quote is not None
            assert (answer.sender, answer.quote.target_id, answer.quote.author) == (
                "bob",
                hello,
                "alice",
            )
            gone = await message(client, group, oops)
            assert gone is not None and gone.body is None

        # Bob's client, past its own checks, sends an edit of alice's message: refused by
        # every member (only its sender may edit a message), whose copies stay as they were.
        def forged_edit(content_id: str, sent_at: int, timer: int) -> Content:
            return EditContent(id=content_id, sent_at=sent_at, target_id=hello, text="forged")

        await bob.groups.queue_content(group, forged_edit, kind=None)
        await bob.groups.send_text(group, "after the forgery")
        for client in (alice, carol):
            await wait_for_texts(client, group, 4)
            first = await message(client, group, hello)
            assert first is not None and first.body == "hello everyone"
    finally:
        for client in clients:
            await client.close()


async def test_a_group_keeps_its_draft_as_a_chat_does(tmp_path: Path, relay: RelayServer) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    try:
        group = await alice.groups.create("Plans", ["bob"])
        drafts = alice.conversations.drafts
        await drafts.set_draft(group, "half a thought")
        assert await drafts.draft(group) == "half a thought"
        listed = {row.id: row for row in await alice.conversations.list()}
        assert listed[group].draft == "half a thought"
        assert listed[group].peer_address is None  # still a group
        await drafts.set_draft(group, "")
        assert await drafts.draft(group) == ""
    finally:
        await alice.close()
        await bob.close()


async def test_group_messages_delete_for_me_and_forward_to_a_chat(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    try:
        group = await alice.groups.create("Plans", ["bob"])
        await wait_for_state([alice, bob], group, revision=1)
        keep = await bob.groups.send_text(group, "meet at the bridge")
        drop = await bob.groups.send_text(group, "never mind")
        await wait_for_texts(alice, group, 2)
        await alice.messages.delete_for_me(group, [drop])  # this device only
        assert await group_texts(alice, group) == ["meet at the bridge"]
        assert "never mind" in await group_texts(bob, group)  # bob keeps his
        (copy,) = await alice.messages.forward(group, [keep], ["carol"])

        async def carol_has_it() -> bool:
            message = await carol.messages.get("alice", copy)
            return message is not None and message.body == "meet at the bridge"

        await wait_until(carol_has_it)
    finally:
        for client in (alice, bob, carol):
            await client.close()
