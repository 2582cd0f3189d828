"""Forwarding and picking several messages in the window (issue 23, item 4): "Forward…" in a
message's menu asks which chats and forwards; "Select" starts picking, clicks pick more, the
bar forwards or deletes them together, Esc stops. Real relay, real clients, the real window.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conversation_helpers import Pair, eventually, open_pair
from gui_helpers import PASSWORD, wait_for
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.conversation.forward_dialog import ForwardDialog
from chat_desktop.services.client import ChatClient

pytestmark = [pytest.mark.gui]

SHOTS = Path("/tmp/shots/view")


def check(pair: Pair, chat: str) -> None:
    dialog = pair.pane.forward_dialog
    assert dialog is not None
    items = [dialog.chats.item(row) for row in range(dialog.chats.count())]
    (item,) = [item for item in items if item.text() == chat]
    item.setCheckState(Qt.CheckState.Checked)


async def texts_from_alice(carol: ChatClient) -> list[str]:
    return [message.body or "" for message in await carol.messages.history("alice", 20)]


async def test_forward_one_then_pick_several_to_forward_and_delete(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        carol, _recovery = await ChatClient.create(
            tmp_path / "carol", pair.relay.url, "carol", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        try:
            await carol.connect()
            await carol.wait_connected()
            await pair.alice.conversations.start("carol")  # no message request
            await carol.messages.send_text("alice", "hi alice")
            await wait_for(lambda: "carol" in pair.window.conversation_list.peers())
            first = await pair.from_bob("the first plan")
            second = await pair.from_bob("the second plan")
            view = pair.view

            # One message, from its menu.
            view.trigger("forward", pair.shown(first), QPoint(0, 0))  # type: ignore[arg-type]
            await wait_for(lambda: pair.pane.forward_dialog is not None)
            dialog = pair.pane.forward_dialog
            assert dialog is not None
            assert not dialog.forward_button.isEnabled()  # nothing chosen yet
            assert {"bob", "carol"} <= {
                dialog.chats.item(row).text() for row in range(dialog.chats.count())
            }
            dialog.filter_edit.setText("car")
            assert dialog.chats.findItems("bob", Qt.MatchFlag.MatchExactly)[0].isHidden()
            check(pair, "carol")
            assert dialog.forward_button.isEnabled()
            dialog.forward_button.click()
            await eventually(lambda: _has(carol, ["hi alice", "the first plan"]))

            # Several, picked.
            view.trigger("select", pair.shown(first), QPoint(0, 0))  # type: ignore[arg-type]
            assert view.picking.active and view.picking.picked == [first]
            assert pair.pane.selection_bar.isVisible() and not pair.pane.composer.isVisible()
            second_row = pair.model.row_of(second)
            assert second_row is not None
            centre = view.visualRect(pair.model.index(second_row)).center()
            QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
            assert view.picking.picked == [first, second]
            assert pair.pane.selection_bar.count_label.text() == "2 selected"
            SHOTS.mkdir(parents=True, exist_ok=True)
            await asyncio.sleep(0.2)  # the window lays out the bar in the composer's place
            pair.window.grab().save(str(SHOTS / "picking.png"))
            pair.pane.selection_bar.forward_button.click()
            await wait_for(
                lambda: (
                    pair.pane.forward_dialog is not None and pair.pane.forward_dialog is not dialog
                )
            )
            check(pair, "carol")
            assert pair.pane.forward_dialog is not None
            pair.pane.forward_dialog.forward_button.click()
            await eventually(
                lambda: _has(
                    carol, ["hi alice", "the first plan", "the first plan", "the second plan"]
                )
            )
            await wait_for(lambda: not view.picking.active)
            assert pair.pane.composer.isVisible() and not pair.pane.selection_bar.isVisible()

            # Picked, then deleted for me; Esc stops picking.
            view.trigger("select", pair.shown(second), QPoint(0, 0))  # type: ignore[arg-type]
            pair.pane.selection_bar.delete_button.click()
            await wait_for(lambda: pair.shown(second) is None)
            assert pair.shown(first) is not None and not view.picking.active
            view.trigger("select", pair.shown(first), QPoint(0, 0))  # type: ignore[arg-type]
            view.setFocus()
            QTest.keyClick(view, Qt.Key.Key_Escape)
            assert not view.picking.active and view.picking.picked == []
        finally:
            await carol.close()


async def _has(carol: ChatClient, expected: list[str]) -> bool:
    return sorted(await texts_from_alice(carol)) == sorted(expected)


def test_a_group_is_offered_by_its_title_and_picked_by_its_id(qtbot: QtBot) -> None:
    group = "g:" + "cd" * 32
    dialog = ForwardDialog(["bob", group], 1, names={group: "Team"})
    qtbot.addWidget(dialog)
    rows = [dialog.chats.item(row) for row in range(dialog.chats.count())]
    assert [item.text() for item in rows] == ["bob", "Team"]
    dialog.filter_edit.setText("tea")
    assert rows[0].isHidden() and not rows[1].isHidden()
    rows[1].setCheckState(Qt.CheckState.Checked)
    assert dialog.picked() == [group] and dialog.forward_button.isEnabled()
