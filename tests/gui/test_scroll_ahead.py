"""The message list has a scroll's work done before the scroll's paint (issue 22): the page
beyond an edge is fetched ahead, measured off the GUI thread, and comes in within the scroll
that reaches the edge without a layout on the GUI thread; the images of the rows a scroll
brings into view are asked for at once, and a thumbnail that arrives repaints its own row
only.

No timings: the tests look at what has happened when the scroll call returns (before the
event loop ran: before any paint), and at the rows painted. A real encrypted store of 5,000
messages and the real view, offscreen; a store that fails a page is the hostile case.
"""

from __future__ import annotations

import io
import threading

import pytest
from gui_helpers import PEER, START_MS, StoreMessageSource, message_id, wait_for
from PIL import Image
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot
from test_scroll_keeping import opened_view, settled
from test_scroll_work import Recorder, RecordingDelegate, add_images, current_thread

from chat_desktop.gui.conversation import (
    heights_ahead,
    layout_cache,
    message_delegate,
    message_view,
)
from chat_desktop.gui.conversation.list_paging import PAGE_TRIGGER_PX
from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.services.types import Message
from chat_desktop.storage.models import AttachmentInfo, Direction, MessageStatus, NewMessage
from chat_desktop.storage.store import MessageStore

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


def near_the_top(view: MessageListView) -> None:
    """Scrolls to a screen above the point where a page comes in (the next is fetched ahead)."""
    view.verticalScrollBar().setValue(PAGE_TRIGGER_PX + view.viewport().height())


