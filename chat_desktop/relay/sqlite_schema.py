"""Schema of the relay's SQLite database, versioned with ``PRAGMA user_version``."""

from __future__ import annotations

import sqlite3
from typing import Final

SCHEMA_VERSION: Final = 1

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


def migrate(connection: sqlite3.Connection) -> None:
    """Creates the schema in a new database; refuses a database from a newer relay."""
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version == SCHEMA_VERSION:
        return
    if version != 0:
        raise RuntimeError(f"relay database has unknown schema version {version}")
    connection.execute("BEGIN IMMEDIATE")
    for statement in _SCHEMA_V1.split(";"):
        if statement.strip():
            connection.execute(statement)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    connection.execute("COMMIT")
