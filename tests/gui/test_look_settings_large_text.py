"""Settings at a 200 % text size (issue 19, item 13): long texts wrap, nothing scrolls sideways.

A real account on a real relay (127.0.0.1, port 0), the real Settings window at its own size
(never widened: the window's width is what a user has), every page looked at in turn.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import account_on_relay, wait_for
from look_helpers import settled
from PySide6.QtWidgets import QApplication, QCheckBox, QScrollArea
from pytestqt.qtbot import QtBot

from chat_desktop.gui.common.theme import apply_theme
from chat_desktop.gui.settings.window import DEFAULT_SIZE, SettingsWindow

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


async def test_at_200_percent_no_settings_page_scrolls_sideways_and_long_texts_wrap(
    tmp_path: Path, qtbot: QtBot, restore_look: QApplication
) -> None:
    assert DEFAULT_SIZE[0] <= 800
    apply_theme(restore_look, "light", 200)
    async with account_on_relay(tmp_path, "alice") as (_relay, _profile, client):
        try:
            settings = SettingsWindow(client)
            qtbot.addWidget(settings)
            settings.show()
            await settings.loading
            width = settings.width()
            for row in range(settings.sections.count()):
                settings.sections.setCurrentRow(row)
                scroll = settings.pages.currentWidget()
                assert isinstance(scroll, QScrollArea)
                await wait_for(lambda scroll=scroll: scroll.isVisible())
                page = scroll.widget()
                await settled(
                    lambda scroll=scroll, page=page: (
                        page.width() <= scroll.viewport().width()
                        and not scroll.horizontalScrollBar().isVisible()
                    )
                )
                name = settings.sections.item(row).text()
                assert not scroll.horizontalScrollBar().isVisible(), name
                assert page.width() <= scroll.viewport().width(), name
            assert settings.width() == width  # the window kept its size
            sections = settings.sections
            assert not sections.horizontalScrollBar().isVisible()
            for row in range(sections.count()):  # every section's name whole in the list
                item_rect = sections.visualItemRect(sections.item(row))
                assert item_rect.right() < sections.viewport().width(), row
                text_width = sections.fontMetrics().horizontalAdvance(sections.item(row).text())
                assert text_width < item_rect.width(), row

            tray_box = settings.privacy_page.close_to_tray_box
            assert isinstance(tray_box, QCheckBox)
            assert tray_box.text() == "Keep running in the tray when the window is closed"
            one_line = tray_box.fontMetrics().height()
            # The whole text is there, on more than one line, inside the page.
            assert tray_box.height() > 1.5 * one_line
            assert tray_box.geometry().right() < settings.privacy_page.width()
            note = settings.account_page.relay_note
            assert note.wordWrap()
            assert note.mapTo(settings.account_page, note.rect().topRight()).x() < (
                settings.account_page.width()
            )
            settings.close()
        finally:
            await client.close()