async def test_a_page_fetched_ahead_comes_in_within_the_scroll_that_reaches_the_edge(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    near_the_top(view)
    await wait_for(model.older_ready)
    first_before, rows_before = model.message_at(0).id, model.rowCount()
    kept: list[object] = []
    model.rowsAboutToBeInserted.connect(lambda *_args: kept.append(view.top_anchor()))

    view.verticalScrollBar().setValue(PAGE_TRIGGER_PX // 2)  # a scroll reaching the edge

    # Done when the scroll returns, before the loop ran: the rows are in, the top message
    # the scroll showed is where it was, and nothing is left to wait for.
    assert model.rowCount() == rows_before + model.page_size
    assert model.message_at(model.page_size).id == first_before
    assert kept and kept[0] is not None and view.top_anchor() == kept[0]
    assert not view.settling
    assert (view.pages_at_once, view.pages_waited) == (1, 0)
    # Nearing the new edge fetches the page beyond it ahead in turn.
    near_the_top(view)
    await wait_for(model.older_ready)


async def test_a_page_fetched_ahead_is_measured_off_the_gui_thread_and_comes_in_unlaid_out(
    qtbot: QtBot, seeded_store: MessageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_gui = Recorder(monkeypatch, layout_cache, "compute_layout", current_thread)
    ahead = Recorder(monkeypatch, heights_ahead, "compute_layout", current_thread)
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    near_the_top(view)
    await wait_for(model.older_ready)
    assert len(ahead.calls) == model.page_size
    for thread in ahead.calls:
        assert thread is not threading.main_thread() and thread.name.startswith("chat-layout")
    delegate, rows = view.delegate, model.rowCount()
    laid_out, measured = len(on_gui.calls), delegate.measured

    view.verticalScrollBar().setValue(PAGE_TRIGGER_PX // 2)

    assert model.rowCount() == rows + model.page_size
    # Qt asked for every row's size: the new ones were measured ahead; only the row below
    # them (its day separator depends on the row above) may have been laid out again.
    assert delegate.measured - measured <= 1
    assert len(on_gui.calls) - laid_out <= 1
    # The heights measured on the other thread are the GUI thread's own.
    width = delegate.available_width()
    for row in range(model.page_size):
        index = model.index(row)
        layout = delegate.layout_for(index, width, view.font())
        assert layout is not None and view.visualRect(index).height() == layout.height


async def test_a_page_fetched_for_an_edge_that_moved_or_holding_a_changed_message_is_not_used(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    near_the_top(view)
    await wait_for(model.older_ready)
    # A message of the page fetched ahead changed (it is not shown: the refresh finds no row).
    in_the_page = message_id(int(model.message_at(0).id[1:]) - 1)
    assert await model.refresh_message(PEER, in_the_page) is None
    assert not model.older_ready()
    model.prefetch_older()
    await wait_for(model.older_ready)
    # The window's first rows went (trimmed): the page fetched beyond them is not theirs.
    model.trim_top(model.rowCount() - 10)
    assert model.has_older and not model.older_ready()
    first = model.message_at(0).id
    assert await view.load_older_keeping_anchor() == model.page_size
    assert model.message_at(model.page_size).id == first
    ids = model.message_ids()
    assert ids == sorted(ids)  # the seeded ids sort as the messages do: nothing out of place


class FailingOnce(StoreMessageSource):
    """A store whose next older page fails (a hostile or broken engine)."""

    def __init__(self, store: MessageStore) -> None:
        super().__init__(store)
        self.fail_next = False

    async def history(
        self, peer: str, limit: int = 50, before_id: str | None = None
    ) -> list[Message]:
        if self.fail_next and before_id is not None:
            self.fail_next = False
            raise OSError("the page could not be read")
        return await super().history(peer, limit, before_id)


async def test_a_page_whose_fetch_ahead_failed_is_fetched_again_when_the_edge_is_reached(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    source = FailingOnce(seeded_store)
    model._source = source
    source.fail_next = True
    near_the_top(view)
    await settled()
    await wait_for(lambda: not source.fail_next)  # the fetch ahead ran, and failed
    await settled()
    assert not model.older_ready()
    rows = model.rowCount()
    view.verticalScrollBar().setValue(PAGE_TRIGGER_PX // 2)
    await wait_for(lambda: model.rowCount() == rows + model.page_size)
    assert view.pages_waited == 1


async def test_a_scroll_asks_for_the_images_it_brings_into_view_before_its_paint(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    image_ids = add_images(seeded_store, range(4_850, 5_000, 3))
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    wanted: list[str] = []
    view.imageWanted.connect(wanted.append)
    bar = view.verticalScrollBar()

    bar.setValue(bar.value() - 3 * view.viewport().height())

    shown = [i for i in image_ids if model.row_of(i) in view.visible_rows()]
    assert shown
    assert set(shown) <= set(wanted)  # asked for before the loop ran (no paint yet)
    assert wanted[: len(shown)] == shown  # the rows on screen first


def jpeg_thumbnail() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 18), (200, 80, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


async def test_a_thumbnail_that_arrives_repaints_its_own_row_only(
    qtbot: QtBot, seeded_store: MessageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = START_MS + 4_998 * 1000 + 500
    seeded_store.messages.insert(
        NewMessage(
            id="thumbed",
            conversation_id=PEER,
            sender=PEER,
            direction=Direction.INCOMING,
            sort_key=at,
            kind="attachment",
            body=None,
            status=MessageStatus.DELIVERED,
            sent_at=at,
            attachment=AttachmentInfo(
                size=1000,
                mime="image/jpeg",
                file_name="photo.jpg",
                width=400,
                height=300,
                thumbnail=jpeg_thumbnail(),
                local_status="none",  # not downloaded: the thumbnail is what shows
            ),
        )
    )
    released = threading.Event()
    decode = message_delegate.decode_thumbnail

    def held_decode(data: bytes) -> QImage | None:  # on the worker, until the test lets go
        released.wait(10)
        return decode(data)

    monkeypatch.setattr(message_delegate, "decode_thumbnail", held_decode)
    monkeypatch.setattr(message_view, "MessageDelegate", RecordingDelegate)
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    delegate = view.delegate
    assert isinstance(delegate, RecordingDelegate)
    row = model.row_of("thumbed")
    assert row is not None and row in view.visible_rows()
    assert len(view.visible_rows()) > 2
    await settled()
    delegate.painted.clear()

    released.set()
    await wait_for(lambda: delegate.cached_thumbnail("thumbed") is not None)
    await wait_for(lambda: row in delegate.painted)
    await settled()

    assert set(delegate.painted) == {row}
