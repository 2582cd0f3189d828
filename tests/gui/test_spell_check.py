"""Spell-check in the composer: real hunspell dictionaries (en_US, id_ID) through pyenchant.

Misspelled words get Qt's spell-check underline, the context menu offers corrections (one
replaces the word, in one undo step) and "Add to dictionary" (kept in the real encrypted
settings, across a re-lock); Indonesian follows a language switch; addresses and @names are
never underlined; the setting off removes the underlines; without a dictionary nothing is
underlined and the menu says so once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conversation_helpers import eventually
from gui_helpers import PASSWORD, RELAXED_LIMITS, wait_for
from PySide6.QtGui import QAction, QContextMenuEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QApplication, QMenu, QWidget
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.translation import apply_language
from chat_desktop.gui.conversation.composer import Composer
from chat_desktop.gui.conversation.speller import Speller, SpellerUnavailable, words_to_check
from chat_desktop.gui.settings.pages import PrivacyPage, SaveQueue
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient

pytestmark = [pytest.mark.gui]
on_the_loop = pytest.mark.asyncio(loop_scope="session")

SPELL_UNDERLINE = QTextCharFormat.UnderlineStyle.SpellCheckUnderline


def underlined(composer: Composer) -> list[str]:
    """The words of the box drawn with the spell-check underline, in order."""
    words: list[str] = []
    block = composer.edit.document().firstBlock()
    while block.isValid():
        for found in block.layout().formats():
            if found.format.underlineStyle() == SPELL_UNDERLINE:
                words.append(block.text()[found.start : found.start + found.length])
        block = block.next()
    return words


def new_composer(qtbot: QtBot) -> Composer:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.resize(600, 120)
    composer.show()
    return composer


def open_menu_on(composer: Composer, word: str) -> QMenu:
    """Right-clicks the middle of the first ``word`` of the box; returns the menu shown."""
    edit = composer.edit
    start = edit.toPlainText().index(word)
    cursor = QTextCursor(edit.document())
    cursor.setPosition(start + len(word) // 2)
    point = edit.cursorRect(cursor).center()
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, point, edit.viewport().mapToGlobal(point)
    )
    QApplication.sendEvent(edit.viewport(), event)
    menu = edit.context_menu
    assert menu is not None
    return menu


def named(menu: QMenu, name: str) -> list[QAction]:
    return [action for action in menu.actions() if action.objectName() == name]


@pytest.fixture
def english() -> Iterator[None]:
    apply_language("en")
    try:
        yield
    finally:
        apply_language("en")


def test_a_misspelled_english_word_is_underlined_and_correct_ones_are_not(
    qtbot: QtBot, english: None
) -> None:
    composer = new_composer(qtbot)
    assert composer.edit.spell_check.tag == "en_US"
    qtbot.keyClicks(composer.edit, "I will recieve your mesage today")
    qtbot.waitUntil(lambda: underlined(composer) == ["recieve", "mesage"])
    # Fixing the word by typing takes its underline away (only that line is re-checked).
    composer.edit.setPlainText("I will receive your message today")
    qtbot.waitUntil(lambda: underlined(composer) == [])
    assert isinstance(composer.edit.spell_check.speller(), Speller)


def test_the_menu_offers_suggestions_first_and_choosing_one_replaces_the_word(
    qtbot: QtBot, english: None
) -> None:
    composer = new_composer(qtbot)
    qtbot.keyClicks(composer.edit, "see you tomorow then")
    qtbot.waitUntil(lambda: underlined(composer) == ["tomorow"])
    menu = open_menu_on(composer, "tomorow")
    suggestions = named(menu, "spellingSuggestion")
    assert 1 <= len(suggestions) <= 5
    assert "tomorrow" in [action.text() for action in suggestions]
    actions = menu.actions()
    assert actions[: len(suggestions)] == suggestions  # the suggestions come first
    assert actions[len(suggestions)].objectName() == "addToDictionary"
    assert actions[len(suggestions) + 1].isSeparator()
    assert len(actions) > len(suggestions) + 2  # then the usual menu (undo, copy, paste…)
    chosen = next(action for action in suggestions if action.text() == "tomorrow")
    chosen.trigger()
    menu.close()
    assert composer.edit.toPlainText() == "see you tomorrow then"
    qtbot.waitUntil(lambda: underlined(composer) == [])
    composer.edit.undo()  # one step puts the word back as typed
    assert composer.edit.toPlainText() == "see you tomorow then"


def test_a_correct_word_gets_no_spelling_items_in_the_menu(qtbot: QtBot, english: None) -> None:
    composer = new_composer(qtbot)
    qtbot.keyClicks(composer.edit, "hello mesage")
    qtbot.waitUntil(lambda: underlined(composer) == ["mesage"])
    menu = open_menu_on(composer, "hello")
    assert named(menu, "spellingSuggestion") == []
    assert named(menu, "addToDictionary") == []
    assert menu.actions()  # the usual menu is still there
    menu.close()


def test_indonesian_is_checked_after_switching_the_language(qtbot: QtBot, english: None) -> None:
    composer = new_composer(qtbot)
    qtbot.keyClicks(composer.edit, "terimakasih atas bantuannya")
    # In English every one of these words is unknown.
    qtbot.waitUntil(lambda: underlined(composer) == ["terimakasih", "atas", "bantuannya"])
    apply_language("id")
    qtbot.waitUntil(lambda: composer.edit.spell_check.tag == "id_ID")
    # "terima kasih" is two words in Indonesian: the joined spelling is the mistake.
    qtbot.waitUntil(lambda: underlined(composer) == ["terimakasih"])
    menu = open_menu_on(composer, "terimakasih")
    offered = [action.text() for action in named(menu, "spellingSuggestion")]
    assert "terima kasih" in offered
    assert named(menu, "addToDictionary")
    menu.close()
    apply_language("en")
    qtbot.waitUntil(lambda: composer.edit.spell_check.tag == "en_US")


def test_addresses_names_numbers_and_emoji_names_are_never_underlined(
    qtbot: QtBot, english: None
) -> None:
    composer = new_composer(qtbot)
    text = (
        "hi @bobb see https://exampel.com/pagez and www.exampel.org or mail "
        "bobb@exampel.org, (@alicce) mp3x 2nd 123 :smiel mesage"
    )
    composer.edit.setPlainText(text)
    # The misspelled word at the end shows the line was checked.
    qtbot.waitUntil(lambda: underlined(composer) == ["mesage"])


async def start_relay(tmp_path: Path) -> RelayServer:
    relay = RelayServer(
        RelayConfig(
            data_dir=tmp_path / "relay", port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS)
        )
    )
    await relay.start()
    return relay


@on_the_loop
async def test_add_to_dictionary_keeps_the_word_across_a_relock(
    tmp_path: Path, qtbot: QtBot, english: None
) -> None:
    relay = await start_relay(tmp_path)
    try:
        await add_then_relock(tmp_path / "alice", relay, qtbot)
    finally:
        await relay.stop()


async def add_then_relock(profile: Path, relay: RelayServer, qtbot: QtBot) -> None:
    client, _recovery = await ChatClient.create(
        profile, relay.url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
    )
    try:
        composer = new_composer(qtbot)
        composer.use_spelling(client.preferences)
        composer.edit.setPlainText("Zorblaxi sent a mesage")
        await wait_for(lambda: underlined(composer) == ["Zorblaxi", "mesage"])
        menu = open_menu_on(composer, "Zorblaxi")
        named(menu, "addToDictionary")[0].trigger()
        menu.close()
        await wait_for(lambda: underlined(composer) == ["mesage"])

        async def kept() -> bool:
            return await client.preferences.spelling_words() == ["Zorblaxi"]

        await eventually(kept)
    finally:
        await client.close()
    reopened = await ChatClient.unlock(profile, PASSWORD)
    try:
        composer = new_composer(qtbot)
        composer.edit.setPlainText("Zorblaxi sent a mesage")
        composer.use_spelling(reopened.preferences)
        # Only the stored word list can take "Zorblaxi"'s underline away in this composer.
        await wait_for(lambda: underlined(composer) == ["mesage"])
    finally:
        await reopened.close()


@on_the_loop
async def test_the_setting_off_removes_the_underlines_and_is_kept(
    tmp_path: Path, qtbot: QtBot, english: None
) -> None:
    relay = await start_relay(tmp_path)
    try:
        await turn_off_and_on(tmp_path / "alice", relay, qtbot)
    finally:
        await relay.stop()


async def turn_off_and_on(profile: Path, relay: RelayServer, qtbot: QtBot) -> None:
    client, _recovery = await ChatClient.create(
        profile, relay.url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
    )
    try:
        composer = new_composer(qtbot)
        composer.use_spelling(client.preferences)
        composer.edit.setPlainText("a mesage")
        await wait_for(lambda: underlined(composer) == ["mesage"])
        host = QWidget()
        qtbot.addWidget(host)
        saves = SaveQueue(host)
        page = PrivacyPage(client, saves)
        qtbot.addWidget(page)
        await page.load()
        assert page.spell_check_box.isChecked()
        assert page.spell_check_box.accessibleName() == "Check spelling while typing"
        page.spell_check_box.click()
        await wait_for(lambda: saves.pending == 0)
        assert (await client.preferences.load()).spell_check is False
        await wait_for(lambda: underlined(composer) == [])
        assert not composer.edit.spell_check.enabled
        menu = open_menu_on(composer, "mesage")
        assert named(menu, "spellingSuggestion") == []
        menu.close()
        # A composer made later (another window) reads the setting: still nothing underlined.
        later = new_composer(qtbot)
        later.edit.setPlainText("a mesage")
        later.use_spelling(client.preferences)
        await wait_for(lambda: not later.edit.spell_check.enabled)
        assert underlined(later) == []
        page.spell_check_box.click()
        await wait_for(lambda: saves.pending == 0)
        await wait_for(lambda: underlined(composer) == ["mesage"])
    finally:
        await client.close()


def test_without_a_dictionary_nothing_is_underlined_and_the_menu_says_so_once(
    qtbot: QtBot, english: None
) -> None:
    composer = new_composer(qtbot)
    check = composer.edit.spell_check
    check.use_dictionary("zz_ZZ")  # a language no dictionary exists for
    composer.edit.setPlainText("a mesage")
    qtbot.waitUntil(lambda: isinstance(check.speller(), SpellerUnavailable))
    check.rehighlight()
    assert underlined(composer) == []
    menu = open_menu_on(composer, "mesage")
    notes = named(menu, "spellCheckUnavailable")
    assert [note.text() for note in notes] == [
        "Spell-check needs the hunspell dictionary for zz_ZZ"
    ]
    assert not notes[0].isEnabled()
    assert named(menu, "spellingSuggestion") == []
    assert len(menu.actions()) > 2  # the usual menu follows
    menu.close()
    again = open_menu_on(composer, "mesage")
    assert named(again, "spellCheckUnavailable") == []  # said once, not at every menu
    assert again.actions()
    again.close()
    # Back to a language that has one: checking resumes.
    check.use_dictionary("en_US")
    qtbot.waitUntil(lambda: underlined(composer) == ["mesage"])


def test_the_missing_dictionary_is_named_in_the_apps_language(qtbot: QtBot, english: None) -> None:
    composer = new_composer(qtbot)
    check = composer.edit.spell_check
    assert check.unavailable_text(SpellerUnavailable("id_ID", "dictionary")) == (
        "Spell-check needs the hunspell dictionary for Indonesian"
    )
    assert "libenchant" in check.unavailable_text(SpellerUnavailable("en_US", "library"))


@pytest.mark.parametrize(
    ("line", "checked"),
    [
        ("don't stop", ["don't", "stop"]),
        ("see https://a.example/x and www.b.example", ["see", "and"]),
        ("(@bob) bob@mail.example :smile: #tag", []),
        ("mp3 2nd 42 x_y a", []),
        ("“kupu-kupu” terbang.", ["kupu", "kupu", "terbang"]),
        ("\U0001f600 émigré", ["émigré"]),
    ],
)
def test_the_words_checked_leave_out_what_is_not_prose(line: str, checked: list[str]) -> None:
    assert [span.word for span in words_to_check(line)] == checked


def test_word_places_are_counted_as_qt_counts_them() -> None:
    # An emoji outside the BMP is two UTF-16 units: the word after it starts at 3, not 2.
    (span,) = words_to_check("\U0001f600 hello")
    assert (span.start, span.length) == (3, 5)
