"""A peer's thumbnail is decoded off the GUI thread, bounded, and never cached upscaled.

The thumbnail travels inside the message, so the peer chooses its bytes: a "thumbnail" whose
header claims thousands of pixels a side once cost hundreds of MiB on the GUI thread.
"""

from __future__ import annotations

import io

import msgspec
import pytest
from gui_helpers import StoreMessageSource, numbered_message, wait_for
from PIL import Image
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from chat_desktop.gui.conversation.message_delegate import MAX_THUMBNAIL_SIDE, MessageDelegate
from chat_desktop.gui.conversation.message_model import MessageWindowModel
from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.storage.models import AttachmentInfo, Message, MessageKey
from chat_desktop.storage.store import MessageStore

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


def jpeg(size: tuple[int, int], quality: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def noisy_jpeg(side: int) -> bytes:
    """A small image that does not compress: several KiB at quality 100."""
    buffer = io.BytesIO()
    Image.effect_noise((side, side), 100).convert("RGB").save(buffer, "JPEG", quality=100)
    return buffer.getvalue()


def hostile_thumbnail() -> bytes:
    """≤ 2 KiB whose header claims 3000 × 3000 px (the rest is cut off)."""
    return jpeg((3000, 3000))[:2000]


def image_message(store: MessageStore, number: int, thumbnail: bytes) -> Message:
    new = msgspec.structs.replace(
        numbered_message(number),
        kind="attachment",
        body=None,
        attachment=AttachmentInfo(
            blob_id=f"blob{number}",
            mime="image/jpeg",
            width=3000,
            height=3000,
            size=10_000_000,
            thumbnail=thumbnail,
            local_status="none",
        ),
    )
    store.messages.insert(new)
    message = store.messages.get(MessageKey(new.conversation_id, new.id))
    assert message is not None
    return message


def paint_row(view: MessageListView, row: int) -> None:
    delegate = view.itemDelegate()
    assert isinstance(delegate, MessageDelegate)
    target = QImage(600, 400, QImage.Format.Format_ARGB32)
    painter = QPainter(target)
    option = QStyleOptionViewItem()
    option.rect = view.visualRect(view.model().index(row, 0))
    option.font = view.font()
    delegate.paint(painter, option, view.model().index(row, 0))
    painter.end()


async def test_thumbnails_are_decoded_off_the_gui_thread_small_and_bounded(
    seeded_store: MessageStore, qtbot: QtBot
) -> None:
    good = image_message(seeded_store, 90_001, jpeg((96, 72)))
    hostile = image_message(seeded_store, 90_002, hostile_thumbnail())
    too_many_bytes = image_message(seeded_store, 90_003, noisy_jpeg(64))
    model = MessageWindowModel(StoreMessageSource(seeded_store), page_size=20)
    view = MessageListView(model)
    qtbot.addWidget(view)  # deleted on the GUI thread, never by a worker's garbage collection
    model.setParent(view)
    view.resize(600, 2000)
    view.show()
    await model.open_conversation(good.conversation_id)
    delegate = view.itemDelegate()
    assert isinstance(delegate, MessageDelegate)
    assert too_many_bytes.attachment is not None
    assert too_many_bytes.attachment.thumbnail is not None
    assert len(too_many_bytes.attachment.thumbnail) > 2048
    rows = {message.id: model.row_of(message.id) for message in (good, hostile, too_many_bytes)}

    for row in rows.values():
        assert row is not None
        paint_row(view, row)
    # Painting never decodes: the placeholder is drawn while a worker decodes.
    assert delegate.cached_thumbnail(good.id) is None

    await wait_for(lambda: delegate.cached_thumbnail(good.id) is not None)
    preview = delegate.cached_thumbnail(good.id)
    assert preview is not None
    # Kept small (never the bubble's size): it is stretched only when painted.
    assert preview.width() <= 96 and preview.height() <= 72

    for row in rows.values():
        assert row is not None
        paint_row(view, row)
    await wait_for(lambda: not delegate._decoding)
    assert delegate.cached_thumbnail(hostile.id) is None
    assert delegate.cached_thumbnail(too_many_bytes.id) is None
    assert MAX_THUMBNAIL_SIDE == 96  # what services/image_processing.py makes at most
    view.hide()
