"""Themes: the real message view repaints in the theme's colours, "system" follows the desktop."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from gui_helpers import PASSWORD, PEER, START_MS, StoreMessageSource, wait_for
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.theme import (
    DARK,
    LIGHT,
    ThemeColors,
    ThemeError,
    apply_theme,
    build_palette,
    build_style_sheet,
    current_colors,
)
from chat_desktop.gui.conversation.composer import Composer
from chat_desktop.gui.conversation.message_delegate import BUBBLE_PAD_H, MessageDelegate
from chat_desktop.gui.conversation.message_model import MessageWindowModel
from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.storage.models import Direction, MessageStatus, NewMessage
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import Vault

pytestmark = [pytest.mark.gui]
on_qasync = pytest.mark.asyncio(loop_scope="session")


def qapp() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MessageStore]:
    """A real encrypted store with one incoming and one outgoing message."""
    vault, _recovery = Vault.create(tmp_path / "profile", PASSWORD, kdf_params=FLOOR_PARAMS)
    opened = vault.open_store()
    with opened.transaction():
        for number, direction in enumerate((Direction.INCOMING, Direction.OUTGOING)):
            opened.messages.insert(
                NewMessage(
                    id=f"m{number}",
                    conversation_id=PEER,
                    sender=PEER if direction is Direction.INCOMING else "alice",
                    direction=direction,
                    sort_key=START_MS + number * 1000,
                    kind="text",
                    body=f"bubble {number}",
                    status=MessageStatus.READ,
                    sent_at=START_MS + number * 1000,
                )
            )
    try:
        yield opened
    finally:
        vault.lock()


def bubble_colours(view: MessageListView, model: MessageWindowModel) -> dict[Direction, QColor]:
    """Grabs the view as drawn now and reads one pixel inside each row's bubble padding."""
    image: QImage = view.viewport().grab().toImage()
    delegate = view.itemDelegate()
    assert isinstance(delegate, MessageDelegate)
    found: dict[Direction, QColor] = {}
    for row in range(model.rowCount()):
        message = model.message_at(row)
        index = model.index(row)
        rect = view.visualRect(index)
        bubble = delegate.layout_message(message, rect.width(), view.font()).bubble
        # Left padding, mid-height: inside the bubble, clear of its text and rounded corners.
        point = QPoint(
            rect.left() + bubble.left() + BUBBLE_PAD_H // 2, rect.top() + bubble.center().y()
        )
        found[message.direction] = image.pixelColor(point)
    return found


@on_qasync
async def test_the_message_view_repaints_its_bubbles_in_the_dark_then_the_light_colours(
    qtbot: QtBot, store: MessageStore, restore_look: QApplication
) -> None:
    model = MessageWindowModel(StoreMessageSource(store), page_size=50, max_rows=100)
    view = MessageListView(model)
    view.require_active_window = False
    qtbot.addWidget(view)
    view.resize(600, 400)
    apply_theme(restore_look, "dark")
    view.show()
    await model.open_conversation(PEER)
    await wait_for(lambda: model.rowCount() == 2)

    dark = bubble_colours(view, model)
    assert dark[Direction.OUTGOING] == QColor(DARK.bubble_outgoing)
    assert dark[Direction.INCOMING] == QColor(DARK.bubble_incoming)
    background = view.viewport().grab().toImage().pixelColor(2, 2)
    assert background == QColor(DARK.chat_background)

    apply_theme(restore_look, "light")  # the same view, repainted
    light = bubble_colours(view, model)
    assert light[Direction.OUTGOING] == QColor(LIGHT.bubble_outgoing)
    assert light[Direction.INCOMING] == QColor(LIGHT.bubble_incoming)
    assert view.viewport().grab().toImage().pixelColor(2, 2) == QColor(LIGHT.chat_background)


def test_system_follows_the_desktops_colour_scheme_only_while_chosen(
    restore_look: QApplication,
) -> None:
    hints = QGuiApplication.styleHints()
    apply_theme(restore_look, "system")
    # What a desktop does when the user switches it to dark (offscreen Qt cannot be switched).
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert current_colors() is DARK
    assert restore_look.palette().color(QPalette.ColorRole.Window) == QColor(DARK.window)
    assert DARK.chat_background in restore_look.styleSheet()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert current_colors() is LIGHT
    assert restore_look.palette().color(QPalette.ColorRole.Window) == QColor(LIGHT.window)

    apply_theme(restore_look, "dark")  # forced: the desktop switching changes nothing
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert current_colors() is DARK
    assert restore_look.palette().color(QPalette.ColorRole.Window) == QColor(DARK.window)


