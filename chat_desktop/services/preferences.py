"""The user's preferences: privacy and notification choices, and the look of the app.

Two homes, because of when they are needed:

- :class:`Preferences` (read receipts, typing indicators, "show when I'm online", idle lock,
  notification content) live in the encrypted store's settings table: who we tell what is
  nobody's business, and they are only needed once the profile is unlocked.
- :class:`Appearance` (theme, text size, language) lives in ``appearance.json`` in the profile
  folder, because the unlock dialog is drawn with it. It is not secret.

Both are validated on the way in (:class:`InvalidPreference`, nothing saved) and on the way
out: a stored value that is missing, damaged or from a future version reads as its default,
field by field, never as a crash.

The functions taking a ``store`` run on the store thread (``StoreWorker.run``).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any, Final, Literal, get_args
from urllib.parse import urlsplit

import msgspec

from chat_desktop.storage.appearance_file import (
    read_appearance_document,
    write_appearance_document,
)
from chat_desktop.storage.store import MessageStore

NotificationContent = Literal["full", "sender", "none"]
Theme = Literal["system", "light", "dark"]
Language = Literal["system", "en", "id"]

READ_RECEIPTS_SETTING: Final = "privacy.read_receipts"
TYPING_INDICATORS_SETTING: Final = "privacy.typing_indicators"
SHOW_ONLINE_SETTING: Final = "privacy.show_online"
IDLE_LOCK_SETTING: Final = "security.idle_lock_minutes"
NOTIFICATION_CONTENT_SETTING: Final = "notifications.content"
NOTIFICATION_SOUND_SETTING: Final = "notifications.sound"
CLOSE_TO_TRAY_SETTING: Final = "window.close_to_tray"
AUTO_DOWNLOAD_SETTING: Final = "files.auto_download_mib"
SPELL_CHECK_SETTING: Final = "composer.spell_check"
DOUBLE_CLICK_REPLY_SETTING: Final = "conversation.double_click_reply"
LINK_PREVIEWS_SETTING: Final = "privacy.link_previews"
CALL_MICROPHONE_SETTING: Final = "calls.microphone"
CALL_SPEAKER_SETTING: Final = "calls.speaker"
CALL_CAMERA_SETTING: Final = "calls.camera"
#: The longest device name kept (PortAudio's and the camera paths are far shorter).
MAX_DEVICE_NAME_LENGTH: Final = 256

#: Longest idle time before the app locks itself (one day); 0 means never.
MAX_IDLE_LOCK_MINUTES: Final = 24 * 60
#: The largest "download files up to" limit (MiB): the protocol's largest file.
MAX_AUTO_DOWNLOAD_MIB: Final = 100
MIN_TEXT_SCALE_PERCENT: Final = 80
MAX_TEXT_SCALE_PERCENT: Final = 200
#: Longest relay URL accepted (far above any real one).
MAX_RELAY_URL_LENGTH: Final = 2048

_HOST_LABEL: Final = re.compile(r"\A[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")


class InvalidPreference(ValueError):
    """A preference value out of range or unknown; nothing was saved.

    Attributes:
        field: The name of the offending field (``idle_lock_minutes``, ``theme``...).
    """

    def __init__(self, field: str, reason: str) -> None:
        """Creates the error; ``reason`` says what is accepted (never echoes the value)."""
        super().__init__(f"{field}: {reason}")
        self.field = field


class Preferences(msgspec.Struct, frozen=True):
    """Privacy and notification choices, kept in the encrypted store.

    Attributes:
        read_receipts: Send "read" receipts when we read a message ("delivered" ones always
            go). Off: messages are still marked read here.
        typing_indicators: Send typing notices and show the contacts' ones (symmetric, as in
            Signal: off means neither).
        show_online: Let contacts see when we are online; the relay enforces it.
        idle_lock_minutes: Lock the app after this many idle minutes; 0 = never (0..1440).
        notification_content: What a notification shows: ``full`` (sender and text),
            ``sender`` (the sender and "New message"), ``none`` (no notification).
        notification_sound: A notification comes with the desktop's message sound.
        close_to_tray: Closing the window keeps the app running in the tray (where the
            desktop has one); Quit still quits.
        auto_download_mib: Received files (images aside: those always come) whose declared
            size is at most this many MiB download by themselves; 0 = never (0..100).
        spell_check: Underline misspelled words in the composer (suggestions in its menu).
        double_click_reply: A double click on a message replies to it (otherwise it
            selects the word under the mouse).
        link_previews: Fetch a preview of the first link of a message we send (off by
            default: fetching tells that website our IP address and that someone is
            sharing it; a receiver never fetches).
        call_microphone, call_speaker, call_camera: The devices calls use, by name (a
            microphone and speakers as PortAudio lists them, a camera's device); "" for the
            system's default.
    """

    read_receipts: bool = True
    typing_indicators: bool = True
    show_online: bool = True
    idle_lock_minutes: int = 15
    notification_content: NotificationContent = "full"
    notification_sound: bool = True
    close_to_tray: bool = True
    auto_download_mib: int = 10
    spell_check: bool = True
    double_click_reply: bool = False
    link_previews: bool = False
    call_microphone: str = ""
    call_speaker: str = ""
    call_camera: str = ""


class Appearance(msgspec.Struct, frozen=True):
    """The look of the app, in ``appearance.json`` (needed before unlock, not secret).

    Attributes:
        theme: ``system``, ``light`` or ``dark``.
        text_scale_percent: Text size relative to the system's (80..200).
        language: ``system``, ``en`` or ``id``.
    """

    theme: Theme = "system"
    text_scale_percent: int = 100
    language: Language = "system"


# ---- validation --------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_bool(field: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidPreference(field, "must be on or off (true or false)")


def _check_choice(field: str, value: object, choices: tuple[Any, ...]) -> None:
    if value not in choices or not isinstance(value, str):
        raise InvalidPreference(field, "must be one of " + ", ".join(choices))


def _check_range(field: str, value: object, low: int, high: int) -> None:
    if not _is_int(value) or not low <= value <= high:  # type: ignore[operator]
        raise InvalidPreference(field, f"must be a whole number from {low} to {high}")


def _check_device_name(field: str, value: object) -> None:
    if not isinstance(value, str) or len(value) > MAX_DEVICE_NAME_LENGTH or not value.isprintable():
        raise InvalidPreference(
            field, f"must be a device name of at most {MAX_DEVICE_NAME_LENGTH} characters"
        )


def validate_preferences(preferences: Preferences) -> None:
    """Checks every field (a frozen dataclass still takes any value at run time).

    Raises:
        InvalidPreference: The first field out of range or of the wrong type.
    """
    _check_bool("read_receipts", preferences.read_receipts)
    _check_bool("typing_indicators", preferences.typing_indicators)
    _check_bool("show_online", preferences.show_online)
    _check_range("idle_lock_minutes", preferences.idle_lock_minutes, 0, MAX_IDLE_LOCK_MINUTES)
    _check_choice(
        "notification_content",
        preferences.notification_content,
        get_args(NotificationContent),
    )
    _check_bool("notification_sound", preferences.notification_sound)
    _check_bool("close_to_tray", preferences.close_to_tray)
    _check_range("auto_download_mib", preferences.auto_download_mib, 0, MAX_AUTO_DOWNLOAD_MIB)
    _check_bool("spell_check", preferences.spell_check)
    _check_bool("double_click_reply", preferences.double_click_reply)
    _check_bool("link_previews", preferences.link_previews)
    _check_device_name("call_microphone", preferences.call_microphone)
    _check_device_name("call_speaker", preferences.call_speaker)
    _check_device_name("call_camera", preferences.call_camera)


def validate_appearance(appearance: Appearance) -> None:
    """Checks every field of ``appearance``.

    Raises:
        InvalidPreference: The first field out of range or of the wrong type.
    """
    _check_choice("theme", appearance.theme, get_args(Theme))
    _check_range(
        "text_scale_percent",
        appearance.text_scale_percent,
        MIN_TEXT_SCALE_PERCENT,
        MAX_TEXT_SCALE_PERCENT,
    )
    _check_choice("language", appearance.language, get_args(Language))


def _field_or_default(cls: type[Any], document: dict[str, Any], check: Any) -> dict[str, Any]:
    """The fields of ``document`` that pass ``check`` alone; the others keep their defaults."""
    defaults = cls()
    values: dict[str, Any] = {}
    for field in msgspec.structs.fields(cls):
        if field.name not in document:
            continue
        candidate = cls(**{**_as_dict(defaults), field.name: document[field.name]})
        try:
            check(candidate)
        except InvalidPreference:
            continue
        values[field.name] = document[field.name]
    return values


def _as_dict(instance: Any) -> dict[str, Any]:
    return {field.name: getattr(instance, field.name) for field in msgspec.structs.fields(instance)}


# ---- preferences in the encrypted store -----------------------------------------------------

_SETTING_OF_FIELD: Final = {
    "read_receipts": READ_RECEIPTS_SETTING,
    "typing_indicators": TYPING_INDICATORS_SETTING,
    "show_online": SHOW_ONLINE_SETTING,
    "idle_lock_minutes": IDLE_LOCK_SETTING,
    "notification_content": NOTIFICATION_CONTENT_SETTING,
    "notification_sound": NOTIFICATION_SOUND_SETTING,
    "close_to_tray": CLOSE_TO_TRAY_SETTING,
    "auto_download_mib": AUTO_DOWNLOAD_SETTING,
    "spell_check": SPELL_CHECK_SETTING,
    "double_click_reply": DOUBLE_CLICK_REPLY_SETTING,
    "link_previews": LINK_PREVIEWS_SETTING,
    "call_microphone": CALL_MICROPHONE_SETTING,
    "call_speaker": CALL_SPEAKER_SETTING,
    "call_camera": CALL_CAMERA_SETTING,
}


def load_preferences(store: MessageStore) -> Preferences:
    """The stored preferences; a missing or unusable value reads as its default."""
    stored: dict[str, Any] = {}
    for name, key in _SETTING_OF_FIELD.items():
        value = store.settings.get(key, None)
        if value is not None:
            stored[name] = value
    return Preferences(**_field_or_default(Preferences, stored, validate_preferences))


def save_preferences(store: MessageStore, preferences: Preferences) -> Preferences:
    """Validates and saves every preference in one transaction; returns the previous ones.

    Raises:
        InvalidPreference: A field is out of range; nothing was saved.
    """
    validate_preferences(preferences)
    with store.transaction():
        previous = load_preferences(store)
        for name, key in _SETTING_OF_FIELD.items():
            store.settings.set(key, getattr(preferences, name))
    return previous


def read_receipts_enabled(store: MessageStore) -> bool:
    """Whether "read" receipts go out (the user may turn them off)."""
    return store.settings.get(READ_RECEIPTS_SETTING, True) is not False


def auto_download_limit(store: MessageStore) -> int:
    """Received files up to this many bytes download by themselves (0: none do)."""
    return load_preferences(store).auto_download_mib * 1024 * 1024


def typing_indicators_enabled(store: MessageStore) -> bool:
    """Whether typing notices are sent and the contacts' ones shown."""
    return store.settings.get(TYPING_INDICATORS_SETTING, True) is not False


# ---- appearance file -------------------------------------------------------------------------


def load_appearance(profile_dir: Path) -> Appearance:
    """The profile's appearance; defaults for a missing, garbled or out-of-range file."""
    document = read_appearance_document(profile_dir)
    return Appearance(**_field_or_default(Appearance, document, validate_appearance))


def save_appearance(profile_dir: Path, appearance: Appearance) -> None:
    """Validates and writes ``appearance.json`` atomically (mode 0600).

    Raises:
        InvalidPreference: A field is out of range; the file is unchanged.
        OSError: The profile folder cannot be written.
    """
    validate_appearance(appearance)
    write_appearance_document(profile_dir, _as_dict(appearance))


# ---- relay address ---------------------------------------------------------------------------


def _valid_host(host: str) -> bool:
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return host.endswith("]")
    if len(host) > 253:
        return False
    return all(_HOST_LABEL.fullmatch(label) for label in host.split("."))


def normalise_relay_url(url: str) -> str:
    """The relay address as saved: ``scheme://host[:port]`` in lower case.

    Only ``http`` and ``https``, a host name or IP address and an optional port; no user
    name, path (a lone ``/`` is dropped), query or fragment.

    Raises:
        InvalidPreference: ``relay_url`` is not of that form.
    """
    reason = "must look like https://relay.example.org or http://host:port"
    text = url.strip()
    if not text or len(text) > MAX_RELAY_URL_LENGTH or not text.isprintable() or " " in text:
        raise InvalidPreference("relay_url", reason)
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. brackets around something that is not an IPv6 address
        raise InvalidPreference("relay_url", reason) from None
    scheme = parts.scheme.lower()
    netloc = parts.netloc.lower()
    if scheme not in ("http", "https") or "@" in netloc:
        raise InvalidPreference("relay_url", reason)
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in text or "#" in text:
        raise InvalidPreference("relay_url", reason)
    try:
        port = parts.port
    except ValueError:
        raise InvalidPreference("relay_url", reason) from None
    host, _, port_text = netloc.rpartition(":") if port is not None else (netloc, "", "")
    if port is not None and (not 1 <= port <= 65535 or not port_text.isdigit()):
        raise InvalidPreference("relay_url", reason)
    if not host or not _valid_host(host):
        raise InvalidPreference("relay_url", reason)
    return f"{scheme}://{netloc}"
