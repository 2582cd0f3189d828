"""Schema v1: contacts, conversations, messages (+ FTS5), outbox, secrets, attachments."""

from __future__ import annotations

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE contacts (
        address TEXT PRIMARY KEY,
        display_name TEXT,
        identity_key BLOB,
        verified_state TEXT NOT NULL DEFAULT 'unverified'
            CHECK (verified_state IN ('unverified', 'verified')),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE contact_key_changes (
        id INTEGER PRIMARY KEY,
        address TEXT NOT NULL REFERENCES contacts(address) ON DELETE CASCADE,
        old_identity_key BLOB,
        new_identity_key BLOB NOT NULL,
        changed_at INTEGER NOT NULL
    )
    """,
    "CREATE INDEX contact_key_changes_by_address ON contact_key_changes(address, id)",
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        peer_address TEXT,
        title TEXT,
        expire_timer INTEGER NOT NULL DEFAULT 0 CHECK (expire_timer >= 0),
        unread_count INTEGER NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
        last_activity_at INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    "CREATE INDEX conversations_by_activity ON conversations(last_activity_at)",
    """
    CREATE TABLE attachment_files (
        id TEXT PRIMARY KEY,
        sealed_key BLOB NOT NULL,
        size INTEGER NOT NULL,
        created_at INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE messages (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        sender TEXT NOT NULL,
        sender_device INTEGER,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        sort_key INTEGER NOT NULL,
        kind TEXT NOT NULL,
        body TEXT,
        status TEXT NOT NULL
            CHECK (status IN ('pending', 'sent', 'delivered', 'read', 'failed')),
        undecryptable INTEGER NOT NULL DEFAULT 0,
        sent_at INTEGER,
        received_at INTEGER,
        read_at INTEGER,
        server_ts INTEGER,
        expire_timer INTEGER NOT NULL DEFAULT 0,
        expires_at INTEGER,
        att_blob_id TEXT,
        att_key BLOB,
        att_digest BLOB,
        att_size INTEGER,
        att_mime TEXT,
        att_file_name TEXT,
        att_width INTEGER,
        att_height INTEGER,
        att_thumbnail BLOB,
        att_file_id TEXT REFERENCES attachment_files(id) ON DELETE SET NULL,
        att_local_status TEXT,
        UNIQUE (conversation_id, id)
    )
    """,
    # Keyset paging: (conversation, sort_key, seq); seq is the rowid, implicit in the index.
    "CREATE INDEX messages_by_position ON messages(conversation_id, sort_key)",
    # Covering index for the per-conversation count under the expiry filter.
    "CREATE INDEX messages_count ON messages(conversation_id, expires_at)",
    "CREATE INDEX messages_expiring ON messages(expires_at) WHERE expires_at IS NOT NULL",
    """
    CREATE INDEX messages_unread ON messages(conversation_id)
        WHERE direction = 'in' AND read_at IS NULL
    """,
    "CREATE INDEX messages_by_file ON messages(att_file_id) WHERE att_file_id IS NOT NULL",
    """
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        body, content = 'messages', content_rowid = 'seq',
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
    WHEN new.body IS NOT NULL BEGIN
        INSERT INTO messages_fts(rowid, body) VALUES (new.seq, new.body);
    END
    """,
    """
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
    WHEN old.body IS NOT NULL BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
    END
    """,
    """
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body)
            SELECT 'delete', old.seq, old.body WHERE old.body IS NOT NULL;
        INSERT INTO messages_fts(rowid, body)
            SELECT new.seq, new.body WHERE new.body IS NOT NULL;
    END
    """,
    """
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        recipient TEXT NOT NULL,
        payload BLOB NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        last_attempt_at INTEGER,
        UNIQUE (conversation_id, message_id, recipient)
    )
    """,
    "CREATE INDEX outbox_by_state ON outbox(state, seq)",
    """
    CREATE TABLE sessions (
        peer TEXT NOT NULL,
        device_id INTEGER NOT NULL,
        sealed_state BLOB NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (peer, device_id)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE own_identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        sealed_seed BLOB NOT NULL,
        created_at INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE own_prekeys (
        kind TEXT NOT NULL,
        key_id INTEGER NOT NULL,
        sealed_private BLOB NOT NULL,
        public_key BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (kind, key_id)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE key_id_counters (
        kind TEXT PRIMARY KEY,
        next_id INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID
    """,
)
