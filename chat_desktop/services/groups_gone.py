"""Members whose account no longer exists: found after a ``not_found``, then left out.

The relay answers ``message:send_multi`` with ``not_found`` (nothing stored) when one of the
listed users has no account any more, without saying which (docs/protocol.md §6.6). The
sender then asks ``keys:bundle`` about the listed members, one known device each so that
at most one one-time prekey of a live member is used, confirming a ``not_found`` with a
question about the whole account (a named device may just be gone). The one found is
remembered as gone for good (a name registered again is someone else), left out of every
group's recipients from then on, and the user is told (:class:`GroupMemberGone`); the
message goes again to the rest.

Bounds: at most :data:`MAX_PROBES` questions per ``not_found`` answer (``keys:bundle`` is
rate-limited at the relay); members found alive are not asked again for
:data:`ALIVE_S` seconds, so repeated answers work through a large group; at most
:data:`MAX_GONE` names are remembered.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import KeysBundleAck, KeysBundleRequest
from chat_desktop.services.context import EngineContext
from chat_desktop.storage.store import MessageStore

#: The setting that lists the accounts found gone (usernames).
GONE_SETTING: Final = "groups.gone_accounts"
#: Most gone accounts remembered (the oldest forgotten first).
MAX_GONE: Final = 1024
#: Most ``keys:bundle`` questions after one ``not_found`` answer.
MAX_PROBES: Final = 8
#: How long a member found alive is not asked again (s).
ALIVE_S: Final = 600.0


def gone_accounts(store: MessageStore) -> set[str]:
    """The accounts found gone (store thread)."""
    return {str(name) for name in store.settings.get(GONE_SETTING, [])}


def remember_gone(store: MessageStore, user: str) -> bool:
    """Remembers ``user``'s account as gone; False if it already was (store thread)."""
    with store.transaction():
        names = [str(name) for name in store.settings.get(GONE_SETTING, [])]
        if user in names:
            return False
        names.append(user)
        store.settings.set(GONE_SETTING, names[-MAX_GONE:])
    return True


@dataclass(frozen=True)
class Probe:
    """What asking about a ``not_found`` answer's recipients found.

    Attributes:
        gone: The member whose account is gone, or None.
        all_alive: Every member asked about answered (none is gone): the relay's answer is
            not explained by a deleted account.
    """

    gone: str | None
    all_alive: bool


class GoneFinder:
    """Asks the relay which listed member's account is gone; see the module docstring."""

    def __init__(self, context: EngineContext) -> None:
        """Asks through ``context``'s connection."""
        self._context = context
        #: Username -> when it was last found alive (monotonic s).
        self._alive: dict[str, float] = {}

    async def find(self, users: dict[str, list[int]]) -> Probe:
        """Finds the member gone among ``users`` (user -> devices listed).

        Raises:
            ProtocolError: The relay refused a question (``rate_limited``: ask later).
            ConnectionFailure: The link broke.
        """
        connection = self._context.connection
        if connection is None:
            return Probe(None, all_alive=False)
        now = time.monotonic()
        asked = 0
        for user, device_ids in users.items():
            if user == self._context.username:
                continue  # our own account exists: we are using it
            alive_at = self._alive.get(user)
            if alive_at is not None and now - alive_at < ALIVE_S:
                continue
            if asked >= MAX_PROBES:
                return Probe(None, all_alive=False)
            asked += 1
            if not await self._exists(user, device_ids[:1] or None):
                return Probe(user, all_alive=False)
            self._alive[user] = now
            while len(self._alive) > 4 * MAX_GONE:
                del self._alive[next(iter(self._alive))]
        return Probe(None, all_alive=True)

    async def _exists(self, user: str, devices: list[int] | None) -> bool:
        """Whether the relay has ``user``'s account (one named device first, then all)."""
        connection = self._context.connection
        assert connection is not None
        try:
            await connection.request(
                wire_events.KEYS_BUNDLE,
                KeysBundleRequest(user=user, devices=devices),
                KeysBundleAck,
            )
        except ProtocolError as error:
            if error.code is not ErrorCode.NOT_FOUND:
                raise
            if devices is not None:
                return await self._exists(user, None)  # that device may be gone, not the user
            return False
        return True
