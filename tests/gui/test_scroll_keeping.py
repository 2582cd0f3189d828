"""The message list stays where the user put it: at the bottom it sticks to the bottom while
rows grow (a reaction, an edit); scrolled up, the top message stays put and a button counts
what arrived; gaining the focus never scrolls.

A real encrypted store of 5,000 messages, the real view offscreen; reactions and edits are
written to the store and shown through the model's own refresh, as the engine's events do.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import PEER, START_MS, StoreMessageSource, message_id, seed_one, wait_for
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from shiboken6 import delete as shiboken_delete

from chat_desktop.gui.conversation.message_model import MessageWindowModel
from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.storage.models import MessageKey
from chat_desktop.storage.store import MessageStore

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

SHOTS = Path("/tmp/shots/view")
THUMBS_UP = "\U0001f44d"


async def settled() -> None:
    """Waits until the zero-delay timers queued so far have run (this one fires after them)."""
    done: list[bool] = []
    QTimer.singleShot(0, lambda: done.append(True))
    await wait_for(lambda: bool(done))


async def opened_view(
    qtbot: QtBot, store: MessageStore
) -> tuple[QWidget, MessageWindowModel, MessageListView, QLineEdit]:
    """A window holding the list and a line edit (somewhere else for the focus to be)."""
    model = MessageWindowModel(StoreMessageSource(store), page_size=100, max_rows=300)
    window = QWidget()
    layout = QVBoxLayout(window)
    view = MessageListView(model)
    view.require_active_window = False
    other = QLineEdit()
    layout.addWidget(view)
    layout.addWidget(other)
    qtbot.addWidget(window)
    window.resize(600, 540)
    other.setFocus()
    window.show()
    await model.open_conversation(PEER)
    await wait_for(view.at_bottom)
    # The first layout passes are over once the newest row sits at the viewport's bottom.
    last = model.index(model.rowCount() - 1)
    await wait_for(lambda: view.visualRect(last).bottom() == view.viewport().height() - 1)
    await settled()
    return window, model, view, other


def react(store: MessageStore, target: str, number: int) -> None:
    store.messages.reactions.set(
        PEER,
        target,
        PEER,
        THUMBS_UP,
        sent_at=START_MS + 9_000_000 + number,
        content_id=f"r{number}",
    )


def row_height(view: MessageListView, model: MessageWindowModel, target: str) -> int:
    row = model.row_of(target)
    assert row is not None
    return view.visualRect(model.index(row)).height()


async def scrolled_to_the_middle(view: MessageListView) -> int:
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2 + 7)  # far from both ends: nothing pages in
    await wait_for(lambda: not view.at_bottom())
    await settled()
    return bar.value()


async def test_at_the_bottom_rows_that_grow_keep_the_bottom(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    # A reaction to a message above the newest one (its row grows by the chips' line).
    target = message_id(4_996)
    before = row_height(view, model, target)
    react(seeded_store, target, 1)
    await model.refresh_message(PEER, target)
    await wait_for(lambda: row_height(view, model, target) > before)
    assert view.at_bottom()
    last = model.index(model.rowCount() - 1)
    assert view.visualRect(last).bottom() == view.viewport().height() - 1
    # An edit that makes the newest message much longer.
    newest = message_id(4_999)
    before = row_height(view, model, newest)
    seeded_store.messages.apply_edit(
        MessageKey(PEER, newest),
        "a much longer text " * 20,
        edited_at=START_MS + 9_999_000,
        content_id="e",
    )
    await model.refresh_message(PEER, newest)
    await wait_for(lambda: row_height(view, model, newest) > before)
    assert view.at_bottom()
    assert view.visualRect(last).bottom() == view.viewport().height() - 1
    assert not view.new_messages_button.isVisible()


async def test_scrolled_up_the_top_message_stays_put_while_rows_above_grow(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    await scrolled_to_the_middle(view)
    anchor = view.top_anchor()
    assert anchor is not None
    row = model.row_of(anchor.message_id)
    assert row is not None
    for number, target in enumerate((model.message_at(row - 1).id, model.message_at(row - 5).id)):
        before = row_height(view, model, target)
        react(seeded_store, target, number)
        await model.refresh_message(PEER, target)
        await wait_for(
            lambda target=target, before=before: row_height(view, model, target) > before
        )
        assert view.top_anchor() == anchor
    # The top message itself growing (an edit) keeps its top edge where it was too.
    seeded_store.messages.apply_edit(
        MessageKey(PEER, anchor.message_id),
        "longer " * 60,
        edited_at=START_MS + 9_999_000,
        content_id="e",
    )
    before = row_height(view, model, anchor.message_id)
    await model.refresh_message(PEER, anchor.message_id)
    await wait_for(lambda: row_height(view, model, anchor.message_id) > before)
    assert view.top_anchor() == anchor


async def test_gaining_the_focus_never_scrolls(qtbot: QtBot, seeded_store: MessageStore) -> None:
    window, model, view, other = await opened_view(qtbot, seeded_store)
    bar = view.verticalScrollBar()
    position = await scrolled_to_the_middle(view)
    window.activateWindow()
    await wait_for(window.isActiveWindow)
    assert not view.currentIndex().isValid()
    # Tab into the list: the newest wholly visible message becomes current, nothing moves.
    view.setFocus(Qt.FocusReason.TabFocusReason)
    await wait_for(view.hasFocus)
    assert bar.value() == position
    current = view.currentIndex()
    assert current.isValid()
    rect = view.visualRect(current)
    assert rect.top() >= 0 and rect.bottom() < view.viewport().height()
    # The window loses and regains the focus (another window in between) with the list
    # focused and no current message (the conversation was reloaded meanwhile).
    elsewhere = QWidget()
    qtbot.addWidget(elsewhere)
    elsewhere.show()
    elsewhere.activateWindow()
    await wait_for(elsewhere.isActiveWindow)
    model.beginResetModel()
    model.endResetModel()
    bar.setValue(position)
    await wait_for(lambda: bar.value() == position and not view.currentIndex().isValid())
    window.activateWindow()
    await wait_for(window.isActiveWindow)
    await wait_for(view.hasFocus)
    await settled()  # anything the activation queued has run
    assert bar.value() == position
    # A click in the line edit and back with the mouse does not scroll either.
    other.setFocus(Qt.FocusReason.MouseFocusReason)
    view.setFocus(Qt.FocusReason.ActiveWindowFocusReason)
    assert bar.value() == position


async def test_scrolled_up_the_button_counts_new_messages_and_goes_to_the_bottom(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    position = await scrolled_to_the_middle(view)
    button = view.new_messages_button
    for number in (5_000, 5_002, 5_004):  # incoming ones
        seed_one(seeded_store, number)
        assert await model.add_message(PEER, message_id(number))
    assert view.verticalScrollBar().value() == position
    assert button.isVisible()
    assert button.count == 3
    assert "3" in button.text()
    assert "3" in button.accessibleName()
    SHOTS.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(SHOTS / "new-messages-button.png"))
    button.click()
    await wait_for(view.at_bottom)
    assert not button.isVisible()
    assert button.count == 0
    # Scrolled up again, the count starts from nothing.
    await scrolled_to_the_middle(view)
    seed_one(seeded_store, 5_006)
    assert await model.add_message(PEER, message_id(5_006))
    assert button.isVisible() and button.count == 1


async def test_a_closed_view_is_not_reached_by_its_models_later_changes(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    """The model can outlive its view (a chat closed while a refresh is on its way): a row that
    changes afterwards must not reach into the destroyed view's timers."""
    window, model, view, _other = await opened_view(qtbot, seeded_store)
    target = message_id(4_996)
    window.close()
    shiboken_delete(view)
    react(seeded_store, target, 2)
    await model.refresh_message(PEER, target)
    await settled()
    row = model.row_of(target)
    assert row is not None
    assert model.message_at(row).reactions  # the change itself went through
