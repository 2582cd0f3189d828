"""A group's picture (issue 21): real relay, real stores.

An admin sets a picture (made a metadata-free JPEG of at most 512 px, uploaded once as an
encrypted blob, named by the next ``group_update``); every member device fetches and checks
it; removing it is a change as any other. A member who is not an admin cannot set one. A
hostile admin's pointer to a blob that is not a picture, a pointer whose digest does not
match its blob, and one that claims an oversize picture are each refused and recorded
(``GroupAvatarRefused``), never fetched again, and change nothing else.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import msgspec
import pytest
from engine_helpers import EventLog, new_client
from groups_helpers import wait_for_state
from PIL import Image

from chat_desktop.net.http import upload_blob
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.message_content import GroupAvatar
from chat_desktop.protocol.schemas import AttachmentUpload, AttachmentUploadAck
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.capabilities.groups import GroupChangeRefused
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import GroupAvatarRefused
from chat_desktop.services.group_avatars import _encrypt_to_file, pointer_hash
from chat_desktop.services.types import GROUP_NOTE_KIND

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def photo_with_location(path: Path) -> Path:
    """A 900 × 600 JPEG whose EXIF holds a GPS position and a camera name."""
    image = Image.new("RGB", (900, 600), (30, 120, 200))
    exif = Image.Exif()
    exif[0x0110] = "Secret Camera 9000"  # Model
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 5.0)}  # GPS IFD
    image.save(path, format="JPEG", exif=exif)
    return path


async def upload_raw(client: ChatClient, data: bytes, work: Path) -> GroupAvatar:
    """What a hostile admin's client can do: upload ANY bytes as an encrypted blob."""
    blob_path = work / f"{uuid.uuid4().hex}.blob"
    secrets = _encrypt_to_file(data, blob_path)
    connection = client._context.connection
    assert connection is not None
    ticket = await connection.request(
        wire_events.ATTACHMENT_UPLOAD, AttachmentUpload(size=secrets.blob_size), AttachmentUploadAck
    )
    await upload_blob(client._context.relay_url, ticket.blob_id, ticket.token, blob_path)
    return GroupAvatar(
        blob_id=ticket.blob_id, key=secrets.key, digest=secrets.digest, size=len(data)
    )


async def test_a_picture_reaches_every_member_without_its_metadata(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice, bob, carol = clients = [
        await new_client(tmp_path, relay.url, name) for name in ("alice", "bob", "carol")
    ]
    try:
        group = await alice.groups.create("Pictures", ["bob", "carol"])
        await wait_for_state(clients, group, revision=1)
        assert await bob.groups.avatar(group) is None  # no picture yet

        await alice.groups.set_avatar(group, photo_with_location(tmp_path / "photo.jpg"))
        states = await wait_for_state(clients, group, revision=2)
        assert len({state.avatar for state in states}) == 1 and states[0].avatar is not None
        own = await alice.groups.avatar(group)
        assert own is not None
        for member in (bob, carol):
            assert await member.groups.avatar(group) == own  # fetched, checked, kept
        with Image.open(io.BytesIO(own)) as picture:
            assert picture.format == "JPEG" and max(picture.size) <= 512
            assert picture.size[0] == picture.size[1]  # the centre square
            assert not picture.getexif()  # no camera, no GPS
        assert b"Secret Camera" not in own

        # A member who is not an admin cannot set one: refused before any upload.
        with pytest.raises(GroupChangeRefused):
            await bob.groups.set_avatar(group, tmp_path / "photo.jpg")
        assert (await bob.groups.get(group)).revision == 2  # type: ignore[union-attr]

        # Removing it is a change as any other: every member shows none.
        await alice.groups.set_avatar(group, None)
        await wait_for_state(clients, group, revision=3)
        for member in clients:
            assert await member.groups.avatar(group) is None
    finally:
        for client in clients:
            await client.close()


async def test_hostile_pointers_are_refused_recorded_and_never_fetched_again(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice, bob = clients = [
        await new_client(tmp_path, relay.url, name) for name in ("alice", "bob")
    ]
    log = EventLog(bob)
    try:
        group = await alice.groups.create("Hostile", ["bob"])
        await wait_for_state(clients, group, revision=1)
        await alice.groups.send_text(group, "hello")
        real_picture = io.BytesIO()
        Image.new("RGB", (64, 64), (200, 0, 0)).save(real_picture, format="PNG")
        good = await upload_raw(alice, real_picture.getvalue(), tmp_path)
        hostile = {
            "not a picture": await upload_raw(alice, b"MZ\x90\x00 not an image" * 40, tmp_path),
            "digest of another blob": msgspec.structs.replace(
                good, digest=(await upload_raw(alice, b"other", tmp_path)).digest
            ),
            "oversize claim": msgspec.structs.replace(good, size=50 * 1024 * 1024),
        }
        revision = 1
        for number, avatar in enumerate(hostile.values(), start=1):
            await alice.groups._change(
                group, lambda state, a=avatar: msgspec.structs.replace(state, avatar=a)
            )
            revision += 1
            await wait_for_state(clients, group, revision=revision)
            assert await bob.groups.avatar(group) is None
            await log.wait_for(lambda events, n=number: len(_refusals(events)) == n)
            held = await bob.run_in_store(lambda: bob.store.group_avatars.get(group))
            assert held is not None and held.pointer == pointer_hash(avatar) and held.image is None
            # Asked again: not fetched again, not recorded again.
            assert await bob.groups.avatar(group) is None
            assert len(_refusals(log.events)) == number
        # Nothing else changed: the group and its messages are as they were.
        state = await bob.groups.get(group)
        assert state is not None and state.title == "Hostile" and state.members == ("alice", "bob")
        history = await bob.groups.history(group)
        assert [m.body for m in history if m.kind != GROUP_NOTE_KIND] == ["hello"]
        # A real picture afterwards is fetched as usual.
        await alice.groups._change(group, lambda state: msgspec.structs.replace(state, avatar=good))
        await wait_for_state(clients, group, revision=revision + 1)
        assert await bob.groups.avatar(group) == real_picture.getvalue()
    finally:
        log.close()
        for client in clients:
            await client.close()


def _refusals(events: list[object]) -> list[GroupAvatarRefused]:
    return [event for event in events if isinstance(event, GroupAvatarRefused)]
