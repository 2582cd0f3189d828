"""Schema v8: who holds our sender key of a group, and group updates kept aside (issue 21).

- ``group_key_holders``: the (member, device) pairs our current sender key of a group was
  distributed to, with that key's id. A restart does not hand the key to everyone again, and
  a member's new device (found through ``mismatched_devices``) is the one that lacks it. Rows
  of another key id are stale: a rotation deletes them.
- ``group_deferred_updates``: ``group_update`` contents refused because their sender's rights
  come from an update not received yet, kept aside (at most
  :data:`MAX_DEFERRED_UPDATES_PER_GROUP` per group, the lowest revisions dropped first) and
  offered again after each update taken (docs/protocol.md §4).

Both go with their group row, hence with its conversation.
"""

from __future__ import annotations

from typing import Final

#: Most refused updates kept aside per group.
MAX_DEFERRED_UPDATES_PER_GROUP: Final = 16
#: The largest kept-aside update (its msgpack map): 256 members and admins of 32 characters.
MAX_DEFERRED_UPDATE_BYTES: Final = 32 * 1024

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE group_key_holders (
        conversation_id TEXT NOT NULL REFERENCES groups(conversation_id) ON DELETE CASCADE,
        user TEXT NOT NULL,
        device_id INTEGER NOT NULL,
        key_id INTEGER NOT NULL CHECK (key_id BETWEEN 0 AND 4294967295),
        PRIMARY KEY (conversation_id, user, device_id)
    ) WITHOUT ROWID
    """,
    f"""
    CREATE TABLE group_deferred_updates (
        conversation_id TEXT NOT NULL REFERENCES groups(conversation_id) ON DELETE CASCADE,
        sender TEXT NOT NULL,
        content_id TEXT NOT NULL,
        revision INTEGER NOT NULL CHECK (revision >= 1),
        content BLOB NOT NULL
            CHECK (length(content) BETWEEN 1 AND {MAX_DEFERRED_UPDATE_BYTES}),
        received_at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, sender, content_id)
    ) WITHOUT ROWID
    """,
)
