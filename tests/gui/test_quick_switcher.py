"""Ctrl+K's switcher: the filter field keeps the keyboard; arrows move through the matches."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from chat_desktop.gui.conversation_list.quick_switcher import QuickSwitcher

pytestmark = pytest.mark.gui


def test_arrows_move_through_the_matches_and_enter_opens_one(qtbot: QtBot) -> None:
    switcher = QuickSwitcher(["bob", "bea", "carol"])
    qtbot.addWidget(switcher)
    chosen: list[str] = []
    switcher.conversationChosen.connect(chosen.append)
    qtbot.keyClicks(switcher.filter_edit, "b")
    assert switcher.results.count() == 2 and switcher.results.currentRow() == 0
    qtbot.keyClick(switcher.filter_edit, Qt.Key.Key_Down)
    assert switcher.results.currentRow() == 1
    qtbot.keyClick(switcher.filter_edit, Qt.Key.Key_Down)  # wraps round
    assert switcher.results.currentRow() == 0
    qtbot.keyClick(switcher.filter_edit, Qt.Key.Key_Up)
    assert switcher.results.currentRow() == 1
    qtbot.keyClick(switcher.filter_edit, Qt.Key.Key_Return)
    assert chosen == ["bea"]


def test_a_group_is_listed_and_found_by_its_title_not_its_id(qtbot: QtBot) -> None:
    group = "g:" + "ab" * 32
    switcher = QuickSwitcher(["bob", group], names={group: "Hiking", "bob": "bob"})
    qtbot.addWidget(switcher)
    chosen: list[str] = []
    switcher.conversationChosen.connect(chosen.append)
    listed = [switcher.results.item(row).text() for row in range(switcher.results.count())]
    assert listed == ["bob", "Hiking"]
    qtbot.keyClicks(switcher.filter_edit, "ab")  # in the group's id, not in any name
    assert switcher.results.count() == 0
    switcher.filter_edit.setText("hik")
    assert [switcher.results.item(0).text()] == ["Hiking"]
    qtbot.keyClick(switcher.filter_edit, Qt.Key.Key_Return)
    assert chosen == [group]
