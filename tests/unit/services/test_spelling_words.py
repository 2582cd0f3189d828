"""The user's spell-check dictionary in ``client.preferences``: one word of 1 to 64
characters at a time, at most 2,000 words, in the real encrypted settings; anything out of
bounds is refused with ``SpellingWordRefused`` and nothing changes; a damaged stored list
reads as the valid words in it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services.capabilities.preferences import PreferenceService
from chat_desktop.services.client_errors import ClientError
from chat_desktop.services.preferences import SPELL_CHECK_SETTING
from chat_desktop.services.spelling_words import (
    MAX_SPELLING_WORD_CHARS,
    MAX_SPELLING_WORDS,
    SPELLING_WORDS_SETTING,
    SpellingWordRefused,
    add_spelling_word,
    load_spelling_words,
)
from chat_desktop.services.store_worker import StoreWorker
from chat_desktop.storage.vault_file import Vault

pytestmark = [pytest.mark.unit, pytest.mark.asyncio]


def letters(number: int) -> str:
    """A distinct word of letters for each ``number`` ("wordaaa", "wordaab"…)."""
    word = ""
    for _ in range(3):
        number, digit = divmod(number, 26)
        word = chr(0x61 + digit) + word
    return "word" + word


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


async def test_words_are_kept_in_the_order_added_once_each(
    preferences: tuple[PreferenceService, StoreWorker],
) -> None:
    service, _worker = preferences
    assert await service.spelling_words() == []
    for word in ("Zorblax", "kopdar", "Zorblax", "  gaes "):
        await service.add_spelling_word(word)
    assert await service.spelling_words() == ["Zorblax", "kopdar", "gaes"]


async def test_a_word_of_64_characters_is_kept_and_one_of_65_refused(
    preferences: tuple[PreferenceService, StoreWorker],
) -> None:
    service, _worker = preferences
    assert MAX_SPELLING_WORD_CHARS == 64
    await service.add_spelling_word("a" * 64)
    with pytest.raises(SpellingWordRefused):
        await service.add_spelling_word("b" * 65)
    assert await service.spelling_words() == ["a" * 64]


@pytest.mark.parametrize(
    "refused", ["", "   ", "two words", "tab\there", "line\nbreak", "\x00nul", "1234", "--", 7]
)
async def test_anything_but_one_word_with_letters_is_refused_and_nothing_changes(
    preferences: tuple[PreferenceService, StoreWorker], refused: Any
) -> None:
    service, _worker = preferences
    await service.add_spelling_word("kopdar")
    with pytest.raises(SpellingWordRefused) as raised:
        await service.add_spelling_word(refused)
    assert isinstance(raised.value, ClientError)  # the engine's refusal type
    assert await service.spelling_words() == ["kopdar"]


async def test_the_2001st_word_is_refused_and_the_2000_stay(
    preferences: tuple[PreferenceService, StoreWorker],
) -> None:
    service, worker = preferences
    assert MAX_SPELLING_WORDS == 2_000
    words = [letters(n) for n in range(MAX_SPELLING_WORDS)]
    store = worker.store

    def fill() -> None:
        with store.transaction():
            store.settings.set(SPELLING_WORDS_SETTING, words)

    await worker.run(fill)
    assert len(await service.spelling_words()) == MAX_SPELLING_WORDS
    with pytest.raises(SpellingWordRefused, match="full"):
        await service.add_spelling_word("onemore")
    assert await service.spelling_words() == await worker.run(load_spelling_words, store)
    assert "onemore" not in await service.spelling_words()
    # A word already there is no new word: adding it again is fine.
    await service.add_spelling_word(words[0])
    assert len(await service.spelling_words()) == MAX_SPELLING_WORDS


async def test_a_damaged_stored_list_reads_as_its_valid_words_and_is_capped(
    preferences: tuple[PreferenceService, StoreWorker],
) -> None:
    service, worker = preferences
    store = worker.store

    def write(value: object) -> None:
        with store.transaction():
            store.settings.set(SPELLING_WORDS_SETTING, value)

    await worker.run(write, {"not": "a list"})
    assert await service.spelling_words() == []
    await worker.run(write, ["ok", 5, None, "x" * 65, "two words", "ok", "fine"])
    assert await service.spelling_words() == ["ok", "fine"]
    await worker.run(write, [letters(n) for n in range(3_000)])
    assert await service.spelling_words() == [letters(n) for n in range(MAX_SPELLING_WORDS)]
    # An over-long stored list counts as full: nothing more goes in.
    with pytest.raises(SpellingWordRefused):
        await worker.run(add_spelling_word, store, "extra")


async def test_spell_check_is_on_by_default_and_a_damaged_value_reads_as_on(
    preferences: tuple[PreferenceService, StoreWorker],
) -> None:
    service, worker = preferences
    assert (await service.load()).spell_check is True
    store = worker.store

    def write(value: object) -> None:
        with store.transaction():
            store.settings.set(SPELL_CHECK_SETTING, value)

    await worker.run(write, "no")
    assert (await service.load()).spell_check is True
    await worker.run(write, False)
    assert (await service.load()).spell_check is False
