"""Schema of the relay's PostgreSQL database: its own numbered migrations, run once.

The tables mirror the SQLite store's (:mod:`chat_desktop.relay.sqlite_schema`, v6) so both
stores keep the same records with the same meaning; PostgreSQL's numbering starts again at
1 because no PostgreSQL database was ever made by an older relay. Applied steps are rows of
``schema_migrations``. Several relay processes may start at once on one empty database:
:func:`migrate` takes a transaction-level advisory lock first, so one of them migrates and
the others, once it committed, find nothing left to do.
"""

from __future__ import annotations

from typing import Any, Final

#: The advisory lock key migrations run under (any fixed 64-bit number; "chatmigr").
MIGRATION_LOCK: Final = 0x636861746D696772

# v1: the tables of SQLite schema v6. ``queue_usage`` is kept by row triggers on
# ``envelopes`` (docs/protocol.md §6.8), counting a shared ``message:send_multi`` body once
# per recipient device; the delete trigger drops a shared body with the last envelope that
# points at it. It locks the body's row first, so two devices acking the last two copies at
# once cannot both see the other's copy and both leave the body behind.
_SCHEMA_V1: Final = """
CREATE TABLE accounts (
    username       TEXT PRIMARY KEY,
    created_at     BIGINT NOT NULL,
    last_seen      BIGINT,
    show_online    BOOLEAN NOT NULL DEFAULT TRUE,
    next_device_id INTEGER NOT NULL DEFAULT 2
);
CREATE TABLE devices (
    username     TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    device_id    INTEGER NOT NULL,
    identity_key BYTEA NOT NULL,
    created_at   BIGINT NOT NULL,
    device_key   BYTEA,
    certified_at BIGINT,
    certificate  BYTEA,
    name         BYTEA,
    last_seen    BIGINT,
    PRIMARY KEY (username, device_id)
);
CREATE TABLE signed_prekeys (
    username   TEXT NOT NULL,
    device_id  INTEGER NOT NULL,
    key_id     BIGINT NOT NULL,
    public_key BYTEA NOT NULL,
    signature  BYTEA NOT NULL,
    PRIMARY KEY (username, device_id),
    FOREIGN KEY (username, device_id) REFERENCES devices ON DELETE CASCADE
);
CREATE TABLE pq_prekeys (
    username    TEXT NOT NULL,
    device_id   INTEGER NOT NULL,
    key_id      BIGINT NOT NULL,
    public_key  BYTEA NOT NULL,
    signature   BYTEA NOT NULL,
    last_resort BOOLEAN NOT NULL,
    PRIMARY KEY (username, device_id, key_id),
    FOREIGN KEY (username, device_id) REFERENCES devices ON DELETE CASCADE
);
CREATE TABLE one_time_prekeys (
    username   TEXT NOT NULL,
    device_id  INTEGER NOT NULL,
    key_id     BIGINT NOT NULL,
    public_key BYTEA NOT NULL,
    PRIMARY KEY (username, device_id, key_id),
    FOREIGN KEY (username, device_id) REFERENCES devices ON DELETE CASCADE
);
CREATE TABLE removed_devices (
    username   TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    device_id  INTEGER NOT NULL,
    device_key BYTEA,
    removed_at BIGINT NOT NULL,
    PRIMARY KEY (username, device_id)
);
CREATE TABLE link_tokens (
    token_hash BYTEA PRIMARY KEY,
    username   TEXT NOT NULL,
    device_id  INTEGER NOT NULL,
    expires_at BIGINT NOT NULL,
    filled     BOOLEAN NOT NULL DEFAULT FALSE,
    used       BOOLEAN NOT NULL DEFAULT FALSE,
    FOREIGN KEY (username, device_id) REFERENCES devices ON DELETE CASCADE
);
CREATE INDEX link_tokens_by_device ON link_tokens (username, device_id);
CREATE INDEX link_tokens_by_expiry ON link_tokens (expires_at);
CREATE TABLE sent_messages (
    sender    TEXT NOT NULL,
    recipient TEXT NOT NULL,
    msg_id    TEXT NOT NULL,
    server_ts BIGINT NOT NULL,
    PRIMARY KEY (sender, msg_id, recipient)
);
CREATE INDEX sent_messages_by_age ON sent_messages (server_ts);
CREATE TABLE shared_bodies (
    body_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body    BYTEA NOT NULL
);
CREATE TABLE envelopes (
    seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient        TEXT NOT NULL,
    recipient_device INTEGER NOT NULL,
    sender           TEXT NOT NULL,
    sender_device    INTEGER NOT NULL,
    msg_id           TEXT NOT NULL,
    server_ts        BIGINT NOT NULL,
    expires_at       BIGINT,
    body             BYTEA NOT NULL,
    body_id          BIGINT REFERENCES shared_bodies(body_id)
);
CREATE INDEX envelopes_by_recipient ON envelopes (recipient, recipient_device, seq);
CREATE INDEX envelopes_by_message ON envelopes (recipient, recipient_device, msg_id);
CREATE INDEX envelopes_by_expiry ON envelopes (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX envelopes_by_age ON envelopes (server_ts);
CREATE INDEX envelopes_by_shared_body ON envelopes (body_id) WHERE body_id IS NOT NULL;
CREATE TABLE queue_usage (
    recipient        TEXT NOT NULL,
    recipient_device INTEGER NOT NULL,
    bytes            BIGINT NOT NULL,
    PRIMARY KEY (recipient, recipient_device)
);
CREATE FUNCTION envelopes_add_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO queue_usage (recipient, recipient_device, bytes)
        VALUES (new.recipient, new.recipient_device, octet_length(new.body) + coalesce(
            (SELECT octet_length(body) FROM shared_bodies WHERE body_id = new.body_id), 0))
        ON CONFLICT (recipient, recipient_device)
        DO UPDATE SET bytes = queue_usage.bytes + excluded.bytes;
    RETURN NULL;
END $$;
CREATE TRIGGER envelopes_add_usage AFTER INSERT ON envelopes
    FOR EACH ROW EXECUTE FUNCTION envelopes_add_usage();
CREATE FUNCTION envelopes_remove_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF old.body_id IS NOT NULL THEN
        PERFORM 1 FROM shared_bodies WHERE body_id = old.body_id FOR UPDATE;
    END IF;
    UPDATE queue_usage SET bytes = bytes - octet_length(old.body) - coalesce(
            (SELECT octet_length(body) FROM shared_bodies WHERE body_id = old.body_id), 0)
        WHERE recipient = old.recipient AND recipient_device = old.recipient_device;
    DELETE FROM queue_usage
        WHERE recipient = old.recipient AND recipient_device = old.recipient_device
        AND bytes <= 0;
    IF old.body_id IS NOT NULL THEN
        DELETE FROM shared_bodies WHERE body_id = old.body_id
            AND NOT EXISTS (SELECT 1 FROM envelopes WHERE body_id = old.body_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER envelopes_remove_usage AFTER DELETE ON envelopes
    FOR EACH ROW EXECUTE FUNCTION envelopes_remove_usage();
CREATE TABLE blobs (
    blob_id    TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    max_size   BIGINT NOT NULL,
    size       BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    uploaded   BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX blobs_by_expiry ON blobs (expires_at);
CREATE TABLE auth_nonces (
    nonce      BYTEA PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX auth_nonces_by_expiry ON auth_nonces (expires_at);
CREATE TABLE account_resets (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username TEXT NOT NULL,
    reset_at BIGINT NOT NULL
);
CREATE INDEX account_resets_by_age ON account_resets (reset_at);
CREATE TABLE profiles (
    username   TEXT PRIMARY KEY REFERENCES accounts(username) ON DELETE CASCADE,
    version    BIGINT NOT NULL,
    blob       BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
);
"""

