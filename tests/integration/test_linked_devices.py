"""Linked devices end to end: real ChatClients on a real relay, real stores (issue: linked devices).

Alice links a second device (A2) to her first (A1); Bob writes to Alice. The tests follow the
acceptance: history and contacts move over without a key change for Bob, every message
reaches every device once and in order, sends follow the device set through
``mismatched_devices`` silently, unlinking locks a device out, and a hostile relay that adds a
device with another identity key gets nothing.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from pathlib import Path

import pytest
from engine_helpers import PASSWORD, EventLog, acquaint, new_client, wait_until
from relay_harness import make_pq_prekey, make_signed_prekey
from test_engine_trust import reinstall

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.protocol.message_content import (
    ContactSyncContent,
    Content,
    ReadSyncContent,
    SentTranscriptContent,
    TextContent,
    transcript_of,
)
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.client_errors import InvalidLinkCode, LinkFailed
from chat_desktop.services.events import (
    DeviceKeyRefused,
    DeviceUnlinked,
    IdentityKeyChanged,
    ResumedElsewhere,
    StatusChanged,
)
from chat_desktop.storage.models import Direction, MessageStatus

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


async def link_device(
    existing: ChatClient,
    root: Path,
    relay_url: str,
    folder: str,
    name: str = "Alice's laptop",
    *,
    history: bool = True,
) -> ChatClient:
    """Links a new device to ``existing``'s account through a real link code; connected."""
    pending = await ChatClient.begin_link(relay_url, name)
    assert existing.devices.describe_link_code(pending.code) == name
    offer_task = asyncio.create_task(pending.wait_for_offer())
    await existing.devices.link(pending.code, transfer_history=history)
    offer = await offer_task
    assert offer.username == existing.username
    client, recovery_key = await pending.accept(root / folder, PASSWORD, kdf_params=FLOOR_PARAMS)
    assert recovery_key
    await client.connect()
    await client.wait_connected()
    return client


async def texts(client: ChatClient, peer: str, limit: int = 500) -> list[tuple[str, str, str]]:
    """(id, sender, text) of the conversation, oldest first."""
    return [
        (m.id, m.sender, m.body or "")
        for m in await client.messages.history(peer, limit=limit)
        if m.kind == "text"
    ]


