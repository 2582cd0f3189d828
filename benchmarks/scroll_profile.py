"""The profiles benchmarks/scroll.py scrolls through, built once and kept in a cache folder.

A profile is a real account (registered on a throw-away relay that is stopped before use,
so the app starts offline) holding one long conversation with ``bob`` and a short one with
``carol`` (the conversation open at start, so opening ``bob`` is a user's selection). Bob's
messages are a mix, oldest first:

- text of varied length (the words of benchmarks/ui.py's rows, some three times as long);
- about 10 % images: a few distinct pictures made with Pillow, prepared by the app's own
  :func:`~chat_desktop.services.image_processing.prepare_image` (so each message carries
  the real thumbnail the sender's app makes) and stored encrypted at rest through
  :class:`~chat_desktop.storage.attachment_files.AttachmentFiles`, each several times (a
  file and key of its own per copy); every image message is downloaded (``done``), so
  showing one decrypts and decodes a real file;
- replies (a quote of a message a few rows above) and reactions (one or two);
- the search's words: "lantern" in 1 % of the messages, "orbit" in another 1 %, both
  together only in :data:`PLANTED` messages spread over the whole history (the search has
  to walk both words' entries through all of it), one of them the jump target
  ``jump_back`` messages before the newest.

The rows go in through the store's connection on its own thread, in ``executemany``
batches (as benchmarks/ui.py and benchmarks/conversation_list.py do: the engine would take
hours for a million messages); the search index follows through the schema's triggers.
A profile is cached under ``<cache>/scroll-<messages>-<tag>/`` where the tag names this
file's content version and the store's schema version, and is marked complete only once
built, so an interrupted build starts over.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ui import BATCH, PASSWORD, _message_rows

#: Bump when what a profile holds changes (the cache folder's name changes with it).
PROFILE_VERSION = 1
LONG_PEER = "bob"
SHORT_PEER = "carol"
SHORT_MESSAGES = 50
USERNAME = "alice"
BASE_MS = 1_600_000_000_000
#: Time between two messages: about 1,900 a day, so day separators come and go.
SPACING_MS = 45_000
#: How many of the long conversation's messages carry both search words.
PLANTED = 8
SEARCH_QUERY = "lantern orbit"
#: The full profile jumps this far back; smaller profiles jump 90 % of their length back.
FULL_JUMP_BACK = 900_000
EMOJI = ("👍", "❤️", "😂", "😮", "🎉")
#: The distinct pictures: (width, height, Pillow format).
PICTURES = (
    (1600, 1200, "JPEG"),
    (1200, 1600, "JPEG"),
    (1280, 720, "JPEG"),
    (1024, 768, "PNG"),
    (800, 800, "PNG"),
    (960, 640, "JPEG"),
)
_COLUMNS = (
    "id, conversation_id, sender, direction, sort_key, kind, body, status, sent_at, "
    "received_at, read_at, att_blob_id, att_key, att_digest, att_size, att_mime, "
    "att_file_name, att_width, att_height, att_thumbnail, att_file_id, att_local_status, "
    "quote_target_id, quote_author, quote_excerpt, quote_kind, quote_found"
)


@dataclass(frozen=True)
class ScrollProfile:
    """A built profile and what the benchmark needs to know about it.

    Attributes:
        path: The profile folder (open it with :data:`PASSWORD`).
        messages: Messages in the long conversation.
        jump_target: The id of the message ``jump_back`` messages before the newest.
        jump_back: How far back the jump target is.
        build_s: Seconds this call spent building (0 when it came from the cache).
    """

    path: Path
    messages: int
    jump_target: str
    jump_back: int
    build_s: float


@dataclass(frozen=True)
class _StoredPicture:
    """One picture stored at rest: its file, and what a message says about it."""

    file_id: str
    size: int
    mime: str
    width: int
    height: int
    thumbnail: bytes


def cache_tag() -> str:
    """This file's content version and the store's schema version, for the folder name."""
    from chat_desktop.storage.migrations import MIGRATIONS

    return f"v{PROFILE_VERSION}-schema{len(MIGRATIONS)}"


def jump_back_for(messages: int) -> int:
    """How far back the jump goes: 900,000 messages, or 90 % of a smaller profile."""
    return FULL_JUMP_BACK if messages > FULL_JUMP_BACK else messages * 9 // 10


def message_id(index: int) -> str:
    """The id of the long conversation's message ``index`` (0 is the oldest)."""
    return f"{LONG_PEER}-{index:07d}"


