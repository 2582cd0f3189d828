"""Preferences in the encrypted store, the appearance file, and the relay address check."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services.preferences import (
    READ_RECEIPTS_SETTING,
    SHOW_ONLINE_SETTING,
    Appearance,
    InvalidPreference,
    Preferences,
    load_appearance,
    load_preferences,
    normalise_relay_url,
    read_receipts_enabled,
    save_appearance,
    save_preferences,
    typing_indicators_enabled,
)
from chat_desktop.storage.appearance_file import MAX_APPEARANCE_FILE_SIZE, appearance_path
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import Vault

pytestmark = pytest.mark.unit

CHANGED = Preferences(
    read_receipts=False,
    typing_indicators=False,
    show_online=False,
    idle_lock_minutes=1440,
    notification_content="none",
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MessageStore]:
    vault, _recovery = Vault.create(
        tmp_path / "profile", "correct horse battery staple", kdf_params=FLOOR_PARAMS
    )
    yield vault.open_store()
    vault.lock()


# ---- preferences ---------------------------------------------------------------------------


def test_defaults_until_changed(store: MessageStore) -> None:
    assert load_preferences(store) == Preferences()
    assert read_receipts_enabled(store)
    assert typing_indicators_enabled(store)


def test_saved_preferences_read_back_and_drive_the_toggles(store: MessageStore) -> None:
    previous = save_preferences(store, CHANGED)
    assert previous == Preferences()
    assert load_preferences(store) == CHANGED
    assert not read_receipts_enabled(store)
    assert not typing_indicators_enabled(store)


def test_show_online_is_the_existing_setting(store: MessageStore) -> None:
    with store.transaction():
        store.settings.set(SHOW_ONLINE_SETTING, False)
    assert load_preferences(store).show_online is False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("idle_lock_minutes", -1),
        ("idle_lock_minutes", 1441),
        ("idle_lock_minutes", 2**70),
        ("idle_lock_minutes", True),
        ("idle_lock_minutes", 15.0),
        ("notification_content", "everything"),
        ("notification_content", None),
        ("read_receipts", 1),
        ("typing_indicators", "yes"),
        ("show_online", None),
    ],
)
def test_out_of_range_values_are_refused_and_nothing_is_saved(
    store: MessageStore, field: str, value: Any
) -> None:
    save_preferences(store, CHANGED)
    bad = msgspec.structs.replace(Preferences(), **{field: value})
    with pytest.raises(InvalidPreference) as refused:
        save_preferences(store, bad)
    assert refused.value.field == field
    assert str(refused.value).startswith(field)
    assert repr(value) not in str(refused.value) or isinstance(value, bool)
    assert load_preferences(store) == CHANGED


def test_a_damaged_stored_value_reads_as_its_default_alone(store: MessageStore) -> None:
    save_preferences(store, CHANGED)
    with store.transaction():
        store.settings.set("security.idle_lock_minutes", 10**9)
        store.settings.set(READ_RECEIPTS_SETTING, "off")
    loaded = load_preferences(store)
    assert loaded.idle_lock_minutes == Preferences().idle_lock_minutes
    assert loaded.read_receipts is True
    assert loaded.typing_indicators is False  # the intact values stay
    assert loaded.notification_content == "none"


# ---- appearance file ----------------------------------------------------------------------


def test_appearance_defaults_without_a_file(tmp_path: Path) -> None:
    assert load_appearance(tmp_path / "nowhere") == Appearance()


def test_appearance_round_trip_is_private_and_atomic(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    chosen = Appearance(theme="dark", text_scale_percent=200, language="id")
    save_appearance(profile, chosen)
    assert load_appearance(profile) == chosen
    path = appearance_path(profile)
    assert path.stat().st_mode & 0o777 == 0o600
    assert profile.stat().st_mode & 0o077 == 0
    assert sorted(p.name for p in profile.iterdir()) == ["appearance.json"]


def test_a_leftover_temporary_file_does_not_lend_its_mode(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    leftover = profile / ".appearance.json.tmp"
    leftover.write_text("half written")
    os.chmod(leftover, 0o666)
    save_appearance(profile, Appearance(theme="light"))
    assert appearance_path(profile).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'"dark"',
        b"null",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"theme": "dark", "padding": "' + b"x" * MAX_APPEARANCE_FILE_SIZE + b'"}',
    ],
)
def test_a_garbled_appearance_file_reads_as_defaults(tmp_path: Path, content: bytes) -> None:
    tmp_path.joinpath("appearance.json").write_bytes(content)
    assert load_appearance(tmp_path) == Appearance()


def test_out_of_range_appearance_values_fall_back_one_by_one(tmp_path: Path) -> None:
    document = {"theme": "neon", "text_scale_percent": 500, "language": "id", "future": 1}
    tmp_path.joinpath("appearance.json").write_text(json.dumps(document))
    assert load_appearance(tmp_path) == Appearance(language="id")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("theme", "neon"),
        ("text_scale_percent", 79),
        ("text_scale_percent", 201),
        ("text_scale_percent", True),
        ("language", "fr"),
    ],
)
def test_saving_an_out_of_range_appearance_leaves_the_file_unchanged(
    tmp_path: Path, field: str, value: Any
) -> None:
    save_appearance(tmp_path, Appearance(theme="dark"))
    before = appearance_path(tmp_path).read_bytes()
    with pytest.raises(InvalidPreference) as refused:
        save_appearance(tmp_path, msgspec.structs.replace(Appearance(), **{field: value}))
    assert refused.value.field == field
    assert appearance_path(tmp_path).read_bytes() == before


# ---- relay address ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "saved"),
    [
        ("https://relay.example.org", "https://relay.example.org"),
        ("  HTTP://Relay.Example.org:8765/ ", "http://relay.example.org:8765"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://[::1]:8765", "http://[::1]:8765"),
        ("https://[2001:db8::1]", "https://[2001:db8::1]"),
    ],
)
def test_relay_urls_are_normalised(url: str, saved: str) -> None:
    assert normalise_relay_url(url) == saved


@pytest.mark.parametrize(
    "url",
    [
        "",
        "relay.example.org",
        "ftp://relay.example.org",
        "ws://relay.example.org",
        "https://",
        "https://user:pw@relay.example.org",
        "https://relay.example.org/path",
        "https://relay.example.org?x=1",
        "https://relay.example.org#top",
        "https://relay.example.org:0",
        "https://relay.example.org:65536",
        "https://relay.example.org:",
        "https://relay.example.org:+80",
        "https://relay .example.org",
        "https://relay\x00.example.org",
        "https://-relay.example.org",
        "https://relay..example.org",
        "https://[not:an:ip]",
        "https://" + "a" * 3000,
    ],
)
def test_bad_relay_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidPreference) as refused:
        normalise_relay_url(url)
    assert refused.value.field == "relay_url"
