"""A group's conversation id: ``"g:"`` and the 64 lowercase hex digits of its 32-byte id.

A group is a conversation like any other, so its messages, drafts, timer and unread count use
the conversation tables unchanged. One-to-one conversations are named by the peer's username,
which can never contain ``":"``, so the two kinds of id never clash; :func:`group_id_of` tells
them apart and accepts only the exact form :func:`group_conversation_id` makes.
"""

from __future__ import annotations

import re
from typing import Final

from chat_desktop.storage.errors import StorageError
from chat_desktop.storage.migrations.v007_groups import GROUP_ID_BYTES

__all__ = [
    "GROUP_CONVERSATION_PREFIX",
    "GROUP_ID_BYTES",
    "GroupValueRefused",
    "group_conversation_id",
    "group_id_of",
]

#: What every group conversation id starts with.
GROUP_CONVERSATION_PREFIX: Final = "g:"
_GROUP_CONVERSATION_ID: Final = re.compile(
    rf"{GROUP_CONVERSATION_PREFIX}[0-9a-f]{{{2 * GROUP_ID_BYTES}}}"
)


class GroupValueRefused(StorageError, ValueError):
    """A group value is malformed or beyond its bound; nothing was written."""


def group_conversation_id(group_id: bytes) -> str:
    """The conversation id of the group ``group_id``.

    Raises:
        GroupValueRefused: ``group_id`` is not :data:`GROUP_ID_BYTES` bytes.
    """
    if not isinstance(group_id, bytes) or len(group_id) != GROUP_ID_BYTES:
        raise GroupValueRefused(f"a group id is {GROUP_ID_BYTES} bytes")
    return GROUP_CONVERSATION_PREFIX + group_id.hex()


def group_id_of(conversation_id: str) -> bytes | None:
    """The group id a conversation id names, or None when it is not a group's (a 1:1 chat).

    Only the exact form :func:`group_conversation_id` makes counts: uppercase digits, another
    length or anything around it is not a group's id.
    """
    if _GROUP_CONVERSATION_ID.fullmatch(conversation_id) is None:
        return None
    return bytes.fromhex(conversation_id[len(GROUP_CONVERSATION_PREFIX) :])
