"""Groups in the encrypted store: each group's state and its sender keys (schemas v7 to v9).

A group is a conversation (``"g:"`` + its id in hex, see :mod:`~chat_desktop.storage.group_ids`),
so its messages live where every conversation's do. This repository keeps what is new:

- the group's state, as the engine encodes it (``held``, opaque here) with its revision;
- this device's current sender key of the group, and the sender key of every (member,
  device) of it. These are secrets: each is sealed like a ratchet session (AES-256-GCM under
  the row-wrap key, see :mod:`~chat_desktop.storage.secret_rows`), with associated data that
  names its table, group, sender and device, so a sealed key copied into another row does
  not open there.

It also keeps (schema v8) which (member, device) got our current sender key, so a restart
does not hand it out again, and the ``group_update`` contents refused for now and kept aside
(at most 16 per group) to be offered again after the next update taken, and (schema v9)
each member's delivery and read receipt for our group messages.

Deleting the group's conversation (:meth:`ConversationRepository.delete
<chat_desktop.storage.conversations.ConversationRepository.delete>`) deletes its group row
and every sender key, holder and kept update of it in the same statement (the foreign keys
cascade). Every value has a bound, checked before anything is written.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Final

from chat_desktop.crypto.vault import KeyUnwrapFailed, open_row, seal_row
from chat_desktop.storage.db import Database, Row
from chat_desktop.storage.errors import NotFound
from chat_desktop.storage.group_ids import GroupValueRefused, group_conversation_id
from chat_desktop.storage.migrations.v007_groups import MAX_HELD_BYTES, MAX_SENDER_KEY_BYTES
from chat_desktop.storage.migrations.v008_group_delivery import (
    MAX_DEFERRED_UPDATE_BYTES,
    MAX_DEFERRED_UPDATES_PER_GROUP,
)
from chat_desktop.storage.migrations.v009_group_receipts import MAX_RECEIPT_ROWS_PER_MESSAGE
from chat_desktop.storage.models import StoredGroup
from chat_desktop.storage.secret_rows import SecretRowCorrupt

Clock = Callable[[], int]
KeySource = Callable[[], bytes]

__all__ = [
    "MAX_HELD_BYTES",
    "MAX_REVISION",
    "MAX_SENDER_KEY_BYTES",
    "GroupRepository",
    "GroupValueRefused",
    "SecretRowCorrupt",
]

#: The highest revision the store can hold (SQLite's largest integer).
MAX_REVISION: Final = 2**63 - 1

_OWN_KEYS: Final = "group_own_sender_keys"
_RECEIVED_KEYS: Final = "group_received_sender_keys"
_COLUMNS: Final = "conversation_id, group_id, held, revision, updated_at"


def _received_row_id(conversation_id: str, sender: str, device_id: int) -> str:
    """The sealed row's name: a group conversation id never holds the separator."""
    return f"{conversation_id}\x1f{sender}\x1f{device_id}"


def _group_from_row(row: Row) -> StoredGroup:
    return StoredGroup(
        conversation_id=str(row[0]),
        group_id=bytes(row[1]),
        held=bytes(row[2]),
        revision=int(row[3]),
        updated_at=int(row[4]),
    )


def _check_blob(value: bytes, limit: int, what: str) -> None:
    if not isinstance(value, bytes) or not 1 <= len(value) <= limit:
        raise GroupValueRefused(f"{what} must be 1 to {limit} bytes")


