"""Blocked contacts (issue 23, item 1): whom we take nothing from and write nothing to.

The list lives in the encrypted settings (at most :data:`MAX_BLOCKED` usernames). Everything
a blocked contact's devices send is dropped and acked before it is even decrypted: no message,
receipt, typing notice, reaction or group message of theirs is stored or shown, and nothing
(no delivery receipt) goes back. Writing to a blocked contact is refused until they are
unblocked. A blocked contact is not told (the relay and the contact see nothing change).
"""

from __future__ import annotations

from typing import Final

from chat_desktop.services.client_errors import ClientError
from chat_desktop.storage.store import MessageStore

BLOCKED_SETTING: Final = "contacts.blocked"
#: The most contacts blocked at once.
MAX_BLOCKED: Final = 10_000


class ContactBlocked(ClientError):
    """The contact is blocked: unblock them to write to them."""


def blocked_contacts(store: MessageStore) -> list[str]:
    """The blocked usernames, in the order blocked (a damaged entry is left out)."""
    stored = store.settings.get(BLOCKED_SETTING, [])
    if not isinstance(stored, list):
        return []
    return [user for user in stored if isinstance(user, str)][:MAX_BLOCKED]


def is_blocked(store: MessageStore, user: str) -> bool:
    """Whether ``user`` is blocked."""
    return user in blocked_contacts(store)


def set_blocked(store: MessageStore, user: str, blocked: bool) -> bool:
    """Blocks or unblocks ``user``; True if that changed anything.

    Raises:
        ClientError: Already :data:`MAX_BLOCKED` contacts are blocked (nothing changes).
    """
    current = blocked_contacts(store)
    if blocked == (user in current):
        return False
    if blocked and len(current) >= MAX_BLOCKED:
        raise ClientError("too many blocked contacts")
    wanted = [*current, user] if blocked else [other for other in current if other != user]
    with store.transaction():
        store.settings.set(BLOCKED_SETTING, wanted)
    return True


def refuse_if_blocked(store: MessageStore, user: str) -> None:
    """Raises :class:`ContactBlocked` when writing to ``user`` is not allowed."""
    if is_blocked(store, user):
        raise ContactBlocked("unblock this contact to write to them")
