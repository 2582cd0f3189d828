"""Files in groups (issue 21): real relay, real stores, real blob uploads.

A file sent to a group is uploaded once; one group message names the blob for every member
device; members (and our own other device, which gets the group message itself, never a
``sent`` transcript naming the group) download, verify and read it as in 1:1 chats; images
come on their own. A non-member's file never gets in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from engine_helpers import EventLog, new_client, wait_until
from groups_helpers import wait_for_state
from PIL import Image
from test_linked_devices import link_device

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.client_errors import ClientError
from chat_desktop.services.events import AttachmentStored, MessageUndecryptable
from chat_desktop.services.groups_held import NotAGroupMember
from chat_desktop.services.sending import OutboxPayload
from chat_desktop.storage.models import Message, OutboxEntry

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def with_files(client: ChatClient) -> ChatClient:
    """The client with files in groups wired (the client does it once it is wired there)."""
    if client.groups.transfers is None:
        client.groups.transfers = client._engine.transfers
    return client


async def attachment(client: ChatClient, group: str, message_id: str) -> Message | None:
    for message in await client.groups.history(group, limit=100):
        if message.id == message_id and message.attachment is not None:
            return message
    return None


async def test_a_file_is_uploaded_once_and_every_member_device_reads_it(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = with_files(await new_client(tmp_path, relay.url, "alice"))
    a2 = with_files(await link_device(a1, tmp_path, relay.url, "alice2", history=False))
    bob = with_files(await new_client(tmp_path, relay.url, "bob"))
    carol = with_files(await new_client(tmp_path, relay.url, "carol"))
    clients = [a1, a2, bob, carol]
    logs = [EventLog(client) for client in clients]
    uploads: list[str] = []
    uploader = a1._engine.sender.uploader
    assert uploader is not None

    async def counting(entry: OutboxEntry, payload: OutboxPayload) -> OutboxPayload:
        uploads.append(entry.recipient)
        return await uploader(entry, payload)

    a1._engine.sender.uploader = counting
    try:
        group = await a1.groups.create("Files", ["bob", "carol"])
        await wait_for_state(clients, group, revision=1)
        document = tmp_path / "minutes.txt"
        secret = os.urandom(50_000)
        document.write_bytes(secret)
        photo = tmp_path / "photo.png"
        Image.effect_noise((48, 48), 80).convert("RGB").save(photo)
        doc_id = await a1.groups.send_file(group, document, caption="the minutes")
        photo_id = await a1.groups.send_file(group, photo)

        for client in (a2, bob, carol):
            await wait_until(
                lambda client=client: _both(client, group, doc_id, photo_id), timeout=60
            )
            doc = await attachment(client, group, doc_id)
            assert doc is not None and doc.attachment is not None
            assert (doc.sender, doc.body, doc.attachment.file_name) == (
                "alice",
                "the minutes",
                "minutes.txt",
            )
            # The image comes on its own; the document when asked for.
            await wait_until(lambda client=client: _stored(client, group, photo_id), timeout=60)
            await client.groups.download(group, doc_id)
            assert await client.groups.read(group, doc_id) == secret
            saved = tmp_path / f"saved-{id(client)}.txt"
            await client.groups.save(group, doc_id, saved)
            assert saved.read_bytes() == secret
        assert uploads == [group, group]  # one upload per file, for every member device

        # Alice's other device holds each once, as her own, and no transcript came along
        # (one naming the group would have been unreadable there).
        mine = [m for m in await a2.groups.history(group) if m.attachment is not None]
        assert sorted(m.id for m in mine) == sorted([doc_id, photo_id])
        assert all(m.sender == "alice" for m in mine)
        assert not logs[1].of_type(MessageUndecryptable)
        assert await a1.groups.read(group, doc_id) == secret  # the sender's own copy

        # A reply with a file quotes the group message; a former member can't send one.
        answer = tmp_path / "answer.txt"
        answer.write_bytes(b"ok")
        reply = await bob.groups.send_file(group, answer, reply_to=doc_id)
        await wait_until(lambda: _has(carol, group, reply), timeout=60)
        got = await attachment(carol, group, reply)
        assert got is not None and got.quote is not None and got.quote.target_id == doc_id
        await carol.groups.leave(group)
        await wait_for_state(clients, group, revision=2)
        with pytest.raises(NotAGroupMember):
            await carol.groups.send_file(group, answer)
        with pytest.raises(ClientError):
            await a1.groups.send_file("bob", answer)  # not a group conversation id
        assert all(not [e for e in log.of_type(AttachmentStored) if not e.ok] for log in logs)
    finally:
        for log in logs:
            log.close()
        for client in clients:
            await client.close()


async def _has(client: ChatClient, group: str, message_id: str) -> bool:
    return await attachment(client, group, message_id) is not None


async def _both(client: ChatClient, group: str, first: str, second: str) -> bool:
    return await _has(client, group, first) and await _has(client, group, second)


async def _stored(client: ChatClient, group: str, message_id: str) -> bool:
    found = await attachment(client, group, message_id)
    return (
        found is not None
        and found.attachment is not None
        and (found.attachment.local_status == "done")
    )
