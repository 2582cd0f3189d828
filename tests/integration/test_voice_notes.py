"""Voice notes through the real relay and both stores (issue 23, item 6).

No microphone here: a synthetic 440 Hz sine goes through the same encoder the recorder
uses, is sent as an Opus voice note, received, downloaded, checked and decoded on the other
side, where its length and pitch must be what was recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import EventLog, new_client, wait_until
from groups_helpers import wait_for_state
from voice_helpers import dominant_frequency, sine_pcm

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import AttachmentStored, MessageReceived
from chat_desktop.services.voice_codec import VoiceRejected, decode_voice
from chat_desktop.storage.models import AttachmentInfo

pytestmark = pytest.mark.integration


async def stored_info(client: ChatClient, conversation: str, message_id: str) -> AttachmentInfo:
    message = await client.messages.get(conversation, message_id)
    assert message is not None and message.attachment is not None
    return message.attachment


async def test_a_voice_note_arrives_with_its_length_waveform_and_pitch(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    bob_log = EventLog(bob)
    try:
        await bob.conversations.start("alice")  # a known contact's files come on their own
        message_id = await alice.attachments.send_voice_note("bob", sine_pcm(440, 2.0))
        sent = await stored_info(alice, "bob", message_id)
        assert sent.voice_ms == 2000 and sent.mime == "audio/ogg"
        assert sent.waveform is not None and 1 <= len(sent.waveform) <= 100

        await bob_log.wait_for(lambda events: any(isinstance(e, MessageReceived) for e in events))
        # A voice note comes on its own (the user's file limit is not asked).
        await bob_log.wait_for(
            lambda events: any(
                isinstance(e, AttachmentStored) and e.message_id == message_id for e in events
            )
        )
        assert [e.ok for e in bob_log.of_type(AttachmentStored)] == [True]
        received = await stored_info(bob, "alice", message_id)
        assert received.voice_ms == 2000
        assert received.waveform == sent.waveform
        assert received.local_status == "done"

        data = await bob.attachments.read("alice", message_id)
        assert data[:4] == b"OggS"
        decoded = decode_voice(data)
        assert abs(decoded.duration_ms - 2000) <= 60
        assert abs(dominant_frequency(decoded.pcm) - 440) < 10
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()


async def test_a_recording_that_is_not_a_voice_note_is_refused_and_nothing_is_sent(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    try:
        with pytest.raises(VoiceRejected):
            await alice.attachments.send_voice_note("bob", b"")
        with pytest.raises(VoiceRejected):
            await alice.attachments.send_voice_note("bob", sine_pcm(440, 0.1), sample_rate=44_100)
        assert await alice.messages.history("bob") == []
        assert await alice.run_in_store(alice.store.outbox.pending) == []
    finally:
        await alice.close()


async def test_a_voice_note_to_a_group_reaches_every_member(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    for client in (alice, bob):
        client.groups.transfers = client.groups.transfers or client._engine.transfers
    try:
        group = await alice.groups.create("Choir", ["bob"])
        await wait_for_state([alice, bob], group, revision=1)
        message_id = await alice.groups.send_voice_note(group, sine_pcm(440, 1.0))

        async def stored() -> bool:
            for message in await bob.groups.history(group, limit=20):
                if message.id == message_id and message.attachment is not None:
                    return message.attachment.local_status == "done"
            return False

        await wait_until(stored, timeout=60)
        message = next(m for m in await bob.groups.history(group, limit=20) if m.id == message_id)
        assert message.attachment is not None and message.attachment.voice_ms == 1000
        decoded = decode_voice(await bob.groups.read(group, message_id))
        assert abs(dominant_frequency(decoded.pcm) - 440) < 10
    finally:
        await alice.close()
        await bob.close()


async def test_a_forwarded_voice_note_stays_a_voice_note(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    try:
        await bob.conversations.start("alice")
        await carol.conversations.start("bob")
        note = await alice.attachments.send_voice_note("bob", sine_pcm(440, 1.5))

        async def here(client: ChatClient, peer: str, message_id: str) -> bool:
            message = await client.messages.get(peer, message_id)
            info = None if message is None else message.attachment
            return info is not None and info.local_status == "done"

        await wait_until(lambda: here(bob, "alice", note))
        [forwarded] = await bob.messages.forward("alice", [note], ["carol"])
        await wait_until(lambda: here(carol, "bob", forwarded))
        info = await stored_info(carol, "bob", forwarded)
        original = await stored_info(bob, "alice", note)
        assert (info.voice_ms, info.waveform) == (1500, original.waveform)
        decoded = decode_voice(await carol.attachments.read("bob", forwarded))
        assert abs(dominant_frequency(decoded.pcm) - 440) < 10
    finally:
        for client in (alice, bob, carol):
            await client.close()
