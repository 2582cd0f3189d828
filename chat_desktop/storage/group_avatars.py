"""Group pictures as this device holds them (schema v14, ``group_avatars``).

One row per group: which pointer its picture came from (a hash of the ``avatar`` pointer of
the group's state) and the checked image bytes, or no bytes when that pointer was refused.
A group without a picture has no row.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from chat_desktop.storage.db import Database
from chat_desktop.storage.migrations.v014_group_avatars import MAX_GROUP_AVATAR_BYTES

Clock = Callable[[], int]

__all__ = ["MAX_GROUP_AVATAR_BYTES", "GroupAvatarRepository", "HeldGroupAvatar"]


class HeldGroupAvatar(msgspec.Struct, frozen=True):
    """A group's picture on this device: its pointer's hash, and its bytes (None: refused)."""

    pointer: bytes
    image: bytes | None


class GroupAvatarRepository:
    """Reads and writes of the ``group_avatars`` table.

    Args:
        database: The open database.
        clock: Current time in ms.
    """

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    def get(self, conversation_id: str) -> HeldGroupAvatar | None:
        """The picture held for the group, if any."""
        row = self._db.query_one(
            "SELECT pointer, image FROM group_avatars WHERE conversation_id = ?",
            (conversation_id,),
        )
        if row is None:
            return None
        return HeldGroupAvatar(
            pointer=bytes(row[0]), image=None if row[1] is None else bytes(row[1])
        )

    def set(self, conversation_id: str, pointer: bytes, image: bytes | None) -> None:
        """Keeps the picture of ``pointer`` for a held group (``image`` None: refused).

        Raises:
            ValueError: ``image`` is empty or over :data:`MAX_GROUP_AVATAR_BYTES`.
        """
        if image is not None and not 1 <= len(image) <= MAX_GROUP_AVATAR_BYTES:
            raise ValueError(f"a group picture has 1 to {MAX_GROUP_AVATAR_BYTES} bytes")
        self._db.execute(
            "INSERT INTO group_avatars(conversation_id, pointer, image, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(conversation_id) DO UPDATE SET "
            "pointer = excluded.pointer, image = excluded.image, updated_at = excluded.updated_at",
            (conversation_id, pointer, image, self._clock()),
        )

    def delete(self, conversation_id: str) -> None:
        """Forgets the group's picture (it has none any more)."""
        self._db.execute("DELETE FROM group_avatars WHERE conversation_id = ?", (conversation_id,))
