"""Messages: insert, status, read marks, keyset windows for the message list, expiry,
edits, tombstones (delete for everyone) and receipt times.

Every read filters out expired rows in SQL (``expires_at`` in the past), so a message that has
disappeared is never returned, even before the sweeper deletes it. Windows are fetched by keyset
on (sort_key, seq) through the ``messages_by_position`` index: the cost does not grow with the
length of the conversation (no OFFSET anywhere). A window's reactions come with it in one more
query (never one per message).

A reply's quote is stored as this device shows it: resolved against our own copy of the
target when we have it (author, excerpt and kind are ours, not the sender's), and kept in step
when the target is edited, deleted for everyone, or arrives after the reply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from chat_desktop.storage.db import Database, Row
from chat_desktop.storage.edits import MAX_EDITS, EditRepository
from chat_desktop.storage.errors import NotFound
from chat_desktop.storage.link_previews import (
    PREVIEW_COLUMN,
    LinkPreviewRepository,
    stored_preview,
)
from chat_desktop.storage.models import (
    AttachmentInfo,
    Direction,
    Message,
    MessageCursor,
    MessageDetails,
    MessageKey,
    MessageStatus,
    NewMessage,
    Quote,
    Reaction,
)
from chat_desktop.storage.reactions import ReactionRepository

Clock = Callable[[], int]

MESSAGE_COLUMNS = (
    "seq, id, conversation_id, sender, sender_device, direction, sort_key, kind, body, status, "
    "undecryptable, sent_at, received_at, read_at, server_ts, expire_timer, expires_at, "
    "att_blob_id, att_key, att_digest, att_size, att_mime, att_file_name, att_width, "
    "att_height, att_thumbnail, att_file_id, att_local_status, quote_target_id, quote_author, "
    "quote_excerpt, quote_kind, quote_found, quote_deleted, edited_at, deleted, delivered_at, "
    "read_by_peer_at, att_voice_ms, att_waveform"
)
#: Longest excerpt a quote shows, in characters (the protocol's bound).
QUOTE_EXCERPT_LENGTH = 200
NOT_EXPIRED = "(expires_at IS NULL OR expires_at > :now)"

# Forward-only status: a late "delivered" never overwrites "read".
_STATUS_RANK = {
    MessageStatus.PENDING: 0,
    MessageStatus.FAILED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
}
_RANK_SQL = (
    "CASE status WHEN 'pending' THEN 0 WHEN 'failed' THEN 0 WHEN 'sent' THEN 1 "
    "WHEN 'delivered' THEN 2 ELSE 3 END"
)


def message_from_row(row: Row) -> Message:
    """Build a :class:`Message` from a row selected with :data:`MESSAGE_COLUMNS`."""
    attachment = None
    if any(value is not None for value in row[17:28]) or row[38] is not None:
        attachment = AttachmentInfo(
            blob_id=row[17],
            key=row[18],
            digest=row[19],
            size=row[20],
            mime=row[21],
            file_name=row[22],
            width=row[23],
            height=row[24],
            thumbnail=row[25],
            local_file_id=row[26],
            local_status=row[27],
            voice_ms=row[38],
            waveform=row[39],
        )
    quote = None
    if row[28] is not None:
        quote = Quote(
            target_id=row[28],
            author=row[29] or "",
            excerpt=row[30] or "",
            kind=row[31] or "text",
            found=bool(row[32]),
            deleted=bool(row[33]),
        )
    return Message(
        seq=row[0],
        id=row[1],
        conversation_id=row[2],
        sender=row[3],
        sender_device=row[4],
        direction=Direction(row[5]),
        sort_key=row[6],
        kind=row[7],
        body=row[8],
        status=MessageStatus(row[9]),
        undecryptable=bool(row[10]),
        sent_at=row[11],
        received_at=row[12],
        read_at=row[13],
        server_ts=row[14],
        expire_timer=row[15],
        expires_at=row[16],
        attachment=attachment,
        quote=quote,
        edited_at=row[34],
        deleted=bool(row[35]),
        delivered_at=row[36],
        read_by_peer_at=row[37],
    )


def excerpt_of(message: NewMessage) -> str:
    """What a quote of ``message`` shows: its text, or an attachment's caption or file name."""
    text = message.body or ""
    if not text and message.attachment is not None:
        text = message.attachment.file_name or ""
    return text[:QUOTE_EXCERPT_LENGTH]