async def test_linked_device_gets_the_history_and_bob_sees_no_key_change(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    bob_log = EventLog(bob)
    try:
        await a1.messages.send_text("bob", "hello bob")
        await wait_until(lambda: _has_text(bob, "alice", "hello bob"))
        await bob.messages.send_text("alice", "hi alice")
        await wait_until(lambda: _has_text(a1, "bob", "hi alice"))
        await a1.trust.mark_verified("bob")
        await a1.conversations.set_disappearing_timer("bob", 3600)
        await a1.messages.send_text("bob", "this one disappears")
        await wait_until(lambda: _has_text(bob, "alice", "this one disappears"))
        safety_before = await bob.trust.safety_number("alice")

        a2 = await link_device(a1, tmp_path, relay.url, "alice2")
        try:
            assert a2.username == "alice" and a2.device_id != a1.device_id
            await wait_until(lambda: _has_text(a2, "bob", "this one disappears"))
            assert await texts(a2, "bob") == await texts(a1, "bob")
            assert await a2.trust.is_verified("bob")
            # The disappearing message keeps its remaining time (the same expiry).
            a1_copy = next(
                m for m in await a1.messages.history("bob") if m.body == "this one disappears"
            )
            a2_copy = next(
                m for m in await a2.messages.history("bob") if m.body == "this one disappears"
            )
            assert a1_copy.expires_at is not None and a2_copy.expires_at == a1_copy.expires_at
            # Bob: same safety number, no key-change warning; his next message reaches both.
            await bob.messages.send_text("alice", "to both of you")
            await wait_until(lambda: _has_text(a1, "bob", "to both of you"))
            await wait_until(lambda: _has_text(a2, "bob", "to both of you"))
            assert await bob.trust.safety_number("alice") == safety_before
            assert not bob_log.of_type(IdentityKeyChanged)
            names = {d.device_id: d.name for d in await a1.devices.list()}
            assert names == {a1.device_id: names[a1.device_id], a2.device_id: "Alice's laptop"}
        finally:
            await a2.close()
    finally:
        bob_log.close()
        await bob.close()
        await a1.close()


async def test_offline_device_gets_every_message_once_in_order_and_reads_sync(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await bob.messages.send_text("alice", "before the link")
    await wait_until(lambda: _has_text(a1, "bob", "before the link"))
    a2 = await link_device(a1, tmp_path, relay.url, "alice2", history=False)
    await a2.close()  # A2 goes offline
    bob_log = EventLog(bob)
    try:
        sent = [await bob.messages.send_text("alice", f"message {n}") for n in range(200)]
        await wait_until(lambda: _count_is(a1, "bob", "message ", 200), timeout=90)
        a2 = await ChatClient.unlock(tmp_path / "alice2", PASSWORD)
        await a2.connect()
        await wait_until(lambda: _count_is(a2, "bob", "message ", 200), timeout=90)
        received = [
            m
            for m in await a2.messages.history("bob", limit=500)
            if (m.body or "").startswith("message ")
        ]
        assert [m.id for m in received] == sent  # all 200, in order, exactly once

        # What Alice sends from A1 appears on A2 as sent by her.
        mine = await a1.messages.send_text("bob", "sent from the first device")
        await wait_until(lambda: _has_text(a2, "bob", "sent from the first device"))
        copy = next(m for m in await a2.messages.history("bob", limit=500) if m.id == mine)
        assert copy.direction is Direction.OUTGOING and copy.sender == "alice"
        # Sent, or already delivered: Bob's receipts go to every device of Alice's.
        assert copy.status in (MessageStatus.SENT, MessageStatus.DELIVERED)

        # Reading on A2 clears A1's unread count and sends Bob one read receipt per message.
        assert await _unread(a1, "bob") > 0
        await wait_until(lambda: _outbox_empty(a1))
        await wait_until(lambda: _outbox_empty(a2))
        to_bob_before = _contents_sent(relay, "alice", "bob")
        await a2.conversations.mark_read("bob", sent[-1])
        await wait_until(lambda: _unread_is(a1, "bob", 0))
        await wait_until(lambda: all_read(bob, "alice", sent))
        await wait_until(lambda: _outbox_empty(a1))
        await wait_until(lambda: _outbox_empty(a2))
        # One read receipt content (200 ids fit in one) went to Bob, from A2 only: A1 took
        # the read mark from A2's sync and sent nothing of its own.
        assert _contents_sent(relay, "alice", "bob") == to_bob_before + 1
        read_events = [
            e for e in bob_log.of_type(StatusChanged) if e.status == "read" and e.message_id in sent
        ]
        assert len(read_events) == len(sent)
    finally:
        bob_log.close()
        for client in (a2, bob, a1):
            await client.close()


async def test_sends_follow_the_device_set_without_the_user_noticing(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(a1, bob)
    bob_log = EventLog(bob)
    try:
        await bob.messages.send_text("alice", "only A1 exists")  # Bob's sessions: A1 only
        await wait_until(lambda: _has_text(a1, "bob", "only A1 exists"))
        a2 = await link_device(a1, tmp_path, relay.url, "alice2", history=False)
        first = await bob.messages.send_text("alice", "now there are two")
        await wait_until(lambda: _has_text(a1, "bob", "now there are two"))
        await wait_until(lambda: _has_text(a2, "bob", "now there are two"))
        await wait_until(lambda: _status_is(bob, "alice", first, MessageStatus.DELIVERED))
        assert [t for t in await texts(a2, "bob") if t[2] == "now there are two"] == [
            (first, "bob", "now there are two")
        ]

        await a1.devices.unlink(a2.device_id)
        after = await bob.messages.send_text("alice", "A2 is gone")
        await wait_until(lambda: _has_text(a1, "bob", "A2 is gone"))
        await wait_until(lambda: _status_is(bob, "alice", after, MessageStatus.DELIVERED))
        assert not [e for e in bob_log.of_type(StatusChanged) if e.status == "failed"]
        await a2.close()
    finally:
        bob_log.close()
        await bob.close()
        await a1.close()


async def test_an_unlinked_device_is_cut_off_and_gets_nothing_more(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    a2 = await link_device(a1, tmp_path, relay.url, "alice2", history=False)
    a2_log = EventLog(a2)
    try:
        await a1.devices.unlink(a2.device_id)
        await a2_log.wait_for(lambda events: any(isinstance(e, DeviceUnlinked) for e in events), 5)
        await wait_until(lambda: _not_connected(a2), timeout=5)
        assert a2.devices.unlinked
        await bob.messages.send_text("alice", "after the unlink")
        await wait_until(lambda: _has_text(a1, "bob", "after the unlink"))
        store = relay.context.store
        assert await store.pending_envelopes("alice", a2.device_id, 0, 2**62, 100) == []
        await asyncio.sleep(1.0)  # a reconnect attempt would have happened by now
        assert not a2.connected
        assert await store.pending_envelopes("alice", a2.device_id, 0, 2**62, 100) == []
        assert len(await a1.devices.list()) == 1
    finally:
        a2_log.close()
        for client in (a2, bob, a1):
            await client.close()


async def test_a_relay_that_adds_a_device_with_another_key_gets_nothing(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    bob_log = EventLog(bob)
    try:
        await bob.messages.send_text("alice", "hello")
        await wait_until(lambda: _has_text(a1, "bob", "hello"))
        # The relay slips in device 9 for Alice, with keys of its own (Mallory's identity).
        mallory = IdentityKeyPair.generate()
        _insert_hostile_device(relay, "alice", 9, mallory)
        await bob.messages.send_text("alice", "is anyone else listening?")
        # Refused alone, told once; Alice's key and Bob's trust in it stay (protocol §8).
        await bob_log.wait_for(
            lambda events: any(isinstance(e, DeviceKeyRefused) for e in events), 30
        )
        refused = bob_log.of_type(DeviceKeyRefused)
        assert [(e.peer, e.device_id) for e in refused] == [("alice", 9)]
        assert bob_log.of_type(IdentityKeyChanged) == []
        sessions = await bob.run_in_store(bob.store.secrets.session_devices, "alice")
        assert 9 not in sessions
        assert await relay.context.store.pending_envelopes("alice", 9, 0, 2**62, 100) == []
    finally:
        bob_log.close()
        await bob.close()
        await a1.close()


async def test_a_link_code_for_another_relay_is_refused(tmp_path: Path, relay: RelayServer) -> None:
    """A code naming another relay would hand the account to that relay's owner: refused
    before anything is asked of any relay. (An envelope sealed to another E than the code's
    never opens: tests/unit/crypto/test_provisioning.py.)"""
    a1 = await new_client(tmp_path, relay.url, "alice")
    try:
        pending = await ChatClient.begin_link(relay.url, "new laptop")
        other = pending.code.replace("127.0.0.1", "10.0.0.1")
        with pytest.raises(InvalidLinkCode):
            await a1.devices.link(other)
        with pytest.raises(InvalidLinkCode):
            a1.devices.describe_link_code("chat-desktop-link:v1?nonsense")
    finally:
        await a1.close()


async def test_an_expired_or_garbage_channel_fails_cleanly(
    tmp_path: Path, relay: RelayServer
) -> None:
    pending = await ChatClient.begin_link(relay.url, "new laptop")
    provision_id = pending.code.split("id=")[1].split("&")[0]
    # A hostile relay (or anyone with a link token) fills the channel with bytes that were
    # not sealed to this device's E: the new device refuses them and creates nothing.
    a1 = await new_client(tmp_path, relay.url, "alice")
    try:
        from chat_desktop.net.http import put_provisioning
        from chat_desktop.protocol import events as wire_events
        from chat_desktop.protocol.schemas import DevicesLinkAck, EmptyRequest

        assert a1._context.connection is not None
        granted = await a1._context.connection.request(
            wire_events.DEVICES_LINK, EmptyRequest(), DevicesLinkAck
        )
        await put_provisioning(relay.url, provision_id, granted.link_token, b"\x01" + bytes(200))
        with pytest.raises(LinkFailed):
            await pending.wait_for_offer()
        assert not (tmp_path / "new").exists()
    finally:
        await a1.close()


# ---- helpers -----------------------------------------------------------------------------


async def _count_is(client: ChatClient, peer: str, prefix: str, count: int) -> bool:
    return await _count_from(client, peer, prefix) == count


async def _has_text(client: ChatClient, peer: str, text: str) -> bool:
    return any(m.body == text for m in await client.messages.history(peer, limit=500))


async def _count_from(client: ChatClient, peer: str, prefix: str) -> int:
    return sum(
        1
        for m in await client.messages.history(peer, limit=500)
        if (m.body or "").startswith(prefix)
    )


async def _unread(client: ChatClient, peer: str) -> int:
    for conversation in await client.conversations.list():
        if conversation.id == peer:
            return conversation.unread_count
    return 0


async def _unread_is(client: ChatClient, peer: str, count: int) -> bool:
    return await _unread(client, peer) == count


async def all_read(client: ChatClient, peer: str, ids: list[str]) -> bool:
    wanted = set(ids)
    history = await client.messages.history(peer, limit=500)
    return all(m.status is MessageStatus.READ for m in history if m.id in wanted)


async def _status_is(client: ChatClient, peer: str, message_id: str, status: MessageStatus) -> bool:
    message = await client.messages.get(peer, message_id)
    return message is not None and message.status is status


async def _outbox_empty(client: ChatClient) -> bool:
    return not await client.run_in_store(client.store.outbox.pending, 1)


def _contents_sent(relay: RelayServer, sender: str, recipient: str) -> int:
    """How many logical messages ``sender`` sent ``recipient`` (the relay's dedupe records)."""
    with sqlite3.connect(_relay_database(relay)) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM sent_messages WHERE sender = ? AND recipient = ?",
            (sender, recipient),
        ).fetchone()
    return int(count)


def _relay_database(relay: RelayServer) -> Path:
    path = relay.config.data_dir / "relay.sqlite3"
    return path if path.exists() else next(relay.config.data_dir.glob("*.sqlite*"))


async def _not_connected(client: ChatClient) -> bool:
    return not client.connected


def _insert_hostile_device(
    relay: RelayServer, user: str, device_id: int, identity: IdentityKeyPair
) -> None:
    """Writes a device with another identity key straight into the relay's database."""
    path = _relay_database(relay)
    signed = make_signed_prekey(identity, 1)
    pq = make_pq_prekey(identity, 1, last_resort=True)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO devices(username, device_id, identity_key, created_at) "
            "VALUES (?, ?, ?, 0)",
            (user, device_id, identity.public_key),
        )
        db.execute(
            "INSERT INTO signed_prekeys(username, device_id, key_id, public_key, signature) "
            "VALUES (?, ?, ?, ?, ?)",
            (user, device_id, signed.id, signed.public_key, signed.signature),
        )
        db.execute(
            "INSERT INTO pq_prekeys"
            "(username, device_id, key_id, public_key, signature, last_resort) "
            "VALUES (?, ?, ?, ?, ?, 1)",
            (user, device_id, pq.id, pq.public_key, pq.signature),
        )


async def test_a_disappearing_message_disappears_from_every_device(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(a1, bob)
    a2 = await link_device(a1, tmp_path, relay.url, "alice2", history=False)
    try:
        await a1.conversations.set_disappearing_timer("bob", 1)  # A2 follows through the transcript
        await wait_until(lambda: _timer_is(a2, "bob", 1))
        await wait_until(lambda: _timer_is(bob, "alice", 1))
        mine = await a1.messages.send_text("bob", "gone in a second")
        theirs = await bob.messages.send_text("alice", "mine too")
        for client in (a1, a2):
            await wait_until(functools.partial(_has_text, client, "bob", "mine too"))
        await wait_until(lambda: _has_text(a2, "bob", "gone in a second"))
        await a2.conversations.mark_read(
            "bob", theirs
        )  # read on A2: A1 starts the timer from the sync
        for client, peer in ((a1, "bob"), (a2, "bob")):
            for message_id in (mine, theirs):
                await wait_until(functools.partial(_gone, client, peer, message_id), timeout=20)
    finally:
        for client in (a2, bob, a1):
            await client.close()


async def _timer_is(client: ChatClient, peer: str, seconds: int) -> bool:
    for conversation in await client.conversations.list():
        if conversation.id == peer:
            return conversation.expire_timer == seconds
    return False


async def _gone(client: ChatClient, peer: str, message_id: str) -> bool:
    return await client.messages.get(peer, message_id) is None


async def test_a_profile_made_before_linked_devices_registers_its_device_key(
    tmp_path: Path, relay: RelayServer
) -> None:
    """The old one-device data migrates: a device without DK connects with IK once, gives
    the relay its DK, and from then on connects with DK; it can then link a device."""
    alice = await new_client(tmp_path, relay.url, "alice")
    await alice.close()
    # Make it what a profile and a relay from before linked devices hold: no DK anywhere.
    with sqlite3.connect(_relay_database(relay)) as db:
        db.execute(
            "UPDATE devices SET device_key = NULL, certificate = NULL, certified_at = NULL "
            "WHERE username = 'alice'"
        )
    alice = await ChatClient.unlock(tmp_path / "alice", PASSWORD)

    def forget_device_key() -> None:
        with alice.store.transaction():
            alice.store.secrets.delete_prekey("device_key", 1)
            alice.store.settings.delete("devices.key_registered")

    await alice.run_in_store(forget_device_key)
    await alice.close()
    alice = await ChatClient.unlock(tmp_path / "alice", PASSWORD)
    try:
        await alice.connect()
        await alice.wait_connected()
        await wait_until(lambda: _relay_has_device_key(relay, "alice"))
        stored = await alice.run_in_store(alice.store.secrets.prekey_public, "device_key", 1)
        with sqlite3.connect(_relay_database(relay)) as db:
            (on_relay,) = db.execute(
                "SELECT device_key FROM devices WHERE username = 'alice'"
            ).fetchone()
        assert stored is not None and on_relay == stored
        # The next connect is signed with DK (an IK-signed one is refused from now on).
        await alice.close()
        alice = await ChatClient.unlock(tmp_path / "alice", PASSWORD)
        await alice.connect()
        await alice.wait_connected()
        a2 = await link_device(alice, tmp_path, relay.url, "alice2", history=False)
        await a2.close()
    finally:
        await alice.close()


async def _relay_has_device_key(relay: RelayServer, user: str) -> bool:
    with sqlite3.connect(_relay_database(relay)) as db:
        row = db.execute("SELECT device_key FROM devices WHERE username = ?", (user,)).fetchone()
    return row is not None and row[0] is not None


async def test_verification_reactions_and_edits_made_on_one_device_show_on_the_other(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await bob.messages.send_text("alice", "hi")
    await wait_until(lambda: _has_text(a1, "bob", "hi"))
    a2 = await link_device(a1, tmp_path, relay.url, "alice2", history=False)
    try:
        assert not await a2.trust.is_verified("bob")
        await a1.trust.mark_verified("bob")
        await wait_until(lambda: a2.trust.is_verified("bob"))
        await a1.trust.mark_verified("bob", False)
        await wait_until(lambda: _not_verified(a2, "bob"))

        theirs = await bob.messages.send_text("alice", "react to this")
        await wait_until(lambda: _has_text(a2, "bob", "react to this"))
        await a2.messages.react("bob", theirs, "👍")
        mine = await a2.messages.send_text("bob", "typo hre")
        await wait_until(lambda: _has_text(a1, "bob", "typo hre"))
        await a2.messages.edit("bob", mine, "typo here")
        await wait_until(lambda: _has_text(a1, "bob", "typo here"))
        await wait_until(lambda: _has_text(bob, "alice", "typo here"))
        await wait_until(lambda: _reactions_are(a1, "bob", theirs, [("alice", "👍")]))
    finally:
        for client in (a2, bob, a1):
            await client.close()


async def _reactions_are(
    client: ChatClient, peer: str, message_id: str, wanted: list[tuple[str, str]]
) -> bool:
    message = await client.messages.get(peer, message_id)
    return message is not None and [(r.reactor, r.emoji) for r in message.reactions] == wanted


async def _not_verified(client: ChatClient, peer: str) -> bool:
    return not await client.trust.is_verified(peer)


async def test_a_file_sent_from_one_device_can_be_opened_on_the_other(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await bob.messages.send_text("alice", "hi")
    await wait_until(lambda: _has_text(a1, "bob", "hi"))
    a2 = await link_device(a1, tmp_path, relay.url, "alice2", history=False)
    try:
        data = bytes(range(256)) * 400
        path = tmp_path / "notes.bin"
        path.write_bytes(data)
        message_id = await a1.attachments.send_file("bob", path, caption="the notes")
        await wait_until(functools.partial(_has_text, a2, "bob", "the notes"))
        copy = await a2.messages.get("bob", message_id)
        assert copy is not None and copy.sender == "alice" and copy.attachment is not None
        await a2.attachments.download("bob", message_id)
        await wait_until(functools.partial(_attachment_done, a2, "bob", message_id))
        assert await a2.attachments.read("bob", message_id) == data
    finally:
        for client in (a2, bob, a1):
            await client.close()


async def _attachment_done(client: ChatClient, peer: str, message_id: str) -> bool:
    message = await client.messages.get(peer, message_id)
    return (
        message is not None
        and message.attachment is not None
        and message.attachment.local_status == "done"
    )


async def test_a_new_contact_and_an_accepted_key_reach_the_other_device(
    tmp_path: Path, relay: RelayServer
) -> None:

    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    a2 = await link_device(a1, tmp_path, relay.url, "alice2", history=False)
    a2_log = EventLog(a2)
    try:
        # A conversation started on A1 (no message yet) appears on A2, with Carol's key.
        assert await a1.conversations.start("carol")
        await wait_until(functools.partial(_has_conversation, a2, "carol"))
        assert await a2.trust.safety_number("carol") == await a1.trust.safety_number("carol")

        # Bob reinstalls; both devices see the verified contact's key change and pause.
        await bob.messages.send_text("alice", "hi")
        await wait_until(functools.partial(_has_text, a2, "bob", "hi"))
        await a1.trust.mark_verified("bob")
        await wait_until(lambda: a2.trust.is_verified("bob"))
        bob = await reinstall(bob, tmp_path, relay)
        await bob.messages.send_text("alice", "new laptop")
        await wait_until(functools.partial(_has_text, a1, "bob", "new laptop"))
        await wait_until(functools.partial(_has_text, a2, "bob", "new laptop"))
        waiting = await a2.messages.send_text("bob", "is that you?")
        await asyncio.sleep(1.0)  # it would have gone by now, were A2 not paused
        held = await a2.messages.get("bob", waiting)
        assert held is not None and held.status is MessageStatus.PENDING

        # The user accepts the new key on A1: A2 resumes too and its message goes out.
        await a1.trust.accept_identity("bob")
        await wait_until(functools.partial(_has_text, bob, "alice", "is that you?"))
        assert any(e.peer == "bob" for e in a2_log.of_type(ResumedElsewhere))
    finally:
        a2_log.close()
        for client in (a2, bob, carol, a1):
            await client.close()


async def _has_conversation(client: ChatClient, peer: str) -> bool:
    return any(c.id == peer for c in await client.conversations.list())


async def test_sync_contents_from_a_contact_are_ignored(tmp_path: Path, relay: RelayServer) -> None:
    """Only our own devices may tell us what we sent, read or verified: a contact who sends
    sync contents changes nothing (the envelopes are acked and dropped)."""
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(alice, bob)
    try:
        unread = await bob.messages.send_text("alice", "unread, and it stays so")
        await wait_until(functools.partial(_has_text, alice, "bob", "unread, and it stays so"))

        def forged_transcript(message_id: str, sent_at: int, timer: int) -> Content:
            inner = TextContent(id=message_id, sent_at=sent_at, text="I never wrote this")
            return SentTranscriptContent(
                id=message_id, sent_at=sent_at, peer="carol", content=transcript_of(inner)
            )

        def forged_read(message_id: str, sent_at: int, timer: int) -> Content:
            return ReadSyncContent(id=message_id, sent_at=sent_at, peer="bob", message_ids=[unread])

        def forged_contact(message_id: str, sent_at: int, timer: int) -> Content:
            return ContactSyncContent(id=message_id, sent_at=sent_at, peer="mallory")

        for make in (forged_transcript, forged_read, forged_contact):
            await bob.messages.queue_content("alice", make, kind=None)
        await bob.messages.send_text("alice", "after the forgeries")
        await wait_until(functools.partial(_has_text, alice, "bob", "after the forgeries"))
        peers = {c.id for c in await alice.conversations.list()}
        assert peers == {"bob"}
        assert await _unread(alice, "bob") == 2
    finally:
        await bob.close()
        await alice.close()
