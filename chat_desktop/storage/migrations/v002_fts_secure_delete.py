"""Schema v2: the search index forgets deleted messages for real (FTS5 ``secure-delete``).

By default FTS5 records a deletion as a marker and keeps the deleted words in its segments
until a merge happens to rewrite them, out of reach of ``PRAGMA secure_delete``. With the
table's ``secure-delete`` option on (SQLite ≥ 3.44), deleting a row removes its entries from
the index segments themselves. ``rebuild`` then rewrites the index from the messages table,
so words of messages deleted before this step are gone too (one-time cost, proportional to
the number of messages).
"""

from __future__ import annotations

STATEMENTS: tuple[str, ...] = (
    "INSERT INTO messages_fts(messages_fts, rank) VALUES ('secure-delete', 1)",
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
)
