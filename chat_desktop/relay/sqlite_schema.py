"""Schema of the relay's SQLite database, versioned with ``PRAGMA user_version``."""

from __future__ import annotations

import sqlite3
from typing import Final

SCHEMA_VERSION: Final = 6

_SCHEMA_V1: Final = """
CREATE TABLE accounts (
    username   TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER
) WITHOUT ROWID;
CREATE TABLE devices (
    username     TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    device_id    INTEGER NOT NULL,
    identity_key BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (username, device_id)
) WITHOUT ROWID;
CREATE TABLE signed_prekeys (
    username   TEXT NOT NULL,
    device_id  INTEGER NOT NULL,
    key_id     INTEGER NOT NULL,
    public_key BLOB NOT NULL,
    signature  BLOB NOT NULL,
    PRIMARY KEY (username, device_id),
    FOREIGN KEY (username, device_id) REFERENCES devices ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE pq_prekeys (
    username    TEXT NOT NULL,
    device_id   INTEGER NOT NULL,
    key_id      INTEGER NOT NULL,
    public_key  BLOB NOT NULL,
    signature   BLOB NOT NULL,
    last_resort INTEGER NOT NULL,
    PRIMARY KEY (username, device_id, key_id),
    FOREIGN KEY (username, device_id) REFERENCES devices ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE one_time_prekeys (
    username   TEXT NOT NULL,
    device_id  INTEGER NOT NULL,
    key_id     INTEGER NOT NULL,
    public_key BLOB NOT NULL,
    PRIMARY KEY (username, device_id, key_id),
    FOREIGN KEY (username, device_id) REFERENCES devices ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE sent_messages (
    sender    TEXT NOT NULL,
    msg_id    TEXT NOT NULL,
    server_ts INTEGER NOT NULL,
    PRIMARY KEY (sender, msg_id)
) WITHOUT ROWID;
CREATE INDEX sent_messages_by_age ON sent_messages (server_ts);
CREATE TABLE envelopes (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient        TEXT NOT NULL,
    recipient_device INTEGER NOT NULL,
    sender           TEXT NOT NULL,
    sender_device    INTEGER NOT NULL,
    msg_id           TEXT NOT NULL,
    server_ts        INTEGER NOT NULL,
    expires_at       INTEGER,
    body             BLOB NOT NULL
);
CREATE INDEX envelopes_by_recipient ON envelopes (recipient, recipient_device, msg_id);
CREATE INDEX envelopes_by_expiry ON envelopes (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX envelopes_by_age ON envelopes (server_ts);
CREATE TABLE blobs (
    blob_id    TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    max_size   INTEGER NOT NULL,
    size       INTEGER,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    uploaded   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX blobs_by_expiry ON blobs (expires_at);
CREATE TABLE auth_nonces (
    nonce      BLOB PRIMARY KEY,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX auth_nonces_by_expiry ON auth_nonces (expires_at);
"""


# v2: "show when I'm online" per account, and the log of operator resets that running relays
# watch to cut a reset account's live connections (another process deletes the account).
_SCHEMA_V2: Final = """
ALTER TABLE accounts ADD COLUMN show_online INTEGER NOT NULL DEFAULT 1;
CREATE TABLE account_resets (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    reset_at INTEGER NOT NULL
);
CREATE INDEX account_resets_by_age ON account_resets (reset_at);
"""

