"""Numbered, forward-only schema migrations.

Each migration is a version number and a sequence of SQL statements, run in one transaction
together with the ``user_version`` bump (SQLite DDL is transactional), so a failure or a crash
leaves the previous schema and data exactly as they were. Never edit a released migration:
add the next number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from chat_desktop.storage.migrations import (
    v001_initial,
    v002_fts_secure_delete,
    v003_conversation_features,
    v004_conversation_list,
    v005_send_log,
    v006_drafts,
    v007_groups,
    v008_group_delivery,
    v009_group_receipts,
    v010_voice_notes,
    v011_profiles,
    v012_previews,
    v013_requests,
    v014_group_avatars,
)


class Migration(msgspec.Struct, frozen=True):
    """One schema step.

    Attributes:
        version: The ``user_version`` the database has after this step.
        name: A short description for logs.
        statements: SQL statements run in order (no multi-statement strings).
        run: Optional Python step for data changes SQL can't express, given the connection
            inside the migration's transaction (it must not commit).
    """

    version: int
    name: str
    statements: tuple[str, ...]
    run: Callable[[Any], None] | None = None


MIGRATIONS: tuple[Migration, ...] = (
    Migration(version=1, name="initial schema", statements=v001_initial.STATEMENTS),
    Migration(
        version=2,
        name="search index secure delete",
        statements=v002_fts_secure_delete.STATEMENTS,
    ),
    Migration(
        version=3,
        name="replies, reactions, edits, delete for everyone",
        statements=v003_conversation_features.STATEMENTS,
    ),
    Migration(
        version=4,
        name="conversation list: mute, pin, archive",
        statements=v004_conversation_list.STATEMENTS,
    ),
    Migration(
        version=5,
        name="send log: what a retry may re-send",
        statements=v005_send_log.STATEMENTS,
    ),
    Migration(
        version=6,
        name="drafts, mark as unread",
        statements=v006_drafts.STATEMENTS,
    ),
    Migration(
        version=7,
        name="groups and their sender keys",
        statements=v007_groups.STATEMENTS,
    ),
    Migration(
        version=8,
        name="group sender-key holders, group updates kept aside",
        statements=v008_group_delivery.STATEMENTS,
    ),
    Migration(
        version=9,
        name="each group member's receipts for our group messages",
        statements=v009_group_receipts.STATEMENTS,
    ),
    Migration(
        version=10,
        name="voice notes: length and waveform",
        statements=v010_voice_notes.STATEMENTS,
    ),
    Migration(version=11, name="profiles: names and avatars", statements=v011_profiles.STATEMENTS),
    Migration(
        version=12,
        name="link previews of text messages",
        statements=v012_previews.STATEMENTS,
    ),
    Migration(version=13, name="message requests", statements=v013_requests.STATEMENTS),
    Migration(version=14, name="group pictures", statements=v014_group_avatars.STATEMENTS),
)
