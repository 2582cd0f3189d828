"""Schema v7: groups and their sender keys (issue 21).

A group is a conversation whose id is ``"g:" + hex(group_id)``: its messages, drafts, timer,
unread count, search and expiry use the conversation and message tables unchanged. What is
new is kept beside it:

- ``groups``: one row per group conversation, with the group's 32-byte id and ``held``, the
  engine's encoded state of the group (opaque here), and its revision. The row goes with its
  conversation (a foreign key with ``ON DELETE CASCADE``), and the conversation id must be the
  one the group id gives (a check), so the two can't disagree.
- ``group_own_sender_keys``: this device's current sender key of a group, sealed (it is a
  secret); one per group, a rotation replaces it.
- ``group_received_sender_keys``: the sender key of each (member, device) of a group, sealed.

Both key tables go with their group row, hence with its conversation: deleting the
conversation deletes every key of the group in the same statement.
"""

from __future__ import annotations

from typing import Final

#: The length of a group id (the protocol's ``GROUP_ID_SIZE``).
GROUP_ID_BYTES: Final = 32
#: The largest encoded group state kept: the largest state (256 members and admins of 32
#: characters, held with the state it was judged against) takes about 36 KB.
MAX_HELD_BYTES: Final = 64 * 1024
#: The largest sender-key state kept: a received key holding its most stored message keys
#: (2,000) and evicted ranges (2,000) encodes to about 100 KB, so 64 KiB would not do.
MAX_SENDER_KEY_BYTES: Final = 128 * 1024
#: What sealing adds to a secret (a 12-byte nonce and a 16-byte tag).
SEAL_OVERHEAD_BYTES: Final = 28

STATEMENTS: tuple[str, ...] = (
    f"""
    CREATE TABLE groups (
        conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
        group_id BLOB NOT NULL UNIQUE CHECK (length(group_id) = {GROUP_ID_BYTES}),
        held BLOB NOT NULL CHECK (length(held) BETWEEN 1 AND {MAX_HELD_BYTES}),
        revision INTEGER NOT NULL CHECK (revision >= 1),
        updated_at INTEGER NOT NULL,
        CHECK (conversation_id = 'g:' || lower(hex(group_id)))
    ) WITHOUT ROWID
    """,
    f"""
    CREATE TABLE group_own_sender_keys (
        conversation_id TEXT PRIMARY KEY
            REFERENCES groups(conversation_id) ON DELETE CASCADE,
        sealed_key BLOB NOT NULL
            CHECK (length(sealed_key) <= {MAX_SENDER_KEY_BYTES + SEAL_OVERHEAD_BYTES}),
        updated_at INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    f"""
    CREATE TABLE group_received_sender_keys (
        conversation_id TEXT NOT NULL REFERENCES groups(conversation_id) ON DELETE CASCADE,
        sender TEXT NOT NULL,
        device_id INTEGER NOT NULL,
        sealed_key BLOB NOT NULL
            CHECK (length(sealed_key) <= {MAX_SENDER_KEY_BYTES + SEAL_OVERHEAD_BYTES}),
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, sender, device_id)
    ) WITHOUT ROWID
    """,
)
