"""Hostile peers and a hostile relay against profiles (issue 23, item 2): every bad profile
is refused with ``ProfileRefused`` and the profile held before stays as it was. Real relay,
real stores; the hostile parts send their own bytes over the real protocol.
"""

from __future__ import annotations

import io
import os
import sqlite3
from pathlib import Path

import pytest
from engine_helpers import EventLog, new_client, wait_until
from PIL import Image

from chat_desktop.crypto.profile_cipher import seal_profile
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.message_content import Content, ProfileContent
from chat_desktop.protocol.profiles import (
    MAX_PROFILE_BLOB_SIZE,
    ProfileGet,
    ProfileGetAck,
    ProfilePut,
    ProfileRecord,
    encode_record,
)
from chat_desktop.protocol.schemas import EmptyAck
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import MessageUndecryptable, ProfileChanged, ProfileRefused

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


async def put_raw(client: ChatClient, version: int, blob: bytes) -> None:
    """Puts ``blob`` as ``client``'s profile ``version``, bypassing every check of ours."""
    connection = client._context.connection
    assert connection is not None
    await connection.request(
        wire_events.PROFILE_PUT, ProfilePut(version=version, blob=blob), EmptyAck
    )


async def tell(
    client: ChatClient, peer: str, key: bytes, version: int, display_name: str = ""
) -> None:
    """Sends ``peer`` a ``profile`` content with any key, version and name."""

    def make(message_id: str, sent_at: int, timer: int) -> Content:
        return ProfileContent(
            id=message_id,
            sent_at=sent_at,
            display_name=display_name,
            profile_key=key,
            profile_version=version,
        )

    await client.messages.queue_content(peer, make, kind=None)


def png(side: int) -> bytes:
    """A one-colour PNG ``side`` pixels square (small in bytes, however large)."""
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def relay_rows(relay: RelayServer, sql: str, *params: object) -> None:
    """Changes the relay's database behind its back (a hostile relay)."""
    connection = sqlite3.connect(relay.config.database_path)
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


