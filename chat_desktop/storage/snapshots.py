"""Encrypted snapshots of the database: rolling daily copies and pre-migration copies.

A snapshot is made with ``VACUUM INTO``: it reads every page through SQLCipher (so a damaged
page fails the snapshot instead of being copied) and writes a compact copy encrypted with the
same key. Damaged databases are moved aside, never deleted.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import sqlcipher3

from chat_desktop.storage.atomic import fsync_directory, fsync_file
from chat_desktop.storage.db import SqlError
from chat_desktop.storage.errors import DatabaseError
from chat_desktop.storage.integrity import database_problem
from chat_desktop.storage.profile import ProfilePaths

ROLLING_LABEL = "daily"
PRE_MIGRATION_LABEL = "pre-migration"
_SUFFIX = ".db"


def _stamp(now_ms: int) -> str:
    seconds, millis = divmod(now_ms, 1000)
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(seconds)) + f"{millis:03d}Z"


def take_snapshot(connection: Any, directory: Path, label: str, now_ms: int) -> Path:
    """Write a durable encrypted copy of the database into ``directory``.

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
    try:
        connection.execute("VACUUM INTO ?", (str(temporary),))
    except SqlError as error:
        temporary.unlink(missing_ok=True)
        raise DatabaseError("a snapshot of the message database could not be made") from error
    fsync_file(temporary)
    os.replace(temporary, target)
    fsync_directory(directory)
    return target


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


def restore_snapshot(paths: ProfilePaths, snapshot: Path, raw_key: bytes, now_ms: int) -> Path:
    """Put a snapshot in place of the database; the damaged files are moved aside, not deleted.

    The database must be closed. Returns the folder the damaged files were moved into.

    Raises:
        DatabaseError: The snapshot is not intact (nothing was moved).
    """
    if not snapshot_is_intact(snapshot, raw_key):
        raise DatabaseError("this snapshot is damaged too; choose another one")
    quarantine = paths.quarantine / _stamp(now_ms)
    quarantine.mkdir(parents=True, exist_ok=True)
    database = paths.database
    for companion in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if companion.exists():
            os.replace(companion, quarantine / companion.name)
    temporary = database.with_name(database.name + ".restoring")
    shutil.copyfile(snapshot, temporary)
    fsync_file(temporary)
    os.replace(temporary, database)
    fsync_directory(database.parent)
    paths.running_marker.unlink(missing_ok=True)
    return quarantine
