"""Things the app tells the user only once per profile ("still running in the tray").

Each is remembered in the encrypted settings under ``told.<name>`` once it was said, so a
restart does not repeat it.
"""

from __future__ import annotations

import re
from typing import Final

from chat_desktop.services.context import EngineContext
from chat_desktop.storage.store import MessageStore

#: Closing the window left the app running in the tray.
STILL_IN_TRAY: Final = "still_in_tray"
_NAME = re.compile(r"\A[a-z0-9_]{1,40}\Z")


class ToldOnce:
    """Remembers which one-time notes the user has been given.

    Args:
        context: The engine's shared state (its store thread runs every call).
    """

    def __init__(self, context: EngineContext) -> None:
        self._context = context

    async def tell_once(self, name: str) -> bool:
        """True the first time it is asked for ``name`` (and remembers that), then False.

        Raises:
            ValueError: ``name`` is not 1–40 of a-z, 0-9 and ``_``.
        """
        if not _NAME.fullmatch(name):
            raise ValueError("a note's name is 1-40 of a-z, 0-9 and '_'")
        return await self._context.worker.run(_first_time, self._context.worker.store, name)


def _first_time(store: MessageStore, name: str) -> bool:
    key = f"told.{name}"
    with store.transaction():
        if store.settings.get(key, False) is True:
            return False
        store.settings.set(key, True)
    return True
