"""The painted message list: replies, reactions, edits, tombstones, notes, separators, links,
transfers, the context menu and the keyboard, over a real encrypted store.

Clicks go through ``qtbot.mouseClick`` on the viewport at points computed from the
delegate's own layout (the same one that is painted and hit-tested); what is drawn is checked
on grabbed pixels where the feature is a colour (highlight, chips, bars, lines).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from gui_helpers import PASSWORD, PEER, START_MS, StoreMessageSource, message_id, wait_for
from PySide6.QtCore import (
    QDate,
    QDateTime,
    QEvent,
    QLocale,
    QPoint,
    QPointF,
    QRect,
    Qt,
    QUrl,
    SignalInstance,
)
from PySide6.QtGui import QColor, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.theme import DARK, LIGHT, apply_theme, current_colors
from chat_desktop.gui.conversation.message_layout import ROW_MARGIN_H, RowDecor
from chat_desktop.gui.conversation.message_model import (
    DECOR_ROLE,
    MessageWindowModel,
    accessible_text,
)
from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.gui.conversation.message_words import duration_text, remaining_text
from chat_desktop.storage.models import (
    TIMER_NOTE_KIND,
    AttachmentInfo,
    Direction,
    MessageKey,
    MessageStatus,
    NewMessage,
    Quote,
)
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import Vault

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

ME = "alice"
DAY_MS = 24 * 3600 * 1000
GRABS = Path("/tmp/g1")


def make_view(
    qtbot: QtBot, store: MessageStore, page: int = 100, rows: int = 300
) -> tuple[MessageWindowModel, MessageListView]:
    model = MessageWindowModel(StoreMessageSource(store), page_size=page, max_rows=rows)
    model.own_address = ME
    view = MessageListView(model)
    view.require_active_window = False
    qtbot.addWidget(view)
    view.resize(640, 560)
    view.show()
    return model, view


def now_ms() -> int:
    return QDateTime.currentMSecsSinceEpoch()


def new_message(
    number: str,
    at: int,
    *,
    incoming: bool = True,
    body: str | None = "hello",
    kind: str = "text",
    status: MessageStatus = MessageStatus.DELIVERED,
    **extra: object,
) -> NewMessage:
    return NewMessage(
        id=number,
        conversation_id=PEER,
        sender=PEER if incoming else ME,
        direction=Direction.INCOMING if incoming else Direction.OUTGOING,
        sort_key=at,
        kind=kind,
        body=body,
        status=status,
        sent_at=at,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def small_store(tmp_path: Path) -> Iterator[MessageStore]:
    """A real encrypted store, empty (each test inserts what it shows)."""
    vault, _ = Vault.create(tmp_path / "small", PASSWORD, kdf_params=FLOOR_PARAMS)
    store = vault.open_store()
    try:
        yield store
    finally:
        vault.lock()


@pytest.fixture
def light_theme() -> Iterator[None]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "light")
    try:
        yield
    finally:
        apply_theme(app, "light")


class Caught:
    """Records a signal's emissions (waitSignal would nest an event loop inside the test's task)."""

    def __init__(self, signal: SignalInstance) -> None:
        self.calls: list[list[object]] = []
        signal.connect(lambda *args: self.calls.append(list(args)))


def move_mouse(view: MessageListView, pos: QPoint) -> None:
    """Moves the mouse over the viewport (a real move event; no button held)."""
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


def grab(view: MessageListView) -> QImage:
    return view.viewport().grab().toImage()


def row_point(view: MessageListView, message: str, local: QPoint) -> QPoint:
    placed = view.row_layout(message)
    assert placed is not None
    return placed[0] + local


def close_to(actual: QColor, expected: str, slack: int = 6) -> bool:
    wanted = QColor(expected)
    return (
        abs(actual.red() - wanted.red()) <= slack
        and abs(actual.green() - wanted.green()) <= slack
        and abs(actual.blue() - wanted.blue()) <= slack
    )


def save_grab(view: MessageListView, name: str) -> None:
    GRABS.mkdir(parents=True, exist_ok=True)
    grab(view).save(str(GRABS / f"{name}.png"))


# ---- replies -------------------------------------------------------------------------------


async def test_clicking_a_quote_jumps_5000_messages_back_and_highlights_the_target(
    qtbot: QtBot, seeded_store: MessageStore, light_theme: None
) -> None:
    target = message_id(10)
    reply = "reply-1"
    seeded_store.messages.insert(
        new_message(
            reply,
            START_MS + 6_000_000,
            body="answering that",
            quote=Quote(target, PEER, "message number 10", "text"),
        )
    )
    model, view = make_view(qtbot, seeded_store)
    await model.open_conversation(PEER)
    await wait_for(view.at_bottom)
    assert model.row_of(target) is None
    placed = view.row_layout(reply)
    assert placed is not None
    top_left, layout = placed
    assert layout.quote is not None
    click_at = top_left + layout.quote.rect.center()
    # The quote sits above the reply's text inside the bubble.
    assert layout.text is not None and layout.quote.rect.bottom() < layout.text.top()

    jumped = Caught(view.jumpFinished)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=click_at)
    await wait_for(lambda: bool(jumped.calls))
    assert jumped.calls[0] == [target, True]
    row = model.row_of(target)
    assert row is not None
    assert row in view.visible_rows()
    assert view.highlighted_id == target
    assert not view.focus_ring_visible  # a mouse click draws no keyboard focus ring
    # The highlight is painted: the bubble's padding is tinted, not the plain bubble colour.
    view.doItemsLayout()
    placed = view.row_layout(target)
    assert placed is not None
    spot = placed[0] + QPoint(placed[1].bubble.left() + 4, placed[1].bubble.center().y())
    pixel = grab(view).pixelColor(spot)
    assert not close_to(pixel, LIGHT.bubble_incoming, 2)
    save_grab(view, "jump-highlight-light")


async def test_quote_block_words_missing_and_deleted_targets(
    qtbot: QtBot, small_store: MessageStore
) -> None:
    at = now_ms() - 60_000
    small_store.messages.insert(new_message("gone", at - 5_000, incoming=False, body="oops"))
    small_store.messages.insert(
        new_message(
            "r-missing", at, body="what?", quote=Quote("nope", PEER, "a ghost", "text", False)
        )
    )
    small_store.messages.insert(
        new_message("r-deleted", at + 1_000, body="hm", quote=Quote("gone", ME, "oops", "text"))
    )
    small_store.messages.insert(
        new_message("r-photo", at + 2_000, body="nice", quote=Quote("img", ME, "", "attachment"))
    )
    small_store.messages.tombstone(MessageKey(PEER, "gone"))
    model, view = make_view(qtbot, small_store)
    await model.open_conversation(PEER)
    rows = {model.message_at(row).id: model.message_at(row) for row in range(model.rowCount())}
    missing = rows["r-missing"]
    assert missing.quote is not None and not missing.quote.found
    placed = view.row_layout("r-missing")
    assert placed is not None and placed[1].quote is not None
    assert placed[1].quote.note_rect is not None  # "Original message not found" line
    deleted = rows["r-deleted"]
    assert deleted.quote is not None and deleted.quote.deleted
    assert "Replying to You: This message was deleted." in accessible_text(deleted, ME)
    assert "Replying to You: Photo." in accessible_text(rows["r-photo"], ME)
    # A quote of a message this device never had is not clickable.
    centre = placed[0] + placed[1].quote.rect.center()
    assert view.hit_at(centre)[1] is None
    save_grab(view, "quotes-light")


# ---- reactions -----------------------------------------------------------------------------


async def test_reaction_chips_show_counts_outline_ours_and_toggle_on_click(
    qtbot: QtBot, small_store: MessageStore, light_theme: None
) -> None:
    at = now_ms() - 60_000
    small_store.messages.insert(new_message("liked", at, body="a reacted message"))
    reactions = small_store.messages.reactions
    reactions.set(PEER, "liked", PEER, "\U0001f44d", sent_at=at + 1, content_id="c1")
    reactions.set(PEER, "liked", ME, "\U0001f44d", sent_at=at + 2, content_id="c2")
    reactions.set(PEER, "liked", "carol", "\u2764", sent_at=at + 3, content_id="c3")
    model, view = make_view(qtbot, small_store)
    await model.open_conversation(PEER)
    placed = view.row_layout("liked")
    assert placed is not None
    top_left, layout = placed
    chips = {chip.emoji: chip for chip in layout.chips}
    assert chips["\U0001f44d"].count == 2 and chips["\u2764"].count == 1
    assert chips["\U0001f44d"].label == "\U0001f44d 2"
    # Under the bubble, inside the row's height.
    assert all(chip.rect.top() > layout.bubble.bottom() for chip in layout.chips)
    assert max(chip.rect.bottom() for chip in layout.chips) < layout.height
    image = grab(view)
    ours = chips["\U0001f44d"].rect
    theirs = chips["\u2764"].rect
    inside_ours = image.pixelColor(top_left + QPoint(ours.left() + 3, ours.center().y()))
    inside_theirs = image.pixelColor(top_left + QPoint(theirs.left() + 3, theirs.center().y()))
    assert close_to(inside_ours, LIGHT.selection_background)
    assert close_to(inside_theirs, LIGHT.bubble_incoming)

    def edge(chip: QRect) -> list[QColor]:
        return [
            image.pixelColor(top_left + QPoint(chip.center().x(), chip.top() + dy))
            for dy in range(3)
        ]

    # Ours is outlined in the accent; theirs is not.
    assert any(close_to(color, LIGHT.accent, 30) for color in edge(ours))
    assert not any(close_to(color, LIGHT.accent, 60) for color in edge(theirs))
    assert "Reactions:" in accessible_text(model.message_at(0), ME)

    toggled = Caught(view.reactionToggled)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=top_left + theirs.center())
    await wait_for(lambda: bool(toggled.calls))
    assert toggled.calls[0] == ["liked", "\u2764"]
    save_grab(view, "reactions-light")


# ---- edited, deleted, notes, separators, unread line ---------------------------------------


async def test_edited_deleted_notes_days_and_the_unread_line_are_drawn(
    qtbot: QtBot, small_store: MessageStore, light_theme: None
) -> None:
    today_noon = QDateTime(QDate.currentDate(), QDateTime.currentDateTime().time()).addSecs(-60)
    now = today_noon.toMSecsSinceEpoch()
    long_ago = now - 3 * DAY_MS
    yesterday = now - DAY_MS
    insert = small_store.messages.insert
    insert(new_message("old", long_ago, body="three days ago", status=MessageStatus.READ))
    insert(new_message("y-edit", yesterday, incoming=False, body="first try"))
    small_store.messages.apply_edit(
        MessageKey(PEER, "y-edit"), "second try", edited_at=yesterday + 5_000, content_id="e1"
    )
    insert(new_message("y-del", yesterday + 10_000, incoming=False, body="regret"))
    small_store.messages.tombstone(MessageKey(PEER, "y-del"))
    insert(new_message("note-1", now - 9_000, incoming=False, body="86400", kind=TIMER_NOTE_KIND))
    insert(new_message("note-2", now - 8_000, body="0", kind=TIMER_NOTE_KIND))
    insert(new_message("read", now - 7_000, body="seen already", status=MessageStatus.READ))
    insert(new_message("new-1", now - 6_000, body="first unread"))
    insert(new_message("new-2", now - 5_000, body="second unread"))
    model, view = make_view(qtbot, small_store)
    await model.open_conversation(PEER)
    await wait_for(view.at_bottom)
    ids = model.message_ids()
    decor = {ids[row]: model.decor(row) for row in range(len(ids))}

    locale_date = QLocale().toString(
        QDateTime.fromMSecsSinceEpoch(long_ago).date(), QLocale.FormatType.LongFormat
    )
    assert decor["old"].day_label == locale_date
    assert decor["y-edit"].day_label == "Yesterday"
    assert decor["y-del"].day_label is None
    assert decor["note-1"].day_label == "Today"
    assert decor["new-1"] == RowDecor(None, True)
    assert model.index(ids.index("new-1")).data(DECOR_ROLE) == RowDecor(None, True)
    assert sum(1 for item in decor.values() if item.unread_line) == 1

    delegate = view.delegate
    font = view.font()
    width = view.viewport().width()
    edited = model.message_at(ids.index("y-edit"))
    with_day = delegate.layout_message(edited, width, font)
    without = delegate.layout_message(edited, width, font, RowDecor())
    assert with_day.separator is not None and with_day.height > without.height
    assert with_day.footer_parts is not None and with_day.footer_parts.edited is not None
    assert "Edited." in accessible_text(edited, ME)

    deleted = model.message_at(ids.index("y-del"))
    assert deleted.deleted and deleted.body is None
    tomb = delegate.layout_message(deleted, width, font)
    assert tomb.deleted and tomb.chips == () and tomb.quote is None
    assert "This message was deleted" in accessible_text(deleted, ME)
    assert [key for key, _ in view.menu_actions(deleted)] == ["delete_me"]

    ours = delegate.layout_message(model.message_at(ids.index("note-1")), width, font)
    theirs = delegate.layout_message(model.message_at(ids.index("note-2")), width, font)
    assert ours.note and ours.notice_text == "You set disappearing messages to 1 day"
    assert theirs.note and theirs.notice_text == "bob turned off disappearing messages"
    assert abs(ours.bubble.center().x() - width // 2) <= 1  # a centred pill
    assert duration_text(300) == "5 minutes"
    assert duration_text(7) == "7 seconds"

    # Pixels: the unread line is an accent rule; the day label sits on a pill.
    image = grab(view)
    placed = view.row_layout("new-1")
    assert placed is not None and placed[1].unread is not None
    band = placed[1].unread
    line_y = band.center().y()
    assert image.pixelColor(placed[0] + QPoint(ROW_MARGIN_H + 4, line_y)) == QColor(LIGHT.accent)
    above = view.row_layout("note-1")
    assert above is not None and above[1].separator is not None
    centre = above[0] + above[1].separator.center()
    assert close_to(image.pixelColor(centre + QPoint(0, -6)), LIGHT.bubble_incoming, 2) or (
        # Taller fonts: the label's ink may cover the centre column; the pill's edge does not.
        close_to(image.pixelColor(centre + QPoint(-30, 0)), LIGHT.bubble_incoming, 2)
    )
    save_grab(view, "day-unread-light")

    # Reading the messages keeps the line until another conversation opens.
    model.mark_incoming_read(model.rowCount() - 1)
    assert model.unread_marker == "new-1"
    await model.open_conversation(PEER)  # the newest page again, same conversation
    assert model.unread_marker == "new-1"
    model.clear()
    assert model.unread_marker is None


# ---- disappearing messages ----------------------------------------------------------------


async def test_a_disappearing_message_shows_its_time_left_and_ticks_only_while_visible(
    qtbot: QtBot, small_store: MessageStore
) -> None:
    at = now_ms() - 1_000
    small_store.messages.insert(
        new_message("soon", at, body="bye soon", expire_timer=300, expires_at=at + 4 * 60_000)
    )
    model, view = make_view(qtbot, small_store)
    view.delegate.now_ms = lambda: at + 30_000
    await model.open_conversation(PEER)
    placed = view.row_layout("soon")
    assert placed is not None
    parts = placed[1].footer_parts
    assert parts is not None and parts.timer_icon is not None and parts.timer_text is not None
    assert remaining_text(4 * 60_000 - 30_000) == "4 min"
    assert remaining_text(45_000) == "45 s"
    await wait_for(lambda: view.countdown_active)
    model.clear()
    view._tick_countdown()
    assert not view.countdown_active


# ---- links ----------------------------------------------------------------------------------


async def test_a_click_on_a_link_opens_it_through_the_injected_opener(
    qtbot: QtBot, small_store: MessageStore, light_theme: None
) -> None:
    at = now_ms() - 60_000
    body = "read https://example.com/page or write to bob@example.com, thanks"
    small_store.messages.insert(new_message("linked", at, body=body))
    model, view = make_view(qtbot, small_store)
    opened: list[QUrl] = []
    view.open_url = lambda url: opened.append(url)
    await model.open_conversation(PEER)
    placed = view.row_layout("linked")
    assert placed is not None
    top_left, layout = placed
    assert [link.url for link in layout.links] == [
        "https://example.com/page",
        "mailto:bob@example.com",
    ]
    assert layout.text_layout is not None and layout.text is not None
    line = layout.text_layout.lineForTextPosition(layout.links[0].start + 3)
    x = line.cursorToX(layout.links[0].start + 3)[0]
    on_link = top_left + QPoint(
        layout.text.left() + round(x) + 1, layout.text.top() + round(line.y() + line.height() / 2)
    )
    move_mouse(view, on_link)
    await wait_for(lambda: view.viewport().cursor().shape() == Qt.CursorShape.PointingHandCursor)
    # Underlined in the accent: the link's ink is accent coloured somewhere on its line.
    image = grab(view)
    row_y = on_link.y()
    start_x = top_left.x() + layout.text.left() + round(line.cursorToX(layout.links[0].start)[0])
    end_x = top_left.x() + layout.text.left() + round(line.cursorToX(layout.links[0].end)[0])
    accent_ink = [
        image.pixelColor(QPoint(x_pos, y_pos))
        for x_pos in range(start_x, end_x)
        for y_pos in range(row_y - 10, row_y + 12)
    ]
    assert any(close_to(color, LIGHT.accent, 12) for color in accent_ink)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=on_link)
    assert opened == [QUrl("https://example.com/page")]
    # Plain text next to it is not a link.
    plain = top_left + QPoint(layout.text.left() + 3, on_link.y() - top_left.y())
    move_mouse(view, plain)
    await wait_for(lambda: view.viewport().cursor().shape() != Qt.CursorShape.PointingHandCursor)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=plain)
    assert len(opened) == 1
    save_grab(view, "links-light")


# ---- files ----------------------------------------------------------------------------------


async def test_the_file_row_shows_progress_cancel_download_and_open(
    qtbot: QtBot, small_store: MessageStore, light_theme: None
) -> None:
    at = now_ms() - 60_000
    info = AttachmentInfo(
        blob_id="blob-1", size=3 * 1024 * 1024, mime="application/pdf", file_name="report.pdf"
    )
    small_store.messages.insert(
        new_message("file", at, body=None, kind="attachment", attachment=info)
    )
    model, view = make_view(qtbot, small_store)
    await model.open_conversation(PEER)
    placed = view.row_layout("file")
    assert placed is not None
    top_left, layout = placed
    assert layout.file is not None and layout.file.download is not None
    quarter = top_left + QPoint(
        layout.file.bar.left() + layout.file.bar.width() // 4, layout.file.bar.center().y()
    )

    # Not downloaded: "Download" takes the usual path (the view's clicked signal).
    caught = Caught(view.clicked)
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=top_left + layout.file.download.center(),
    )
    await wait_for(lambda: bool(caught.calls))
    assert "download" in [key for key, _ in view.menu_actions(model.message_at(0))]

    model.set_progress("file", 0, 100)
    assert not close_to(grab(view).pixelColor(quarter), LIGHT.accent, 20)
    model.set_progress("file", 50, 100)
    assert close_to(grab(view).pixelColor(quarter), LIGHT.accent, 20)
    save_grab(view, "file-progress-light")
    cancelled = Caught(view.cancelRequested)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=top_left + layout.file.badge.center()
    )
    await wait_for(lambda: bool(cancelled.calls))
    assert cancelled.calls[0] == ["file"]

    model.clear_progress("file")
    assert model.progress("file") is None
    done = msgspec.structs.replace(
        model.message_at(0),
        attachment=msgspec.structs.replace(info, local_file_id="local-1", local_status="done"),
    )
    model.replace_message(done)
    opened = Caught(view.openRequested)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=top_left + layout.file.name.center()
    )
    await wait_for(lambda: bool(opened.calls))
    assert opened.calls[0] == ["file"]
    keys = [key for key, _ in view.menu_actions(model.message_at(0))]
    assert "open" in keys and "save" in keys


async def test_a_click_on_a_downloaded_image_activates_it(
    qtbot: QtBot, small_store: MessageStore
) -> None:
    at = now_ms() - 60_000
    info = AttachmentInfo(
        blob_id="b",
        size=1000,
        mime="image/png",
        width=400,
        height=300,
    )
    small_store.messages.insert(
        new_message("pic", at, body=None, kind="attachment", attachment=info)
    )
    model, view = make_view(qtbot, small_store)
    await model.open_conversation(PEER)
    # Downloaded (the store's file row is the engine's business; the model shows the state).
    model.replace_message(
        msgspec.structs.replace(
            model.message_at(0),
            attachment=msgspec.structs.replace(info, local_file_id="f", local_status="done"),
        )
    )
    placed = view.row_layout("pic")
    assert placed is not None and placed[1].image is not None
    activated = Caught(view.imageActivated)
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=placed[0] + placed[1].image.center() + QPoint(30, 30),
    )
    await wait_for(lambda: bool(activated.calls))
    assert activated.calls[0] == ["pic"]


# ---- context menu and keyboard --------------------------------------------------------------


async def test_the_context_menu_offers_what_the_message_allows(
    qtbot: QtBot, small_store: MessageStore
) -> None:
    now = now_ms()
    insert = small_store.messages.insert
    insert(new_message("mine-old", now - 2 * DAY_MS, incoming=False, body="old"))
    insert(new_message("theirs", now - 20_000, body="hi"))
    insert(
        new_message(
            "failed", now - 10_000, incoming=False, body="lost", status=MessageStatus.FAILED
        )
    )
    insert(new_message("mine", now - 5_000, incoming=False, body="fresh"))
    model, view = make_view(qtbot, small_store)
    await model.open_conversation(PEER)
    by_id = {message.id: message for message in map(model.message_at, range(model.rowCount()))}

    def keys(message_id: str) -> list[str]:
        return [key for key, _ in view.menu_actions(by_id[message_id])]

    assert keys("mine") == [
        "reply",
        "react",
        "copy",
        "forward",
        "edit",
        "select",
        "details",
        "delete_me",
        "delete_all",
    ]
    assert "edit" not in keys("mine-old") and "delete_all" not in keys("mine-old")
    assert "edit" not in keys("theirs") and "delete_all" not in keys("theirs")
    assert keys("failed")[0] == "retry"
    assert view.default_action(by_id["failed"]) == "retry"
    assert view.default_action(by_id["theirs"]) == "reply"

    deleted = Caught(view.deleteRequested)
    view.trigger("delete_all", by_id["mine"], QPoint())
    await wait_for(lambda: bool(deleted.calls))
    assert deleted.calls[0] == ["mine", True]
    react = Caught(view.reactRequested)
    view.trigger("react", by_id["theirs"], QPoint(5, 6))
    await wait_for(lambda: bool(react.calls))
    assert react.calls[0] == ["theirs", QPoint(5, 6)]


async def test_the_keyboard_moves_a_current_message_enter_replies_and_shift_f10_opens_the_menu(
    qtbot: QtBot, small_store: MessageStore, light_theme: None
) -> None:
    now = now_ms()
    for number in range(4):
        small_store.messages.insert(
            new_message(f"k{number}", now - 10_000 + number, body=f"line {number}")
        )
    model, view = make_view(qtbot, small_store)
    await model.open_conversation(PEER)
    assert view.focusPolicy() & Qt.FocusPolicy.TabFocus
    view.setFocus(Qt.FocusReason.TabFocusReason)
    await wait_for(view.hasFocus)
    await wait_for(lambda: view.currentIndex().isValid())
    assert view.currentIndex().row() == model.rowCount() - 1
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert view.currentIndex().row() == model.rowCount() - 2
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    current = model.message_at(view.currentIndex().row()).id
    assert current == "k2"

    # The focus ring: an accent outline just outside the current bubble.
    placed = view.row_layout(current)
    assert placed is not None
    ring = placed[0] + QPoint(placed[1].bubble.left() - 2, placed[1].bubble.center().y())
    assert close_to(grab(view).pixelColor(ring), LIGHT.accent, 40)
    save_grab(view, "focus-light")

    replied = Caught(view.replyRequested)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    await wait_for(lambda: bool(replied.calls))
    assert replied.calls[0] == ["k2"]

    qtbot.keyClick(view, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    menu = view.last_menu
    assert menu is not None
    await wait_for(menu.isVisible)
    assert [action.objectName() for action in menu.actions()][:2] == ["reply", "react"]
    assert menu.defaultAction() is not None and menu.defaultAction().objectName() == "reply"
    menu.close()


# ---- the layout cache -----------------------------------------------------------------------


async def test_paging_through_5000_rows_lays_each_message_out_about_once(
    qtbot: QtBot, seeded_store: MessageStore
) -> None:
    model, view = make_view(qtbot, seeded_store)
    await model.open_conversation(PEER)
    seen: set[str] = set(model.message_ids())
    while model.has_older:
        await view.load_older_keeping_anchor()
        seen.update(model.message_ids())
    delegate = view.delegate
    assert len(seen) == 5_000
    # Qt asks for sizes again and again (every relayout of the window): each message is laid
    # out once (not the first page once more when the scroll bar appears).
    going_up = delegate.layouts.computed
    assert going_up <= len(seen)
    assert delegate.size_hints > 2 * going_up
    # Rows that come back soon after being trimmed are still in the cache.
    for _ in range(3):
        assert await view.load_newer_keeping_anchor()
    assert delegate.layouts.computed - going_up <= 10


# ---- looks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_grabs_of_every_kind_of_row(
    qtbot: QtBot, small_store: MessageStore, theme: str
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, theme)  # type: ignore[arg-type]
    try:
        now = QDateTime.currentMSecsSinceEpoch()
        insert = small_store.messages.insert
        insert(
            new_message(
                "a1", now - DAY_MS - 60_000, body="Yesterday's hello", status=MessageStatus.READ
            )
        )
        insert(new_message("a2", now - DAY_MS, incoming=False, body="see www.example.org"))
        insert(new_message("n1", now - 50_000, incoming=False, body="3600", kind=TIMER_NOTE_KIND))
        insert(
            new_message(
                "a3",
                now - 40_000,
                body="Replying with a longer line that wraps in the bubble, mail bob@example.com",
                quote=Quote("a2", ME, "see www.example.org", "text"),
                expire_timer=3600,
                expires_at=now + 3_000_000,
            )
        )
        insert(new_message("a4", now - 30_000, incoming=False, body="first"))
        small_store.messages.apply_edit(
            MessageKey(PEER, "a4"), "edited text", edited_at=now - 20_000, content_id="e"
        )
        small_store.messages.reactions.set(
            PEER, "a4", PEER, "\U0001f44d", sent_at=now - 10_000, content_id="r"
        )
        insert(new_message("a5", now - 15_000, incoming=False, body="gone"))
        small_store.messages.tombstone(MessageKey(PEER, "a5"))
        info = AttachmentInfo(blob_id="b", size=1_234_567, mime="text/plain", file_name="notes.txt")
        insert(new_message("a6", now - 10_000, body=None, kind="attachment", attachment=info))
        model, view = make_view(qtbot, small_store)
        view.resize(640, 900)
        await model.open_conversation(PEER)
        model.set_progress("a6", 400_000, 1_234_567)
        await wait_for(view.at_bottom)
        assert current_colors() == (DARK if theme == "dark" else LIGHT)
        save_grab(view, f"all-rows-{theme}")
        # The chat background shows between rows, bubbles are drawn in the theme's colours.
        assert grab(view).pixelColor(2, view.viewport().height() - 2) == QColor(
            current_colors().chat_background
        )
    finally:
        apply_theme(app, "light")
