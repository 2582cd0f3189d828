"""The message store: the encrypted database of one profile and its repositories.

Opening it checks the database (page authentication every time, a full structure check after
an unclean shutdown), applies pending migrations behind an encrypted copy, and keeps rolling
daily snapshots. On damage it raises :class:`DatabaseCorrupt` listing the intact snapshots the
user can restore; it never deletes data on its own.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from chat_desktop.storage.atomic import fsync_directory
from chat_desktop.storage.attachment_files import AttachmentFiles
from chat_desktop.storage.contacts import ContactRepository
from chat_desktop.storage.conversations import ConversationRepository
from chat_desktop.storage.db import Database, connect_encrypted
from chat_desktop.storage.errors import DatabaseCorrupt, DatabaseKeyRejected, VaultLocked
from chat_desktop.storage.integrity import database_problem
from chat_desktop.storage.messages import MessageRepository
from chat_desktop.storage.migrations import MIGRATIONS, Migration
from chat_desktop.storage.migrator import migrate
from chat_desktop.storage.models import Message, MessageKey
from chat_desktop.storage.outbox import OutboxRepository
from chat_desktop.storage.profile import ProfilePaths
from chat_desktop.storage.search import MessageSearch
from chat_desktop.storage.secret_rows import SecretRepository
from chat_desktop.storage.settings import SettingsRepository
from chat_desktop.storage.snapshots import (
    ROLLING_LABEL,
    intact_snapshots,
    newest_snapshot_ms,
    prune_snapshots,
    restore_snapshot,
    take_snapshot,
)

Clock = Callable[[], int]

SNAPSHOT_INTERVAL_MS = 24 * 60 * 60 * 1000
ROLLING_SNAPSHOTS_KEPT = 3


def wall_clock_ms() -> int:
    """Milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def _make_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def _corrupt(paths: ProfilePaths, raw_key: bytes, detail: str) -> DatabaseCorrupt:
    return DatabaseCorrupt(detail, intact_snapshots(paths.snapshots, raw_key))