class Tombstoned(msgspec.Struct, frozen=True):
    """What deleting one message for everyone did.

    Attributes:
        outbox_payloads: The payloads of its outbox entries that were dropped (not sent
            yet), so the caller can remove files they name (an attachment blob to upload).
        replies: Ids of the messages whose quote of it was cleared.
    """

    outbox_payloads: tuple[bytes, ...]
    replies: tuple[str, ...]


class MessageRepository:
    """Reads and writes of the ``messages`` table.

    Args:
        database: The open database.
        clock: Current time in ms (the expiry filter's "now").
        attachment_path: Maps an attachment file id to its path (for deletion).

    Attributes:
        reactions: The reactions to messages (one per person per message).
        edits: The texts edits replaced.
    """

    def __init__(
        self, database: Database, clock: Clock, attachment_path: Callable[[str], Path]
    ) -> None:
        self._db = database
        self._clock = clock
        self._attachment_path = attachment_path
        self.reactions = ReactionRepository(database)
        self.edits = EditRepository(database)
        self.link_previews = LinkPreviewRepository(database)

    # --- writes ---------------------------------------------------------------------------

    def insert(self, message: NewMessage) -> bool:
        """Insert a message; False if one with the same id is already in the conversation.

        Creates the conversation if needed, bumps its activity time and, for an unread
        incoming message, its unread count.
        """
        attachment = message.attachment or AttachmentInfo()
        quote = message.quote
        now = self._clock()
        with self._db.transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO conversations(id, peer_address, created_at) "
                "VALUES (?, NULL, ?)",
                (message.conversation_id, now),
            )
            cursor = self._db.execute(
                "INSERT INTO messages(id, conversation_id, sender, sender_device, direction, "
                "sort_key, kind, body, status, undecryptable, sent_at, received_at, read_at, "
                "server_ts, expire_timer, expires_at, att_blob_id, att_key, att_digest, "
                "att_size, att_mime, att_file_name, att_width, att_height, att_thumbnail, "
                "att_file_id, att_local_status, quote_target_id, quote_author, quote_excerpt, "
                "quote_kind, quote_found, quote_deleted, edited_at, deleted, delivered_at, "
                "read_by_peer_at, att_voice_ms, att_waveform) VALUES "
                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(conversation_id, id) DO NOTHING",
                (
                    message.id,
                    message.conversation_id,
                    message.sender,
                    message.sender_device,
                    message.direction.value,
                    message.sort_key,
                    message.kind,
                    message.body,
                    message.status.value,
                    int(message.undecryptable),
                    message.sent_at,
                    message.received_at,
                    message.read_at,
                    message.server_ts,
                    message.expire_timer,
                    message.expires_at,
                    attachment.blob_id,
                    attachment.key,
                    attachment.digest,
                    attachment.size,
                    attachment.mime,
                    attachment.file_name,
                    attachment.width,
                    attachment.height,
                    attachment.thumbnail,
                    attachment.local_file_id,
                    attachment.local_status,
                    None if quote is None else quote.target_id,
                    None if quote is None else quote.author,
                    None if quote is None else quote.excerpt[:QUOTE_EXCERPT_LENGTH],
                    None if quote is None else quote.kind,
                    int(quote is not None and quote.found),
                    int(quote is not None and quote.deleted),
                    message.edited_at,
                    int(message.deleted),
                    message.delivered_at,
                    message.read_by_peer_at,
                    attachment.voice_ms,
                    attachment.waveform,
                ),
            )
            if cursor.rowcount == 0:
                return False
            if message.link_preview is not None and not message.deleted:
                self.link_previews.put(message.conversation_id, message.id, message.link_preview)
            unread = int(message.direction is Direction.INCOMING and message.read_at is None)
            self._db.execute(
                "UPDATE conversations SET unread_count = unread_count + ?, "
                "last_activity_at = max(last_activity_at, ?) WHERE id = ?",
                (unread, message.sort_key, message.conversation_id),
            )
            if message.kind in ("text", "attachment") and not message.deleted:
                # Replies that arrived before their target now show our own copy of it.
                self._db.execute(
                    "UPDATE messages SET quote_found = 1, quote_author = ?, quote_excerpt = ?, "
                    "quote_kind = ? WHERE conversation_id = ? AND quote_target_id = ? "
                    "AND quote_found = 0 AND quote_deleted = 0 AND id != ?",
                    (
                        message.sender,
                        excerpt_of(message),
                        message.kind,
                        message.conversation_id,
                        message.id,
                        message.id,
                    ),
                )
        return True

    def resolve_quote(
        self, conversation_id: str, target_id: str, *, author: str, excerpt: str, kind: str
    ) -> Quote:
        """The quote of a reply as this device shows it, from our own copy of the target.

        The target is looked up by id in the same conversation only. Found, its author,
        excerpt and kind are ours (a tombstone gives an empty, deleted quote); not found (or
        a placeholder we could not decrypt), the given ones are kept, marked not found and
        clipped to :data:`QUOTE_EXCERPT_LENGTH` characters.
        """
        target = self.get(MessageKey(conversation_id, target_id), reactions=False)
        if target is None or target.undecryptable:
            return Quote(
                target_id=target_id,
                author=author,
                excerpt=excerpt[:QUOTE_EXCERPT_LENGTH],
                kind=kind,
                found=False,
            )
        if target.deleted:
            return Quote(target_id, target.sender, "", target.kind, found=True, deleted=True)
        return Quote(target_id, target.sender, excerpt_of(target), target.kind, found=True)

    def update_status(
        self, key: MessageKey, status: MessageStatus, *, server_ts: int | None = None
    ) -> bool:
        """Move a message's status forward (pending → sent → delivered → read).

        ``failed`` is only reached from ``pending``; ``pending`` only from ``failed`` (retry).
        A step backwards (a late ``delivered`` after ``read``) is ignored.

        Returns:
            True if the row changed.
        """
        if status is MessageStatus.FAILED:
            condition = "status = 'pending'"
        elif status is MessageStatus.PENDING:
            condition = "status = 'failed'"
        else:
            condition = f"{_RANK_SQL} < {_STATUS_RANK[status]}"
        cursor = self._db.execute(
            f"UPDATE messages SET status = ?, server_ts = coalesce(?, server_ts) "  # noqa: S608
            f"WHERE conversation_id = ? AND id = ? AND {condition}",
            (status.value, server_ts, key.conversation_id, key.message_id),
        )
        return bool(cursor.rowcount)

    def mark_read(self, conversation_id: str, up_to: MessageCursor, read_at: int) -> list[Message]:
        """Mark every unread incoming message up to ``up_to`` (inclusive) as read.

        Returns:
            The messages that became read (their senders get read receipts).
        """
        params = {"conv": conversation_id, "sk": up_to.sort_key, "seq": up_to.seq}
        with self._db.transaction():
            rows = self._db.query_all(
                f"SELECT {MESSAGE_COLUMNS} FROM messages "  # noqa: S608
                "WHERE conversation_id = :conv AND direction = 'in' AND read_at IS NULL "
                "AND (sort_key, seq) <= (:sk, :seq)",
                params,
            )
            self._db.execute(
                "UPDATE messages SET read_at = :read_at, status = 'read' "
                "WHERE conversation_id = :conv AND direction = 'in' AND read_at IS NULL "
                "AND (sort_key, seq) <= (:sk, :seq)",
                {**params, "read_at": read_at},
            )
            self._recount_unread(conversation_id)
        return [message_from_row(row) for row in rows]

    def mark_read_ids(
        self, conversation_id: str, message_ids: list[str], read_at: int
    ) -> list[Message]:
        """Marks read every unread incoming message up to the newest of ``message_ids``.

        Another device of ours read these (a read sync): everything before them was on its
        screen too. Ids we don't have are skipped. Returns the messages that became read.
        """
        cursors = [
            cursor
            for message_id in message_ids
            if (cursor := self.cursor_of(MessageKey(conversation_id, message_id))) is not None
        ]
        if not cursors:
            return []
        newest = max(cursors, key=lambda cursor: (cursor.sort_key, cursor.seq))
        return self.mark_read(conversation_id, newest, read_at)

    def set_expiry(self, key: MessageKey, expires_at: int | None) -> None:
        """Set when a message disappears (e.g. its timer starts once it is read)."""
        self._db.execute(
            "UPDATE messages SET expires_at = ? WHERE conversation_id = ? AND id = ?",
            (expires_at, key.conversation_id, key.message_id),
        )

    def set_attachment_blob(self, key: MessageKey, blob_id: str) -> None:
        """Records the relay blob one of our attachments was uploaded as (a resend and a
        history transfer point at it while the relay keeps it); a deleted message keeps none."""
        self._db.execute(
            "UPDATE messages SET att_blob_id = ? WHERE conversation_id = ? AND id = ? "
            "AND deleted = 0",
            (blob_id, key.conversation_id, key.message_id),
        )

    def update_attachment_state(
        self, key: MessageKey, *, local_file_id: str | None, local_status: str
    ) -> None:
        """Record the local copy of a message's attachment (its encrypted file) and its state."""
        cursor = self._db.execute(
            "UPDATE messages SET att_file_id = ?, att_local_status = ? "
            "WHERE conversation_id = ? AND id = ? AND deleted = 0",
            (local_file_id, local_status, key.conversation_id, key.message_id),
        )
        if cursor.rowcount == 0:
            # Absent, or deleted for everyone while it downloaded: the file is not kept.
            if local_file_id is not None:
                self._db.execute("DELETE FROM attachment_files WHERE id = ?", (local_file_id,))
                path = self._attachment_path(local_file_id)
                self._db.after_commit(lambda: path.unlink(missing_ok=True))
            raise NotFound("no such message")

    def delete(self, keys: Sequence[MessageKey]) -> int:
        """Delete messages with their search entries, attachment files and outbox entries.

        Files are unlinked only after the transaction commits. Returns how many were deleted.
        """
        deleted = 0
        file_ids: list[str] = []
        with self._db.transaction():
            touched: set[str] = set()
            for key in keys:
                rows = self._db.query_all(
                    "DELETE FROM messages WHERE conversation_id = ? AND id = ? "
                    "RETURNING att_file_id",
                    (key.conversation_id, key.message_id),
                )
                if not rows:
                    continue
                deleted += 1
                touched.add(key.conversation_id)
                if rows[0][0] is not None:
                    file_ids.append(rows[0][0])
            for file_id in file_ids:
                self._db.execute("DELETE FROM attachment_files WHERE id = ?", (file_id,))
            for key in keys:  # an unsent copy (plaintext until encrypted) must not outlive it
                self._db.execute(
                    "DELETE FROM outbox WHERE conversation_id = ? AND message_id = ?",
                    (key.conversation_id, key.message_id),
                )
            for conversation_id in touched:
                self._recount_unread(conversation_id)
            paths = [self._attachment_path(file_id) for file_id in file_ids]
            self._db.after_commit(lambda: _unlink_all(paths))
        return deleted

    def tombstone(self, key: MessageKey) -> Tombstoned | None:
        """Deletes a message for everyone, leaving a tombstone row in its place.

        The row keeps its id, sender, direction, times and position (both sides show
        "deleted"); its body (so its search entry, by trigger), attachment metadata and
        local file, quote, reactions, edit history and unsent outbox entries are gone, and
        quotes of it in replies are emptied. An unread incoming message counts as read.
        The local file is unlinked once the transaction commits.

        Returns:
            What was removed, or None if the message is absent or already a tombstone.
        """
        conversation_id, message_id = key.conversation_id, key.message_id
        params = {"conv": conversation_id, "id": message_id, "now": self._clock()}
        with self._db.transaction():
            row = self._db.query_one(
                "SELECT att_file_id FROM messages "
                "WHERE conversation_id = :conv AND id = :id AND deleted = 0",
                params,
            )
            if row is None:
                return None
            self._db.execute(
                "UPDATE messages SET body = NULL, deleted = 1, edited_at = NULL, "
                "att_blob_id = NULL, att_key = NULL, att_digest = NULL, att_size = NULL, "
                "att_mime = NULL, att_file_name = NULL, att_width = NULL, att_height = NULL, "
                "att_thumbnail = NULL, att_file_id = NULL, att_local_status = NULL, "
                "att_voice_ms = NULL, att_waveform = NULL, "
                "quote_target_id = NULL, quote_author = NULL, quote_excerpt = NULL, "
                "quote_kind = NULL, quote_found = 0, quote_deleted = 0, "
                "read_at = CASE WHEN direction = 'in' THEN coalesce(read_at, :now) "
                "ELSE read_at END "
                "WHERE conversation_id = :conv AND id = :id",
                params,
            )
            self.reactions.clear(conversation_id, message_id)
            self.edits.clear(conversation_id, message_id)
            self.link_previews.clear(conversation_id, message_id)
            payloads = tuple(
                bytes(row[0])
                for row in self._db.query_all(
                    "DELETE FROM outbox WHERE conversation_id = ? AND message_id = ? "
                    "RETURNING payload",
                    (conversation_id, message_id),
                )
            )
            replies = tuple(
                str(row[0])
                for row in self._db.query_all(
                    "UPDATE messages SET quote_excerpt = '', quote_deleted = 1 "
                    "WHERE conversation_id = ? AND quote_target_id = ? RETURNING id",
                    (conversation_id, message_id),
                )
            )
            file_id = row[0]
            if file_id is not None:
                self._db.execute("DELETE FROM attachment_files WHERE id = ?", (file_id,))
                path = self._attachment_path(str(file_id))
                self._db.after_commit(lambda: path.unlink(missing_ok=True))
            self._recount_unread(conversation_id)
        return Tombstoned(outbox_payloads=payloads, replies=replies)

    def apply_edit(self, key: MessageKey, text: str, *, edited_at: int, content_id: str) -> bool:
        """Replaces a text message's body, keeping the replaced text in its history.

        The caller checked the edit is allowed (sender, age). Nothing changes, and False is
        returned, for an absent message, a tombstone, a non-text message, the same edit
        again (by content id), an edit older than the current text, or one past
        :data:`~chat_desktop.storage.edits.MAX_EDITS`. The search index follows the new
        text (by trigger), and so do quotes of it.
        """
        conversation_id, message_id = key.conversation_id, key.message_id
        with self._db.transaction():
            message = self.get(key, reactions=False)
            if message is None or message.deleted or message.kind != "text":
                return False
            if message.body is None or self.edits.has(conversation_id, message_id, content_id):
                return False
            if message.edited_at is not None and edited_at <= message.edited_at:
                return False
            if self.edits.count(conversation_id, message_id) >= MAX_EDITS:
                return False
            self.edits.add(
                conversation_id,
                message_id,
                content_id=content_id,
                edited_at=edited_at,
                previous_body=message.body,
            )
            self._db.execute(
                "UPDATE messages SET body = ?, edited_at = ? WHERE conversation_id = ? AND id = ?",
                (text, edited_at, conversation_id, message_id),
            )
            if message.link_preview is not None and message.link_preview.url not in text:
                self.link_previews.clear(conversation_id, message_id)  # its link is gone
            self._db.execute(
                "UPDATE messages SET quote_excerpt = ? WHERE conversation_id = ? "
                "AND quote_target_id = ? AND quote_found = 1 AND quote_deleted = 0",
                (text[:QUOTE_EXCERPT_LENGTH], conversation_id, message_id),
            )
        return True

    def record_receipt(self, key: MessageKey, *, read: bool, at: int) -> bool:
        """Records when the peer's receipt for one of our messages came (the first one wins).

        A read receipt implies delivery (a missing delivered time is filled too).

        Returns:
            True if a time was filled in.
        """
        cursor = self._db.execute(
            "UPDATE messages SET delivered_at = coalesce(delivered_at, :at), "
            "read_by_peer_at = CASE WHEN :read THEN coalesce(read_by_peer_at, :at) "
            "ELSE read_by_peer_at END "
            "WHERE conversation_id = :conv AND id = :id AND direction = 'out' "
            "AND (delivered_at IS NULL OR (:read AND read_by_peer_at IS NULL))",
            {"conv": key.conversation_id, "id": key.message_id, "read": int(read), "at": at},
        )
        return bool(cursor.rowcount)

    def details(self, key: MessageKey) -> MessageDetails | None:
        """The times of one message for its details dialog, or None if absent or expired."""
        message = self.get(key, reactions=False)
        if message is None:
            return None
        if message.direction is Direction.OUTGOING:
            return MessageDetails(
                sent_at=message.sent_at,
                received_at=None,
                delivered_at=message.delivered_at,
                read_at=message.read_by_peer_at,
            )
        return MessageDetails(
            sent_at=message.sent_at,
            received_at=message.received_at,
            delivered_at=message.received_at,
            read_at=message.read_at,
        )

    def drop_outbox(self, conversation_id: str) -> int:
        """Forgets everything still queued for a conversation (it is being deleted here).

        Returns how many outbox entries were dropped.
        """
        cursor = self._db.execute(
            "DELETE FROM outbox WHERE conversation_id = ?", (conversation_id,)
        )
        return int(cursor.rowcount)

    def _recount_unread(self, conversation_id: str) -> None:
        self._db.execute(
            "UPDATE conversations SET unread_count = (SELECT count(*) FROM messages "  # noqa: S608
            "WHERE conversation_id = :conv AND direction = 'in' AND read_at IS NULL "
            f"AND {NOT_EXPIRED}) WHERE id = :conv",
            {"conv": conversation_id, "now": self._clock()},
        )

    # --- reads ----------------------------------------------------------------------------

    def get(self, key: MessageKey, *, reactions: bool = True) -> Message | None:
        """One message (with its reactions unless told not to), or None if absent or expired."""
        row = self._db.query_one(
            f"SELECT {MESSAGE_COLUMNS}, {PREVIEW_COLUMN} FROM messages "  # noqa: S608
            f"WHERE conversation_id = :conv AND id = :id AND {NOT_EXPIRED}",
            {"conv": key.conversation_id, "id": key.message_id, "now": self._clock()},
        )
        if row is None:
            return None
        message = _with_preview(row)
        return self._with_reactions([message])[0] if reactions else message

    def cursor_of(self, key: MessageKey) -> MessageCursor | None:
        """The keyset position of a message, or None if absent or expired."""
        message = self.get(key, reactions=False)
        return None if message is None else message.cursor

    def count(self, conversation_id: str) -> int:
        """How many visible (not expired) messages the conversation holds."""
        return int(
            self._db.query_value(
                f"SELECT count(*) FROM messages WHERE conversation_id = :conv AND {NOT_EXPIRED}",  # noqa: S608
                {"conv": conversation_id, "now": self._clock()},
            )
        )

    def newest(self, conversation_id: str, limit: int) -> list[Message]:
        """The newest ``limit`` messages, oldest first (two queries, reactions included)."""
        return self._with_reactions(self._page(conversation_id, None, limit, older=True))

    def oldest(self, conversation_id: str, limit: int) -> list[Message]:
        """The oldest ``limit`` messages, oldest first."""
        return self._with_reactions(self._page(conversation_id, None, limit, older=False))

    def before(self, conversation_id: str, anchor: MessageCursor, limit: int) -> list[Message]:
        """Up to ``limit`` messages strictly older than ``anchor``, oldest first."""
        return self._with_reactions(self._page(conversation_id, anchor, limit, older=True))

    def after(self, conversation_id: str, anchor: MessageCursor, limit: int) -> list[Message]:
        """Up to ``limit`` messages strictly newer than ``anchor``, oldest first."""
        return self._with_reactions(self._page(conversation_id, anchor, limit, older=False))

    def _with_reactions(self, messages: list[Message]) -> list[Message]:
        """``messages`` with their reactions filled in (one query for all of them)."""
        by_conversation: dict[str, list[str]] = {}
        for message in messages:
            if not message.deleted:
                by_conversation.setdefault(message.conversation_id, []).append(message.id)
        found: dict[tuple[str, str], tuple[Reaction, ...]] = {}
        for conversation_id, ids in by_conversation.items():
            for message_id, reactions in self.reactions.for_messages(conversation_id, ids).items():
                found[(conversation_id, message_id)] = reactions
        if not found:
            return messages
        return [
            msgspec.structs.replace(message, reactions=found[(message.conversation_id, message.id)])
            if (message.conversation_id, message.id) in found
            else message
            for message in messages
        ]

    def around(self, key: MessageKey, limit: int) -> list[Message]:
        """About ``limit`` messages centred on one message (included), oldest first.

        Raises:
            NotFound: The message is absent or expired.
        """
        anchor_message = self.get(key, reactions=False)
        if anchor_message is None:
            raise NotFound("no such message")
        conversation_id, anchor = key.conversation_id, anchor_message.cursor
        older = self._page(conversation_id, anchor, max(0, (limit - 1) // 2), older=True)
        newer_count = max(0, limit - 1 - len(older))
        newer = self._page(conversation_id, anchor, newer_count, older=False)
        if len(older) + len(newer) + 1 < limit:
            missing = limit - 1 - len(newer)
            older = self._page(conversation_id, anchor, missing, older=True)
        return self._with_reactions([*older, anchor_message, *newer])

    def expired(self, limit: int = 500) -> list[MessageKey]:
        """Messages whose time is up, for the sweeper to delete."""
        rows = self._db.query_all(
            "SELECT conversation_id, id FROM messages "
            "WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?",
            (self._clock(), limit),
        )
        return [MessageKey(conversation_id=row[0], message_id=row[1]) for row in rows]

    def _page(
        self, conversation_id: str, anchor: MessageCursor | None, limit: int, *, older: bool
    ) -> list[Message]:
        if limit <= 0:
            return []
        params: dict[str, Any] = {"conv": conversation_id, "now": self._clock(), "limit": limit}
        position = ""
        if anchor is not None:
            position = (
                "AND (sort_key, seq) < (:sk, :seq)"
                if older
                else "AND (sort_key, seq) > (:sk, :seq)"
            )
            params.update(sk=anchor.sort_key, seq=anchor.seq)
        order = "DESC" if older else "ASC"
        rows = self._db.query_all(
            f"SELECT {MESSAGE_COLUMNS}, {PREVIEW_COLUMN} FROM messages "  # noqa: S608 - fixed
            f"WHERE conversation_id = :conv {position} AND {NOT_EXPIRED} "
            f"ORDER BY sort_key {order}, seq {order} LIMIT :limit",
            params,
        )
        messages = [_with_preview(row) for row in rows]
        if older:
            messages.reverse()
        return messages


def _with_preview(row: Row) -> Message:
    """The message of a row selected with :data:`MESSAGE_COLUMNS` then
    :data:`~chat_desktop.storage.link_previews.PREVIEW_COLUMN` (its link preview, if any)."""
    message = message_from_row(row)
    preview = stored_preview(row[-1])
    return message if preview is None else msgspec.structs.replace(message, link_preview=preview)


def _unlink_all(paths: Sequence[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
