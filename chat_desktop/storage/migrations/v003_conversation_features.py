"""Schema v3: replies, reactions, edits, delete for everyone, receipt times.

- ``messages`` gains the quote of a reply (``quote_*``: the target id and, as this device
  shows it, its author, excerpt and kind; ``quote_found`` says whether the target was found
  here, ``quote_deleted`` whether it was deleted for everyone since), ``edited_at``,
  ``deleted`` (a tombstone: the row stays so both sides show "deleted", with no body,
  attachment or quote), and the times the peer's receipts came (``delivered_at``,
  ``read_by_peer_at``).
- ``messages_by_quote``: the replies to a message, so an edit or a delete of it reaches the
  quotes that show it.
- ``message_reactions``: one row per (message, reactor), whatever a peer sends: a new
  reaction replaces the old one, a removal keeps the row with a NULL emoji (so an older
  reaction arriving late can't come back). ``sent_at`` and ``content_id`` make replays and
  late arrivals change nothing.
- ``message_edits``: the texts an edit replaced, oldest first, with the edit that replaced
  each (``content_id``, so a replayed edit is recognised).

Both new tables reference their message: deleting it (for me, expiry, a whole
conversation) deletes them too, by cascade.
"""

from __future__ import annotations

STATEMENTS: tuple[str, ...] = (
    "ALTER TABLE messages ADD COLUMN quote_target_id TEXT",
    "ALTER TABLE messages ADD COLUMN quote_author TEXT",
    "ALTER TABLE messages ADD COLUMN quote_excerpt TEXT",
    "ALTER TABLE messages ADD COLUMN quote_kind TEXT",
    "ALTER TABLE messages ADD COLUMN quote_found INTEGER NOT NULL DEFAULT 0 "
    "CHECK (quote_found IN (0, 1))",
    "ALTER TABLE messages ADD COLUMN quote_deleted INTEGER NOT NULL DEFAULT 0 "
    "CHECK (quote_deleted IN (0, 1))",
    "ALTER TABLE messages ADD COLUMN edited_at INTEGER",
    "ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))",
    "ALTER TABLE messages ADD COLUMN delivered_at INTEGER",
    "ALTER TABLE messages ADD COLUMN read_by_peer_at INTEGER",
    "CREATE INDEX messages_by_quote ON messages(conversation_id, quote_target_id) "
    "WHERE quote_target_id IS NOT NULL",
    """
    CREATE TABLE message_reactions (
        conversation_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        reactor TEXT NOT NULL,
        emoji TEXT,
        sent_at INTEGER NOT NULL,
        content_id TEXT NOT NULL,
        PRIMARY KEY (conversation_id, message_id, reactor),
        FOREIGN KEY (conversation_id, message_id)
            REFERENCES messages(conversation_id, id) ON DELETE CASCADE
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE message_edits (
        conversation_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        content_id TEXT NOT NULL,
        edited_at INTEGER NOT NULL,
        previous_body TEXT NOT NULL,
        PRIMARY KEY (conversation_id, message_id, content_id),
        FOREIGN KEY (conversation_id, message_id)
            REFERENCES messages(conversation_id, id) ON DELETE CASCADE
    ) WITHOUT ROWID
    """,
)
