"""``client.profile``: our name and picture, and our contacts' (docs/protocol.md §13).

Each account has a display name (any Unicode on one line, at most 128 characters) and an
optional picture (a square JPEG of at most 512 × 512 and 64 KiB, made without metadata),
sealed with a profile key we share only with the contacts we write to and our own devices;
the relay keeps only the ciphertext. The username stays the address: the name is what
contacts see in their list, header and notifications.

A change is stored here at once (and told as ``ProfileChanged``); the upload and the
``profile`` contents to contacts follow as soon as the relay link is up
(:class:`~chat_desktop.services.profiles.ProfileSync`).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Final

import msgspec

from chat_desktop.crypto.profile_cipher import new_profile_key
from chat_desktop.protocol.profiles import MAX_PROFILE_NAME_LENGTH, MAX_PROFILE_VERSION
from chat_desktop.services.client_errors import ClientError, check_peer
from chat_desktop.services.context import EngineContext
from chat_desktop.services.events import ProfileChanged
from chat_desktop.services.profile_images import make_avatar
from chat_desktop.services.profiles import ProfileSync

#: What a name may not hold (docs/protocol.md §13.1): controls, line breaks, bidi controls.
_NAME_FORBIDDEN: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)


class InvalidProfileName(ClientError):
    """The name is too long or holds a character a name may not (a line break, a control)."""


class Profile(msgspec.Struct, frozen=True):
    """An account's profile as this device holds it.

    Attributes:
        address: The account (its username).
        name: The name it chose ("" for none: show the username).
        avatar: Its picture (JPEG or PNG bytes), or None.
        version: The profile's version (0: none known).
    """

    address: str
    name: str = ""
    avatar: bytes | None = None
    version: int = 0


class ProfileService:
    """Our profile and the ones our contacts shared with us.

    Args:
        context: The engine's shared state.
        sync: The machinery that uploads, shares and fetches profiles.
    """

    def __init__(self, context: EngineContext, sync: ProfileSync) -> None:
        self._context = context
        self._sync = sync

    def start(self) -> None:
        """Starts the profile work (the client calls it at ``connect``)."""
        self._sync.start()

    async def mine(self) -> Profile:
        """Our own profile."""
        return await self.of(self._context.username)

    async def of(self, address: str) -> Profile:
        """The profile ``address`` shared with us (an empty one if none).

        Raises:
            InvalidPeer: ``address`` is not a valid username.
        """
        check_peer(address)
        store = self._context.worker.store
        row = await self._context.worker.run(store.profiles.get, address)
        if row is None:
            return Profile(address=address)
        return Profile(address=address, name=row.name, avatar=row.avatar, version=row.version)

    async def set_name(self, name: str) -> None:
        """Sets our name ("" for none); contacts get it with our next profile.

        Raises:
            InvalidProfileName: Longer than 128 characters or holds a line break, a control
                or a bidirectional control character (nothing changes then).
        """
        name = name.strip()
        if len(name) > MAX_PROFILE_NAME_LENGTH:
            raise InvalidProfileName(f"a name is at most {MAX_PROFILE_NAME_LENGTH} characters long")
        if _NAME_FORBIDDEN.search(name):
            raise InvalidProfileName("a name is one line, without control characters")
        await self._change(name=name)

    async def set_avatar(self, path: Path) -> None:
        """Makes our picture from the image at ``path`` (metadata removed, ≤ 512 × 512).

        Raises:
            ImageRejected: Not a picture we open, or it cannot be made small enough
                (nothing changes then).
            OSError: The file cannot be read.
        """
        avatar = await asyncio.to_thread(make_avatar, path)
        await self._change(avatar=avatar)

    async def remove_avatar(self) -> None:
        """Removes our picture."""
        await self._change(avatar=None)

    _KEEP: Final = object()

    async def _change(self, *, name: object = _KEEP, avatar: object = _KEEP) -> None:
        username = self._context.username
        store = self._context.worker.store

        def change() -> bool:
            with store.transaction():
                own = store.profiles.get(username)
                new_name = (own.name if own else "") if name is ProfileService._KEEP else name
                new_avatar = (
                    (own.avatar if own else None) if avatar is ProfileService._KEEP else avatar
                )
                assert isinstance(new_name, str)
                assert new_avatar is None or isinstance(new_avatar, bytes)
                unchanged = own is not None and (own.name, own.avatar) == (new_name, new_avatar)
                if unchanged and own is not None and own.version > 0:
                    return False  # nothing changes
                key = own.profile_key if own and own.profile_key else new_profile_key()
                version = (own.version if own else 0) + 1
                if version > MAX_PROFILE_VERSION:
                    raise ClientError("this profile was changed too many times")
                store.profiles.set_own(username, key, version, new_name, new_avatar)
                return True

        if await self._context.worker.run(change):
            self._context.events.publish(ProfileChanged(username))
            self._sync.wake()
