"""The dark theme and large text as a user sees them (issue 19, item 13).

Measured on the real widgets: a check box's edge must read against its background (WCAG 3:1),
close and clear icons and the verified badge are drawn in the theme of now (not the one they
were made in), and at 200 % text size icons, headings and the safety number's digits grow while
the windows keep their width and Settings needs no sideways scroll bar.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conversation_helpers import open_pair
from gui_helpers import wait_for
from look_helpers import contrast_ratio, drawn_color, strongest_contrast
from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyleOptionButton,
    QToolButton,
)
from pytestqt.qtbot import QtBot

from chat_desktop.gui.common.icons import icon
from chat_desktop.gui.common.theme import DARK, LIGHT, apply_theme, current_colors
from chat_desktop.gui.conversation.safety_number import SafetyNumberDialog

pytestmark = [pytest.mark.gui]
on_qasync = pytest.mark.asyncio(loop_scope="session")
NUMBER = " ".join(f"{n:05d}" for n in range(12))


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_an_unchecked_check_box_shows_an_edge_that_reads_on_its_background(
    theme: str, qtbot: QtBot, restore_look: QApplication
) -> None:
    apply_theme(restore_look, theme)  # type: ignore[arg-type]
    box = QCheckBox("Send read receipts")
    qtbot.addWidget(box)
    box.show()
    option = QStyleOptionButton()
    box.initStyleOption(option)
    rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    image = box.grab().toImage()
    ring = [
        (x, y)
        for x in range(rect.left(), rect.right() + 1)
        for y in range(rect.top(), rect.bottom() + 1)
        if min(x - rect.left(), rect.right() - x, y - rect.top(), rect.bottom() - y) < 3
    ]
    colors = current_colors()
    assert strongest_contrast(image, colors.window, ring) >= 3.0
    # Inside the box is the input colour: the edge must read against it too.
    assert contrast_ratio(colors.control_border, colors.base) >= 3.0
    assert contrast_ratio(colors.control_border, colors.window) >= 3.0


def test_the_search_boxs_clear_icon_and_dialog_close_icons_follow_the_theme(
    qtbot: QtBot, restore_look: QApplication
) -> None:
    apply_theme(restore_look, "light")  # as the app starts: the theme, then the windows
    edit = QLineEdit()
    edit.setClearButtonEnabled(True)
    edit.setText("kiwi")  # the clear button shows only with text
    qtbot.addWidget(edit)
    edit.resize(240, 40)
    edit.show()
    clear = edit.findChild(QToolButton)
    assert clear is not None
    qtbot.waitUntil(lambda: clear.property("opacity") == 1.0)  # it fades in with the text
    for theme, colors in (("dark", DARK), ("light", LIGHT), ("dark", DARK)):
        apply_theme(restore_look, theme)  # type: ignore[arg-type]
        ink = drawn_color(clear.grab().toImage(), colors.base)
        assert contrast_ratio(ink, colors.base) >= 3.0, (theme, ink.name())
        style = restore_look.style()
        for picture in (
            QStyle.StandardPixmap.SP_DialogCloseButton,
            QStyle.StandardPixmap.SP_LineEditClearButton,
        ):
            image = style.standardIcon(picture).pixmap(QSize(32, 32)).toImage()
            assert contrast_ratio(drawn_color(image, colors.window), colors.window) >= 3.0


def test_icons_grow_with_the_text_size(qtbot: QtBot, restore_look: QApplication) -> None:
    apply_theme(restore_look, "light", 100)
    button = QPushButton(icon("settings"), "Settings")
    qtbot.addWidget(button)
    normal = button.iconSize()
    small = restore_look.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
    apply_theme(restore_look, "light", 200)
    assert button.iconSize() == normal * 2
    assert restore_look.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize) == small * 2


def test_headings_and_the_safety_numbers_digits_follow_the_text_size(
    qtbot: QtBot, restore_look: QApplication
) -> None:
    apply_theme(restore_look, "light", 100)
    dialog = SafetyNumberDialog("bob", NUMBER, False)
    qtbot.addWidget(dialog)
    dialog.show()
    heading = next(
        label for label in dialog.findChildren(QLabel) if label.text() == "Safety number with bob"
    )
    digits = dialog.number_label.font().pointSizeF()
    title = heading.font().pointSizeF()
    body = restore_look.font().pointSizeF()
    assert digits > body and title > body  # both stand out from the text
    apply_theme(restore_look, "light", 200)  # changed while the dialog is open
    qtbot.waitUntil(lambda: dialog.number_label.font().pointSizeF() > digits)
    assert dialog.number_label.font().pointSizeF() == pytest.approx(digits * 2, rel=0.02)
    qtbot.waitUntil(lambda: heading.font().pointSizeF() > title)
    assert heading.font().pointSizeF() == pytest.approx(title * 2, rel=0.02)
    again = SafetyNumberDialog("bob", NUMBER, False)  # and one opened at 200 %
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.number_label.font().pointSizeF() > digits)
    assert again.number_label.font().pointSizeF() == pytest.approx(digits * 2, rel=0.02)


@on_qasync
async def test_at_200_percent_the_window_keeps_its_width(
    tmp_path: Path, qtbot: QtBot, restore_look: QApplication
) -> None:
    apply_theme(restore_look, "light", 100)
    async with open_pair(tmp_path, qtbot) as pair:
        window = pair.window
        window.resize(760, 640)
        await wait_for(lambda: window.width() == 760)
        apply_theme(restore_look, "light", 200)
        await pair.from_bob("a message at a large text size")
        assert window.width() == 760


@on_qasync
async def test_the_verified_badge_takes_the_colours_of_the_theme_switched_to(
    tmp_path: Path, qtbot: QtBot, restore_look: QApplication
) -> None:
    apply_theme(restore_look, "dark")
    async with open_pair(tmp_path, qtbot) as pair:
        pane = pair.pane
        await pair.from_bob("so you know my key")
        await pair.alice.trust.mark_verified("bob", True)
        await pane.refresh_verified()
        await wait_for(lambda: pane.verified_badge.isVisible())
        apply_theme(restore_look, "light")  # switched back after verifying in the dark
        image = pane.verified_badge.grab().toImage()
        ink = drawn_color(image, LIGHT.header_background)
        assert contrast_ratio(ink, LIGHT.header_background) >= 3.0, ink.name()
