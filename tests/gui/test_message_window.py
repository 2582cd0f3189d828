"""The message list over a real encrypted store of 5,000 messages: a bounded, paged window."""

from __future__ import annotations

import pytest
from gui_helpers import PEER, StoreMessageSource, message_id, seed_one, wait_for
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from chat_desktop.gui.conversation.message_model import MESSAGE_ROLE, MessageWindowModel
from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.storage.models import Message
from chat_desktop.storage.store import MessageStore

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

MAX_ROWS = 300
PAGE = 100


def make_view(qtbot: QtBot, store: MessageStore) -> tuple[MessageWindowModel, MessageListView]:
    model = MessageWindowModel(StoreMessageSource(store), page_size=PAGE, max_rows=MAX_ROWS)
    view = MessageListView(model)
    view.require_active_window = False
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.show()
    return model, view


async def test_model_passes_qt_model_tester(
    qtmodeltester: ModelTester, seeded_store: MessageStore
) -> None:
    model = MessageWindowModel(StoreMessageSource(seeded_store), page_size=PAGE, max_rows=MAX_ROWS)
    await model.open_conversation(PEER)
    qtmodeltester.check(model, force_py=True)
    await model.load_older()
    model.trim_bottom(150)
    qtmodeltester.check(model, force_py=True)
    first = model.index(0).data(MESSAGE_ROLE)
    assert isinstance(first, Message)
    assert model.rowCount() == 150


async def test_opening_shows_only_the_newest_page(qtbot: QtBot, seeded_store: MessageStore) -> None:
    model, view = make_view(qtbot, seeded_store)
    await model.open_conversation(PEER)
    assert model.rowCount() == PAGE
    assert model.message_at(model.rowCount() - 1).id == message_id(4_999)
    assert model.has_older and not model.has_newer
    await wait_for(view.at_bottom)


async def test_scrolling_to_the_top_pages_in_older_rows_and_keeps_the_anchor(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    model, view = make_view(qtbot, seeded_store)
    await model.open_conversation(PEER)
    oldest_seen = model.message_at(0).id
    for _ in range(6):
        # Put the top of the window on screen: the view must page in older rows by itself.
        before_rows = model.message_ids()
        view.verticalScrollBar().setValue(0)
        await wait_for(lambda before=before_rows: model.message_ids() != before)
        await wait_for(lambda: not model.busy)
        assert model.rowCount() <= MAX_ROWS
    assert model.message_at(0).id < oldest_seen
    assert model.has_newer  # rows far below were dropped


async def test_anchor_row_stays_at_the_same_viewport_position(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    model, view = make_view(qtbot, seeded_store)
    await model.open_conversation(PEER)
    view.doItemsLayout()
    # Scroll to just below the paging trigger so nothing loads on its own.
    anchor_row = 30
    view.scrollTo(model.index(anchor_row), view.ScrollHint.PositionAtTop)
    anchor = view.top_anchor()
    assert anchor is not None
    added = await view.load_older_keeping_anchor()
    assert added == PAGE
    row = model.row_of(anchor.message_id)
    assert row is not None
    assert view.visualRect(model.index(row)).top() == anchor.offset
    assert view.top_anchor() == anchor


async def test_window_never_exceeds_its_bound_over_the_whole_history(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    model, view = make_view(qtbot, seeded_store)
    await model.open_conversation(PEER)
    largest = model.rowCount()
    while model.has_older:
        await view.load_older_keeping_anchor()
        largest = max(largest, model.rowCount())
    assert model.message_at(0).id == message_id(0)
    assert largest <= MAX_ROWS
    assert model.rowCount() == MAX_ROWS
    # And back down to the newest end through the bottom.
    while model.has_newer:
        await view.load_newer_keeping_anchor()
        assert model.rowCount() <= MAX_ROWS
    assert model.message_at(model.rowCount() - 1).id == message_id(4_999)


async def test_jump_to_message_loads_the_window_around_it(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    model, view = make_view(qtbot, seeded_store)
    await model.open_conversation(PEER)
    target = message_id(1_234)
    assert model.row_of(target) is None
    assert await view.jump_to(target)
    row = model.row_of(target)
    assert row is not None
    ids = model.message_ids()
    assert ids[0] < target < ids[-1]
    assert model.rowCount() <= MAX_ROWS
    assert model.has_older and model.has_newer
    assert row in view.visible_rows()
    # A new message arriving meanwhile does not enter a window that is in the past.
    assert not await model.add_message(PEER, message_id(4_999))


async def test_scrolled_up_a_new_message_shows_the_button_instead_of_jumping(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    model, view = make_view(qtbot, seeded_store)
    await model.open_conversation(PEER)
    await wait_for(view.at_bottom)
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)  # far from both ends: nothing pages in
    position = bar.value()
    seed_one(seeded_store, 5_000)
    assert await model.add_message(PEER, message_id(5_000))
    assert model.message_at(model.rowCount() - 1).id == message_id(5_000)
    assert bar.value() == position
    assert view.new_messages_button.isVisible()
    view.new_messages_button.click()
    await wait_for(view.at_bottom)
    assert not view.new_messages_button.isVisible()
    # At the bottom, the next one sticks to the bottom.
    seed_one(seeded_store, 5_002)  # incoming, like the first
    assert await model.add_message(PEER, message_id(5_002))
    await wait_for(view.at_bottom)
    assert not view.new_messages_button.isVisible()


async def test_a_short_conversation_sits_at_the_bottom(qtbot: QtBot, tmp_path: object) -> None:
    from pathlib import Path

    from gui_helpers import PASSWORD, seed_messages

    from chat_desktop.crypto.vault import FLOOR_PARAMS
    from chat_desktop.storage.vault_file import Vault

    assert isinstance(tmp_path, Path)
    vault, _ = Vault.create(tmp_path / "short", PASSWORD, kdf_params=FLOOR_PARAMS)
    store = vault.open_store()
    try:
        seed_messages(store, 3)
        model, view = make_view(qtbot, store)
        await model.open_conversation(PEER)
        last = model.index(model.rowCount() - 1)

        def last_row_bottom_in_view() -> int:
            rect = view.visualRect(last)
            return view.viewport().mapTo(view, rect.bottomLeft()).y()

        # The newest message ends next to the view's bottom edge, the free space is above.
        await wait_for(lambda: view.height() - last_row_bottom_in_view() < 30)
        first_top = view.viewport().mapTo(view, view.visualRect(model.index(0)).topLeft()).y()
        assert first_top > view.height() // 2
    finally:
        vault.lock()
