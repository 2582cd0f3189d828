"""Encrypted snapshots of the database: rolling daily copies and pre-migration copies.

A snapshot is made with ``VACUUM INTO``: it reads every page through SQLCipher (so a damaged
page fails the snapshot instead of being copied) and writes a compact copy encrypted with the
same key. Messages with a disappearing timer are then removed from the copy (rows, search
entries, outbox entries, attachment keys; secure delete zeroes what they occupied): a
snapshot outlives the message, and a disappearing message must be gone for good once it
expires. Restoring a snapshot therefore brings back only ordinary messages.

A restored snapshot never keeps ratchet sessions: sending again on an old chain would reuse
message keys. Damaged databases are moved aside, never deleted.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import msgspec
import sqlcipher3

from chat_desktop.storage.atomic import (
    PRIVATE_FILE_MODE,
    ensure_private_file,
    fsync_directory,
    fsync_file,
    make_private,
)
from chat_desktop.storage.db import SqlError
from chat_desktop.storage.errors import DatabaseError
from chat_desktop.storage.integrity import database_problem
from chat_desktop.storage.models import MessageKey
from chat_desktop.storage.profile import ProfilePaths

ROLLING_LABEL = "daily"
PRE_MIGRATION_LABEL = "pre-migration"
_SUFFIX = ".db"


def _stamp(now_ms: int) -> str:
    seconds, millis = divmod(now_ms, 1000)
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(seconds)) + f"{millis:03d}Z"


#: Messages that disappear: a timer is set, or an expiry time is already known.
DISAPPEARING = "(expire_timer > 0 OR expires_at IS NOT NULL)"


def _open_copy(path: Path, raw_key: bytes) -> Any:
    """Open a snapshot copy being prepared: no WAL, no journal file, secure delete on."""
    connection = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute(f"PRAGMA key = \"x'{raw_key.hex()}'\"")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        # The copy is a temporary file until it is renamed: a crash just leaves it behind, so
        # it needs no journal (which would be one more file holding old pages).
        connection.execute("PRAGMA journal_mode = MEMORY")
        connection.execute("PRAGMA secure_delete = ON")
        connection.execute("PRAGMA temp_store = MEMORY")
    except BaseException:
        connection.close()
        raise
    return connection


def _has_table(connection: Any, name: str) -> bool:
    row = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def remove_disappearing_messages(connection: Any) -> int:
    """Delete every message with a disappearing timer from a snapshot copy.

    Their search entries go with them (the delete trigger, with FTS5 ``secure-delete`` turned
    on first, for copies of a database older than schema v2), then their outbox entries and
    the keys of their attachment files. Returns how many messages were removed.
    """
    if not _has_table(connection, "messages"):
        return 0
    connection.execute("BEGIN IMMEDIATE")
    try:
        if _has_table(connection, "messages_fts"):
            connection.execute(
                "INSERT INTO messages_fts(messages_fts, rank) VALUES ('secure-delete', 1)"
            )
        file_ids = [
            row[0]
            for row in connection.execute(
                f"SELECT att_file_id FROM messages WHERE {DISAPPEARING} "  # noqa: S608
                "AND att_file_id IS NOT NULL"
            )
        ]
        if _has_table(connection, "outbox"):
            connection.execute(
                "DELETE FROM outbox WHERE EXISTS (SELECT 1 FROM messages AS m "
                "WHERE m.conversation_id = outbox.conversation_id AND m.id = outbox.message_id "
                "AND (m.expire_timer > 0 OR m.expires_at IS NOT NULL))"
            )
        removed = connection.execute(f"DELETE FROM messages WHERE {DISAPPEARING}").rowcount  # noqa: S608
        connection.executemany(
            "DELETE FROM attachment_files WHERE id = ?", [(file_id,) for file_id in file_ids]
        )
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return int(removed)


def take_snapshot(
    connection: Any, directory: Path, label: str, now_ms: int, raw_key: bytes
) -> Path:
    """Write a durable encrypted copy of the database into ``directory`` (mode 0600).

    The copy leaves out every message with a disappearing timer (see the module docstring).

    Args:
        connection: A connection to the database (the store's, or a second reader).
        directory: The snapshots folder.
        label: The kind of snapshot (``daily``, ``pre-migration-v1``...).
        now_ms: The time stamped in the name.
        raw_key: The database key, to open the copy and remove disappearing messages.

    Raises:
        DatabaseError: The copy could not be made (e.g. a damaged page); nothing is left.
    """
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{label}-{_stamp(now_ms)}{_SUFFIX}"
    while target.exists():  # two snapshots in one millisecond must not replace each other
        now_ms += 1
        target = directory / f"{label}-{_stamp(now_ms)}{_SUFFIX}"
    temporary = target.with_name(target.name + ".tmp")
    temporary.unlink(missing_ok=True)
    ensure_private_file(temporary)  # VACUUM INTO accepts an empty file, and keeps its mode
    try:
        connection.execute("VACUUM INTO ?", (str(temporary),))
        copy = _open_copy(temporary, raw_key)
        try:
            remove_disappearing_messages(copy)
        finally:
            copy.close()
    except SqlError as error:
        temporary.unlink(missing_ok=True)
        raise DatabaseError("a snapshot of the message database could not be made") from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_file(temporary)
    os.replace(temporary, target)
    fsync_directory(directory)
    return target


def make_snapshots_private(directory: Path) -> None:
    """Set every file in the snapshots folder to mode 0600 (older versions made them 0644)."""
    if not directory.is_dir():
        return
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mode & 0o777 != PRIVATE_FILE_MODE:
            make_private(path)


def list_snapshots(directory: Path, label: str | None = None) -> list[Path]:
    """Snapshots in ``directory`` (optionally of one kind), newest first."""
    if not directory.is_dir():
        return []
    found = [
        path
        for path in directory.iterdir()
        if path.suffix == _SUFFIX and (label is None or path.name.startswith(label + "-"))
    ]
    return sorted(found, key=lambda path: path.name.rsplit("-", 1)[-1], reverse=True)


def newest_snapshot_ms(directory: Path, label: str) -> int | None:
    """Modification time (ms) of the newest snapshot of a kind, or None."""
    snapshots = list_snapshots(directory, label)
    return None if not snapshots else int(snapshots[0].stat().st_mtime * 1000)


def prune_snapshots(directory: Path, label: str, keep: int) -> None:
    """Keep the newest ``keep`` snapshots of one kind; remove older ones of that kind only."""
    for old in list_snapshots(directory, label)[keep:]:
        old.unlink(missing_ok=True)


def snapshot_is_intact(snapshot: Path, raw_key: bytes) -> bool:
    """Whether a snapshot opens with the key and passes both integrity checks."""
    try:
        connection = connect_encrypted_readonly(snapshot, raw_key)
    except (DatabaseError, SqlError):
        return False
    try:
        return database_problem(connection, full=True) is None
    finally:
        connection.close()


def connect_encrypted_readonly(path: Path, raw_key: bytes) -> Any:
    """Open a snapshot for checking without turning it into a WAL database."""
    connection = sqlcipher3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute(f"PRAGMA key = \"x'{raw_key.hex()}'\"")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        connection.close()
        raise
    return connection


def intact_snapshots(directory: Path, raw_key: bytes) -> list[Path]:
    """Snapshots that pass the integrity checks, newest first."""
    return [path for path in list_snapshots(directory) if snapshot_is_intact(path, raw_key)]


class RestoreReport(msgspec.Struct, frozen=True):
    """What restoring a snapshot did.

    Attributes:
        quarantine: The folder the replaced database files were moved into (never deleted).
        sessions_dropped: Ratchet sessions removed from the restored copy. The engine starts
            fresh sessions with those devices (their next message heals it).
        outbox_dropped: Messages whose outbox entries already held ciphertext made on the old
            sessions: those entries were deleted (resending them, or sending anything more
            on those chains, is unsafe) and the messages marked failed. The engine may queue
            them again from the message rows, to be encrypted on new sessions.
    """

    quarantine: Path
    sessions_dropped: int
    outbox_dropped: tuple[MessageKey, ...]


def _payload_has_ciphertext(payload: bytes) -> bool:
    """Whether an outbox payload already holds wire bodies (encrypted on some session).

    The engine stores a msgpack array whose second element is the list of encrypted bodies
    (nil until encryption). A payload that can't be read is treated as encrypted: dropping
    it is the safe side.
    """
    try:
        decoded = msgspec.msgpack.decode(payload)
    except msgspec.DecodeError:
        return True
    return not (isinstance(decoded, list) and len(decoded) >= 2 and decoded[1] is None)


def forget_old_sessions(connection: Any) -> tuple[int, tuple[MessageKey, ...]]:
    """Make a restored copy safe to send from: no old ratchet session, no old ciphertext.

    Deletes every ratchet session, our own group sender keys (a restored one would rewind
    its chain and reuse message keys: the engine makes and distributes new ones), and every
    outbox entry whose payload is already encrypted (their messages become failed); entries
    not yet encrypted stay queued and will be encrypted on new sessions. Returns (sessions
    deleted, messages whose entries went).
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        sessions = 0
        if _has_table(connection, "sessions"):
            sessions = int(connection.execute("DELETE FROM sessions").rowcount)
        if _has_table(connection, "group_own_sender_keys"):
            connection.execute("DELETE FROM group_own_sender_keys")
        dropped: list[MessageKey] = []
        if _has_table(connection, "outbox"):
            rows = connection.execute(
                "SELECT seq, conversation_id, message_id, payload FROM outbox ORDER BY seq"
            ).fetchall()
            for seq, conversation_id, message_id, payload in rows:
                if not _payload_has_ciphertext(bytes(payload)):
                    continue
                connection.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
                connection.execute(
                    "UPDATE messages SET status = 'failed' "
                    "WHERE conversation_id = ? AND id = ? AND status = 'pending'",
                    (conversation_id, message_id),
                )
                key = MessageKey(conversation_id=conversation_id, message_id=message_id)
                if key not in dropped:
                    dropped.append(key)
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return sessions, tuple(dropped)


def restore_snapshot(
    paths: ProfilePaths, snapshot: Path, raw_key: bytes, now_ms: int
) -> RestoreReport:
    """Put a snapshot in place of the database; the damaged files are moved aside, not deleted.

    The database must be closed. The snapshot itself is left as it is: a copy of it is
    prepared beside the database (ratchet sessions and already-encrypted outbox entries
    removed, see :func:`forget_old_sessions`), then renamed into place.

    Raises:
        DatabaseError: The snapshot is not intact, or the copy could not be prepared (nothing
            was moved).
    """
    if not snapshot_is_intact(snapshot, raw_key):
        raise DatabaseError("this snapshot is damaged too; choose another one")
    database = paths.database
    temporary = database.with_name(database.name + ".restoring")
    temporary.unlink(missing_ok=True)
    ensure_private_file(temporary)
    try:
        with snapshot.open("rb") as source, temporary.open("r+b") as target:
            shutil.copyfileobj(source, target)
        copy = _open_copy(temporary, raw_key)
        try:
            sessions, dropped = forget_old_sessions(copy)
        finally:
            copy.close()
        fsync_file(temporary)
    except SqlError as error:
        temporary.unlink(missing_ok=True)
        raise DatabaseError("the snapshot could not be prepared for restoring") from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    quarantine = paths.quarantine / _stamp(now_ms)
    quarantine.mkdir(parents=True, exist_ok=True)
    for folder in (paths.quarantine, quarantine):
        os.chmod(folder, 0o700)
    for companion in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if companion.exists():
            os.replace(companion, quarantine / companion.name)
    os.replace(temporary, database)
    fsync_directory(database.parent)
    paths.running_marker.unlink(missing_ok=True)
    return RestoreReport(quarantine=quarantine, sessions_dropped=sessions, outbox_dropped=dropped)