async def test_bad_profiles_are_refused_and_change_nothing(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    mallory = await new_client(tmp_path, relay.url, "mallory")
    carol = await new_client(tmp_path, relay.url, "carol")
    alice_log = EventLog(alice)
    refusals = 0

    async def refused() -> None:
        nonlocal refusals
        refusals += 1
        count = refusals
        await alice_log.wait_for(
            lambda events: (
                sum(1 for e in events if isinstance(e, ProfileRefused) and e.peer == "mallory")
                >= count
            )
        )
        held = await alice.profile.of("mallory")
        assert (held.name, held.avatar, held.version) == expected
        titles = {c.id: c.title for c in await alice.conversations.list()}
        assert titles["mallory"] == expected[0]

    try:
        # The real thing first: Alice holds Mallory's profile, version 1.
        await alice.conversations.start("mallory")
        await mallory.profile.set_name("Mallory")
        await mallory.messages.send_text("alice", "hi")
        await alice_log.wait_for(lambda events: any(isinstance(e, ProfileChanged) for e in events))
        expected: tuple[str, bytes | None, int] = ("Mallory", None, 1)
        assert (held := await alice.profile.of("mallory")).version == 1 and held.name == "Mallory"
        own = await mallory.profile.mine()
        key = await mallory.run_in_store(lambda: mallory.store.profiles.get("mallory"))
        real_key = key.profile_key
        assert real_key is not None and own.version == 1
        first_blob = (await relay.context.store.profile("mallory"))[1]  # type: ignore[index]

        def sealed(record: ProfileRecord, version: int) -> bytes:
            return seal_profile(real_key, "mallory", version, encode_record(record))

        # A blob that does not open with the key the content brings.
        await put_raw(mallory, 5, sealed(ProfileRecord(name="Evil"), 5))
        await tell(mallory, "alice", os.urandom(32), 5)
        await refused()

        # A profile key from someone else: Carol's key and Carol's blob, put as Mallory's.
        await mallory.conversations.start("carol")
        await carol.profile.set_name("Carol")
        await carol.messages.send_text("mallory", "hello")

        async def has_carols_key() -> bool:
            row = await mallory.run_in_store(lambda: mallory.store.profiles.get("carol"))
            return row is not None and row.profile_key is not None

        await wait_until(has_carols_key)
        carols = await mallory.run_in_store(lambda: mallory.store.profiles.get("carol"))
        carol_blob = (await relay.context.store.profile("carol"))[1]  # type: ignore[index]
        await put_raw(mallory, 6, carol_blob)
        await tell(mallory, "alice", carols.profile_key, 6)
        await refused()

        # A relay that serves another account's blob under Mallory's name (her real key).
        relay_rows(
            relay,
            "UPDATE profiles SET version = 7, blob = ? WHERE username = 'mallory'",
            carol_blob,
        )
        await tell(mallory, "alice", real_key, 7)
        await refused()

        # A relay that serves an old blob: as it was, and relabelled with the told version.
        relay_rows(
            relay,
            "UPDATE profiles SET version = 1, blob = ? WHERE username = 'mallory'",
            first_blob,
        )
        await tell(mallory, "alice", real_key, 8)
        await refused()
        relay_rows(
            relay,
            "UPDATE profiles SET version = 9, blob = ? WHERE username = 'mallory'",
            first_blob,
        )
        await tell(mallory, "alice", real_key, 9)
        await refused()

        # Oversize and malformed contents of a blob that opens fine.
        hostile_records = [
            ProfileRecord(name="Big", avatar=png(600)),  # more than 512 pixels a side
            ProfileRecord(name="Huge", avatar=os.urandom(66_000)),  # over 64 KiB
            ProfileRecord(name="Fake", avatar=b"GIF89a" + bytes(100)),  # not JPEG or PNG
            ProfileRecord(name="x" * 129),  # a name over 128 characters
            ProfileRecord(name="two\nlines"),  # a control character in the name
            ProfileRecord(name="rtl \u202e gpj.exe"),  # a bidirectional control
        ]
        for version, record in enumerate(hostile_records, start=10):
            await put_raw(mallory, version, sealed(record, version))
            await tell(mallory, "alice", real_key, version)
            await refused()

        # A name over the bound in the content itself: the content is refused whole.
        undecryptable = len(alice_log.of_type(MessageUndecryptable))
        await tell(mallory, "alice", real_key, 99, display_name="y" * 129)
        await alice_log.wait_for(
            lambda events: (
                sum(1 for e in events if isinstance(e, MessageUndecryptable)) > undecryptable
            )
        )
        assert (await alice.profile.of("mallory")).version == 1

        # Still the real thing after all that: a real change is taken.
        await mallory.profile.set_name("Mallory 2")

        async def renamed() -> bool:
            return (await alice.profile.of("mallory")).name == "Mallory 2"

        await wait_until(renamed)
        held = await alice.profile.of("mallory")
        assert held.version == 16  # past the relay's newest (the hostile puts went to 15)
    finally:
        alice_log.close()
        for client in (alice, mallory, carol):
            await client.close()


async def test_the_relay_bounds_profile_blobs_and_keeps_versions_moving_forward(
    tmp_path: Path, relay: RelayServer
) -> None:
    mallory = await new_client(tmp_path, relay.url, "mallory")
    try:
        connection = mallory._context.connection
        assert connection is not None
        with pytest.raises(ProtocolError) as error:
            await put_raw(mallory, 1, bytes(MAX_PROFILE_BLOB_SIZE + 1))
        assert error.value.code is ErrorCode.TOO_LARGE
        with pytest.raises(ProtocolError) as error:
            await connection.request(
                wire_events.PROFILE_GET, ProfileGet(user="mallory"), ProfileGetAck
            )
        assert error.value.code is ErrorCode.NOT_FOUND
        await put_raw(mallory, 3, bytes(400))
        await put_raw(mallory, 3, bytes(400))  # the same again: a retry, fine
        for version, blob in ((3, bytes(401)), (2, bytes(400))):
            with pytest.raises(ProtocolError) as error:
                await put_raw(mallory, version, blob)
            assert error.value.code is ErrorCode.CONFLICT
        answer = await connection.request(
            wire_events.PROFILE_GET, ProfileGet(user="mallory"), ProfileGetAck
        )
        assert (answer.version, answer.blob) == (3, bytes(400))
        with pytest.raises(ProtocolError) as error:
            await put_raw(mallory, 0, bytes(400))  # versions start at 1
        assert error.value.code is ErrorCode.BAD_REQUEST
        # The profile goes with the account.
        assert await relay.context.store.delete_account("mallory")
        assert await relay.context.store.profile("mallory") is None
    finally:
        await mallory.close()
