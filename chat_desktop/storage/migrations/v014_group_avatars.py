"""Schema v14: each group's picture as this device holds it (issue 21).

- ``group_avatars``: one row per group whose state names a picture this device fetched (or
  set itself, or refused): which pointer it came from (``pointer``: a SHA-256 of the
  ``avatar`` field's whole pointer, blob id, key, digest and size, so any other pointer in a
  later ``group_update`` is told apart) and the checked image bytes, or NULL when the blob
  was refused (not a picture, too large, damaged: never fetched again). It goes with its
  group (the foreign key cascades). Nothing here is synced: each device fetches the blob
  the group's state names.
"""

from __future__ import annotations

#: The most bytes a group picture may have (the same bound as a profile picture's).
MAX_GROUP_AVATAR_BYTES = 64 * 1024

STATEMENTS: tuple[str, ...] = (
    f"""
    CREATE TABLE group_avatars (
        conversation_id TEXT PRIMARY KEY REFERENCES groups(conversation_id) ON DELETE CASCADE,
        pointer BLOB NOT NULL CHECK (length(pointer) = 32),
        image BLOB CHECK (image IS NULL OR length(image) BETWEEN 1 AND {MAX_GROUP_AVATAR_BYTES}),
        updated_at INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
)