class GroupRepository:
    """Reads and writes of the ``groups`` table and the group sender-key tables.

    Args:
        database: The open database.
        clock: Current time in ms.
        row_key: Returns the row-wrap key (raises once the store is closed).
    """

    def __init__(self, database: Database, clock: Clock, row_key: KeySource) -> None:
        self._db = database
        self._clock = clock
        self._row_key = row_key

    # --- the group's state ---------------------------------------------------------------------

    def save(
        self, conversation_id: str, group_id: bytes, held: bytes, revision: int
    ) -> StoredGroup:
        """Keep ``held`` as the group's state (replacing the one held), creating its conversation.

        Args:
            conversation_id: The group's conversation id; it must be the one ``group_id``
                gives (:func:`~chat_desktop.storage.group_ids.group_conversation_id`).
            group_id: The group's 32-byte id.
            held: The engine's encoded state, 1 byte to :data:`MAX_HELD_BYTES`.
            revision: Its revision, 1 to :data:`MAX_REVISION`.

        Raises:
            GroupValueRefused: A value is malformed or beyond its bound; nothing was written.
        """
        if group_conversation_id(group_id) != conversation_id:
            raise GroupValueRefused("the conversation id is not the one of this group id")
        _check_blob(held, MAX_HELD_BYTES, "a group's state")
        if isinstance(revision, bool) or not 1 <= revision <= MAX_REVISION:
            raise GroupValueRefused(f"a group revision is 1 to {MAX_REVISION}")
        now = self._clock()
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO conversations(id, created_at) VALUES (?, ?) "
                "ON CONFLICT(id) DO NOTHING",
                (conversation_id, now),
            )
            self._db.execute(
                f"INSERT INTO groups({_COLUMNS}) VALUES (?, ?, ?, ?, ?) "  # noqa: S608
                "ON CONFLICT(conversation_id) DO UPDATE SET held = excluded.held, "
                "revision = excluded.revision, updated_at = excluded.updated_at",
                (conversation_id, group_id, held, revision, now),
            )
        return StoredGroup(
            conversation_id=conversation_id,
            group_id=group_id,
            held=held,
            revision=revision,
            updated_at=now,
        )

    def get(self, conversation_id: str) -> StoredGroup | None:
        """The group of a conversation, or None (a 1:1 chat, or a group not held)."""
        row = self._db.query_one(
            f"SELECT {_COLUMNS} FROM groups WHERE conversation_id = ?",  # noqa: S608
            (conversation_id,),
        )
        return None if row is None else _group_from_row(row)

    def by_group_id(self, group_id: bytes) -> StoredGroup | None:
        """The group with this 32-byte id, or None."""
        row = self._db.query_one(
            f"SELECT {_COLUMNS} FROM groups WHERE group_id = ?",  # noqa: S608
            (group_id,),
        )
        return None if row is None else _group_from_row(row)

    def list(self) -> builtins.list[StoredGroup]:
        """Every group held, by conversation id."""
        rows = self._db.query_all(
            f"SELECT {_COLUMNS} FROM groups ORDER BY conversation_id"  # noqa: S608
        )
        return [_group_from_row(row) for row in rows]

    # --- this device's sender key ------------------------------------------------------------

    def own_sender_key(self, conversation_id: str) -> bytes | None:
        """This device's current sender key of the group, or None (none made yet).

        Raises:
            SecretRowCorrupt: The sealed key was altered or moved from another row.
        """
        sealed = self._db.query_value(
            "SELECT sealed_key FROM group_own_sender_keys WHERE conversation_id = ?",
            (conversation_id,),
        )
        return None if sealed is None else self._open(_OWN_KEYS, conversation_id, sealed)

    def set_own_sender_key(self, conversation_id: str, key: bytes) -> None:
        """Keep ``key`` as this device's sender key of the group (a rotation replaces it).

        Raises:
            GroupValueRefused: ``key`` is empty or beyond :data:`MAX_SENDER_KEY_BYTES`.
            NotFound: The group is not held; nothing was written.
        """
        _check_blob(key, MAX_SENDER_KEY_BYTES, "a sender key")
        sealed = seal_row(self._row_key(), _OWN_KEYS, conversation_id, key)
        with self._db.transaction():
            self._require_group(conversation_id)
            self._db.execute(
                "INSERT INTO group_own_sender_keys(conversation_id, sealed_key, updated_at) "
                "VALUES (?, ?, ?) ON CONFLICT(conversation_id) DO UPDATE SET "
                "sealed_key = excluded.sealed_key, updated_at = excluded.updated_at",
                (conversation_id, sealed, self._clock()),
            )

    # --- members' sender keys ----------------------------------------------------------------

    def received_sender_key(self, conversation_id: str, user: str, device: int) -> bytes | None:
        """The sender key of one member device in the group, or None.

        Raises:
            SecretRowCorrupt: The sealed key was altered or moved from another row.
        """
        sealed = self._db.query_value(
            "SELECT sealed_key FROM group_received_sender_keys "
            "WHERE conversation_id = ? AND sender = ? AND device_id = ?",
            (conversation_id, user, device),
        )
        if sealed is None:
            return None
        row_id = _received_row_id(conversation_id, user, device)
        return self._open(_RECEIVED_KEYS, row_id, sealed)

    def set_received_sender_key(
        self, conversation_id: str, user: str, device: int, key: bytes
    ) -> None:
        """Keep ``key`` as the sender key of one member device in the group (replacing it).

        Raises:
            GroupValueRefused: ``key`` is empty or beyond :data:`MAX_SENDER_KEY_BYTES`.
            NotFound: The group is not held; nothing was written.
        """
        _check_blob(key, MAX_SENDER_KEY_BYTES, "a sender key")
        row_id = _received_row_id(conversation_id, user, device)
        sealed = seal_row(self._row_key(), _RECEIVED_KEYS, row_id, key)
        with self._db.transaction():
            self._require_group(conversation_id)
            self._db.execute(
                "INSERT INTO group_received_sender_keys"
                "(conversation_id, sender, device_id, sealed_key, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(conversation_id, sender, device_id) "
                "DO UPDATE SET sealed_key = excluded.sealed_key, updated_at = excluded.updated_at",
                (conversation_id, user, device, sealed, self._clock()),
            )

    def drop_received_sender_keys(self, conversation_id: str, user: str | None = None) -> int:
        """Forget the sender keys of one member (every device), or of everyone when None.

        Returns:
            How many keys were forgotten.
        """
        if user is None:
            cursor = self._db.execute(
                "DELETE FROM group_received_sender_keys WHERE conversation_id = ?",
                (conversation_id,),
            )
        else:
            cursor = self._db.execute(
                "DELETE FROM group_received_sender_keys WHERE conversation_id = ? AND sender = ?",
                (conversation_id, user),
            )
        return int(cursor.rowcount)

    def drop_own_sender_key(self, conversation_id: str) -> None:
        """Forget this device's sender key of the group and who holds it (a rotation is due).

        The next group message makes a new one (docs/protocol.md §11.1).
        """
        with self._db.transaction():
            self._db.execute(
                "DELETE FROM group_own_sender_keys WHERE conversation_id = ?", (conversation_id,)
            )
            self._db.execute(
                "DELETE FROM group_key_holders WHERE conversation_id = ?", (conversation_id,)
            )

    # --- who holds our sender key (schema v8) --------------------------------------------------

    def key_holders(self, conversation_id: str, key_id: int) -> set[tuple[str, int]]:
        """The (user, device) pairs our sender key ``key_id`` of the group was handed to."""
        rows = self._db.query_all(
            "SELECT user, device_id FROM group_key_holders "
            "WHERE conversation_id = ? AND key_id = ?",
            (conversation_id, key_id),
        )
        return {(str(row[0]), int(row[1])) for row in rows}

    def add_key_holders(
        self, conversation_id: str, key_id: int, holders: builtins.list[tuple[str, int]]
    ) -> None:
        """Records that ``holders`` were handed our sender key ``key_id`` of the group.

        Raises:
            GroupValueRefused: ``key_id`` is not a u32; nothing was written.
        """
        if isinstance(key_id, bool) or not 0 <= key_id <= 0xFFFFFFFF:
            raise GroupValueRefused("a sender key id is a u32")
        with self._db.transaction():
            for user, device_id in holders:
                self._db.execute(
                    "INSERT INTO group_key_holders(conversation_id, user, device_id, key_id) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT(conversation_id, user, device_id) "
                    "DO UPDATE SET key_id = excluded.key_id",
                    (conversation_id, user, device_id, key_id),
                )

    # --- group updates kept aside (schema v8) -------------------------------------------------

    def defer_update(
        self, conversation_id: str, sender: str, content_id: str, revision: int, content: bytes
    ) -> None:
        """Keeps a refused ``group_update`` aside, at most
        :data:`MAX_DEFERRED_UPDATES_PER_GROUP` per group (the lowest revisions go first).

        Raises:
            GroupValueRefused: ``content`` is empty or too large, or ``revision`` out of range.
            NotFound: The group is not held; nothing was written.
        """
        _check_blob(content, MAX_DEFERRED_UPDATE_BYTES, "a group update")
        if isinstance(revision, bool) or not 1 <= revision <= MAX_REVISION:
            raise GroupValueRefused(f"a group revision is 1 to {MAX_REVISION}")
        with self._db.transaction():
            self._require_group(conversation_id)
            self._db.execute(
                "INSERT INTO group_deferred_updates"
                "(conversation_id, sender, content_id, revision, content, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(conversation_id, sender, content_id) DO NOTHING",
                (conversation_id, sender, content_id, revision, content, self._clock()),
            )
            self._db.execute(
                "DELETE FROM group_deferred_updates WHERE conversation_id = ? AND "
                "(sender, content_id) NOT IN (SELECT sender, content_id "
                "FROM group_deferred_updates WHERE conversation_id = ? "
                "ORDER BY revision DESC, received_at DESC LIMIT ?)",
                (conversation_id, conversation_id, MAX_DEFERRED_UPDATES_PER_GROUP),
            )

    def deferred_updates(self, conversation_id: str) -> builtins.list[tuple[str, str, bytes]]:
        """The updates kept aside for the group: (sender, content id, content), by revision."""
        rows = self._db.query_all(
            "SELECT sender, content_id, content FROM group_deferred_updates "
            "WHERE conversation_id = ? ORDER BY revision, sender, content_id",
            (conversation_id,),
        )
        return [(str(row[0]), str(row[1]), bytes(row[2])) for row in rows]

    def drop_deferred_update(self, conversation_id: str, sender: str, content_id: str) -> None:
        """Forgets one update kept aside (it was taken, or is stale now)."""
        self._db.execute(
            "DELETE FROM group_deferred_updates "
            "WHERE conversation_id = ? AND sender = ? AND content_id = ?",
            (conversation_id, sender, content_id),
        )

    # --- each member's receipts for our group messages (schema v9) ---------------------------

    def record_member_receipt(
        self,
        conversation_id: str,
        message_id: str,
        member: str,
        *,
        read: bool,
        at: int,
        limit: int,
    ) -> bool:
        """Records a member's delivery (or read) receipt for one of our group messages.

        The first time of each kind wins; a read receipt implies delivery. A member with no
        row yet gets one only while the message has fewer than ``limit`` rows (the group's
        size, at most :data:`MAX_RECEIPT_ROWS_PER_MESSAGE`). The caller checks that the
        message exists and is ours.

        Returns:
            True if a time was filled in.

        Raises:
            GroupValueRefused: ``at`` is negative; nothing was written.
        """
        if isinstance(at, bool) or at < 0:
            raise GroupValueRefused("a receipt time is not negative")
        with self._db.transaction():
            row = self._db.query_one(
                "SELECT read_at FROM group_receipts "
                "WHERE conversation_id = ? AND message_id = ? AND member = ?",
                (conversation_id, message_id, member),
            )
            if row is None:
                count = self._db.query_value(
                    "SELECT count(*) FROM group_receipts "
                    "WHERE conversation_id = ? AND message_id = ?",
                    (conversation_id, message_id),
                )
                if int(count or 0) >= min(limit, MAX_RECEIPT_ROWS_PER_MESSAGE):
                    return False
                self._db.execute(
                    "INSERT INTO group_receipts"
                    "(conversation_id, message_id, member, delivered_at, read_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (conversation_id, message_id, member, at, at if read else None),
                )
                return True
            if not read or row[0] is not None:
                return False
            self._db.execute(
                "UPDATE group_receipts SET read_at = ? "
                "WHERE conversation_id = ? AND message_id = ? AND member = ?",
                (at, conversation_id, message_id, member),
            )
            return True

    def member_receipts(
        self, conversation_id: str, message_id: str
    ) -> dict[str, tuple[int, int | None]]:
        """Member -> (delivered at, read at or None) for one of our group messages."""
        rows = self._db.query_all(
            "SELECT member, delivered_at, read_at FROM group_receipts "
            "WHERE conversation_id = ? AND message_id = ?",
            (conversation_id, message_id),
        )
        return {str(row[0]): (int(row[1]), None if row[2] is None else int(row[2])) for row in rows}

    # --- helpers -----------------------------------------------------------------------------

    def _require_group(self, conversation_id: str) -> None:
        if (
            self._db.query_value(
                "SELECT 1 FROM groups WHERE conversation_id = ?", (conversation_id,)
            )
            is None
        ):
            raise NotFound("no such group")

    def _open(self, table: str, row_id: str, sealed: bytes) -> bytes:
        row_key = self._row_key()  # a closed store says so, not that the row is damaged
        try:
            return open_row(row_key, table, row_id, bytes(sealed))
        except KeyUnwrapFailed as error:
            raise SecretRowCorrupt(f"a stored {table} row is damaged") from error
