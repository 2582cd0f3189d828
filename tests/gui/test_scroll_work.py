"""The message list does only the work a change needs (issue 22): an image that arrives
repaints its row and measures no other, a page-in measures only the rows it brings, images are
decrypted and decoded in workers (neither on the GUI thread nor on the store's, which serves the
pages) and only once, and the caches keep to their budgets while thousands of messages go by.

No timings: the tests count the work (size hints, layout lookups, decodes) and look at the
threads it ran on. A real encrypted store of 5,000 messages and the real view, offscreen.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from gui_helpers import PEER, START_MS, wait_for
from PIL import Image
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem, QWidget
from pytestqt.qtbot import QtBot
from test_scroll_keeping import opened_view, settled

from chat_desktop.gui.conversation import conversation_files, message_view
from chat_desktop.gui.conversation.conversation_files import ConversationFiles
from chat_desktop.gui.conversation.image_files import IMAGE_JOBS_AT_ONCE
from chat_desktop.gui.conversation.layout_cache import LayoutCache
from chat_desktop.gui.conversation.list_paging import PAGE_TRIGGER_PX
from chat_desktop.gui.conversation.message_delegate import MessageDelegate
from chat_desktop.gui.conversation.message_model import MessageWindowModel
from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.services.attachment_at_rest import StoredAttachments
from chat_desktop.services.store_worker import StoreWorker
from chat_desktop.storage.attachment_files import AttachmentReader
from chat_desktop.storage.models import (
    AttachmentInfo,
    Direction,
    MessageKey,
    MessageStatus,
    NewMessage,
)
from chat_desktop.storage.store import MessageStore

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

IMAGE_SIZE = (200, 150)
#: Work a page-in may do beside laying out its own rows (the row below them gets a new
#: neighbour, a paint of the visible rows).
SMALL = 40
MIB = 1024 * 1024


def png_bytes(size: tuple[int, int] = IMAGE_SIZE) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def add_images(
    store: MessageStore,
    numbers: Iterable[int],
    size: tuple[int, int] = IMAGE_SIZE,
    *,
    data: bytes | None = None,
    prefix: str = "img",
    after_ms: int = 500,
) -> list[str]:
    """Downloaded images from ``PEER``, each ``after_ms`` after the seeded message
    ``number``; all show one file (a PNG of ``size``, or ``data``: what a peer claims is
    one) stored encrypted at rest. Returns their ids (``prefix`` + number), oldest first."""
    if data is None:
        data = png_bytes(size)
    stored = store.attachments.write(io.BytesIO(data))
    ids: list[str] = []
    with store.transaction():
        for number in numbers:
            image_id = f"{prefix}{number:05d}"
            at = START_MS + number * 1000 + after_ms
            store.messages.insert(
                NewMessage(
                    id=image_id,
                    conversation_id=PEER,
                    sender=PEER,
                    direction=Direction.INCOMING,
                    sort_key=at,
                    kind="attachment",
                    body=None,
                    status=MessageStatus.DELIVERED,
                    sent_at=at,
                    attachment=AttachmentInfo(
                        size=len(data),
                        mime="image/png",
                        file_name="photo.png",
                        width=size[0],
                        height=size[1],
                        local_file_id=stored.file_id,
                        local_status="done",
                    ),
                )
            )
            ids.append(image_id)
    return ids


class ShownFiles(ConversationFiles):
    """The pane's images decoded the app's way: ``attachments.read`` is the engine's own
    (:class:`StoredAttachments` over a :class:`StoreWorker`, the store's one thread)."""

    def __init__(
        self, store: MessageStore, folder: Path, model: MessageWindowModel, view: MessageListView
    ) -> None:
        super().__init__()
        self.worker = StoreWorker(store)
        stored = StoredAttachments(SimpleNamespace(worker=self.worker), folder)

        async def read(peer: str, message_id: str) -> bytes:
            return await stored.read(MessageKey(peer, message_id))

        self._client = SimpleNamespace(attachments=SimpleNamespace(read=read))
        self._peer = PEER
        self.model = model
        self.view = view
        view.imageWanted.connect(self._load_image)

    @property
    def loading(self) -> bool:
        return bool(self._loading_images)

    @property
    def idle(self) -> bool:
        """No image is being decrypted or decoded, for rows on screen or ahead of them."""
        return not self._loading_images and not self._images.running

    def stop(self) -> None:
        self.worker._executor.shutdown(wait=True)


class Recorder:
    """Wraps a function of a class or module and records something about each call."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, record: Any = None
    ) -> None:
        self.calls: list[Any] = []
        original = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(record(*args) if record is not None else None)
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)


class RecordingDelegate(MessageDelegate):
    """The view's delegate, noting the row of every size Qt asks for and every row painted
    (Qt calls a delegate's methods through the class it was made of: wrapping them later
    would not be seen)."""

    def __init__(self, view: QWidget) -> None:
        super().__init__(view)
        self.asked: list[int] = []
        self.painted: list[int] = []

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:
        self.asked.append(index.row())
        return super().sizeHint(option, index)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        self.painted.append(index.row())
        super().paint(painter, option, index)


def current_thread(*_args: object) -> threading.Thread:
    return threading.current_thread()


async def test_an_arriving_image_repaints_its_row_and_measures_no_other(
    qtbot: QtBot, seeded_store: MessageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    [image_id] = add_images(seeded_store, [4_997])
    monkeypatch.setattr(message_view, "MessageDelegate", RecordingDelegate)
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    delegate = view.delegate
    assert isinstance(delegate, RecordingDelegate)
    row = model.row_of(image_id)
    assert row is not None and row in view.visible_rows()
    await settled()
    delegate.asked.clear()
    delegate.painted.clear()
    before = delegate.size_hints
    model.set_image(image_id, QImage(400, 300, QImage.Format.Format_ARGB32))
    await wait_for(lambda: row in delegate.painted)
    await settled()
    # Qt asked for no size but the image row's own (to know where to repaint it).
    assert set(delegate.asked) <= {row}
    assert delegate.size_hints - before == len(delegate.asked)
    assert model.has_image(image_id)


async def test_a_page_in_measures_only_the_rows_it_brings(
    qtbot: QtBot, seeded_store: MessageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    lookups = Recorder(monkeypatch, LayoutCache, "get")
    bar = view.verticalScrollBar()
    measured: list[int] = []
    for _ in range(4):  # the window fills up to 300 rows, then trims as many as come in
        bar.setValue(PAGE_TRIGGER_PX + 1)  # near the top, as a reader going up (no page yet)
        await settled()
        anchor = view.top_anchor()
        assert anchor is not None
        before = len(lookups.calls)
        added = await view.load_older_keeping_anchor()
        assert added == model.page_size
        assert view.top_anchor() == anchor  # the top message stayed where it was
        await settled()
        # Qt asks for every row's size again; the rows it had measured cost no layout.
        assert len(lookups.calls) - before <= added + SMALL
        assert view.top_anchor() == anchor
        measured.append(view.delegate.measured)
    assert model.rowCount() == model.max_rows
    assert all(later - earlier <= model.page_size + SMALL for earlier, later in pairwise(measured))


async def test_images_are_decrypted_and_decoded_in_workers_and_only_once(
    qtbot: QtBot, seeded_store: MessageStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image_ids = add_images(seeded_store, range(4_991, 5_000, 2))
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    decrypted = Recorder(monkeypatch, AttachmentReader, "readinto", current_thread)
    decoded = Recorder(monkeypatch, conversation_files, "decode_scaled", current_thread)
    files = ShownFiles(seeded_store, tmp_path / "open", model, view)
    qtbot.addWidget(files)
    try:
        shown = [i for i in image_ids if model.row_of(i) in view.visible_rows()]
        assert shown
        view.check_images()
        await wait_for(lambda: all(model.has_image(i) for i in shown))
        assert decrypted.calls and decoded.calls
        for thread in decrypted.calls + decoded.calls:
            assert thread is not threading.main_thread()
            assert not thread.name.startswith("chat-store")
        # Paged far enough up that their rows leave the window, then back to the newest:
        # they are drawn again without being decrypted or decoded again.
        reads, decodes = len(decrypted.calls), len(decoded.calls)
        while any(model.row_of(i) is not None for i in image_ids):
            assert await view.load_older_keeping_anchor()
        while model.has_newer:
            await view.load_newer_keeping_anchor()
        view.scroll_to_newest()
        await settled()
        view.check_images()
        await settled()
        await wait_for(lambda: not files.loading)
        assert all(model.has_image(i) for i in shown)
        assert (len(decrypted.calls), len(decoded.calls)) == (reads, decodes)
    finally:
        await wait_for(lambda: not files.loading)
        files.stop()


async def test_the_caches_keep_to_their_budgets_while_thousands_of_messages_go_by(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    add_images(seeded_store, range(1_500, 5_000, 10))
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    images, layouts, heights = model.images, view.delegate.layouts, view.delegate.heights
    images.budget_bytes = 2 * MIB
    delivered: list[str] = []

    def decode(message_id: str) -> None:  # a decoded image of 480,000 bytes at once
        delivered.append(message_id)
        model.set_image(message_id, QImage(400, 300, QImage.Format.Format_ARGB32))

    view.imageWanted.connect(decode)
    bar = view.verticalScrollBar()
    while model.row_of("m01999") is None:  # paged a page at a time through 3,000 messages
        bar.setValue(max(0, bar.value() - view.viewport().height()))
        await wait_for(lambda: not view.paging and not model.busy)
        await settled()
        assert images.size_bytes <= images.budget_bytes
        assert len(layouts) <= layouts.capacity
        assert len(heights) <= heights.capacity
    assert len(set(delivered)) * 400 * 300 * 4 > 10 * images.budget_bytes
    assert len(images) >= 1
    assert layouts.computed > layouts.capacity


async def test_images_just_below_the_viewport_are_decoded_before_they_are_shown(
    qtbot: QtBot, seeded_store: MessageStore, tmp_path: Path
) -> None:
    image_ids = add_images(seeded_store, range(4_900, 5_000, 3))
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    files = ShownFiles(seeded_store, tmp_path / "open", model, view)
    qtbot.addWidget(files)
    try:
        bar = view.verticalScrollBar()
        bar.setValue(bar.value() - 3 * view.viewport().height())  # up, as a reader going back
        await settled()
        visible = view.visible_rows()
        rows = {i: model.row_of(i) for i in image_ids}
        # The first image below the viewport: never on screen since its image could be decoded.
        below = min((row, i) for i, row in rows.items() if row is not None and row >= visible.stop)
        assert view.visualRect(model.index(below[0])).top() < 2 * view.viewport().height()
        await wait_for(lambda: model.has_image(below[1]), timeout=10)
        assert view.visible_rows() == visible
    finally:
        await wait_for(lambda: files.idle)
        files.stop()


async def test_no_more_than_a_few_images_are_decoded_at_once(
    qtbot: QtBot, seeded_store: MessageStore, tmp_path: Path
) -> None:
    image_ids = add_images(seeded_store, range(4_960, 5_000), size=(40, 30))
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    files = ShownFiles(seeded_store, tmp_path / "open", model, view)
    qtbot.addWidget(files)
    data = png_bytes((40, 30))
    opened = asyncio.Event()
    reading = [0]
    peak = [0]

    async def slow_read(peer: str, message_id: str) -> bytes:  # held until the test opens it
        reading[0] += 1
        peak[0] = max(peak[0], reading[0])
        try:
            await opened.wait()
            return data
        finally:
            reading[0] -= 1

    files._client = SimpleNamespace(attachments=SimpleNamespace(read=slow_read))
    try:
        shown = [i for i in image_ids if model.row_of(i) in view.visible_rows()]
        assert len(shown) > IMAGE_JOBS_AT_ONCE
        view.check_images()
        # Jobs mostly wait (for the store's thread, a decrypting worker): a few overlap.
        await wait_for(lambda: reading[0] == IMAGE_JOBS_AT_ONCE)
        for _ in range(5):
            await settled()
        assert peak[0] == IMAGE_JOBS_AT_ONCE
        opened.set()
        await wait_for(lambda: all(model.has_image(i) for i in shown))
        assert peak[0] == IMAGE_JOBS_AT_ONCE
    finally:
        opened.set()
        await wait_for(lambda: files.idle)
        files.stop()


async def test_images_are_decoded_to_the_screens_pixels_never_beyond_their_own(
    qtbot: QtBot, seeded_store: MessageStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large photo decodes to its bubble's box in device pixels (offscreen: one device
    pixel a pixel), not twice that; a small one at its own size, never enlarged."""
    large_ids = add_images(seeded_store, [4_997], size=(1024, 768))
    small_ids = add_images(seeded_store, [4_998])
    _window, model, view, _other = await opened_view(qtbot, seeded_store)
    sizes: dict[tuple[int, int], tuple[int, int]] = {}

    def natural_and_target(data: bytes, size: QSize) -> tuple[tuple[int, int], tuple[int, int]]:
        image = QImage.fromData(data)
        return (image.width(), image.height()), (size.width(), size.height())

    decoded = Recorder(monkeypatch, conversation_files, "decode_scaled", natural_and_target)
    files = ShownFiles(seeded_store, tmp_path / "open", model, view)
    qtbot.addWidget(files)
    try:
        assert view.devicePixelRatioF() == 1.0
        view.check_images()
        await wait_for(lambda: all(model.has_image(i) for i in large_ids + small_ids))
        sizes.update(decoded.calls)
        placed = view.row_layout(large_ids[0])
        assert placed is not None and placed[1].image is not None
        large_box = placed[1].image.size()
        assert sizes[(1024, 768)] == (large_box.width(), large_box.height())
        assert large_box.width() < 1024 // 2 + 100  # the box, well under the photo's width
        assert sizes[IMAGE_SIZE] == IMAGE_SIZE
    finally:
        await wait_for(lambda: files.idle)
        files.stop()
