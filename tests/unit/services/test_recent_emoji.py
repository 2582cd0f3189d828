"""``client.preferences``' recent emoji: only real emoji are kept, most recent first, at most
32, in the encrypted settings (a damaged stored value reads as what is valid in it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services.capabilities.preferences import (
    MAX_RECENT_EMOJI,
    RECENT_EMOJI_SETTING,
    PreferenceService,
)
from chat_desktop.services.client_errors import ClientError
from chat_desktop.services.store_worker import StoreWorker
from chat_desktop.storage.vault_file import Vault

pytestmark = [pytest.mark.unit, pytest.mark.asyncio]

THUMBS_UP = chr(0x1F44D)
HEART = chr(0x2764) + chr(0xFE0F)
THUMBS_UP_MEDIUM = THUMBS_UP + chr(0x1F3FD)
#: 40 distinct emoji (more than the list keeps).
MANY = [chr(code) for code in range(0x1F600, 0x1F600 + 40)]


@pytest.fixture
async def preferences(tmp_path: Path) -> AsyncIterator[tuple[PreferenceService, StoreWorker]]:
    vault, _recovery = Vault.create(
        tmp_path / "profile", "correct horse battery staple", kdf_params=FLOOR_PARAMS
    )
    worker = StoreWorker(vault.open_store())
    context: Any = SimpleNamespace(worker=worker)
    try:
        yield PreferenceService(context, presence=None), worker  # type: ignore[arg-type]
    finally:
        await worker.close()
        vault.lock()


async def test_empty_until_an_emoji_is_used_then_most_recent_first_without_repeats(
    preferences: tuple[PreferenceService, StoreWorker],
) -> None:
    service, _worker = preferences
    assert await service.recent_emoji() == []
    for emoji in (THUMBS_UP, HEART, THUMBS_UP_MEDIUM, THUMBS_UP):
        await service.note_emoji_used(emoji)
    assert await service.recent_emoji() == [THUMBS_UP, THUMBS_UP_MEDIUM, HEART]


@pytest.mark.parametrize(
    "refused",
    ["", "a", "hello", ":thumbs_up:", THUMBS_UP + THUMBS_UP, THUMBS_UP + "a", "\n", "\u200d"],
)
async def test_anything_but_one_emoji_is_refused_and_nothing_is_stored(
    preferences: tuple[PreferenceService, StoreWorker], refused: str
) -> None:
    service, _worker = preferences
    await service.note_emoji_used(HEART)
    with pytest.raises(ClientError):
        await service.note_emoji_used(refused)
    assert await service.recent_emoji() == [HEART]


async def test_at_most_32_are_kept_the_oldest_dropped(
    preferences: tuple[PreferenceService, StoreWorker],
) -> None:
    service, _worker = preferences
    assert MAX_RECENT_EMOJI == 32
    for emoji in MANY:
        await service.note_emoji_used(emoji)
    recent = await service.recent_emoji()
    assert recent == list(reversed(MANY))[:32]


async def test_a_damaged_stored_list_reads_as_the_emoji_in_it(
    preferences: tuple[PreferenceService, StoreWorker],
) -> None:
    service, worker = preferences
    damaged = [THUMBS_UP, "not an emoji", 7, None, HEART, THUMBS_UP, *MANY]
    await worker.run(worker.store.settings.set, RECENT_EMOJI_SETTING, damaged)
    assert await service.recent_emoji() == [THUMBS_UP, HEART, *MANY[:30]]
    await worker.run(worker.store.settings.set, RECENT_EMOJI_SETTING, {"not": "a list"})
    assert await service.recent_emoji() == []
