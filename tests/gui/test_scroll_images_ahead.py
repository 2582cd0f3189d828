"""Images are decoded a few screens ahead the way the list scrolls (issue 22, images_ahead.py).

A decode takes a few scroll steps; a reader paging back through a photo-rich history waited
for most images when only those about a screen ahead were decoded. The rows a few screens
ahead in the direction of travel have their images decoded before they are shown (one screen
the other way), none beyond; a peer's broken image among them does not stop the others.

No timings: the tests wait for the images (bounded) and look at which were decoded. A real
encrypted store of 5,000 messages, the app's decrypt-and-decode path, the real view offscreen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import wait_for
from pytestqt.qtbot import QtBot
from test_scroll_keeping import opened_view, settled
from test_scroll_work import ShownFiles, add_images

from chat_desktop.gui.conversation.images_ahead import AHEAD_SCREENS, BEHIND_SCREENS
from chat_desktop.gui.conversation.message_model import MessageWindowModel
from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.storage.store import MessageStore

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


def screens_above(view: MessageListView, model: MessageWindowModel, message_id: str) -> float:
    """How many viewport heights above the viewport's top the row's bottom edge is."""
    row = model.row_of(message_id)
    assert row is not None
    bottom = view.visualRect(model.index(row)).bottom()
    return -bottom / view.viewport().height()


def screens_below(view: MessageListView, model: MessageWindowModel, message_id: str) -> float:
    """How many viewport heights below the viewport's bottom the row's top edge is."""
    row = model.row_of(message_id)
    assert row is not None
    top = view.visualRect(model.index(row)).top()
    return (top - view.viewport().height()) / view.viewport().height()


def add_broken_image(store: MessageStore, number: int) -> str:
    """A peer's "image" whose stored file is not an image at all (a hostile or broken file)."""
    data = b"\x89PNG\r\n\x1a\n" + b"not really a picture" * 50
    return add_images(store, [number], data=data, prefix="bad", after_ms=700)[0]


async def test_images_a_few_screens_ahead_the_way_the_list_scrolls_are_decoded_first(
    qtbot: QtBot, seeded_store: MessageStore, tmp_path: Path
) -> None:
    image_ids = add_images(seeded_store, range(4_800, 5_000, 3))
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    files = ShownFiles(seeded_store, tmp_path / "open", model, view)
    qtbot.addWidget(files)
    try:
        bar = view.verticalScrollBar()
        # Far back, towards older rows: nothing near there was in reach before.
        bar.setValue(bar.value() - 8 * view.viewport().height())
        await settled()
        visible = view.visible_rows()
        held = [i for i in image_ids if model.row_of(i) is not None]
        # Two screens ahead and more: beyond what a screen's look-ahead reaches.
        ahead = [i for i in held if 2.0 < screens_above(view, model, i) < AHEAD_SCREENS - 0.2]
        beyond = [i for i in held if screens_above(view, model, i) > AHEAD_SCREENS + 0.2]
        behind = [i for i in held if BEHIND_SCREENS + 0.2 < screens_below(view, model, i) < 2.8]
        assert ahead and beyond and behind
        await wait_for(lambda: all(model.has_image(i) for i in ahead), timeout=20)
        await wait_for(lambda: files.idle)
        assert view.visible_rows() == visible  # decoded before they were shown
        assert not any(model.has_image(i) for i in beyond + behind)

        # Turning back: the rows a few screens below are wanted now.
        bar.setValue(bar.value() + 10)
        await settled()
        await wait_for(lambda: all(model.has_image(i) for i in behind), timeout=20)
    finally:
        await wait_for(lambda: files.idle)
        files.stop()


async def test_a_peers_broken_image_ahead_does_not_stop_the_images_beyond_it(
    qtbot: QtBot, seeded_store: MessageStore, tmp_path: Path
) -> None:
    image_ids = add_images(seeded_store, range(4_800, 5_000, 3))
    broken = [add_broken_image(seeded_store, number) for number in range(4_801, 5_000, 3)]
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    files = ShownFiles(seeded_store, tmp_path / "open", model, view)
    qtbot.addWidget(files)
    try:
        bar = view.verticalScrollBar()
        bar.setValue(bar.value() - 4 * view.viewport().height())
        await settled()
        ahead = [
            i
            for i in image_ids + broken
            if model.row_of(i) is not None and 1.5 < screens_above(view, model, i) < 2.6
        ]
        good = [i for i in ahead if i in image_ids]
        bad = [i for i in ahead if i in broken]
        assert good and bad
        await wait_for(lambda: all(model.has_image(i) for i in good), timeout=20)
        await wait_for(lambda: files.idle)
        assert not any(model.has_image(i) for i in bad)  # left as placeholders
        assert view.isVisible()
    finally:
        await wait_for(lambda: files.idle)
        files.stop()
