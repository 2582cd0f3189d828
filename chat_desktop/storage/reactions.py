"""Reactions: at most one per person per message, newest wins, replays change nothing.

A reaction is keyed by (conversation, message, reactor), so however many a peer sends, the
table holds one row per message and person. A removal keeps the row with a NULL emoji: a
reaction sent before the removal but arriving after it (the sender's ``sent_at`` says so) is
ignored instead of coming back. The content id of the reaction applied is kept, so the same
content replayed is recognised.
"""

from __future__ import annotations

from collections.abc import Sequence

from chat_desktop.storage.db import Database
from chat_desktop.storage.models import Reaction


class ReactionRepository:
    """Reads and writes of ``message_reactions``.

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def set(
        self,
        conversation_id: str,
        message_id: str,
        reactor: str,
        emoji: str | None,
        *,
        sent_at: int,
        content_id: str,
    ) -> bool:
        """Sets (or, with ``emoji`` None, removes) ``reactor``'s reaction to one message.

        The message must exist (the caller checked it may be reacted to). A reaction sent
        earlier than the one stored (by the sender's clock; ties broken by content id) or the
        stored one again changes nothing.

        Returns:
            True if the reaction shown changed.
        """
        with self._db.transaction():
            row = self._db.query_one(
                "SELECT emoji, sent_at, content_id FROM message_reactions "
                "WHERE conversation_id = ? AND message_id = ? AND reactor = ?",
                (conversation_id, message_id, reactor),
            )
            if row is not None and (sent_at, content_id) <= (row[1], row[2]):
                return False  # a replay, or older than what we have
            self._db.execute(
                "INSERT INTO message_reactions(conversation_id, message_id, reactor, emoji, "
                "sent_at, content_id) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(conversation_id, message_id, reactor) DO UPDATE SET "
                "emoji = excluded.emoji, sent_at = excluded.sent_at, "
                "content_id = excluded.content_id",
                (conversation_id, message_id, reactor, emoji, sent_at, content_id),
            )
        before = None if row is None else row[0]
        return bool(before != emoji)

    def of(self, conversation_id: str, message_id: str, reactor: str) -> str | None:
        """``reactor``'s current emoji on one message, or None."""
        value = self._db.query_value(
            "SELECT emoji FROM message_reactions "
            "WHERE conversation_id = ? AND message_id = ? AND reactor = ?",
            (conversation_id, message_id, reactor),
        )
        return None if value is None else str(value)

    def for_messages(
        self, conversation_id: str, message_ids: Sequence[str]
    ) -> dict[str, tuple[Reaction, ...]]:
        """The reactions shown on each of ``message_ids``, oldest first, in ONE query.

        Messages without reactions are left out of the result.
        """
        if not message_ids:
            return {}
        # One statement whatever the window size: the IN list is placeholders only (the ids
        # are bound, never formatted in).
        placeholders = ",".join("?" * len(message_ids))
        rows = self._db.query_all(
            "SELECT message_id, reactor, emoji FROM message_reactions "  # noqa: S608
            f"WHERE conversation_id = ? AND message_id IN ({placeholders}) "
            "AND emoji IS NOT NULL ORDER BY sent_at, reactor",
            (conversation_id, *message_ids),
        )
        found: dict[str, list[Reaction]] = {}
        for message_id, reactor, emoji in rows:
            found.setdefault(message_id, []).append(Reaction(reactor=reactor, emoji=emoji))
        return {message_id: tuple(reactions) for message_id, reactions in found.items()}

    def clear(self, conversation_id: str, message_id: str) -> None:
        """Forgets every reaction to one message (it was deleted for everyone)."""
        self._db.execute(
            "DELETE FROM message_reactions WHERE conversation_id = ? AND message_id = ?",
            (conversation_id, message_id),
        )
