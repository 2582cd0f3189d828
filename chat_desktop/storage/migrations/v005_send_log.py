"""Schema v5: the send log, what a retry request may have re-sent (docs/protocol.md §8).

One row per (conversation, message, recipient device) a text or attachment message of ours
was encrypted to, bound to the identity key it was encrypted to, with the number of resends
so far (it survives a restart) and the envelope id of a resend still queued. ``requeued``
marks a message queued once more, as ordinary sending, after the device asked for it with a
new identity key (set on every row of the message: at most once per message), and
``requeue_envelope_id`` on the asking device's row names that outbox entry. A row goes when
that device's delivery receipt arrives, 24 h after it was made (not while its requeued entry
still waits), and with its message.

The triggers make every path that deletes a message or deletes it for everyone (tombstone,
delete for me, expiry, a deleted conversation) forget its rows and cancel its queued resends
and requeued sends, whose outbox entries carry a fresh envelope id that the message's own
outbox clean-up misses.
"""

from __future__ import annotations

_FORGET = """
    DELETE FROM outbox WHERE conversation_id = {row}.conversation_id AND message_id IN (
        SELECT resend_envelope_id FROM send_log
        WHERE conversation_id = {row}.conversation_id AND message_id = {row}.id
            AND resend_envelope_id IS NOT NULL
        UNION ALL
        SELECT requeue_envelope_id FROM send_log
        WHERE conversation_id = {row}.conversation_id AND message_id = {row}.id
            AND requeue_envelope_id IS NOT NULL);
    DELETE FROM send_log WHERE conversation_id = {row}.conversation_id AND message_id = {row}.id;
"""

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE send_log (
        conversation_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        device_id INTEGER NOT NULL CHECK (device_id >= 1),
        identity_key BLOB NOT NULL,
        sent_at INTEGER NOT NULL,
        resend_count INTEGER NOT NULL DEFAULT 0 CHECK (resend_count >= 0),
        resend_envelope_id TEXT,
        requeued INTEGER NOT NULL DEFAULT 0 CHECK (requeued IN (0, 1)),
        requeue_envelope_id TEXT,
        PRIMARY KEY (conversation_id, message_id, device_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX send_log_by_age ON send_log(sent_at)",
    f"""
    CREATE TRIGGER send_log_forget_deleted AFTER UPDATE OF deleted ON messages
    WHEN new.deleted = 1 BEGIN {_FORGET.format(row="new")} END
    """,
    f"""
    CREATE TRIGGER send_log_forget_removed AFTER DELETE ON messages
    BEGIN {_FORGET.format(row="old")} END
    """,
)
