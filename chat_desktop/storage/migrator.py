"""Apply pending schema migrations safely: copy first, then one all-or-nothing transaction."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from chat_desktop.storage.db import Database
from chat_desktop.storage.errors import MigrationFailed, SchemaTooNew
from chat_desktop.storage.migrations import Migration
from chat_desktop.storage.snapshots import PRE_MIGRATION_LABEL, prune_snapshots, take_snapshot

KEEP_PRE_MIGRATION_COPIES = 2


def schema_version(database: Database) -> int:
    """The database's ``user_version`` (0 for a new file)."""
    return int(database.query_value("PRAGMA user_version"))


def migrate(
    database: Database,
    migrations: Sequence[Migration],
    snapshot_dir: Path,
    now_ms: int,
    raw_key: bytes,
) -> int:
    """Bring the schema up to the newest migration; return the resulting version.

    An existing database is copied (encrypted with ``raw_key``, like every snapshot without
    its disappearing messages) into ``snapshot_dir`` first. All pending steps
    and the version bump run in one transaction: a failure, or a kill -9, leaves the old
    schema and data untouched.

    Raises:
        SchemaTooNew: The database is newer than every known migration.
        MigrationFailed: A step failed (the transaction was rolled back).
    """
    current = schema_version(database)
    latest = max((migration.version for migration in migrations), default=0)
    if current > latest:
        raise SchemaTooNew(f"the database (v{current}) is newer than this app (v{latest})")
    pending = sorted(
        (migration for migration in migrations if migration.version > current),
        key=lambda migration: migration.version,
    )
    if not pending:
        return current
    if current > 0:
        take_snapshot(
            database.connection,
            snapshot_dir,
            f"{PRE_MIGRATION_LABEL}-v{current}",
            now_ms,
            raw_key,
        )
        prune_snapshots(snapshot_dir, PRE_MIGRATION_LABEL, KEEP_PRE_MIGRATION_COPIES)
    try:
        with database.transaction():
            for migration in pending:
                for statement in migration.statements:
                    database.execute(statement)
                if migration.run is not None:
                    migration.run(database.connection)
                # PRAGMA takes no bound parameters; the version is an int from our own table.
                database.execute(f"PRAGMA user_version = {int(migration.version)}")
    except Exception as error:
        raise MigrationFailed(current, latest) from error
    return latest
