"""Prepares two demo profiles (alice, bob) that exchanged a few messages, for screenshots.

Usage (a relay must be running, e.g. ``python -m chat_desktop.relay --port 8765 --data-dir
/tmp/demo/relay``)::

    python docs/demo_profiles.py --relay http://127.0.0.1:8765 --folder /tmp/demo
    chat-desktop --profile /tmp/demo/alice        # password: see DEMO_PASSWORD

Profiles use the lowest Argon2id cost (throwaway demo data only). Bob goes offline before
Alice's last message, so it stays at one check mark (sent) and Bob shows "last seen".
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from PIL import Image, ImageDraw

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.models import MessageStatus

DEMO_PASSWORD = "demo-only passphrase 4417"  # noqa: S105 - throwaway demo profiles


def draw_landscape(path: Path, width: int = 1200, height: int = 800) -> None:
    """A small synthetic photo (sky, sun, hills, lake) to send as an image."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=(int(90 + 150 * t), int(150 + 80 * t), 235))
    draw.ellipse((width * 0.68, height * 0.12, width * 0.8, height * 0.3), fill=(255, 214, 90))
    draw.polygon(
        [(0, height * 0.62), (width * 0.3, height * 0.38), (width * 0.55, height * 0.62)],
        fill=(70, 120, 80),
    )
    draw.polygon(
        [(width * 0.35, height * 0.65), (width * 0.7, height * 0.33), (width, height * 0.65)],
        fill=(50, 100, 70),
    )
    draw.rectangle((0, height * 0.62, width, height), fill=(40, 110, 160))
    image.save(path, quality=90)


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    """Polls an async predicate (a demo script: simple beats clever)."""
    async with asyncio.timeout(timeout):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.1)


async def prepare(relay_url: str, folder: Path) -> None:
    """Creates alice and bob under ``folder`` and has them chat."""
    alice, _ = await ChatClient.create(
        folder / "alice", relay_url, "alice", DEMO_PASSWORD, kdf_params=FLOOR_PARAMS
    )
    bob, _ = await ChatClient.create(
        folder / "bob", relay_url, "bob", DEMO_PASSWORD, kdf_params=FLOOR_PARAMS
    )
    for client in (alice, bob):
        await client.connect()
        await client.wait_connected()
    first = await alice.messages.send_text("bob", "Hi Bob! Did you get home safely after the trip?")
    await asyncio.sleep(0.5)
    await bob.conversations.mark_read("alice", first)
    await bob.messages.send_text(
        "alice", "Yes, all good! Here's my favourite photo from the lake 🏞️"
    )
    with tempfile.TemporaryDirectory() as temporary:
        picture = Path(temporary) / "lake.jpg"
        draw_landscape(picture)
        photo = await bob.attachments.send_file("alice", picture)

        async def downloaded() -> bool:
            message = await alice.messages.get("bob", photo)
            info = None if message is None else message.attachment
            return info is not None and info.local_status == "done"

        await until(downloaded)
    await alice.conversations.mark_read("bob", photo)
    reply = await alice.messages.send_text("bob", "Wow, that's beautiful 😍 The colours at sunset!")

    async def delivered() -> bool:
        message = await alice.messages.get("bob", reply)
        return message is not None and message.status is MessageStatus.DELIVERED

    await until(delivered)
    await bob.messages.send_text(
        "alice",
        "We should go back in the autumn. I'll check the cabin dates and send you a few "
        "options this week.",
    )
    await asyncio.sleep(1.0)
    await bob.close()  # offline from here: Alice's last message stays "sent"
    await asyncio.sleep(0.5)
    last = await alice.messages.send_text("bob", "Deal! Send them over whenever you can.")

    async def sent() -> bool:
        message = await alice.messages.get("bob", last)
        return message is not None and message.status is MessageStatus.SENT

    await until(sent)
    await alice.close()


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relay", required=True)
    parser.add_argument("--folder", type=Path, required=True)
    args = parser.parse_args()
    asyncio.run(prepare(args.relay, args.folder))
    print(f"profiles ready in {args.folder} (password: {DEMO_PASSWORD!r})")


if __name__ == "__main__":
    main()
