"""A linked device gets the whole history, not only its text (issue 19 item 7).

Real clients on the real relay. Alice's first device holds a photo from Bob, a file she sent,
a big file from Bob, a reply, an edited message, reactions both ways, and Bob's chat pinned,
muted and archived with a disappearing timer. A new device links with history: all of it
arrives, the files she had (small ones travel inside the archive, even once the relay's blob
is gone; the big one is fetched from the relay's blob), and both devices report progress
(export and upload; download and import). The import announces its conversations at once.
"""

from __future__ import annotations

import asyncio
import functools
import os
from pathlib import Path

import pytest
from engine_helpers import PASSWORD, EventLog, acquaint, new_client, wait_until
from PIL import Image

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.devices import PENDING_HISTORY_SETTING
from chat_desktop.services.events import ConversationChanged, HistoryTransferProgress
from chat_desktop.services.history_transfer import INLINE_FILE_MAX
from chat_desktop.storage.models import Message

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


async def stored_file(client: ChatClient, peer: str, message_id: str) -> bool:
    message = await client.messages.get(peer, message_id)
    return (
        message is not None
        and message.attachment is not None
        and message.attachment.local_status == "done"
    )


async def has_message(client: ChatClient, peer: str, message_id: str) -> bool:
    return await client.messages.get(peer, message_id) is not None


async def reacted(client: ChatClient, peer: str, message_id: str, count: int) -> bool:
    message = await client.messages.get(peer, message_id)
    return message is not None and len(message.reactions) == count


async def _pending_gone(client: ChatClient) -> bool:
    return not await client.run_in_store(client.store.settings.get, PENDING_HISTORY_SETTING)


def stages(log: EventLog) -> list[str]:
    seen: list[str] = []
    for event in log.of_type(HistoryTransferProgress):
        if not seen or seen[-1] != event.stage:
            seen.append(event.stage)
    return seen


def finished(log: EventLog, stage: str) -> bool:
    return any(
        e.stage == stage and e.done == e.total and e.total > 0
        for e in log.of_type(HistoryTransferProgress)
    )


