"""Schema v6: a draft per conversation, and "mark as unread".

- ``drafts``: the text typed into a conversation's box and not sent yet, one row per
  conversation (an empty draft is no row). It goes with its conversation (a foreign key with
  ``ON DELETE CASCADE``), and it is never synced: it belongs to this computer.
- ``conversations.marked_unread``: the user marked the conversation unread from the list; the
  row shows an unread mark until the conversation is opened again. A flag of this device only.
"""

from __future__ import annotations

#: The longest draft kept (characters): the longest text a message may carry.
MAX_DRAFT_LENGTH = 64 * 1024

STATEMENTS: tuple[str, ...] = (
    f"""
    CREATE TABLE drafts (
        conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
        body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND {MAX_DRAFT_LENGTH}),
        updated_at INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    "ALTER TABLE conversations ADD COLUMN marked_unread INTEGER NOT NULL DEFAULT 0 "
    "CHECK (marked_unread IN (0, 1))",
)
