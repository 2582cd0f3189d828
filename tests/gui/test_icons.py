"""The app's own icons: every one renders in both themes, and no control shows a symbol glyph."""

from __future__ import annotations

import ast
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

import chat_desktop.gui
from chat_desktop.gui.common.icons import (
    APP_ICON_NAME,
    APP_ICON_PNG_SIZES,
    ICON_NAMES,
    UnknownIconError,
    app_icon,
    icon,
    icon_path,
    tinted_icon,
)
from chat_desktop.gui.common.theme import DARK, LIGHT, apply_theme
from chat_desktop.gui.conversation.composer import Composer

pytestmark = [pytest.mark.gui]

GUI_SOURCES = Path(chat_desktop.gui.__file__).parent
#: The names the GUI relies on (the brief of the icon set).
REQUIRED = [
    "lock",
    "timer",
    "warning",
    "info",
    "verified",
    "attach",
    "send",
    "settings",
    "search",
    "new-chat",
    "app",
    "status-pending",
    "status-sent",
    "status-delivered",
    "status-read",
    "status-failed",
    "close",
    "reply",
    "download",
    "file",
]
#: Typographic punctuation is text, not a symbol a font may lack.
ALLOWED_NON_ASCII = set("—–…“”‘’«»×·•")


def opaque_pixels(image: QImage) -> list[QColor]:
    return [
        image.pixelColor(x, y)
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).alpha() > 200
    ]


def test_the_icon_set_has_every_required_name() -> None:
    assert set(REQUIRED) <= set(ICON_NAMES)
    for name in (*ICON_NAMES, APP_ICON_NAME):
        assert Path(icon_path(name)).is_file(), name


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_icon_renders_in_the_themes_text_colour(
    theme: str, restore_look: QApplication
) -> None:
    apply_theme(restore_look, "light" if theme == "light" else "dark")
    text = QColor((LIGHT if theme == "light" else DARK).text)
    for name in ICON_NAMES:
        loaded = icon(name)
        assert not loaded.isNull(), name
        for side in (16, 64):
            image = loaded.pixmap(QSize(side, side)).toImage()
            assert image.size() == QSize(side, side), name
            solid = opaque_pixels(image)
            assert solid, f"{name} draws nothing at {side} px"
            # currentColor became the palette's text colour (readable on this theme).
            assert any(color.rgb() == text.rgb() for color in solid), name


def test_icons_are_rendered_sharp_for_high_dpi_screens() -> None:
    pixmap = icon("send").pixmap(QSize(16, 16), 2.0)
    assert pixmap.devicePixelRatio() == 2.0
    assert pixmap.size() == QSize(32, 32)  # rendered from the vector, not upscaled


def test_a_tinted_icon_keeps_its_colour_whatever_the_theme(restore_look: QApplication) -> None:
    apply_theme(restore_look, "dark")
    solid = opaque_pixels(tinted_icon("status-read", LIGHT.accent).pixmap(QSize(32, 32)).toImage())
    assert any(color.rgb() == QColor(LIGHT.accent).rgb() for color in solid)


def test_an_unknown_icon_is_a_typed_error_that_names_the_known_ones() -> None:
    with pytest.raises(UnknownIconError, match=r"No icon named 'smiley'.*lock") as caught:
        icon("smiley")
    assert isinstance(caught.value, KeyError)


def test_the_app_icon_exists_at_every_size() -> None:
    loaded = app_icon()
    assert not loaded.isNull()
    for side in (16, 32, 256, 512):
        assert opaque_pixels(loaded.pixmap(QSize(side, side)).toImage())
    folder = Path(icon_path(APP_ICON_NAME)).parent
    for side in APP_ICON_PNG_SIZES:
        png = QImage(str(folder / f"{APP_ICON_NAME}-{side}.png"))
        assert png.size() == QSize(side, side), side


def test_the_composer_buttons_are_icons_with_accessible_names(qtbot: QtBot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    for button in (composer.attach_button, composer.send_button):
        assert isinstance(button.icon(), QIcon) and not button.icon().isNull()
        assert not button.text().strip() or button.text().isascii()
        assert button.accessibleName() and button.toolTip()


def is_symbol(char: str) -> bool:
    """Emoji, pictographs, arrows, check marks, dingbats: glyphs a UI font may not have."""
    if char.isascii() or char in ALLOWED_NON_ASCII:
        return False
    code = ord(char)
    return (
        unicodedata.category(char) in ("So", "Sm", "Sk", "Cs")
        or 0x2190 <= code <= 0x2BFF  # arrows, technical, dingbats, misc symbols
        or 0x1F000 <= code <= 0x1FAFF  # emoji and pictographs
        or code in (0xFE0F, 0x200D)  # emoji presentation, joiner
    )


def string_literals(source: str) -> Iterator[tuple[int, str]]:
    """The string literals of ``source`` (docstrings excluded: they are never shown)."""
    tree = ast.parse(source)
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.lineno, node.value


def test_symbol_detection_flags_glyphs_and_spares_punctuation() -> None:
    assert all(is_symbol(glyph) for glyph in "📎🔒✓↓⚠")
    assert not any(is_symbol(mark) for mark in "—…“”’×éñ")


def test_no_gui_string_shows_an_emoji_or_symbol_glyph() -> None:
    offenders = [
        f"{path.relative_to(GUI_SOURCES)}:{line}: {text!r}"
        for path in sorted(GUI_SOURCES.rglob("*.py"))
        for line, text in string_literals(path.read_text(encoding="utf-8"))
        if any(is_symbol(char) for char in text)
    ]
    assert not offenders, "use chat_desktop.gui.common.icons instead of glyphs:\n" + "\n".join(
        offenders
    )