#: The statements that take a database from version ``index`` to ``index + 1``.
STEPS: Final = (_SCHEMA_V1,)
SCHEMA_VERSION: Final = len(STEPS)

_BOOKKEEPING: Final = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


async def schema_version(connection: Any) -> int:
    """Returns the newest applied migration (0 for an empty database)."""
    exists = await connection.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return 0
    return int(await connection.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))


async def migrate(connection: Any, target_version: int = SCHEMA_VERSION) -> int:
    """Creates or upgrades the schema in one transaction; refuses a newer relay's database.

    Args:
        connection: An asyncpg connection outside any transaction.
        target_version: The version to reach (lower only in tests).

    Returns:
        How many steps this call applied (0 when another process had done it).

    Raises:
        RuntimeError: The database was migrated by a newer relay.
        ValueError: ``target_version`` is not a version this relay knows.
    """
    if not 1 <= target_version <= SCHEMA_VERSION:
        raise ValueError(f"no schema version {target_version}")
    async with connection.transaction():
        # Held until commit: a second process starting now waits here, then reads the
        # version this one wrote.
        await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await connection.execute(_BOOKKEEPING)
        version = await schema_version(connection)
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"relay database has unknown schema version {version}")
        applied = 0
        for number in range(version + 1, target_version + 1):
            await connection.execute(STEPS[number - 1])
            await connection.execute("INSERT INTO schema_migrations (version) VALUES ($1)", number)
            applied += 1
        return applied
