"""The emoji picker, the ``:name`` completion and the reaction picker's "+", with real widgets
(and real clients where recent emoji are kept: the encrypted settings, across a restart)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conversation_helpers import eventually, open_pair
from gui_helpers import PASSWORD, RELAXED_LIMITS, wait_for
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.translation import apply_language
from chat_desktop.gui.conversation.composer import Composer
from chat_desktop.gui.conversation.emoji_completion import EMOJI_ROLE as SUGGESTED_EMOJI
from chat_desktop.gui.conversation.emoji_data import SKIN_TONES
from chat_desktop.gui.conversation.emoji_picker import EmojiListModel, EmojiPicker
from chat_desktop.gui.conversation.reaction_picker import COMMON_REACTIONS, ReactionPicker
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import ClientError

pytestmark = [pytest.mark.gui]
on_the_loop = pytest.mark.asyncio(loop_scope="session")

THUMBS_UP = chr(0x1F44D)
GRINNING = chr(0x1F600)
ROCKET = chr(0x1F680)
MEDIUM = SKIN_TONES[2]


def listed(model: EmojiListModel) -> list[str]:
    return [model.emoji_at(row) for row in range(model.rowCount())]


def row_of(model: EmojiListModel, emoji: str) -> int:
    return listed(model).index(emoji)


@pytest.fixture
def indonesian() -> Iterator[None]:
    apply_language("id")
    try:
        yield
    finally:
        apply_language("en")


def open_picker(qtbot: QtBot) -> EmojiPicker:
    picker = EmojiPicker()
    qtbot.addWidget(picker)
    picker.popup_at(QPoint(400, 400))
    return picker


def test_an_english_name_finds_the_emoji(qtbot: QtBot) -> None:
    picker = open_picker(qtbot)
    assert picker.model.rowCount() > 1500  # every emoji, one model (no widget per emoji)
    qtbot.keyClicks(picker.search, "thumbs")
    assert THUMBS_UP in listed(picker.model)
    assert GRINNING not in listed(picker.model)


def test_with_indonesian_active_an_indonesian_name_finds_it(qtbot: QtBot, indonesian: None) -> None:
    picker = open_picker(qtbot)
    qtbot.keyClicks(picker.search, "jempol")
    assert THUMBS_UP in listed(picker.model)
    index = picker.model.index(row_of(picker.model, THUMBS_UP))
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == "jempol ke atas"


def test_a_skin_tone_applies_to_an_emoji_that_has_one_and_not_to_others(qtbot: QtBot) -> None:
    picker = open_picker(qtbot)
    thumbs, grinning = row_of(picker.model, THUMBS_UP), row_of(picker.model, GRINNING)
    picker.tone_buttons[3].click()  # medium
    assert picker.model.emoji_at(thumbs) == THUMBS_UP + MEDIUM
    assert picker.model.emoji_at(grinning) == GRINNING
    with qtbot.waitSignal(picker.picked) as picked:
        picker.grid.setCurrentIndex(picker.model.index(thumbs))
        picker.grid.setFocus()
        qtbot.keyClick(picker.grid, Qt.Key.Key_Return)
    assert picked.args == [THUMBS_UP + MEDIUM]


def test_the_accessible_name_of_a_cell_is_the_emojis_name(qtbot: QtBot) -> None:
    picker = open_picker(qtbot)
    qtbot.keyClicks(picker.search, "thumbs up")
    assert listed(picker.model)[0] == THUMBS_UP
    grid = QAccessible.queryAccessibleInterface(picker.grid)
    assert grid is not None
    names = [grid.child(i).text(QAccessible.Text.Name) for i in range(grid.childCount())]
    assert "thumbs up" in names
    assert picker.model.index(0).data(Qt.ItemDataRole.AccessibleTextRole) == "thumbs up"


def test_picking_inserts_at_the_cursor_and_esc_closes(qtbot: QtBot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.show()
    composer.edit.setPlainText("ab")
    cursor = composer.edit.textCursor()
    cursor.setPosition(1)
    composer.edit.setTextCursor(cursor)
    composer.emoji_button.click()
    picker = composer.emoji_picker
    assert picker is not None and picker.isVisible()
    qtbot.keyClicks(picker.search, "thumbs up")
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)  # into the grid, first cell current
    assert picker.grid.currentIndex().row() == 0
    qtbot.keyClick(picker.grid, Qt.Key.Key_Return)
    assert composer.edit.toPlainText() == "a" + THUMBS_UP + "b"
    assert not picker.isVisible()
    composer.emoji_button.click()
    second = composer.emoji_picker
    assert second is not None and second is not picker and second.isVisible()
    qtbot.keyClick(second.search, Qt.Key.Key_Escape)
    assert not second.isVisible()
    assert composer.edit.toPlainText() == "a" + THUMBS_UP + "b"


def test_colon_name_completion_replaces_the_name_with_the_emoji(qtbot: QtBot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.show()
    composer.edit.setFocus()
    sent: list[str] = []
    composer.sendRequested.connect(lambda text, _reply: sent.append(text))
    qtbot.keyClicks(composer.edit, "great :t")
    assert not composer.edit.emoji_completion.is_open()  # one letter: nothing offered
    qtbot.keyClicks(composer.edit, "hu")
    completion = composer.edit.emoji_completion
    assert completion.is_open()
    popup = completion.popup
    offered = [popup.model().index(row, 0) for row in range(popup.model().rowCount())]
    thumbs = next(index for index in offered if index.data(SUGGESTED_EMOJI) == THUMBS_UP)
    popup.setCurrentIndex(thumbs)
    qtbot.keyClick(popup, Qt.Key.Key_Return)  # the popup has the keyboard while it is shown
    assert composer.edit.toPlainText() == "great " + THUMBS_UP
    assert not completion.is_open()
    assert sent == []  # Enter picked the emoji, it did not send
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == ["great " + THUMBS_UP]


def test_tab_picks_the_current_suggestion_instead_of_moving_the_focus(qtbot: QtBot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.show()
    composer.activateWindow()
    composer.edit.setFocus()
    qtbot.waitUntil(composer.edit.hasFocus)
    qtbot.keyClicks(composer.edit, ":thumbs_u")
    completion = composer.edit.emoji_completion
    assert completion.is_open()
    assert completion.popup.currentIndex().data(SUGGESTED_EMOJI) == THUMBS_UP
    qtbot.keyClick(completion.popup, Qt.Key.Key_Tab)
    assert composer.edit.toPlainText() == THUMBS_UP
    assert composer.edit.hasFocus()


def test_esc_cancels_the_completion_and_enter_then_sends_the_text_as_typed(
    qtbot: QtBot,
) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.show()
    composer.edit.setFocus()
    sent: list[str] = []
    composer.sendRequested.connect(lambda text, _reply: sent.append(text))
    qtbot.keyClicks(composer.edit, "see :thu")
    completion = composer.edit.emoji_completion
    assert completion.is_open()
    qtbot.keyClick(completion.popup, Qt.Key.Key_Escape)
    assert not completion.is_open()
    assert composer.edit.toPlainText() == "see :thu"
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == ["see :thu"]


@on_the_loop
async def test_recent_emoji_come_first_and_survive_a_restart_of_the_client(
    tmp_path: Path, qtbot: QtBot
) -> None:
    relay = RelayServer(
        RelayConfig(
            data_dir=tmp_path / "relay", port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS)
        )
    )
    await relay.start()
    profile = tmp_path / "alice"
    try:
        client, _recovery = await ChatClient.create(
            profile, relay.url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        try:
            composer = Composer()
            qtbot.addWidget(composer)
            composer.use_recent_emoji(client.preferences)
            composer.show()
            for name in ("rocket", "thumbs up"):
                composer.emoji_button.click()
                picker = composer.emoji_picker
                assert picker is not None
                qtbot.keyClicks(picker.search, name)
                qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # the first match
            assert composer.edit.toPlainText() == ROCKET + THUMBS_UP

            async def both_recorded() -> bool:
                return await client.preferences.recent_emoji() == [THUMBS_UP, ROCKET]

            await eventually(both_recorded)
        finally:
            await client.close()
        reopened = await ChatClient.unlock(profile, PASSWORD)
        try:
            composer = Composer()
            qtbot.addWidget(composer)
            composer.use_recent_emoji(reopened.preferences)
            composer.show()
            composer.emoji_button.click()
            picker = composer.emoji_picker
            assert picker is not None
            await wait_for(lambda: picker.recent_model.rowCount() == 2)
            assert listed(picker.recent_model) == [THUMBS_UP, ROCKET]
            assert picker.recent_grid.isVisible()
            # The recent grid comes first: Down from the search lands on the latest one.
            qtbot.keyClick(picker.search, Qt.Key.Key_Down)
            assert picker.recent_grid.hasFocus()
            assert picker.recent_grid.currentIndex().row() == 0
        finally:
            await reopened.close()
    finally:
        await relay.stop()


@on_the_loop
async def test_the_reaction_pickers_plus_reacts_with_an_emoji_not_in_the_quick_list(
    tmp_path: Path, qtbot: QtBot
) -> None:
    assert ROCKET not in [emoji for emoji, _name in COMMON_REACTIONS]
    async with open_pair(tmp_path, qtbot) as pair:
        message_id = await pair.from_bob("We launched")
        await wait_for(lambda: pair.bob_shown(message_id) is not None)
        pair.view.reactRequested.emit(message_id, pair.view.mapToGlobal(QPoint(50, 50)))
        await wait_for(lambda: isinstance(pair.pane.reaction_picker, ReactionPicker))
        reactions = pair.pane.reaction_picker
        assert reactions is not None
        assert reactions.more_button.text() == "+"
        assert reactions.more_button.accessibleName()
        reactions.more_button.click()
        picker = reactions.emoji_picker
        assert picker is not None
        await wait_for(picker.isVisible)
        qtbot.keyClicks(picker.search, "rocket")
        qtbot.keyClick(QApplication.focusWidget() or picker.search, Qt.Key.Key_Return)

        def bob_sees_rocket() -> bool:
            message = pair.bob_shown(message_id)
            return message is not None and [
                r.emoji for r in message.reactions if r.reactor == "alice"
            ] == [ROCKET]

        await wait_for(bob_sees_rocket)


@on_the_loop
async def test_the_chosen_skin_tone_is_remembered_for_the_next_picker(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        preferences = pair.alice.preferences
        assert await preferences.skin_tone() is None
        composer = pair.pane.composer
        composer.emoji_button.click()
        picker = composer.emoji_picker
        assert picker is not None
        picker.tone_buttons[3].click()  # medium

        async def remembered() -> bool:
            return await preferences.skin_tone() == SKIN_TONES[2]

        await eventually(remembered)
        picker.close()
        composer.emoji_button.click()
        reopened = composer.emoji_picker
        assert reopened is not None and reopened is not picker
        await wait_for(lambda: reopened.tone_buttons[3].isChecked())
        qtbot.keyClicks(reopened.search, "waving hand")
        await wait_for(lambda: reopened.model.rowCount() > 0)
        assert SKIN_TONES[2] in listed(reopened.model)[0]  # shown (and picked) in that tone
        with pytest.raises(ClientError):
            await preferences.set_skin_tone("x")
        assert await preferences.skin_tone() == SKIN_TONES[2]  # nothing stored