def test_text_size_scales_the_app_font_and_the_style_sheet(restore_look: QApplication) -> None:
    apply_theme(restore_look, "light", 100)
    base = restore_look.font().pointSizeF()
    sheet = restore_look.styleSheet()
    apply_theme(restore_look, "light", 150)
    assert restore_look.font().pointSizeF() == pytest.approx(base * 1.5)
    assert restore_look.styleSheet() != sheet  # font sizes and spacing grew too
    apply_theme(restore_look, "light", 100)
    assert restore_look.font().pointSizeF() == pytest.approx(base)  # never compounds
    assert restore_look.styleSheet() == sheet


def test_unknown_choices_are_refused_with_a_clear_error(restore_look: QApplication) -> None:
    with pytest.raises(ThemeError, match="choose one of system, light, dark"):
        apply_theme(restore_look, "sepia")  # type: ignore[arg-type]
    with pytest.raises(ThemeError, match="between 50% and 300%"):
        apply_theme(restore_look, "light", 10)


@pytest.mark.parametrize("colors", [LIGHT, DARK], ids=["light", "dark"])
def test_every_colour_of_the_style_sheet_comes_from_the_theme(colors: ThemeColors) -> None:
    sheet = build_style_sheet(colors, 10.0, 100)
    allowed = {
        QColor(value).name(QColor.NameFormat.HexArgb)
        for value in msgspec.structs.asdict(colors).values()
        if isinstance(value, str)
    }
    used = {
        QColor(value).name(QColor.NameFormat.HexArgb)
        for value in re.findall(r"#[0-9a-fA-F]{6}\b", sheet)
    }
    for r, g, b, a in re.findall(r"rgba\((\d+), (\d+), (\d+), (\d+)\)", sheet):
        used.add(QColor(int(r), int(g), int(b), int(a)).name(QColor.NameFormat.HexArgb))
    assert used and used <= allowed
    named = re.findall(r":\s*(white|black|red|green|blue|gray|grey)\b", sheet)
    assert not named


@pytest.mark.parametrize("colors", [LIGHT, DARK], ids=["light", "dark"])
def test_the_palette_sets_every_role_in_every_group(colors: ThemeColors) -> None:
    palette = build_palette(colors)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        assert palette.color(group, QPalette.ColorRole.Window) == QColor(colors.window)
        assert palette.color(group, QPalette.ColorRole.Text) == QColor(colors.text)
        assert palette.color(group, QPalette.ColorRole.Accent) == QColor(colors.accent)
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert disabled != QColor(colors.text)  # disabled text is visibly dimmer


def test_the_composer_grows_with_the_text_size(qtbot: QtBot, restore_look: QApplication) -> None:
    apply_theme(restore_look, "light", 100)
    composer = Composer()
    qtbot.addWidget(composer)
    composer.resize(500, 120)
    composer.show()
    qtbot.waitExposed(composer)
    small_edit, small_icon = composer.edit.height(), composer.send_button.iconSize()
    apply_theme(restore_look, "light", 200)
    assert composer.edit.height() > small_edit
    assert composer.send_button.iconSize().width() > small_icon.width()
    # The box grows line by line (and shows no scroll bar while everything fits).
    one_line = composer.edit.height()
    composer.edit.setPlainText("one\ntwo")
    assert composer.edit.height() > one_line
    assert not composer.edit.verticalScrollBar().isVisible()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_button_that_becomes_the_default_keeps_its_size(
    restore_look: QApplication, qtbot: QtBot, theme: str
) -> None:
    """A dialog makes its focused button the default after the layout is done: if the default
    style had other padding or borders, the text would be clipped ("ark as verifie")."""
    from PySide6.QtWidgets import QPushButton

    apply_theme(restore_look, theme)  # type: ignore[arg-type]  # "light" | "dark"
    plain = QPushButton("Mark as verified")
    default = QPushButton("Mark as verified")
    default.setDefault(True)
    for button in (plain, default):
        qtbot.addWidget(button)
    assert default.sizeHint() == plain.sizeHint()
