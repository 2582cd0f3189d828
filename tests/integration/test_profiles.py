"""Profiles end to end (issue 23, item 2): a name and a picture sealed with a profile key,
shared with the contacts we write to, fetched and checked by them. Real relay, real stores.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from engine_helpers import PASSWORD, EventLog, new_client, wait_until
from PIL import Image

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.protocol.profiles import MAX_AVATAR_BYTES, MAX_AVATAR_SIDE
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.capabilities.profile import InvalidProfileName
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import ProfileChanged
from chat_desktop.services.image_processing import NotAnImage

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def photo_with_gps(path: Path) -> Path:
    """A 1200 × 800 JPEG with EXIF (a GPS block and a camera name)."""
    image = Image.new("RGB", (1200, 800), (200, 30, 60))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 0.0)}  # GPSInfo: latitude
    image.save(path, format="JPEG", exif=exif.tobytes())
    return path


async def profile_changes(log: EventLog, peer: str, count: int) -> None:
    """Waits until ``log`` saw ``count`` ``ProfileChanged`` events of ``peer``."""
    await log.wait_for(
        lambda events: (
            sum(1 for e in events if isinstance(e, ProfileChanged) and e.peer == peer) >= count
        )
    )


async def titles(client: ChatClient) -> dict[str, str | None]:
    """Each conversation's title in ``client``'s list."""
    return {c.id: c.title for c in await client.conversations.list()}


async def test_a_name_and_picture_reach_the_contacts_we_write_to(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    bob_log = EventLog(bob)
    try:
        await alice.profile.set_name("  Alice Ängström 🌸  ")
        await alice.profile.set_avatar(photo_with_gps(tmp_path / "me.jpg"))
        mine = await alice.profile.mine()
        assert mine.name == "Alice Ängström 🌸" and mine.version == 2
        assert mine.avatar is not None and len(mine.avatar) <= MAX_AVATAR_BYTES
        with Image.open(io.BytesIO(mine.avatar)) as avatar:
            assert avatar.format == "JPEG"
            assert avatar.size == (MAX_AVATAR_SIDE, MAX_AVATAR_SIDE)  # the centre square
            assert not avatar.getexif()  # no camera, no GPS

        # Carol writes to Alice, who never answers: Carol learns nothing of her profile.
        await carol.messages.send_text("alice", "hello, stranger")
        await bob.conversations.start("alice")  # so Alice's chat is no message request
        await alice.messages.send_text("bob", "hi bob")
        await profile_changes(bob_log, "alice", 1)
        seen = await bob.profile.of("alice")
        assert (seen.name, seen.avatar, seen.version) == (mine.name, mine.avatar, 2)
        assert (await titles(bob))["alice"] == "Alice Ängström 🌸"

        # The relay holds only ciphertext: neither the name nor the picture in clear.
        stored = await relay.context.store.profile("alice")
        assert stored is not None and stored[0] == 2
        assert "Ängström".encode() not in stored[1] and mine.avatar[:64] not in stored[1]

        # A rename reaches Bob by itself; removing the picture too.
        await alice.profile.set_name("Alice A.")
        await alice.profile.remove_avatar()

        async def renamed() -> bool:
            return (await bob.profile.of("alice")).version == 4

        await wait_until(renamed)
        seen = await bob.profile.of("alice")
        assert (seen.name, seen.avatar) == ("Alice A.", None)
        assert (await titles(bob))["alice"] == "Alice A."
        # Carol wrote to Alice, but Alice never wrote back: not shared with her.
        assert await alice.run_in_store(alice.store.profiles.unshared, "alice", 99) == ["bob"]
        assert (await carol.profile.of("alice")).version == 0

        # A chat deleted and started again is named by the profile Bob holds.
        await bob.conversations.delete("alice")
        await bob.conversations.start("alice")
        await bob.messages.send_text("alice", "me again")

        async def titled() -> bool:
            return (await titles(bob)).get("alice") == "Alice A."

        await wait_until(titled)
    finally:
        bob_log.close()
        for client in (alice, bob, carol):
            await client.close()


async def test_bad_names_and_pictures_are_refused_and_change_nothing(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    try:
        await alice.profile.set_name("Alice")
        for bad in ("x" * 129, "two\nlines", "bidi \u202e trick", "nul \x00"):
            with pytest.raises(InvalidProfileName):
                await alice.profile.set_name(bad)
        not_a_picture = tmp_path / "notes.png"
        not_a_picture.write_text("not a picture")
        with pytest.raises(NotAnImage):
            await alice.profile.set_avatar(not_a_picture)
        mine = await alice.profile.mine()
        assert (mine.name, mine.avatar, mine.version) == ("Alice", None, 1)
        # The same name again is no change (no new version to upload and share).
        await alice.profile.set_name("Alice")
        assert (await alice.profile.mine()).version == 1
    finally:
        await alice.close()


async def test_our_own_devices_share_one_profile(tmp_path: Path, relay: RelayServer) -> None:
    desktop = await new_client(tmp_path, relay.url, "alice")
    laptop: ChatClient | None = None
    desktop_log = EventLog(desktop)
    try:
        await desktop.profile.set_name("Alice")
        await desktop.profile.set_avatar(photo_with_gps(tmp_path / "me.jpg"))
        laptop = await link_device(desktop, tmp_path, relay.url, "laptop")

        async def laptop_has(name: str) -> bool:
            assert laptop is not None
            return (await laptop.profile.mine()).name == name

        await wait_until(lambda: laptop_has("Alice"))
        mine = await laptop.profile.mine()
        assert mine.avatar == (await desktop.profile.mine()).avatar and mine.version == 2

        # A rename on the laptop is the desktop's too (one key, versions moving on).
        await laptop.profile.set_name("Alice L.")
        await profile_changes(desktop_log, "alice", 3)  # its two changes and the laptop's
        assert (await desktop.profile.mine()).name == "Alice L."
        assert (await desktop.profile.mine()).version == 3
    finally:
        desktop_log.close()
        for client in (desktop, laptop):
            if client is not None:
                await client.close()


async def link_device(existing: ChatClient, root: Path, relay_url: str, folder: str) -> ChatClient:
    """Links a new device to ``existing``'s account through a real link code; connected."""
    pending = await ChatClient.begin_link(relay_url, "Alice's laptop")
    offer = asyncio.create_task(pending.wait_for_offer())
    await existing.devices.link(pending.code, transfer_history=False)
    await offer
    client, _recovery = await pending.accept(root / folder, PASSWORD, kdf_params=FLOOR_PARAMS)
    await client.connect()
    await client.wait_connected()
    return client