# v3: linked devices (docs/protocol.md §6.11). Per device its Ed25519 device key DK, the
# identity key's certificate of it (with the ``certified_at`` time it covers), the encrypted
# name and when it last disconnected; all NULL for a device made before linked devices,
# which registers its DK later. ``next_device_id`` hands out ids that are never reused;
# ``removed_devices`` keeps a removed device's DK only to answer its connects with
# ``device_removed``; ``link_tokens`` keeps the SHA-256 of each token, never the token.
# Deduplication becomes per (sender, recipient, id); rows of older relays get the recipient
# '' which matches every recipient, so a retry of an old message is still caught.
_SCHEMA_V3: Final = """
ALTER TABLE devices ADD COLUMN device_key BLOB;
ALTER TABLE devices ADD COLUMN certified_at INTEGER;
ALTER TABLE devices ADD COLUMN certificate BLOB;
ALTER TABLE devices ADD COLUMN name BLOB;
ALTER TABLE devices ADD COLUMN last_seen INTEGER;
ALTER TABLE accounts ADD COLUMN next_device_id INTEGER NOT NULL DEFAULT 2;
UPDATE accounts SET next_device_id = max(2, coalesce(
    (SELECT max(device_id) + 1 FROM devices WHERE devices.username = accounts.username), 2));
CREATE TABLE removed_devices (
    username   TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    device_id  INTEGER NOT NULL,
    device_key BLOB,
    removed_at INTEGER NOT NULL,
    PRIMARY KEY (username, device_id)
) WITHOUT ROWID;
CREATE TABLE link_tokens (
    token_hash BLOB PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX link_tokens_by_user ON link_tokens (username);
CREATE INDEX link_tokens_by_expiry ON link_tokens (expires_at);
CREATE TABLE sent_messages_v3 (
    sender    TEXT NOT NULL,
    recipient TEXT NOT NULL,
    msg_id    TEXT NOT NULL,
    server_ts INTEGER NOT NULL,
    PRIMARY KEY (sender, recipient, msg_id)
) WITHOUT ROWID;
INSERT INTO sent_messages_v3 SELECT sender, '', msg_id, server_ts FROM sent_messages;
DROP TABLE sent_messages;
ALTER TABLE sent_messages_v3 RENAME TO sent_messages;
CREATE INDEX sent_messages_by_age ON sent_messages (server_ts)
"""

# v4 (issue 18): a link token belongs to the device that asked for it, not to its account.
# ``(username, device_id)`` references the device, so removing the device (or deleting the
# account) deletes its tokens in the same write; ``filled`` records that the token filled
# its one provisioning channel. Tokens of older relays name no device: they are dropped (a
# token lives 10 minutes; the user asks for a new one). ``queue_usage`` holds the bytes of
# the envelopes waiting for each recipient device, kept by triggers in every write that
# adds or deletes an envelope, so ``message:send`` checks the quota of docs/protocol.md §6.8
# in the write that stores, without summing the queue.
_SCHEMA_V4: Final = """
DROP TABLE link_tokens;
CREATE TABLE link_tokens (
    token_hash BLOB PRIMARY KEY,
    username   TEXT NOT NULL,
    device_id  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    filled     INTEGER NOT NULL DEFAULT 0,
    used       INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (username, device_id) REFERENCES devices ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX link_tokens_by_device ON link_tokens (username, device_id);
CREATE INDEX link_tokens_by_expiry ON link_tokens (expires_at);
CREATE TABLE queue_usage (
    recipient        TEXT NOT NULL,
    recipient_device INTEGER NOT NULL,
    bytes            INTEGER NOT NULL,
    PRIMARY KEY (recipient, recipient_device)
) WITHOUT ROWID;
INSERT INTO queue_usage (recipient, recipient_device, bytes)
    SELECT recipient, recipient_device, sum(length(body)) FROM envelopes
    GROUP BY recipient, recipient_device;
CREATE TRIGGER envelopes_add_usage AFTER INSERT ON envelopes BEGIN
    INSERT INTO queue_usage (recipient, recipient_device, bytes)
        VALUES (new.recipient, new.recipient_device, length(new.body))
        ON CONFLICT (recipient, recipient_device) DO UPDATE SET bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER envelopes_remove_usage AFTER DELETE ON envelopes BEGIN
    UPDATE queue_usage SET bytes = bytes - length(old.body)
        WHERE recipient = old.recipient AND recipient_device = old.recipient_device;
    DELETE FROM queue_usage
        WHERE recipient = old.recipient AND recipient_device = old.recipient_device
        AND bytes <= 0;
END;
"""

