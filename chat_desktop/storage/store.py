"""The message store: the encrypted database of one profile and its repositories.

Opening it is quick: after an unclean shutdown it runs both integrity checks (page
authentication and the structure walk) before anything is read, then applies pending
migrations behind an encrypted copy. The slow upkeep (authenticating every page, the rolling
daily snapshot, removing orphaned attachment files) is :meth:`MessageStore.run_housekeeping`,
which the engine starts in the background once the window shows. On damage either raises
:class:`DatabaseCorrupt` listing the intact snapshots the user can restore; the store never
deletes data on its own.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec

from chat_desktop.storage.atomic import fsync_directory
from chat_desktop.storage.attachment_files import AttachmentFiles
from chat_desktop.storage.contacts import ContactRepository
from chat_desktop.storage.conversations import ConversationRepository
from chat_desktop.storage.db import Database, SqlError, connect_encrypted
from chat_desktop.storage.drafts import DraftRepository
from chat_desktop.storage.errors import (
    DatabaseCorrupt,
    DatabaseError,
    DatabaseKeyRejected,
    VaultLocked,
)
from chat_desktop.storage.group_avatars import GroupAvatarRepository
from chat_desktop.storage.groups import GroupRepository
from chat_desktop.storage.integrity import database_problem
from chat_desktop.storage.messages import MessageRepository
from chat_desktop.storage.migrations import MIGRATIONS, Migration
from chat_desktop.storage.migrator import migrate
from chat_desktop.storage.models import Message, MessageKey
from chat_desktop.storage.outbox import OutboxRepository
from chat_desktop.storage.profile import ProfilePaths
from chat_desktop.storage.profiles import ProfileRepository
from chat_desktop.storage.search import MessageSearch
from chat_desktop.storage.secret_rows import SecretRepository
from chat_desktop.storage.send_log import SendLogRepository
from chat_desktop.storage.settings import SettingsRepository
from chat_desktop.storage.snapshots import (
    ROLLING_LABEL,
    RestoreReport,
    intact_snapshots,
    make_snapshots_private,
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


class HousekeepingReport(msgspec.Struct, frozen=True):
    """What one :meth:`MessageStore.run_housekeeping` did.

    Attributes:
        pages_verified: Every page of the database file authenticated.
        snapshot: The rolling snapshot taken, or None (not due, or interrupted).
        orphan_files_removed: Attachment files removed because nothing refers to them.
        orphan_rows_removed: Attachment key rows removed because no message refers to them.
        interrupted: The store was closed meanwhile; the remaining steps were skipped.
    """

    pages_verified: bool = False
    snapshot: Path | None = None
    orphan_files_removed: int = 0
    orphan_rows_removed: int = 0
    interrupted: bool = False


class _Interrupted(Exception):
    """Internal: housekeeping stopped because the store is closing."""


class MessageStore:
    """The open, encrypted store of one profile; use :meth:`open` (or ``UnlockedVault``).

    Attributes:
        messages: Messages and windows for the message list.
        conversations: The conversation list.
        drafts: The unsent text of each conversation's box.
        contacts: Contacts and their identity keys.
        profiles: Names and avatars (ours and contacts'), and their profile keys.
        outbox: Unacked encrypted messages.
        send_log: What a retry request may have re-sent, per message and device.
        secrets: Sealed sessions, identity and prekeys, key-id counters.
        groups: Each group's state and its sealed sender keys.
        group_avatars: Each group's picture as this device holds it.
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
        self.conversations = ConversationRepository(database, clock, self.attachments.path_of)
        self.drafts = DraftRepository(database, clock)
        self.contacts = ContactRepository(database, clock)
        self.profiles = ProfileRepository(database, clock)
        self.outbox = OutboxRepository(database, clock)
        self.send_log = SendLogRepository(database, clock)
        self.secrets = SecretRepository(database, clock, self._current_row_key)
        self.groups = GroupRepository(database, clock, self._current_row_key)
        self.group_avatars = GroupAvatarRepository(database, clock)
        self.settings = SettingsRepository(database)
        self._search = MessageSearch(database, clock)
        # Housekeeping runs on its own connection, possibly on another thread; close() stops it.
        self._housekeeping_lock = threading.Lock()
        self._closing = threading.Event()
        self._housekeeping_connection: Any | None = None
        self._housekeeping_guard = threading.Lock()
        self._truncate_pending = False

    @classmethod
    def open(
        cls,
        paths: ProfilePaths,
        raw_db_key: bytes,
        row_key: bytes,
        *,
        clock: Clock = wall_clock_ms,
        migrations: Sequence[Migration] = MIGRATIONS,
        snapshot_interval_ms: int | None = None,
        verify_pages_on_open: bool = False,
    ) -> MessageStore:
        """Open (creating if needed) the profile's database.

        By default this does only what must come before the first query: the integrity checks
        after an unclean shutdown, and pending migrations. Page authentication and the daily
        snapshot belong to :meth:`run_housekeeping`, run in the background afterwards.

        Args:
            paths: The profile's files.
            raw_db_key: HKDF(master, "db").
            row_key: HKDF(master, "session-wrap").
            clock: Current time in ms (expiry filter, timestamps); injectable for tests.
            migrations: The schema steps (tests add their own).
            snapshot_interval_ms: Also take a rolling snapshot now when the newest is older
                than this (seconds for a large database); None (the default) leaves it to
                :meth:`run_housekeeping`.
            verify_pages_on_open: Also authenticate every page now (≈1.7 s for a million
                messages); off by default, :meth:`run_housekeeping` does it. After an unclean
                shutdown both checks run regardless.

        Raises:
            DatabaseCorrupt: An integrity check failed (with the intact snapshots).
            MigrationFailed: A migration failed; the old schema and data are intact.
            SchemaTooNew: The database comes from a newer app.
        """
        _make_private_dir(paths.root)
        _make_private_dir(paths.snapshots)
        _make_private_dir(paths.attachments)
        make_snapshots_private(paths.snapshots)
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
            migrate(database, migrations, paths.snapshots, clock(), raw_db_key)
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
        """Delete messages whose time is up (rows, search entries, attachment files).

        Secure delete zeroes what they occupied in the database, FTS5 ``secure-delete``
        removes their words from the search index, and, when something was deleted, a
        truncating checkpoint empties the WAL, whose older frames still held their pages.
        Send-log rows past their 24 h go too (with the resends still queued for them).
        """
        with self._db.transaction():
            keys = self.messages.expired(limit)
            self.messages.delete(keys)
            self.send_log.purge()
        if keys:
            self._truncate_wal()
        return keys

    def _truncate_wal(self) -> None:
        """Copy the WAL into the database and empty it.

        While housekeeping runs this is deferred to its end: its page check must not see the
        file rewritten, and its snapshot reader would make the checkpoint wait.
        """
        with self._db.hold():
            if self._housekeeping_lock.locked():
                self._truncate_pending = True
                return
            self._truncate_pending = False
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

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
        """Write a rolling encrypted snapshot now and keep only the newest few.

        The snapshot leaves out messages with a disappearing timer. This runs on the store's
        connection (blocking it for the copy); housekeeping uses its own connection instead.
        """
        return self._snapshot_with(self._db.connection)

    def _snapshot_with(self, connection: Any) -> Path:
        snapshot = take_snapshot(
            connection,
            self._paths.snapshots,
            ROLLING_LABEL,
            self._clock(),
            self._current_db_key(),
        )
        prune_snapshots(self._paths.snapshots, ROLLING_LABEL, ROLLING_SNAPSHOTS_KEPT)
        return snapshot

    def _snapshot_due(self, interval_ms: int) -> bool:
        newest = newest_snapshot_ms(self._paths.snapshots, ROLLING_LABEL)
        return newest is None or wall_clock_ms() - newest >= interval_ms

    def snapshot_if_due(self, interval_ms: int = SNAPSHOT_INTERVAL_MS) -> Path | None:
        """Take a rolling snapshot if the newest one is older than ``interval_ms``."""
        return self.take_snapshot() if self._snapshot_due(interval_ms) else None

    def run_housekeeping(
        self, *, snapshot_interval_ms: int | None = SNAPSHOT_INTERVAL_MS
    ) -> HousekeepingReport:
        """The slow upkeep left out of :meth:`open`: verify pages, snapshot, remove orphans.

        1. Authenticate every page of the database file (``cipher_integrity_check``,
           ≈1.7 s for a million messages). Automatic checkpoints are held back meanwhile so
           the file is not rewritten under the check; the WAL just grows a little.
        2. Take the rolling snapshot if the newest is older than ``snapshot_interval_ms``
           (``VACUUM INTO``, ≈3 s for a million messages; None skips it).
        3. Remove orphaned attachment files and key rows (milliseconds).

        Steps 1 and 2 use a second, private connection to the database (WAL lets it read
        while the store writes), so this may run on any thread, e.g. ``asyncio.to_thread``,
        while the store thread keeps serving messages; it only takes the store connection's
        lock for moments (step 3 and the checkpoint setting). :meth:`close` interrupts it:
        it then returns with ``interrupted`` set. Only one runs at a time.

        Raises:
            DatabaseCorrupt: A page fails authentication (with the intact snapshots, exactly
                as :meth:`open` does).
            DatabaseError: The snapshot could not be made (a damaged page, a full disk).
            VaultLocked: The store is closed.
        """
        with self._housekeeping_lock:
            report = self._housekeeping_steps(snapshot_interval_ms)
        if self._truncate_pending and not self._closing.is_set():
            with contextlib.suppress(VaultLocked):  # closed meanwhile: close() checkpointed
                self._truncate_wal()
        return report

    def _housekeeping_steps(self, snapshot_interval_ms: int | None) -> HousekeepingReport:
        """The steps of :meth:`run_housekeeping`, with its lock held."""
        raw_key = self._current_db_key()
        report = HousekeepingReport()
        connection = connect_encrypted(self._paths.database, raw_key)
        with self._housekeeping_guard:
            self._housekeeping_connection = connection
        try:
            report = self._verify_pages(connection, raw_key, report)
            if snapshot_interval_ms is not None and self._snapshot_due(snapshot_interval_ms):
                self._check_closing()
                report = msgspec.structs.replace(report, snapshot=self._snapshot_with(connection))
            self._check_closing()
            removed = self.attachments.remove_orphans()
            return msgspec.structs.replace(
                report, orphan_files_removed=removed.files, orphan_rows_removed=removed.rows
            )
        except (_Interrupted, DatabaseError, SqlError, VaultLocked):
            if self._closing.is_set():
                return msgspec.structs.replace(report, interrupted=True)
            raise
        finally:
            with self._housekeeping_guard:
                self._housekeeping_connection = None
            connection.close()

    def _verify_pages(
        self, connection: Any, raw_key: bytes, report: HousekeepingReport
    ) -> HousekeepingReport:
        self._check_closing()
        with self._db.hold():  # waits for a checkpoint in progress, then holds them back
            self._db.execute("PRAGMA wal_autocheckpoint = 0")
        try:
            problem = database_problem(connection, full=False)
        finally:
            with self._db.hold():
                if not self._db.is_closed:
                    self._db.execute("PRAGMA wal_autocheckpoint = 1000")
        self._check_closing()
        if problem is not None:
            raise _corrupt(self._paths, raw_key, problem)
        return msgspec.structs.replace(report, pages_verified=True)

    def _check_closing(self) -> None:
        if self._closing.is_set():
            raise _Interrupted

    def close(self) -> None:
        """Checkpoint and close the database, mark a clean shutdown, and drop the keys.

        A running :meth:`run_housekeeping` is interrupted first, and waited for (at most the
        page check in progress, which SQLite can't interrupt).
        """
        if self._db.is_closed:
            return
        self._closing.set()
        with self._housekeeping_guard:
            if self._housekeeping_connection is not None:
                self._housekeeping_connection.interrupt()
        with self._housekeeping_lock:
            if self._raw_db_key is None:  # closed by another thread meanwhile
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
    ) -> RestoreReport:
        """Replace a damaged database by a snapshot (the store must be closed).

        The restored database holds no ratchet session and no outbox entry encrypted on one
        (see :class:`~chat_desktop.storage.snapshots.RestoreReport`): sending on a chain the
        snapshot remembers would reuse message keys.

        Returns:
            Where the damaged files went (kept, never deleted) and what was dropped.

        Raises:
            DatabaseError: The snapshot is damaged too, or could not be prepared; nothing
                was moved.
        """
        return restore_snapshot(paths, snapshot, raw_db_key, clock())
