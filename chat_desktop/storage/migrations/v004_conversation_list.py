"""Schema v4: mute, pin and archive per conversation, and what the list needs to stay fast.

- ``muted``, ``pinned``, ``archived``: flags the user sets from the conversation list.
- ``conversations_listed``: the list's order (pinned first, newest activity first), so the
  first page of a long list is read in order instead of sorted every time.
- ``conversations_unarchive_on_incoming``: a new incoming message brings an archived
  conversation back to the main list unless it is also muted (what Signal does). It is a
  trigger so that every path that stores an incoming message (receiving, resends, recovered
  placeholders) behaves the same without knowing about archiving; a duplicate that the
  insert ignores does not fire it.
"""

from __future__ import annotations

STATEMENTS: tuple[str, ...] = (
    "ALTER TABLE conversations ADD COLUMN muted INTEGER NOT NULL DEFAULT 0 CHECK (muted IN (0, 1))",
    "ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0 "
    "CHECK (pinned IN (0, 1))",
    "ALTER TABLE conversations ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 "
    "CHECK (archived IN (0, 1))",
    "CREATE INDEX conversations_listed ON conversations("
    "archived, pinned DESC, last_activity_at DESC, id)",
    """
    CREATE TRIGGER conversations_unarchive_on_incoming AFTER INSERT ON messages
    WHEN new.direction = 'in' BEGIN
        UPDATE conversations SET archived = 0
            WHERE id = new.conversation_id AND archived = 1 AND muted = 0;
    END
    """,
)
