"""Helpers for the backup tests: a small real profile, and what "equal" means after restore."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec
from engine_helpers import wait_until

from chat_desktop.services.client import ChatClient
from chat_desktop.storage.models import MessageStatus

PASSPHRASE = "a brand new backup passphrase 42"
NEW_PASSWORD = "another correct horse battery"
#: Bytes of the file bob sends: random (they do not deflate), so the backup has 3 chunks.
FILE_BYTES = 2_600_000


async def has_text(client: ChatClient, peer: str, text: str) -> bool:
    """Whether ``client`` holds a message from ``peer`` with ``text``."""
    return any(m.body == text for m in await client.messages.history(peer, limit=200))


async def fill_profile(tmp_path: Path, alice: ChatClient, bob: ChatClient) -> dict[str, str]:
    """A conversation with text, replies, reactions, an edit, a file each way, a
    disappearing timer (and a message under it), flags, a draft, a verified contact and a
    changed preference. Returns message ids by name."""
    ids: dict[str, str] = {}
    ids["hello"] = await alice.messages.send_text("bob", "hello bob")
    await wait_until(lambda: has_text(bob, "alice", "hello bob"))
    ids["reply"] = await bob.messages.send_text("alice", "hi alice", reply_to=ids["hello"])
    await wait_until(lambda: has_text(alice, "bob", "hi alice"))
    await alice.messages.react("bob", ids["reply"], "👍")
    await bob.messages.react("alice", ids["hello"], "🎉")
    ids["edited"] = await alice.messages.send_text("bob", "teh first draft")
    await alice.messages.edit("bob", ids["edited"], "the first draft")
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"meeting notes\n" * 50)
    ids["sent_file"] = await alice.attachments.send_file("bob", notes, caption="notes")
    blob = tmp_path / "data.bin"
    blob.write_bytes(os.urandom(FILE_BYTES))
    ids["got_file"] = await bob.attachments.send_file("alice", blob)

    async def alice_got_message() -> bool:
        return await alice.messages.get("bob", ids["got_file"]) is not None

    await wait_until(alice_got_message)
    message = await alice.messages.get("bob", ids["got_file"])
    assert message is not None and message.attachment is not None
    if message.attachment.local_status != "done":
        await alice.attachments.download("bob", ids["got_file"])

    async def alice_has_file() -> bool:
        message = await alice.messages.get("bob", ids["got_file"])
        return (
            message is not None
            and message.attachment is not None
            and message.attachment.local_status == "done"
        )

    await wait_until(alice_has_file)

    async def bob_saw_all() -> bool:
        message = await bob.messages.get("alice", ids["hello"])
        edited = await bob.messages.get("alice", ids["edited"])
        reply = await alice.messages.get("bob", ids["reply"])
        return (
            message is not None
            and bool(message.reactions)
            and edited is not None
            and edited.body == "the first draft"
            and reply is not None
            and bool(reply.reactions)
        )

    await wait_until(bob_saw_all)
    await wait_until(lambda: _has_reaction(alice, ids["hello"]))
    await alice.conversations.set_disappearing_timer("bob", 7 * 24 * 3600)
    ids["timed"] = await alice.messages.send_text("bob", "this one disappears in a week")

    async def timed_delivered() -> bool:  # nothing changes any more while the test compares
        message = await alice.messages.get("bob", ids["timed"])
        return message is not None and message.status is MessageStatus.DELIVERED

    await wait_until(timed_delivered)
    await alice.conversations.set_pinned("bob", True)
    await alice.conversations.set_muted("bob", True)
    await alice.conversations.drafts.set_draft("bob", "half a thought")
    await alice.trust.mark_verified("bob")
    preferences = await alice.preferences.load()
    await alice.preferences.save(msgspec.structs.replace(preferences, read_receipts=False))
    return ids


async def _has_reaction(client: ChatClient, message_id: str) -> bool:
    message = await client.messages.get("bob", message_id)
    return message is not None and bool(message.reactions)


async def everything(client: ChatClient) -> dict[str, Any]:
    """What must be equal after a restore: messages (every field shown), edits, reactions,
    files' bytes, conversations' flags and drafts, contacts, preferences."""
    conversations = await client.conversations.list(include_archived=True)
    chats = {}
    for conversation in conversations:
        messages = await client.messages.history(conversation.id, limit=1000)
        rows = []
        for message in messages:
            attachment = message.attachment
            data = None
            if attachment is not None and attachment.local_status == "done":
                data = await client.attachments.read(conversation.id, message.id)
            rows.append(
                (
                    message.id,
                    message.sender,
                    message.direction,
                    message.kind,
                    message.body,
                    message.status,
                    message.sort_key,
                    message.sent_at,
                    message.received_at,
                    message.read_at,
                    message.edited_at,
                    message.deleted,
                    message.quote,
                    message.reactions,
                    message.delivered_at,
                    message.read_by_peer_at,
                    None
                    if attachment is None
                    else (
                        attachment.blob_id,
                        attachment.key,
                        attachment.digest,
                        attachment.size,
                        attachment.mime,
                        attachment.file_name,
                        attachment.thumbnail,
                        attachment.local_status,
                    ),
                    data,
                    await client.messages.edit_history(conversation.id, message.id),
                )
            )
        chats[conversation.id] = (
            conversation.pinned,
            conversation.muted,
            conversation.archived,
            conversation.marked_unread,
            conversation.expire_timer,
            conversation.unread_count,
            await client.conversations.drafts.draft(conversation.id),
            rows,
        )
    contacts = await client.run_in_store(client.store.contacts.list_all)
    return {
        "chats": chats,
        "contacts": [
            (c.address, c.display_name, c.identity_key, c.verified_state) for c in contacts
        ],
        "preferences": await client.preferences.load(),
        "username": client.username,
        "device_id": client.device_id,
    }