async def test_everything_a_conversation_shows_arrives_on_the_linked_device(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(a1, bob)
    clients = [a1, bob]
    try:
        photo = tmp_path / "beach.png"
        Image.new("RGB", (64, 48), (200, 120, 40)).save(photo)
        notes = tmp_path / "notes.txt"
        notes.write_bytes(b"shopping: kiwi, bread\n" * 50)
        big = tmp_path / "archive.bin"
        big.write_bytes(os.urandom(INLINE_FILE_MAX + 1024))  # too big to travel inline

        photo_id = await bob.attachments.send_file("alice", photo)
        big_id = await bob.attachments.send_file("alice", big)
        question_id = await bob.messages.send_text("alice", "lunch tomorrow?")
        await wait_until(functools.partial(stored_file, a1, "bob", photo_id))
        await wait_until(functools.partial(has_message, a1, "bob", big_id))
        await wait_until(functools.partial(has_message, a1, "bob", question_id))
        await a1.attachments.download("bob", big_id)
        await wait_until(functools.partial(stored_file, a1, "bob", big_id))
        notes_id = await a1.attachments.send_file("bob", notes)
        await wait_until(functools.partial(stored_file, bob, "alice", notes_id))
        reply_id = await a1.messages.send_text("bob", "yes, at noon", reply_to=question_id)
        typo_id = await a1.messages.send_text("bob", "see you tomorow")
        await wait_until(functools.partial(has_message, bob, "alice", typo_id))
        await a1.messages.edit("bob", typo_id, "see you tomorrow")
        await a1.messages.react("bob", question_id, "\U0001f44d")
        await wait_until(functools.partial(reacted, bob, "alice", question_id, 1))
        await bob.messages.react("alice", reply_id, "\u2764\ufe0f")
        await wait_until(functools.partial(reacted, a1, "bob", reply_id, 1))
        await a1.conversations.set_disappearing_timer("bob", 7 * 24 * 3600)
        await a1.conversations.set_muted("bob", True)
        await a1.conversations.set_pinned("bob", True)
        await a1.conversations.set_archived("bob", True)
        before = await a1.messages.get("bob", typo_id)
        assert before is not None and before.edited_at is not None
        photo_bytes = await a1.attachments.read("bob", photo_id)

        # Link with history; the relay then loses the small files' blobs (as after its
        # retention): they travelled inside the archive.
        a1_log = EventLog(a1)
        pending = await ChatClient.begin_link(relay.url, "Laptop")
        offer = asyncio.create_task(pending.wait_for_offer())
        await a1.devices.link(pending.code, transfer_history=True)
        assert (await offer).has_history
        a2, _key = await pending.accept(tmp_path / "alice2", PASSWORD, kdf_params=FLOOR_PARAMS)
        clients.append(a2)
        for holder, peer, message_id in ((a1, "bob", photo_id), (bob, "alice", notes_id)):
            message = await holder.messages.get(peer, message_id)  # (a sender keeps no blob id)
            assert message is not None and message.attachment is not None
            assert message.attachment.blob_id is not None
            relay.config.blob_dir.joinpath(message.attachment.blob_id).unlink()
        a2_log = EventLog(a2)
        await a2.connect()
        await wait_until(functools.partial(_pending_gone, a2))
        await a2_log.wait_for(
            lambda events: any(
                isinstance(e, ConversationChanged) and e.peer == "bob" for e in events
            )
        )

        # Progress on both devices, in order, each stage finished.
        assert stages(a1_log) == ["export", "upload"]
        assert finished(a1_log, "export") and finished(a1_log, "upload")
        assert stages(a2_log) == ["download", "import"]
        assert finished(a2_log, "download") and finished(a2_log, "import")
        a1_log.close()
        a2_log.close()

        # The conversation's flags and timer.
        listed = {c.id: c for c in await a2.conversations.list(include_archived=True)}
        bob_chat = listed["bob"]
        assert (bob_chat.pinned, bob_chat.muted, bob_chat.archived) == (True, True, True)
        assert bob_chat.expire_timer == 7 * 24 * 3600
        assert "bob" not in {c.id for c in await a2.conversations.list()}  # archived

        # Files: the small ones are here already, the big one comes from the relay's blob.
        photo_copy = await a2.messages.get("bob", photo_id)
        assert photo_copy is not None and photo_copy.attachment is not None
        assert photo_copy.attachment.local_status == "done"
        assert (photo_copy.attachment.width, photo_copy.attachment.height) == (64, 48)
        assert photo_copy.attachment.thumbnail
        assert await a2.attachments.read("bob", photo_id) == photo_bytes
        assert await a2.attachments.read("bob", notes_id) == notes.read_bytes()
        notes_copy = await a2.messages.get("bob", notes_id)
        assert notes_copy is not None and notes_copy.attachment is not None
        assert notes_copy.attachment.file_name == "notes.txt"
        await a2.attachments.download("bob", big_id)
        assert await a2.attachments.read("bob", big_id) == big.read_bytes()

        # The reply's quote, the edit (mark and history), the reactions.
        reply = await a2.messages.get("bob", reply_id)
        assert reply is not None and reply.quote is not None
        assert (reply.quote.target_id, reply.quote.author) == (question_id, "bob")
        assert reply.quote.excerpt == "lunch tomorrow?"
        edited: Message | None = await a2.messages.get("bob", typo_id)
        assert edited is not None
        assert edited.body == "see you tomorrow"
        assert edited.edited_at == before.edited_at
        assert [text for _at, text in await a2.messages.edit_history("bob", typo_id)] == [
            "see you tomorow"
        ]
        question = await a2.messages.get("bob", question_id)
        assert question is not None
        assert [(r.reactor, r.emoji) for r in question.reactions] == [("alice", "\U0001f44d")]
        assert reply.reactions and reply.reactions[0].reactor == "bob"
    finally:
        for client in reversed(clients):
            await client.close()