def planted_indexes(messages: int) -> list[int]:
    """The messages that carry both search words, oldest first (the jump target included)."""
    target = messages - 1 - jump_back_for(messages)
    spread = {messages * (part * 2 + 1) // (PLANTED * 2) for part in range(PLANTED)}
    return sorted(spread | {target})


async def cached_profile(cache: Path, messages: int) -> ScrollProfile:
    """The profile of ``messages`` messages from ``cache``, built there first if missing."""
    folder = cache / f"scroll-{messages}-{cache_tag()}"
    marker = folder / "built.json"
    build_s = 0.0
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        started = time.perf_counter()
        await _build(folder, messages)
        build_s = time.perf_counter() - started
        marker.write_text(json.dumps({"messages": messages, "build_s": round(build_s, 1)}))
    back = jump_back_for(messages)
    return ScrollProfile(
        path=folder / "profile",
        messages=messages,
        jump_target=message_id(messages - 1 - back),
        jump_back=back,
        build_s=build_s,
    )


async def _build(folder: Path, messages: int) -> None:
    """Registers the account on a throw-away relay, fills it, stops the relay."""
    from chat_desktop.crypto.vault import FLOOR_PARAMS
    from chat_desktop.relay.app import RelayServer
    from chat_desktop.relay.config import RelayConfig
    from chat_desktop.services.capabilities.preferences import WindowState
    from chat_desktop.services.client import ChatClient

    relay = RelayServer(RelayConfig(data_dir=folder / "relay", port=0))
    await relay.start()
    try:
        client, _ = await ChatClient.create(
            folder / "profile", relay.url, USERNAME, PASSWORD, kdf_params=FLOOR_PARAMS
        )
    finally:
        await relay.stop()  # from now on the account's relay refuses connections: offline
    try:
        pictures = _pictures(copies=8 if messages >= 100_000 else 2)
        await client.run_in_store(_fill, client.store, messages, pictures)
        count = await client.messages.count(LONG_PEER)
        assert count == messages, count
        await client.preferences.set_window_state(WindowState(open_peer=SHORT_PEER))
    finally:
        await client.close()
    shutil.rmtree(folder / "relay", ignore_errors=True)


def _pictures(copies: int) -> list[tuple[bytes, Any]]:
    """The distinct pictures, each prepared as the app sends it, listed ``copies`` times."""
    from PIL import Image, ImageDraw

    from chat_desktop.services.image_processing import prepare_image

    prepared = []
    folder = Path(tempfile.mkdtemp(prefix="scroll-pictures-"))
    for number, (width, height, image_format) in enumerate(PICTURES):
        image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
        draw = ImageDraw.Draw(image)
        rng = random.Random(number)
        for _ in range(40):  # shapes and colour, so the encoder has real work to do
            x, y = rng.randrange(width), rng.randrange(height)
            size = rng.randrange(20, max(21, width // 4))
            colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            draw.ellipse((x, y, x + size, y + size * 2 // 3), fill=colour)
        encoded = io.BytesIO()
        image.save(encoded, image_format, quality=85)
        source = folder / f"picture-{number}.{image_format.lower()}"
        source.write_bytes(encoded.getvalue())
        picture = prepare_image(source)
        prepared.append((picture.data, picture))
    shutil.rmtree(folder, ignore_errors=True)
    return prepared * copies


def _fill(store: Any, messages: int, pictures: list[tuple[bytes, Any]]) -> None:
    """Fills the store (on its thread): pictures at rest, conversations, messages, reactions.

    Benchmark-only shortcut through the store's private connection (as benchmarks/ui.py
    does): this is not what is measured.
    """
    stored = []
    for data, picture in pictures:
        kept = store.attachments.write(io.BytesIO(data))
        stored.append(
            _StoredPicture(
                kept.file_id,
                kept.size,
                picture.mime_type,
                picture.width,
                picture.height,
                picture.thumbnail_jpeg,
            )
        )
    database = store._db
    rng = random.Random(22)
    planted = set(planted_indexes(messages))
    with database.transaction():
        newest = BASE_MS + messages * SPACING_MS
        database.connection.executemany(
            "INSERT INTO conversations(id, peer_address, created_at, last_activity_at) "
            "VALUES (?, ?, ?, ?)",
            [(LONG_PEER, LONG_PEER, BASE_MS, newest), (SHORT_PEER, SHORT_PEER, BASE_MS, BASE_MS)],
        )
        short = [_row(SHORT_PEER, index, rng, stored, set(), {}) for index in range(SHORT_MESSAGES)]
        _insert(database, short)
        bodies: dict[int, tuple[str, str, str]] = {}  # recent rows, for the quotes' excerpts
        for start in range(0, messages, BATCH):
            count = min(BATCH, messages - start)
            rows = [
                _row(LONG_PEER, start + index, rng, stored, planted, bodies, base)
                for index, base in enumerate(_message_rows(LONG_PEER, count, rng))
            ]
            _insert(database, rows)
            database.connection.executemany(
                "INSERT INTO message_reactions(conversation_id, message_id, reactor, emoji, "
                "sent_at, content_id) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    reaction
                    for index in range(start, start + count)
                    for reaction in _reactions(index)
                ],
            )


def _row(
    peer: str,
    index: int,
    rng: random.Random,
    pictures: list[_StoredPicture],
    planted: set[int],
    bodies: dict[int, tuple[str, str, str]],
    base: tuple[Any, ...] | None = None,
) -> tuple[Any, ...]:
    """One message row (the columns of :data:`_COLUMNS`), from benchmarks/ui.py's text row."""
    if base is None:
        base = _message_rows(peer, 1, rng)[0]
    _, _, sender, direction, _, _, body, status, _, _, _ = base
    sender = USERNAME if direction == "out" else peer
    at = BASE_MS + index * SPACING_MS
    incoming = direction == "in"
    kind = "text"
    attachment: tuple[Any, ...] = (None,) * 11
    if peer == LONG_PEER and index in planted:
        body = f"{body} lantern orbit"
    elif peer == LONG_PEER and index % 10 == 4:
        kind = "attachment"
        picture = pictures[(index // 10) % len(pictures)]
        body = body if index % 30 == 4 else None  # a third have a caption
        extension = "jpg" if picture.mime == "image/jpeg" else "png"
        attachment = (
            f"blob-{index}",
            bytes(64),
            bytes(32),
            picture.size,
            picture.mime,
            f"photo-{index}.{extension}",
            picture.width,
            picture.height,
            picture.thumbnail,
            picture.file_id,
            "done",
        )
    else:
        if index % 13 == 0:
            body = " ".join([body] * 3)  # a few lines long
        if index % 100 == 3:
            body += " lantern"
        elif index % 100 == 7:
            body += " orbit"
    quote: tuple[Any, ...] = (None,) * 5
    if peer == LONG_PEER and index % 7 == 2 and index >= 40:
        target = index - 3 - index % 25
        if target in bodies:
            target_sender, target_kind, excerpt = bodies[target]
            quote = (message_id(target), target_sender, excerpt[:200], target_kind, 1)
    if peer == LONG_PEER:
        excerpt = body or (attachment[5] or "")
        bodies[index] = (sender, kind, excerpt)
        bodies.pop(index - 40, None)
    identifier = message_id(index) if peer == LONG_PEER else f"{peer}-{index:07d}"
    return (
        identifier,
        peer,
        sender,
        direction,
        at,
        kind,
        body,
        status,
        at,
        at if incoming else None,
        at if incoming else None,
        *attachment,
        *quote[:4],
        quote[4] or 0,
    )


def _reactions(index: int) -> list[tuple[Any, ...]]:
    """The reactions to message ``index``: one on every fifth, two on every 25th."""
    if index % 5 != 1:
        return []
    at = BASE_MS + index * SPACING_MS + 5_000
    target = message_id(index)
    reactions = [(LONG_PEER, target, LONG_PEER, EMOJI[index % 5], at, f"r{index}-b")]
    if index % 25 == 1:
        reactions.append((LONG_PEER, target, USERNAME, EMOJI[(index + 2) % 5], at, f"r{index}-a"))
    return reactions


def _insert(database: Any, rows: list[tuple[Any, ...]]) -> None:
    marks = ", ".join("?" * len(rows[0]))
    database.connection.executemany(
        f"INSERT INTO messages({_COLUMNS}) VALUES ({marks})",
        rows,
    )