# v5 (issue 21): ``message:send_multi`` stores ONE body for every recipient device. The body
# lives in ``shared_bodies``; each recipient device still gets its own ``envelopes`` row (its
# own ``seq``, so delivery order and per-device acks stay as they are) with an empty
# ``body`` and the ``body_id`` of the shared one. The triggers now count a shared body
# once per recipient device in ``queue_usage`` (each device's queue holds it, docs/protocol.md
# §6.8), and the delete trigger drops a shared body with the last envelope pointing at it:
# an ack, a device removal, an account deletion and the sweeper all delete through it, in
# their own write. Envelopes of older relays have no ``body_id`` and keep their own body.
_SCHEMA_V5: Final = """
CREATE TABLE shared_bodies (
    body_id INTEGER PRIMARY KEY,
    body    BLOB NOT NULL
);
ALTER TABLE envelopes ADD COLUMN body_id INTEGER;
CREATE INDEX envelopes_by_shared_body ON envelopes (body_id) WHERE body_id IS NOT NULL;
DROP TRIGGER envelopes_add_usage;
DROP TRIGGER envelopes_remove_usage;
CREATE TRIGGER envelopes_add_usage AFTER INSERT ON envelopes BEGIN
    INSERT INTO queue_usage (recipient, recipient_device, bytes)
        VALUES (new.recipient, new.recipient_device, length(new.body) + coalesce(
            (SELECT length(body) FROM shared_bodies WHERE body_id = new.body_id), 0))
        ON CONFLICT (recipient, recipient_device) DO UPDATE SET bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER envelopes_remove_usage AFTER DELETE ON envelopes BEGIN
    UPDATE queue_usage SET bytes = bytes - length(old.body) - coalesce(
            (SELECT length(body) FROM shared_bodies WHERE body_id = old.body_id), 0)
        WHERE recipient = old.recipient AND recipient_device = old.recipient_device;
    DELETE FROM queue_usage
        WHERE recipient = old.recipient AND recipient_device = old.recipient_device
        AND bytes <= 0;
    DELETE FROM shared_bodies WHERE body_id = old.body_id
        AND NOT EXISTS (SELECT 1 FROM envelopes WHERE body_id = old.body_id);
END;
"""

# v6 (issue 23): each account's sealed profile (docs/protocol.md §13.3): one opaque blob and
# its version, replaced by a higher version, gone with the account.
_SCHEMA_V6: Final = """
CREATE TABLE profiles (
    username   TEXT PRIMARY KEY REFERENCES accounts(username) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    blob       BLOB NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
"""

#: The statements that take a database from version ``index`` to ``index + 1``.
_STEPS: Final = (_SCHEMA_V1, _SCHEMA_V2, _SCHEMA_V3, _SCHEMA_V4, _SCHEMA_V5, _SCHEMA_V6)


def _statements(script: str) -> list[str]:
    """Splits a schema step into complete statements (a trigger body holds ``;`` too)."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending)
            pending = ""
    if pending.strip(" \n;"):
        statements.append(pending)  # the last one may lack its ";"
    return statements


def migrate(connection: sqlite3.Connection, target_version: int = SCHEMA_VERSION) -> None:
    """Creates or upgrades the schema in one transaction; refuses a newer relay's database.

    Args:
        connection: An open connection in autocommit mode (``isolation_level=None``).
        target_version: The version to reach; lower than :data:`SCHEMA_VERSION` only for
            tests that build the database an older relay left behind.

    Raises:
        RuntimeError: The database was made by a newer relay (unknown schema version).
        ValueError: ``target_version`` is not a version this relay knows.
    """
    if not 1 <= target_version <= SCHEMA_VERSION:
        raise ValueError(f"no schema version {target_version}")
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if not 0 <= version <= SCHEMA_VERSION:
        raise RuntimeError(f"relay database has unknown schema version {version}")
    if version >= target_version:
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        # Read again inside the write lock: another process may have migrated meanwhile.
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        for step in _STEPS[version:target_version]:
            for statement in _statements(step):
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {max(version, target_version)}")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
