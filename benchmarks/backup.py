"""Backing up and restoring a 100,000-message profile, measured; prints one JSON line.

Figures (issue 23, acceptance 2), with their targets on this 2-core machine:

- ``backup_100k_s`` (≤ 30): ``client.backup.export`` of the whole profile to one file, from
  the call to the file's rename (the Argon2id derivation of the passphrase included, at the
  backup's default cost).
- ``restore_100k_s`` (≤ 60): ``restore_backup`` of that file into a new profile folder, from
  the call until the profile has its name (the new profile's vault made with the app's
  calibrated Argon2id, as on the start screen).
- ``backup_file_mb``: the file's size (MiB); ``profile_mb``: the source profile's database
  and attachment files.
- ``store_read_100k_s``: the baseline, measured in the same run: reading every message of
  the profile through the store (pages of 2,000 with their reactions, as the export reads
  them), on the store thread. ``backup_vs_read`` and ``restore_vs_read`` are the ratios.
- ``round_trip_equal``: every message (each stored field), reaction, edit and file (its
  bytes) of the restored profile is equal to the source's; checked after the timing.

The profile (built once, cached in ``~/.cache/chat_desktop-bench/backup-<messages>-<tag>/``,
``build_s`` is 0 when cached): a real account (registered on a throw-away relay that is
stopped before use) with 10 conversations, ``--messages`` messages spread over them,
written through the store's own API (``messages.insert``, ``reactions.set``,
``apply_edit``, ``attachments.write``): text of varied length, a reaction on every fifth
message (two on every 25th), a reply on every seventh, an edit on every 50th, and
``--files`` files (random bytes, so they do not compress: 20-300 KB each) stored encrypted
at rest, each on its own message.

Run: ``.venv/bin/python benchmarks/backup.py [--messages 100000] [--files 200]`` (the first
run also builds the profile: a minute or two). Not run by CI;
tests/integration/test_backup_benchmark.py runs :func:`run_benchmark` on a tiny profile.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_CACHE = Path.home() / ".cache" / "chat_desktop-bench"
DEFAULT_MESSAGES = 100_000
DEFAULT_FILES = 200
#: Bump when what a profile holds changes (the cache folder's name changes with it).
PROFILE_VERSION = 1
PASSWORD = "Quiet-lantern-orbit-42"
PASSPHRASE = "Backup-passphrase-for-the-bench-7"
USERNAME = "alice"
PEERS = tuple(f"peer{index}" for index in range(10))
BASE_MS = 1_600_000_000_000
SPACING_MS = 45_000
EMOJI = ("👍", "❤️", "😂", "😮", "🎉")
WORDS = (
    "lantern",
    "orbit",
    "meeting",
    "tomorrow",
    "coffee",
    "later",
    "train",
    "station",
    "photo",
    "holiday",
    "weekend",
    "project",
    "deadline",
    "review",
    "thanks",
    "sounds",
    "good",
    "see",
    "you",
    "soon",
    "call",
    "me",
    "when",
    "free",
)
_INSERT_BATCH = 5_000


def cache_tag() -> str:
    """This file's content version and the store's schema version, for the folder name."""
    from chat_desktop.storage.migrations import MIGRATIONS

    return f"v{PROFILE_VERSION}-schema{len(MIGRATIONS)}"


async def cached_profile(cache: Path, messages: int, files: int) -> tuple[Path, float]:
    """The profile folder (built first if missing) and the seconds this call spent building."""
    folder = cache / f"backup-{messages}-{files}-{cache_tag()}"
    marker = folder / "built.json"
    if marker.exists():
        return folder / "profile", 0.0
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    await _build(folder, messages, files)
    build_s = time.perf_counter() - started
    marker.write_text(json.dumps({"messages": messages, "build_s": round(build_s, 1)}))
    return folder / "profile", build_s


async def _build(folder: Path, messages: int, files: int) -> None:
    from chat_desktop.crypto.vault import FLOOR_PARAMS
    from chat_desktop.relay.app import RelayServer
    from chat_desktop.relay.config import RelayConfig
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
        await client.run_in_store(_fill, client.store, messages, files)
    finally:
        await client.close()
    shutil.rmtree(folder / "relay", ignore_errors=True)


def _fill(store: Any, messages: int, files: int) -> None:
    """Writes the profile's history through the store's API (on the store thread)."""
    from chat_desktop.storage.models import (
        AttachmentInfo,
        Direction,
        MessageKey,
        MessageStatus,
        NewMessage,
        Quote,
    )

    rng = random.Random(23)
    file_every = max(1, messages // max(1, files)) if files else 0
    stored_files = 0
    for peer in PEERS:
        store.contacts.ensure(peer)
        store.contacts.save_identity_key(peer, rng.randbytes(32))
    for start in range(0, messages, _INSERT_BATCH):
        with store.transaction():
            for index in range(start, min(messages, start + _INSERT_BATCH)):
                peer = PEERS[index % len(PEERS)]
                outgoing = index % 3 == 0
                at = BASE_MS + index * SPACING_MS
                body: str | None = " ".join(rng.choices(WORDS, k=rng.randrange(3, 40)))
                kind = "text"
                attachment = None
                if file_every and index % file_every == 1 and stored_files < files:
                    size = rng.randrange(20_000, 300_000)
                    kept = store.attachments.write(io.BytesIO(rng.randbytes(size)))
                    stored_files += 1
                    kind, body = "attachment", None
                    attachment = AttachmentInfo(
                        blob_id=rng.randbytes(16).hex(),
                        key=rng.randbytes(64),
                        digest=rng.randbytes(32),
                        size=size,
                        mime="application/octet-stream",
                        file_name=f"file-{index}.bin",
                        local_file_id=kept.file_id,
                        local_status="done",
                    )
                quote = None
                if index % 7 == 2 and index >= 40:
                    quote = Quote(
                        target_id=f"m{index - 30:07d}",
                        author=USERNAME if (index - 30) % 3 == 0 else peer,
                        excerpt="an earlier message",
                        kind="text",
                    )
                store.messages.insert(
                    NewMessage(
                        id=f"m{index:07d}",
                        conversation_id=peer,
                        sender=USERNAME if outgoing else peer,
                        direction=Direction.OUTGOING if outgoing else Direction.INCOMING,
                        sort_key=at,
                        kind=kind,
                        body=body,
                        status=MessageStatus.DELIVERED,
                        sent_at=at,
                        received_at=None if outgoing else at + 500,
                        read_at=None if outgoing or index > messages - 50 else at + 9_000,
                        attachment=attachment,
                        quote=quote,
                    )
                )
                if index % 5 == 1:
                    store.messages.reactions.set(
                        peer,
                        f"m{index:07d}",
                        peer,
                        EMOJI[index % 5],
                        sent_at=at + 1,
                        content_id="r",
                    )
                    if index % 25 == 1:
                        store.messages.reactions.set(
                            peer,
                            f"m{index:07d}",
                            USERNAME,
                            EMOJI[(index + 2) % 5],
                            sent_at=at + 2,
                            content_id="r",
                        )
                if index % 50 == 3 and outgoing is False and kind == "text":
                    store.messages.apply_edit(
                        MessageKey(peer, f"m{index:07d}"),
                        f"{body} (edited)",
                        edited_at=at + 60_000,
                        content_id=f"e{index}",
                    )
    store.conversations.set_pinned(PEERS[0], True)
    store.drafts.set(PEERS[1], "a draft")


def _read_all(store: Any) -> int:
    """Reads every message through the store, page by page (the baseline)."""
    count = 0
    for conversation in store.conversations.list_recent(1000):
        page = store.messages.oldest(conversation.id, 2000)
        while page:
            count += len(page)
            page = store.messages.after(conversation.id, page[-1].cursor, 2000)
    return count


def _fingerprint(store: Any) -> str:
    """A digest of every message (each field), its edits, reactions and file bytes."""
    import msgspec

    digest = hashlib.sha256()
    for conversation in sorted(store.conversations.list_recent(1000), key=lambda c: c.id):
        digest.update(
            msgspec.msgpack.encode(
                (conversation.id, conversation.pinned, conversation.unread_count)
            )
        )
        page = store.messages.oldest(conversation.id, 2000)
        while page:
            for message in page:
                fields = msgspec.structs.asdict(message)
                fields.pop("seq")
                attachment = fields.pop("attachment")
                if attachment is not None:
                    info = msgspec.structs.asdict(attachment)
                    file_id = info.pop("local_file_id")
                    fields["attachment"] = info
                    if file_id is not None:
                        with store.attachments.open(file_id) as source:
                            fields["file"] = hashlib.sha256(source.read()).hexdigest()
                fields["edits"] = store.messages.edits.history(conversation.id, message.id)
                digest.update(msgspec.msgpack.encode(fields))
            page = store.messages.after(conversation.id, page[-1].cursor, 2000)
    return digest.hexdigest()


def _folder_mb(folder: Path) -> float:
    files = (path for path in folder.rglob("*") if "snapshots" not in path.parts)
    return sum(path.stat().st_size for path in files if path.is_file()) / 2**20


async def run_benchmark(
    messages: int = DEFAULT_MESSAGES,
    files: int = DEFAULT_FILES,
    *,
    cache: Path = DEFAULT_CACHE,
    kdf_params: Any = None,
) -> dict[str, Any]:
    """Builds (or takes from ``cache``) the profile, measures, returns the JSON's fields.

    ``kdf_params`` fixes the Argon2id costs of the backup and the new vault (tests); None
    uses the app's: the backup's default and the vault's calibration.
    """
    from chat_desktop.services.backup_format import DEFAULT_PARAMS
    from chat_desktop.services.backup_restore import restore_backup
    from chat_desktop.services.client import ChatClient

    profile, build_s = await cached_profile(cache, messages, files)
    work = Path(tempfile.mkdtemp(prefix="backup-bench-"))
    try:
        client = await ChatClient.unlock(profile, PASSWORD)
        try:
            started = time.perf_counter()
            read = await client.run_in_store(_read_all, client.store)
            store_read_s = time.perf_counter() - started
            backup = work / "profile.backup"
            started = time.perf_counter()
            summary = await client.backup.export(
                backup, PASSPHRASE, kdf_params=kdf_params or DEFAULT_PARAMS
            )
            backup_s = time.perf_counter() - started
            source = await client.run_in_store(_fingerprint, client.store)
        finally:
            await client.close()
        started = time.perf_counter()
        restored = await restore_backup(
            backup, PASSPHRASE, work / "restored", PASSWORD, kdf_params=kdf_params
        )
        restore_s = time.perf_counter() - started
        copy = await ChatClient.unlock(work / "restored", PASSWORD)
        try:
            equal = source == await copy.run_in_store(_fingerprint, copy.store)
        finally:
            await copy.close()
        return {
            "backup_100k_s": round(backup_s, 2),
            "restore_100k_s": round(restore_s, 2),
            "backup_file_mb": round(summary.size / 2**20, 2),
            "store_read_100k_s": round(store_read_s, 2),
            "backup_vs_read": round(backup_s / store_read_s, 2),
            "restore_vs_read": round(restore_s / store_read_s, 2),
            "round_trip_equal": equal,
            "messages": summary.messages,
            "messages_read": read,
            "files": summary.files,
            "restored_messages": restored.messages,
            "restored_files": restored.files,
            "profile_mb": round(_folder_mb(profile), 2),
            "build_s": round(build_s, 1),
            "loadavg_1min": round(os.getloadavg()[0], 2),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    """Parses the command line, runs :func:`run_benchmark`, prints its JSON line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--files", type=int, default=DEFAULT_FILES)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    result = asyncio.run(run_benchmark(args.messages, args.files, cache=args.cache))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