class MessageStore:
    """The open, encrypted store of one profile; use :meth:`open` (or ``UnlockedVault``).

    Attributes:
        messages: Messages and windows for the message list.
        conversations: The conversation list.
        contacts: Contacts and their identity keys.
        outbox: Unacked encrypted messages.
        secrets: Sealed sessions, identity and prekeys, key-id counters.
        attachments: Attachment files encrypted at rest.
        settings: Key/value settings.
    """

    def __init__(
        self,
        paths: ProfilePaths,
        database: Database,
        raw_db_key: bytes,
        row_key: bytes,
        clock: Clock,
    ) -> None:
        self._paths = paths
        self._db = database
        self._raw_db_key: bytes | None = raw_db_key
        self._row_key: bytes | None = row_key
        self._clock = clock
        self.attachments = AttachmentFiles(
            database, paths.attachments, clock, self._current_row_key
        )
        self.messages = MessageRepository(database, clock, self.attachments.path_of)
        self.conversations = ConversationRepository(database, clock)
        self.contacts = ContactRepository(database, clock)
        self.outbox = OutboxRepository(database, clock)
        self.secrets = SecretRepository(database, clock, self._current_row_key)
        self.settings = SettingsRepository(database)
        self._search = MessageSearch(database, clock)

    @classmethod
    def open(
        cls,
        paths: ProfilePaths,
        raw_db_key: bytes,
        row_key: bytes,
        *,
        clock: Clock = wall_clock_ms,
        migrations: Sequence[Migration] = MIGRATIONS,
        snapshot_interval_ms: int | None = SNAPSHOT_INTERVAL_MS,
        verify_pages_on_open: bool = True,
    ) -> MessageStore:
        """Open (creating if needed) the profile's database.

        Args:
            paths: The profile's files.
            raw_db_key: HKDF(master, "db").
            row_key: HKDF(master, "session-wrap").
            clock: Current time in ms (expiry filter, timestamps); injectable for tests.
            migrations: The schema steps (tests add their own).
            snapshot_interval_ms: Take a rolling snapshot at open when the newest is older
                than this; None disables it.
            verify_pages_on_open: Authenticate every page at each open (≈0.5 s per 250 MB),
                so a flipped bit is found before it is read. After an unclean shutdown both
                checks run regardless.

        Raises:
            DatabaseCorrupt: An integrity check failed (with the intact snapshots).
            MigrationFailed: A migration failed; the old schema and data are intact.
            SchemaTooNew: The database comes from a newer app.
        """
        _make_private_dir(paths.root)
        _make_private_dir(paths.snapshots)
        _make_private_dir(paths.attachments)
        unclean = paths.running_marker.exists()
        existed = paths.database.exists() and paths.database.stat().st_size > 0
        try:
            connection = connect_encrypted(paths.database, raw_db_key)
        except DatabaseKeyRejected:
            if not existed:
                raise
            # The key comes from the authenticated vault, so a refusal means a damaged file.
            raise _corrupt(paths, raw_db_key, "the first page does not authenticate") from None
        database = Database(connection, lambda detail: _corrupt(paths, raw_db_key, detail))
        try:
            paths.running_marker.touch()
            fsync_directory(paths.root)
            check = existed and (unclean or verify_pages_on_open)
            problem = database_problem(connection, full=unclean) if check else None
            if problem is not None:
                raise _corrupt(paths, raw_db_key, problem)
            migrate(database, migrations, paths.snapshots, clock())
        except BaseException:
            database.close()
            raise
        store = cls(paths, database, raw_db_key, row_key, clock)
        if snapshot_interval_ms is not None:
            store.snapshot_if_due(snapshot_interval_ms)
        return store

    @property
    def paths(self) -> ProfilePaths:
        """The profile's files."""
        return self._paths

    @property
    def is_closed(self) -> bool:
        """Whether the store was closed (or its vault locked)."""
        return self._db.is_closed

    def _current_row_key(self) -> bytes:
        if self._row_key is None:
            raise VaultLocked("the message store is closed")
        return self._row_key

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic, durable unit over every repository (e.g. message + outbox row)."""
        with self._db.transaction():
            yield

    def search(
        self, text: str, *, conversation_id: str | None = None, limit: int = 50
    ) -> list[Message]:
        """Messages matching every word of ``text`` (never deleted or expired ones)."""
        return self._search.search(text, conversation_id=conversation_id, limit=limit)

    def delete_expired(self, limit: int = 500) -> list[MessageKey]:
        """Delete messages whose time is up (rows, search entries, attachment files)."""
        with self._db.transaction():
            keys = self.messages.expired(limit)
            self.messages.delete(keys)
        return keys

    def check_integrity(self) -> None:
        """Run both integrity checks now.

        Raises:
            DatabaseCorrupt: A check failed (with the intact snapshots).
        """
        problem = database_problem(self._db.connection, full=True)
        if problem is not None:
            raise _corrupt(self._paths, self._current_db_key(), problem)

    def _current_db_key(self) -> bytes:
        if self._raw_db_key is None:
            raise VaultLocked("the message store is closed")
        return self._raw_db_key

    def take_snapshot(self) -> Path:
        """Write a rolling encrypted snapshot now and keep only the newest few."""
        snapshot = take_snapshot(
            self._db.connection, self._paths.snapshots, ROLLING_LABEL, self._clock()
        )
        prune_snapshots(self._paths.snapshots, ROLLING_LABEL, ROLLING_SNAPSHOTS_KEPT)
        return snapshot

    def snapshot_if_due(self, interval_ms: int = SNAPSHOT_INTERVAL_MS) -> Path | None:
        """Take a rolling snapshot if the newest one is older than ``interval_ms``."""
        newest = newest_snapshot_ms(self._paths.snapshots, ROLLING_LABEL)
        if newest is not None and wall_clock_ms() - newest < interval_ms:
            return None
        return self.take_snapshot()

    def close(self) -> None:
        """Checkpoint and close the database, mark a clean shutdown, and drop the keys."""
        if self._db.is_closed:
            return
        self.attachments.close_readers()
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self._db.close()
            self._paths.running_marker.unlink(missing_ok=True)
            self._raw_db_key = None
            self._row_key = None

    @staticmethod
    def restore_snapshot(
        paths: ProfilePaths, raw_db_key: bytes, snapshot: Path, *, clock: Clock = wall_clock_ms
    ) -> Path:
        """Replace a damaged database by a snapshot (the store must be closed).

        Returns:
            The folder the damaged files were moved into (kept, never deleted).
        """
        return restore_snapshot(paths, snapshot, raw_db_key, clock())
