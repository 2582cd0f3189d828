"""Schema v12: the link preview of a text message (issue 23, item 10).

``link_previews`` holds at most one preview per message: the msgpack map the sender put in
the message (docs/protocol.md §4, ``preview``), checked before it is stored, in one column so
that a window of messages reads it in the same statement (a correlated subquery). It goes
with its message: the foreign key cascades when the message expires, is deleted or goes with
its conversation; a delete for everyone removes it explicitly (the tombstone row stays).
"""

from __future__ import annotations

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE link_previews (
        conversation_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        preview BLOB NOT NULL,
        PRIMARY KEY (conversation_id, message_id),
        FOREIGN KEY (conversation_id, message_id)
            REFERENCES messages(conversation_id, id) ON DELETE CASCADE
    ) WITHOUT ROWID
    """,
)
