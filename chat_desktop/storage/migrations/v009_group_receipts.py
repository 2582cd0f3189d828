"""Schema v9: each member's delivery and read receipt for our group messages (issue 21).

``group_receipts`` holds, per message of ours in a group and per member who sent a receipt
for it, when the delivery receipt came and when (if) the read one came. It goes with its
message (the foreign key cascades: an expired or deleted message takes its receipts along,
and the message goes with its conversation). A message has at most as many rows as its
group has members (:data:`MAX_RECEIPT_ROWS_PER_MESSAGE`), checked before each insert.
"""

from __future__ import annotations

from typing import Final

#: Most receipt rows of one message: a group's largest member count.
MAX_RECEIPT_ROWS_PER_MESSAGE: Final = 256

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE group_receipts (
        conversation_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        member TEXT NOT NULL,
        delivered_at INTEGER NOT NULL CHECK (delivered_at >= 0),
        read_at INTEGER CHECK (read_at IS NULL OR read_at >= 0),
        PRIMARY KEY (conversation_id, message_id, member),
        FOREIGN KEY (conversation_id, message_id)
            REFERENCES messages(conversation_id, id) ON DELETE CASCADE
    ) WITHOUT ROWID
    """,
)
