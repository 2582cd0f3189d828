"""Links in bubbles underline and answer clicks on exactly their own characters, whatever
comes before them: emoji and other astral-plane characters (two UTF-16 units each, one
Python character), combining marks, right-to-left text.

The expected ranges are computed here from the text alone (where the URL is, in UTF-16
units, which is what Qt's text classes count), never from the code under test; clicks go
through the real view at points taken from the painted ``QTextLayout``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, PEER, StoreMessageSource, wait_for
from PySide6.QtCore import QDateTime, QEvent, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QMouseEvent, QTextLayout
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.conversation.link_text import find_links
from chat_desktop.gui.conversation.message_layout import MessageLayout
from chat_desktop.gui.conversation.message_model import MessageWindowModel
from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.storage.models import Direction, MessageStatus, NewMessage
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import Vault

pytestmark = pytest.mark.gui

SHOTS = Path("/tmp/shots/view")

#: (message id, text, the URLs in it, in order).
SAMPLES = [
    ("emoji", "\U0001f600\U0001f44d \u2026 https://signal.org/docs/", ["https://signal.org/docs/"]),
    (
        "astral",
        "\U0001d400\U0001d401\U0001d402 \U0001f1ee\U0001f1e9 see https://example.net/x and "
        "\U0001f600 www.example.org/y",
        ["https://example.net/x", "http://www.example.org/y"],
    ),
    (
        "combining",
        "cafe\u0301 re\u0301sume\u0301 https://example.com/menu",
        ["https://example.com/menu"],
    ),
    (
        "arabic",
        "\u0645\u0631\u062d\u0628\u0627 https://example.com/ar \u0634\u0643\u0631\u0627",
        ["https://example.com/ar"],
    ),
    (
        "hebrew",
        "\u05e9\u05dc\u05d5\u05dd \U0001f44b https://example.org/he \u05ea\u05d5\u05d3\u05d4",
        ["https://example.org/he"],
    ),
]


def utf16_span(text: str, found: str) -> tuple[int, int]:
    """Where ``found`` is in ``text``, counted in UTF-16 units (Qt's index space)."""
    start = text.index(found)
    before = len(text[:start].encode("utf-16-le")) // 2
    return before, before + len(found.encode("utf-16-le")) // 2


def utf16_slice(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


def shown_url(url: str) -> str:
    """The characters of the text a URL comes from (``www.`` links get ``http://``)."""
    return url.removeprefix("http://") if url.startswith("http://www.") else url


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MessageStore]:
    vault, _ = Vault.create(tmp_path / "links", PASSWORD, kdf_params=FLOOR_PARAMS)
    opened = vault.open_store()
    try:
        yield opened
    finally:
        vault.lock()


def insert_samples(store: MessageStore) -> None:
    at = QDateTime.currentMSecsSinceEpoch() - 60_000
    for number, (message_id, text, _urls) in enumerate(SAMPLES):
        store.messages.insert(
            NewMessage(
                id=message_id,
                conversation_id=PEER,
                sender=PEER,
                direction=Direction.INCOMING,
                sort_key=at + number,
                kind="text",
                body=text,
                status=MessageStatus.READ,
                sent_at=at + number,
            )
        )


def move_mouse(view: MessageListView, pos: QPoint) -> None:
    viewport = view.viewport()
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(pos),
        QPointF(viewport.mapToGlobal(pos)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, event)


def char_point(top_left: QPoint, layout: MessageLayout, position: int) -> QPoint:
    """The viewport point in the middle of the character at UTF-16 ``position``."""
    text_layout = layout.text_layout
    assert text_layout is not None and layout.text is not None
    line = text_layout.lineForTextPosition(position)
    left = line.cursorToX(position)[0]
    right = line.cursorToX(position + 1)[0]
    x = (left + right) / 2
    y = line.y() + line.height() / 2
    return top_left + QPoint(layout.text.left() + round(x), layout.text.top() + round(y))


def formatted_spans(text_layout: QTextLayout) -> list[tuple[int, int]]:
    return [
        (r.start, r.start + r.length) for r in text_layout.formats() if r.format.fontUnderline()
    ]


def test_link_offsets_are_utf16_units_of_the_text() -> None:
    for _message_id, text, urls in SAMPLES:
        links = find_links(text)
        assert [link.url for link in links] == urls
        for link, url in zip(links, urls, strict=True):
            assert (link.start, link.end) == utf16_span(text, shown_url(url))
            assert utf16_slice(text, link.start, link.end) == shown_url(url)


@pytest.mark.asyncio(loop_scope="session")
async def test_underline_and_clicks_cover_exactly_the_url(
    qtbot: QtBot, store: MessageStore
) -> None:
    insert_samples(store)
    model = MessageWindowModel(StoreMessageSource(store))
    view = MessageListView(model)
    view.require_active_window = False
    qtbot.addWidget(view)
    view.resize(720, 640)
    view.show()
    opened: list[QUrl] = []
    view.open_url = lambda url: opened.append(url)
    await model.open_conversation(PEER)
    await wait_for(view.at_bottom)
    for message_id, text, urls in SAMPLES:
        placed = view.row_layout(message_id)
        assert placed is not None
        top_left, layout = placed
        assert layout.text_layout is not None
        # The underlined ranges are exactly the URLs' characters.
        spans = [utf16_span(text, shown_url(url)) for url in urls]
        assert formatted_spans(layout.text_layout) == spans, message_id
        for (start, end), url in zip(spans, urls, strict=True):
            # First, middle and last character of the URL open it ...
            for position in (start, (start + end) // 2, end - 1):
                opened.clear()
                point = char_point(top_left, layout, position)
                qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
                assert opened == [QUrl(url)], (message_id, position)
            # ... the space just before it does not.
            opened.clear()
            before = char_point(top_left, layout, start - 1)
            move_mouse(view, before)
            assert view.viewport().cursor().shape() != Qt.CursorShape.PointingHandCursor
            qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=before)
            assert opened == [], (message_id, "before")
    SHOTS.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(SHOTS / "link-ranges.png"))
