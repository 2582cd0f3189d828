"""The engine's vocabulary for its callers: the rows, statuses and settings the GUI shows.

The GUI speaks only to the engine (an import contract forbids ``gui`` → ``storage``,
``crypto``, ``net``, ``relay``). What it needs to name of the layers below (a message row, a
conversation row, a status, the Argon2id parameters tests lower, the largest file we may send)
is re-exported here, so a change below the engine shows up as a change of this one module.
"""

from __future__ import annotations

from chat_desktop.crypto.attachment import max_plaintext_size
from chat_desktop.crypto.vault import Argon2Params
from chat_desktop.storage.models import (
    CALL_NOTE_KIND,
    GROUP_NOTE_KIND,
    KEY_CHANGE_NOTE_KIND,
    NOTE_KINDS,
    TIMER_NOTE_KIND,
    Conversation,
    Direction,
    Message,
    MessageDetails,
    MessageStatus,
    Quote,
)

__all__ = [
    "CALL_NOTE_KIND",
    "GROUP_NOTE_KIND",
    "KEY_CHANGE_NOTE_KIND",
    "NOTE_KINDS",
    "TIMER_NOTE_KIND",
    "Argon2Params",
    "Conversation",
    "Direction",
    "Message",
    "MessageDetails",
    "MessageStatus",
    "Quote",
    "max_plaintext_size",
]
