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
from chat_desktop.services.client_errors import ClientError, is_username
from chat_desktop.services.context import EngineContext
from chat_desktop.services.preferences import (
    Preferences,
    load_preferences,
    save_preferences,
    validate_preferences,
)
from chat_desktop.services.spelling_words import (
    add_spelling_word,
    load_spelling_words,
    normalised_spelling_word,
)
from chat_desktop.services.told_once import ToldOnce
from chat_desktop.storage.store import MessageStore

CRASH_REPORTS_SETTING = "telemetry.enabled"
CRASH_REPORTS_DSN_SETTING = "telemetry.dsn"
WINDOW_STATE_SETTING = "ui.window_state"
RECENT_EMOJI_SETTING = "ui.recent_emoji"
SKIN_TONE_SETTING = "ui.emoji_skin_tone"
#: The five skin-tone modifiers (Fitzpatrick 1-2 … 6), lightest first.
SKIN_TONE_MODIFIERS: tuple[str, ...] = tuple(chr(code) for code in range(0x1F3FB, 0x1F400))
#: How many recently used emoji are remembered (the picker's "Recent" row).
MAX_RECENT_EMOJI = 32


def is_recordable_emoji(value: object) -> bool:
    """Whether ``value`` is exactly one emoji the ``emoji`` package knows (tones included)."""
    import emoji as emoji_package  # on first use, not at the app's start (about 70 ms)

    return isinstance(value, str) and bool(emoji_package.is_emoji(value))


def load_recent_emoji(store: MessageStore) -> list[str]:
    """The recently used emoji, most recent first (a damaged entry is left out)."""
    stored = store.settings.get(RECENT_EMOJI_SETTING, [])
    if not isinstance(stored, list):
        return []
    recent: list[str] = []
    for value in stored:
        if is_recordable_emoji(value) and value not in recent:
            recent.append(value)
    return recent[:MAX_RECENT_EMOJI]


def record_emoji_use(store: MessageStore, emoji: str) -> list[str]:
    """Puts ``emoji`` first in the recent list (at most :data:`MAX_RECENT_EMOJI`); returns it.

    Raises:
        ClientError: ``emoji`` is not one emoji (nothing is stored).
    """
    if not is_recordable_emoji(emoji):
        raise ClientError("only an emoji is remembered as recently used")
    recent = [emoji, *(used for used in load_recent_emoji(store) if used != emoji)]
    recent = recent[:MAX_RECENT_EMOJI]
    with store.transaction():
        store.settings.set(RECENT_EMOJI_SETTING, recent)
    return recent


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

    async def recent_emoji(self) -> list[str]:
        """The emoji the user picked lately, most recent first (at most 32)."""
        recent: list[str] = await self._context.worker.run(
            load_recent_emoji, self._context.worker.store
        )
        return recent

    async def note_emoji_used(self, emoji: str) -> None:
        """Remembers that ``emoji`` was just used (in the encrypted settings).

        Raises:
            ClientError: ``emoji`` is not exactly one emoji; nothing is stored.
        """
        if not is_recordable_emoji(emoji):
            raise ClientError("only an emoji is remembered as recently used")
        await self._context.worker.run(record_emoji_use, self._context.worker.store, emoji)

    async def skin_tone(self) -> str | None:
        """The skin tone last chosen in the emoji picker (a modifier), or None (the default
        yellow); a damaged value reads as None."""

        def read(store: MessageStore) -> str | None:
            stored = store.settings.get(SKIN_TONE_SETTING, None)
            return stored if stored in SKIN_TONE_MODIFIERS else None

        tone: str | None = await self._context.worker.run(read, self._context.worker.store)
        return tone

    async def set_skin_tone(self, tone: str | None) -> None:
        """Remembers the emoji picker's skin tone (None: the default yellow).

        Raises:
            ClientError: Not one of the five skin-tone modifiers; nothing is stored.
        """
        if tone is not None and tone not in SKIN_TONE_MODIFIERS:
            raise ClientError("not a skin tone")

        def write(store: MessageStore) -> None:
            with store.transaction():
                store.settings.set(SKIN_TONE_SETTING, tone)

        await self._context.worker.run(write, self._context.worker.store)

    async def spelling_words(self) -> list[str]:
        """The words the user added to the spell-check's dictionary, in the order added."""
        words: list[str] = await self._context.worker.run(
            load_spelling_words, self._context.worker.store
        )
        return words

    async def add_spelling_word(self, word: str) -> None:
        """Adds ``word`` to the user's spell-check dictionary (in the encrypted settings).

        Raises:
            SpellingWordRefused: Not one word of at most 64 characters, or the dictionary
                already holds 2,000 words; nothing is stored.
        """
        normalised_spelling_word(word)
        await self._context.worker.run(add_spelling_word, self._context.worker.store, word)

    async def tell_once(self, name: str) -> bool:
        """True the first time ``name`` is asked for in this profile (a note shown once)."""
        return await self._told_once.tell_once(name)
