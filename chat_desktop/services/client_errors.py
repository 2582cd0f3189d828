"""The errors :class:`~chat_desktop.services.client.ChatClient` raises for requests it refuses.

They live apart from the client so the service modules it delegates to can raise them too;
``chat_desktop.services.client`` re-exports every one. Messages say what to do, and never
contain message text, keys or passwords.
"""

from __future__ import annotations

import re

from chat_desktop.protocol.schemas import USERNAME_PATTERN


class ClientError(Exception):
    """A request to the engine that cannot be carried out (the message says why)."""


class UnknownMessage(ClientError):
    """The message named is not (or no longer) in this conversation on this device."""


class EditNotAllowed(ClientError):
    """Only your own text messages can be edited, within 24 hours of sending, a few times."""


class DeleteNotAllowed(ClientError):
    """Only your own messages can be deleted for everyone, within 24 hours of sending."""


class InvalidLinkCode(ClientError):
    """The link code is malformed, or for another relay than this account's."""


class LinkFailed(ClientError):
    """Linking a new device did not complete (the code expired, or what arrived won't open)."""


class InvalidPeer(ClientError):
    """The peer name is not a valid username."""


class UnknownUser(ClientError):
    """The relay has no account of that name."""


class UnknownPeer(ClientError):
    """We have never talked with this peer, so there is nothing to show or verify."""


_USERNAME = re.compile(USERNAME_PATTERN)


def is_username(name: str) -> bool:
    """Whether ``name`` is a well-formed username (3–32 of a-z, 0-9, '_' and '.')."""
    return _USERNAME.fullmatch(name) is not None


def check_conversation(conversation_id: str) -> str:
    """Returns ``conversation_id`` if it names a chat: a username or a group's ``g:`` id.

    For what works alike in both (deleting on this device, forwarding from it).

    Raises:
        InvalidPeer: It names neither.
    """
    from chat_desktop.storage.group_ids import group_id_of

    if group_id_of(conversation_id) is None:
        check_peer(conversation_id)
    return conversation_id


def check_peer(peer: str) -> str:
    """Returns ``peer`` if it is a well-formed username.

    Raises:
        InvalidPeer: It is not.
    """
    if not is_username(peer):
        raise InvalidPeer("usernames are 3–32 of a-z, 0-9, '_' and '.'")
    return peer
