"""``client.preferences``: privacy and notification choices, crash reports, window state.

All of it lives in the encrypted store's settings (who we tell what, and which conversation
was open, are nobody else's business). The look of the app (theme, text size, language) is
needed before unlocking, so it lives in ``appearance.json`` instead: see
:meth:`ChatClient.appearance <chat_desktop.services.client.ChatClient.appearance>`.
"""

from __future__ import annotations

import base64

import msgspec

from chat_desktop.services.capabilities.presence import PresenceService
from chat_desktop.services.client_errors import is_username
from chat_desktop.services.context import EngineContext
from chat_desktop.services.preferences import (
    Preferences,
    load_preferences,
    save_preferences,
    validate_preferences,
)
from chat_desktop.services.told_once import ToldOnce

CRASH_REPORTS_SETTING = "telemetry.enabled"
CRASH_REPORTS_DSN_SETTING = "telemetry.dsn"
WINDOW_STATE_SETTING = "ui.window_state"


class WindowState(msgspec.Struct, frozen=True):
    """How the user left the main window, restored at the next start and unlock.

    Kept in the encrypted settings: which conversation was open is nobody else's business.

    Attributes:
        geometry: The window's size and position (Qt's ``saveGeometry`` bytes).
        splitter: The list/conversation split (Qt's ``QSplitter.saveState`` bytes).
        open_peer: The conversation that was open, if any.
    """

    geometry: bytes | None = None
    splitter: bytes | None = None
    open_peer: str | None = None


class PreferenceService:
    """The user's choices kept with the account."""

    def __init__(self, context: EngineContext, presence: PresenceService) -> None:
        """Built by the client; a new "show online" choice is told through ``presence``."""
        self._context = context
        self._presence = presence
        self._told_once = ToldOnce(context)

    async def load(self) -> Preferences:
        """The user's privacy and notification preferences (defaults until changed)."""
        return await self._context.worker.run(load_preferences, self._context.worker.store)

    async def save(self, preferences: Preferences) -> None:
        """Saves every preference in one transaction; a new "show online" reaches the relay now.

        Raises:
            InvalidPreference: A field is out of range (``field`` says which); nothing saved.
        """
        validate_preferences(preferences)
        previous = await self._context.worker.run(
            save_preferences, self._context.worker.store, preferences
        )
        if previous.show_online != preferences.show_online:
            await self._presence.send_visibility()

    async def crash_reports(self) -> bool:
        """Whether the user opted in to crash reports.

        Off until the user says otherwise; the composition root enables
        :class:`chat_desktop.services.telemetry.Telemetry` accordingly after unlock, with the
        DSN of the build or deployment (never one the user types).
        """
        settings = self._context.worker.store.settings
        return bool(await self._context.worker.run(settings.get, CRASH_REPORTS_SETTING, False))

    async def set_crash_reports(self, enabled: bool) -> None:
        """Records the user's crash-report choice in the encrypted settings."""
        store = self._context.worker.store

        def write() -> None:
            with store.transaction():
                store.settings.set(CRASH_REPORTS_SETTING, enabled)
                store.settings.delete(CRASH_REPORTS_DSN_SETTING)  # once typed by users; unused

        await self._context.worker.run(write)

    async def window_state(self) -> WindowState:
        """The main window's state as the user left it (empty the first time)."""
        settings = self._context.worker.store.settings
        stored = await self._context.worker.run(settings.get, WINDOW_STATE_SETTING, None)
        if not isinstance(stored, dict):
            return WindowState()

        def blob(name: str) -> bytes | None:
            value = stored.get(name)
            if not isinstance(value, str):
                return None
            try:
                return base64.b64decode(value, validate=True)
            except ValueError:
                return None

        peer = stored.get("open_peer")
        valid_peer = isinstance(peer, str) and is_username(peer)
        return WindowState(blob("geometry"), blob("splitter"), peer if valid_peer else None)

    async def set_window_state(self, state: WindowState) -> None:
        """Remembers the main window's state (in the encrypted settings)."""
        store = self._context.worker.store

        def encoded(value: bytes | None) -> str | None:
            return None if value is None else base64.b64encode(value).decode("ascii")

        def write() -> None:
            with store.transaction():
                store.settings.set(
                    WINDOW_STATE_SETTING,
                    {
                        "geometry": encoded(state.geometry),
                        "splitter": encoded(state.splitter),
                        "open_peer": state.open_peer,
                    },
                )

        await self._context.worker.run(write)

    async def tell_once(self, name: str) -> bool:
        """True the first time ``name`` is asked for in this profile (a note shown once)."""
        return await self._told_once.tell_once(name)
