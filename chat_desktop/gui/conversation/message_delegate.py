"""``MessageDelegate``: paints one message row and says how tall it is.

Layout is computed by :mod:`chat_desktop.gui.conversation.message_layout` and cached by
:mod:`chat_desktop.gui.conversation.layout_cache` (per message content, width, font and row
decorations); ``sizeHint``, ``paint`` and the view's hit-testing read that same layout, so a
row's height, its drawing and what a click hits never disagree. Qt asks for every row's size
again at each relayout: a row measured already is answered from
:mod:`chat_desktop.gui.conversation.row_heights` (one lookup by the row's revision). An image's
box comes from the width/height stored in the message, never from the pixels, so a row keeps
its height when the full image arrives.

Everything is painted (no widgets per row): day separators and the "Unread messages" line above
a row, quote blocks, links, the file row with its progress bar and buttons, the footer's
disappearing timer and "edited" mark, reaction chips, the highlight flash after a jump and the
keyboard focus ring (the file row and transfer buttons are painted by
:mod:`chat_desktop.gui.conversation.transfer_painting`). Colours come from the theme at paint
time (:func:`~chat_desktop.gui.common.theme.current_colors`), so a theme switch only needs a
repaint; symbols are icons, never glyphs a font may lack.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QDateTime,
    QEvent,
    QIODevice,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QImage,
    QImageReader,
    QPainter,
    QPainterPath,
    QPen,
    QTextCharFormat,
    QTextLayout,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from chat_desktop.gui.common.icons import tinted_icon
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.common.theme import ThemeColors, current_colors
from chat_desktop.gui.conversation.group_names import paint_sender
from chat_desktop.gui.conversation.heights_ahead import HeightsAhead
from chat_desktop.gui.conversation.layout_cache import LayoutCache
from chat_desktop.gui.conversation.link_preview_painting import paint_card
from chat_desktop.gui.conversation.match_ranges import match_ranges
from chat_desktop.gui.conversation.message_hits import Hit, hit_test
from chat_desktop.gui.conversation.message_layout import (
    BUBBLE_PAD_H,
    BUBBLE_PAD_V,
    BUBBLE_RADIUS,
    BUBBLE_WIDTH_SHARE,
    FILE_BADGE_LINES,
    FOOTER_GAP,
    MAX_BUBBLE_WIDTH,
    MAX_IMAGE_HEIGHT,
    MIN_BUBBLE_WIDTH,
    QUOTE_BAR,
    ROW_MARGIN_H,
    ROW_MARGIN_V,
    UNDECRYPTABLE_NOTICE,
    MessageLayout,
    RowDecor,
    TransferState,
    file_name,
    file_size_label,
    image_box,
    is_file,
    is_image,
    is_notice,
    is_timer_note,
    italic_font,
    message_text,
    meta_font,
    name_font,
    time_label,
    transfer_state,
    undecryptable_notice,
)
from chat_desktop.gui.conversation.message_model import (
    DECOR_ROLE,
    IMAGE_ROLE,
    MESSAGE_ROLE,
    PROGRESS_ROLE,
    MessageWindowModel,
)
from chat_desktop.gui.conversation.message_words import (
    edited_text,
    edited_tooltip,
    quote_excerpt,
    quote_not_found_text,
    remaining_text,
    unread_line_text,
    you_text,
)
from chat_desktop.gui.conversation.row_heights import RowHeights
from chat_desktop.gui.conversation.text_selection import TextSelection
from chat_desktop.gui.conversation.transfer_painting import (
    file_meta_text,
    paint_file_row,
    paint_image_transfer,
    with_alpha,
)
from chat_desktop.gui.conversation.voice_note_painting import (
    VoicePosition,
    is_voice_note,
    paint_voice_row,
)
from chat_desktop.services.image_processing import THUMBNAIL_MAX_BYTES
from chat_desktop.services.types import TIMER_NOTE_KIND, Direction, Message, MessageStatus

__all__ = [
    "BUBBLE_PAD_H",
    "BUBBLE_PAD_V",
    "BUBBLE_RADIUS",
    "BUBBLE_WIDTH_SHARE",
    "FILE_BADGE_LINES",
    "FOOTER_GAP",
    "MAX_BUBBLE_WIDTH",
    "MAX_IMAGE_HEIGHT",
    "MIN_BUBBLE_WIDTH",
    "ROW_MARGIN_H",
    "ROW_MARGIN_V",
    "UNDECRYPTABLE_NOTICE",
    "MessageDelegate",
    "MessageLayout",
    "attachment_label",
    "decode_thumbnail",
    "file_meta_text",
    "file_name",
    "file_size_label",
    "image_box",
    "is_file",
    "is_image",
    "is_notice",
    "is_timer_note",
    "message_text",
    "status_color",
    "time_label",
    "undecryptable_notice",
]

#: The largest thumbnail side accepted: the sender's app makes at most 96 px (image_processing).
MAX_THUMBNAIL_SIDE = 96
#: Qt may allocate at most this (MiB) to decode one thumbnail; 96² RGBA needs 36 KiB.
THUMBNAIL_ALLOCATION_LIMIT_MB = 1
#: Thumbnails kept decoded for painting (each at most 24 × 24 px).
MAX_CACHED_THUMBNAILS = 200
#: How strongly a highlighted bubble is tinted with the accent (0–255).
HIGHLIGHT_ALPHA = 90

_CONTEXT = "MessageDelegate"
#: The icon of each status mark (drawn, never a glyph: fonts may lack ✓).
STATUS_ICONS = {
    MessageStatus.PENDING: "status-pending",
    MessageStatus.SENT: "status-sent",
    MessageStatus.DELIVERED: "status-delivered",
    MessageStatus.READ: "status-read",
    MessageStatus.FAILED: "status-failed",
}


def _selected_look(colors: ThemeColors) -> QTextCharFormat:
    """Selected text: the theme's selection colours (as in any text box)."""
    look = QTextCharFormat()
    look.setBackground(QColor(colors.highlight))
    look.setForeground(QColor(colors.highlighted_text))
    return look


def status_color(status: MessageStatus, colors: ThemeColors) -> str:
    """The colour of a status mark: READ in the accent, FAILED in danger, others muted."""
    if status is MessageStatus.READ:
        return colors.accent
    if status is MessageStatus.FAILED:
        return colors.danger
    return colors.meta_text


def decode_thumbnail(data: bytes) -> QImage | None:
    """Decodes a peer's thumbnail into a small blurred preview, or None if it is refused.

    Runs in a worker thread (``QImage`` is thread-safe, ``QPixmap`` is not). The thumbnail
    comes from the peer and can claim any size: more than :data:`THUMBNAIL_MAX_BYTES` bytes
    or :data:`MAX_THUMBNAIL_SIDE` pixels a side (what the sender's app makes) is refused
    before a pixel is decoded, and the reader may not allocate more than
    :data:`THUMBNAIL_ALLOCATION_LIMIT_MB`. The result is never larger than the thumbnail:
    it is stretched over the placeholder when painted.
    """
    if len(data) > THUMBNAIL_MAX_BYTES:
        return None
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAllocationLimit(THUMBNAIL_ALLOCATION_LIMIT_MB)
    size = reader.size()
    if not size.isValid() or max(size.width(), size.height()) > MAX_THUMBNAIL_SIDE:
        return None
    image = reader.read()
    if image.isNull() or image.size() != size:
        return None
    # Shrinking is a cheap blur once drawn stretched: the preview reads as a preview.
    return image.scaled(
        max(1, image.width() // 4),
        max(1, image.height() // 4),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def attachment_label(message: Message) -> str:
    """A one-line description of a non-image attachment ("name (size)")."""
    size = file_size_label(message)
    if not size:
        return file_name(message)
    return (
        QCoreApplication.translate(_CONTEXT, "%1 (%2)")
        .replace("%1", file_name(message))
        .replace("%2", size)
    )


class MessageDelegate(QStyledItemDelegate):
    """Paints message rows: bubbles (ours right, theirs left), notes, separators, chips.

    Attributes:
        layouts: The layout cache (``layouts.computed`` counts layouts made).
        heights: The rows' measured heights (by row revision, for the width and font).
        size_hints: How many times Qt asked for a row's size (tests compare the two).
        measured: How many of those the remembered heights could not answer (a layout was
            looked up or made: a row new to the window, or changed), nor the heights
            measured ahead (``ahead``: the rows of a page fetched ahead).
        highlighted_id: The message flashed after a jump, or None (the view sets it).
        search_query: The words of the find bar whose matches are highlighted in the text,
            or "" (the find bar sets it).
        selection: The text selected with the mouse (the view sets it), drawn highlighted.
        now_ms: The clock the disappearing countdown reads (tests may replace it).
    """

    def __init__(self, view: QWidget) -> None:
        """Creates the delegate for ``view`` (its viewport width drives the layout)."""
        super().__init__(view)
        self._view = view
        self._thumbnails: dict[str, QImage] = {}
        self._decoding: set[str] = set()
        self._refused: set[str] = set()
        self.layouts = LayoutCache()
        self.heights = RowHeights(view)
        #: Heights of the rows of pages fetched ahead, measured off the GUI thread.
        self.ahead = HeightsAhead()
        self.size_hints = 0
        self.measured = 0
        self.highlighted_id: str | None = None
        self.search_query = ""
        self.selection: TextSelection | None = None
        self.now_ms: Callable[[], int] = QDateTime.currentMSecsSinceEpoch
        #: Where the voice note of a message id stands in the player (voice_notes_pane.py).
        self.voice_position: Callable[[str], VoicePosition | None] = lambda _message_id: None

    # ---- layout -------------------------------------------------------------------------

    def available_width(self) -> int:
        """The width rows are laid out in: inside a scrolling view, its width less a vertical
        scroll bar whether or not one shows. Otherwise the first page of a long conversation
        would be laid out twice: once before its scroll bar appears, once after."""
        return self.heights.available_width()

    def layout_message(
        self, message: Message, width: int, font: QFont, decor: RowDecor | None = None
    ) -> MessageLayout:
        """The (cached) layout of ``message`` in a row ``width`` pixels wide.

        Without ``decor``, the row's decorations are looked up in the view's model (so the
        layout is the one painted), or none when the message is not shown.
        """
        if decor is None:
            decor = RowDecor()
            model = getattr(self._view, "model", None)
            shown = model() if callable(model) else None
            if isinstance(shown, MessageWindowModel):
                row = shown.row_of(message.id)
                if row is not None:
                    decor = shown.decor(row)
        return self.layouts.get(message, width, font, decor, current_colors().accent)

    def layout_for(
        self, index: QModelIndex | QPersistentModelIndex, width: int, font: QFont
    ) -> MessageLayout | None:
        """The layout of the row at ``index`` (with its separators), or None."""
        message = index.data(MESSAGE_ROLE)
        if not isinstance(message, Message):
            return None
        decor = index.data(DECOR_ROLE)
        return self.layout_message(
            message, width, font, decor if isinstance(decor, RowDecor) else RowDecor()
        )

    def sizeHint(  # noqa: N802
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """The row's size: the full width, and the height of everything in it.

        A row of the message window measured already at this width and font is one lookup
        (Qt asks for every row again at each relayout); others are laid out (or found in the
        layout cache) and remembered by the row's revision.
        """
        self.size_hints += 1
        width = self.heights.available_width()
        model = index.model()
        revision = (
            model.row_revision(index.row()) if isinstance(model, MessageWindowModel) else None
        )
        if revision is not None:
            height = self.heights.get(revision)
            if height is None:
                height = self._measured_ahead(index, width, option.font)
            if height is not None:
                self.heights.put(revision, height)
                return QSize(width, height)
        self.measured += 1
        layout = self.layout_for(index, width, option.font)
        if layout is None:
            return QSize(0, 0)
        if revision is not None:
            self.heights.put(revision, layout.height)
        return QSize(width, layout.height)

    def _measured_ahead(
        self, index: QModelIndex | QPersistentModelIndex, width: int, font: QFont
    ) -> int | None:
        """The row's height if it was measured ahead (off the GUI thread) for these inputs."""
        if not len(self.ahead):
            return None
        message = index.data(MESSAGE_ROLE)
        decor = index.data(DECOR_ROLE)
        if not isinstance(message, Message) or not isinstance(decor, RowDecor):
            return None
        return self.ahead.take(message, decor, width, font, current_colors().accent)

    async def measure_ahead(self, messages: Sequence[Message], decors: Sequence[RowDecor]) -> None:
        """Measures rows about to come in (a page fetched ahead, with the decorations they
        will have) off the GUI thread, so their coming in costs no layout
        (:mod:`~chat_desktop.gui.conversation.heights_ahead`)."""
        await self.ahead.measure(
            messages,
            decors,
            self.available_width(),
            self._view.font(),
            current_colors().accent,
        )

    def _found_words(
        self, layout: MessageLayout, colors: ThemeColors
    ) -> list[QTextLayout.FormatRange]:
        """The find bar's matched words in the row's text, as highlighted ranges."""
        if not self.search_query or layout.text_layout is None:
            return []
        found = QTextCharFormat()
        found.setBackground(QColor(colors.highlight))
        found.setForeground(QColor(colors.highlighted_text))
        ranges: list[QTextLayout.FormatRange] = []
        for start, length in match_ranges(layout.text_layout.text(), self.search_query):
            format_range = QTextLayout.FormatRange()
            format_range.start, format_range.length, format_range.format = start, length, found
            ranges.append(format_range)
        return ranges

    def hit(
        self, index: QModelIndex | QPersistentModelIndex, point: QPoint, font: QFont
    ) -> Hit | None:
        """What ``point`` (row coordinates) is on in the row at ``index``."""
        layout = self.layout_for(index, self.available_width(), font)
        message = index.data(MESSAGE_ROLE)
        if layout is None or not isinstance(message, Message):
            return None
        return hit_test(layout, message, point, self._state(index, message))

    @staticmethod
    def _state(index: QModelIndex | QPersistentModelIndex, message: Message) -> TransferState:
        progress = index.data(PROGRESS_ROLE)
        return transfer_state(message, progress if isinstance(progress, tuple) else None)

    def _is_ours(self, index: QModelIndex | QPersistentModelIndex, reactor: str) -> bool:
        model = index.model()
        return isinstance(model, MessageWindowModel) and model.is_own(reactor)

    # ---- tooltips -------------------------------------------------------------------------

    def helpEvent(  # noqa: N802
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        """Tooltips of the parts: when it was edited, a link's address, who reacted."""
        if event.type() == QEvent.Type.ToolTip and index.isValid():
            message = index.data(MESSAGE_ROLE)
            point = event.pos() - option.rect.topLeft()
            hit = self.hit(index, point, option.font)
            text = ""
            if hit is not None and isinstance(message, Message):
                if hit.kind == "edited" and message.edited_at is not None:
                    text = edited_tooltip(message.edited_at)
                elif hit.kind == "link":
                    text = hit.value
                elif hit.kind == "chip":
                    text = ", ".join(
                        you_text() if self._is_ours(index, reaction.reactor) else reaction.reactor
                        for reaction in message.reactions
                        if reaction.emoji == hit.value
                    )
            if text:
                QToolTip.showText(event.globalPos(), text, view)
                return True
        return super().helpEvent(event, view, option, index)

    # ---- painting ---------------------------------------------------------------------------

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Draws the row: separators, then the notice, note or bubble with all its parts."""
        message = index.data(MESSAGE_ROLE)
        if not isinstance(message, Message):
            return
        rect: QRect = option.rect
        font: QFont = option.font
        colors = current_colors()
        layout = self.layout_for(index, self.available_width(), font)  # the size hint's
        assert layout is not None
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.translate(rect.topLeft())
        decor = index.data(DECOR_ROLE)
        if layout.separator is not None and isinstance(decor, RowDecor) and decor.day_label:
            _paint_day_separator(painter, layout.separator, decor.day_label, font, colors)
        if layout.unread is not None:
            _paint_unread_line(painter, layout.unread, font, colors)
        if layout.notice or layout.note:
            # A key-change note is not about time: no timer icon on it.
            note_icon = "timer" if message.kind == TIMER_NOTE_KIND else "info"
            _paint_pill(painter, layout, font, colors, note_icon)
        else:
            self._paint_bubble(painter, layout, message, font, index, colors)
        if message.id == self.highlighted_id:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(with_alpha(colors.accent, HIGHLIGHT_ALPHA))
            painter.drawRoundedRect(layout.bubble, BUBBLE_RADIUS, BUBBLE_RADIUS)
        ring = bool(getattr(self._view, "focus_ring_visible", True))
        if ring and option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QPen(QColor(colors.accent), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(
                QRectF(layout.bubble).adjusted(-2, -2, 2, 2), BUBBLE_RADIUS + 2, BUBBLE_RADIUS + 2
            )
        painter.restore()

    def _paint_bubble(
        self,
        painter: QPainter,
        layout: MessageLayout,
        message: Message,
        font: QFont,
        index: QModelIndex | QPersistentModelIndex,
        colors: ThemeColors,
    ) -> None:
        outgoing = message.direction is Direction.OUTGOING
        painter.setPen(Qt.PenStyle.NoPen)
        shadow = QColor(colors.bubble_shadow)
        if shadow.alpha():
            painter.setBrush(shadow)
            painter.drawRoundedRect(layout.bubble.translated(0, 1), BUBBLE_RADIUS, BUBBLE_RADIUS)
        painter.setBrush(QColor(colors.bubble_outgoing if outgoing else colors.bubble_incoming))
        painter.drawRoundedRect(layout.bubble, BUBBLE_RADIUS, BUBBLE_RADIUS)
        if layout.sender_name is not None:
            paint_sender(painter, layout.sender_name, message, font, colors)
        if layout.quote is not None and message.quote is not None:
            self._paint_quote(painter, layout, message, font, index, colors)
        progress = index.data(PROGRESS_ROLE)
        progress = progress if isinstance(progress, tuple) else None
        state = transfer_state(message, progress)
        if layout.image is not None:
            self._paint_image(painter, layout.image, message, index, colors)
            paint_image_transfer(painter, layout, state, progress, colors)
        if layout.file is not None and is_voice_note(message):
            position = self.voice_position(message.id)
            paint_voice_row(painter, layout, message, font, colors, state, progress, position)
        elif layout.file is not None:
            paint_file_row(painter, layout, message, font, colors, state, progress)
        if layout.text is not None and layout.text_layout is not None:
            painter.setFont(italic_font(font) if message.deleted else font)
            painter.setPen(QColor(colors.meta_text if message.deleted else colors.bubble_text))
            marked = self._found_words(layout, colors)
            if self.selection is not None:
                marked += self.selection.ranges(message.id, _selected_look(colors))
            layout.text_layout.draw(painter, QPointF(layout.text.topLeft()), marked)
        if layout.link_preview is not None and message.link_preview is not None:
            paint_card(painter, layout.link_preview, message.link_preview, font, colors)
        self._paint_footer(painter, layout, message, font, colors)
        for chip in layout.chips:
            ours = any(self._is_ours(index, reactor) for reactor in chip.reactors)
            _paint_chip(painter, chip.rect, chip.label, ours, font, colors)

    def _paint_quote(
        self,
        painter: QPainter,
        layout: MessageLayout,
        message: Message,
        font: QFont,
        index: QModelIndex | QPersistentModelIndex,
        colors: ThemeColors,
    ) -> None:
        quote = message.quote
        block = layout.quote
        assert quote is not None and block is not None
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(with_alpha(colors.accent, 28))
        painter.drawRoundedRect(block.rect, 6, 6)
        painter.setBrush(QColor(colors.accent))
        painter.drawRoundedRect(
            QRect(block.rect.left(), block.rect.top(), QUOTE_BAR, block.rect.height()), 1.5, 1.5
        )
        author = you_text() if self._is_ours(index, quote.author) else quote.author
        bold = name_font(font)
        painter.setFont(bold)
        painter.setPen(QColor(colors.accent))
        painter.drawText(
            block.author_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetrics(bold).elidedText(
                author, Qt.TextElideMode.ElideRight, block.author_rect.width()
            ),
        )
        excerpt_font = italic_font(font) if quote.deleted else font
        painter.setFont(excerpt_font)
        painter.setPen(QColor(colors.meta_text if quote.deleted else colors.bubble_text))
        painter.drawText(
            block.excerpt_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetrics(excerpt_font).elidedText(
                quote_excerpt(quote), Qt.TextElideMode.ElideRight, block.excerpt_rect.width()
            ),
        )
        if block.note_rect is not None:
            small = italic_font(meta_font(font))
            painter.setFont(small)
            painter.setPen(QColor(colors.meta_text))
            painter.drawText(
                block.note_rect,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                QFontMetrics(small).elidedText(
                    quote_not_found_text(), Qt.TextElideMode.ElideRight, block.note_rect.width()
                ),
            )

    def _paint_image(
        self,
        painter: QPainter,
        box: QRect,
        message: Message,
        index: QModelIndex | QPersistentModelIndex,
        colors: ThemeColors,
    ) -> None:
        clip = QPainterPath()
        clip.addRoundedRect(box, 6, 6)
        painter.save()
        painter.setClipPath(clip)
        image = index.data(IMAGE_ROLE)
        if isinstance(image, QImage) and not image.isNull():
            painter.drawImage(box, image)
        else:
            painter.fillRect(box, QColor(colors.image_placeholder))
            thumbnail = self._blurred_thumbnail(message)
            if thumbnail is not None:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                painter.drawImage(box, thumbnail)
        painter.restore()

    def _blurred_thumbnail(self, message: Message) -> QImage | None:
        """The thumbnail to draw, or None while it is decoded in a worker (or was refused).

        A peer's thumbnail is never decoded on the GUI thread: paint asks a worker for it
        and repaints the row when it is ready.
        """
        cached = self._thumbnails.get(message.id)
        if cached is not None:
            return cached
        info = message.attachment
        if (
            info is None
            or not info.thumbnail
            or message.id in self._decoding
            or message.id in self._refused
        ):
            return None
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # painted outside the app's loop (a still render): placeholder
            return None
        self._decoding.add(message.id)
        spawn(self._decode_thumbnail(message.id, info.thumbnail), "decode thumbnail")
        return None

    async def _decode_thumbnail(self, message_id: str, data: bytes) -> None:
        try:
            image = await asyncio.to_thread(decode_thumbnail, data)
        finally:
            self._decoding.discard(message_id)
        if image is None:
            self._refused.add(message_id)
            return
        if len(self._thumbnails) >= MAX_CACHED_THUMBNAILS:
            self._thumbnails.clear()
        self._thumbnails[message_id] = image
        self._repaint_message(message_id)

    def _repaint_message(self, message_id: str) -> None:
        """Repaints the row of ``message_id`` only (its look changed, not its height), or
        the whole view when it is not a list of the message window."""
        view = self._view
        model = view.model() if isinstance(view, QAbstractItemView) else None
        if isinstance(view, QAbstractItemView) and isinstance(model, MessageWindowModel):
            row = model.row_of(message_id)
            if row is not None:
                view.viewport().update(view.visualRect(model.index(row)))
            return
        view.update()

    def cached_thumbnail(self, message_id: str) -> QImage | None:
        """The decoded thumbnail of ``message_id`` held for painting, if any."""
        return self._thumbnails.get(message_id)

    def _paint_footer(
        self,
        painter: QPainter,
        layout: MessageLayout,
        message: Message,
        font: QFont,
        colors: ThemeColors,
    ) -> None:
        parts = layout.footer_parts
        if parts is None:
            return
        painter.setFont(meta_font(font))
        if parts.status is not None:
            tinted_icon(STATUS_ICONS[message.status], status_color(message.status, colors)).paint(
                painter, parts.status
            )
        painter.setPen(QColor(colors.meta_text))
        right_aligned = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        painter.drawText(parts.time, right_aligned, time_label(message))
        if parts.edited is not None:
            painter.drawText(parts.edited, right_aligned, edited_text())
        if (
            parts.timer_icon is not None
            and parts.timer_text is not None
            and message.expires_at is not None
        ):
            tinted_icon("timer", colors.meta_text).paint(painter, parts.timer_icon)
            painter.drawText(
                parts.timer_text,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                remaining_text(message.expires_at - self.now_ms()),
            )


def _paint_day_separator(
    painter: QPainter, band: QRect, label: str, font: QFont, colors: ThemeColors
) -> None:
    small = meta_font(font)
    metrics = QFontMetrics(small)
    width = metrics.horizontalAdvance(label) + 2 * BUBBLE_PAD_H
    height = metrics.height() + 2 * 3
    pill = QRect(band.center().x() - width // 2, band.center().y() - height // 2, width, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colors.bubble_incoming))
    painter.drawRoundedRect(pill, height / 2, height / 2)
    painter.setFont(small)
    painter.setPen(QColor(colors.meta_text))
    painter.drawText(pill, int(Qt.AlignmentFlag.AlignCenter), label)


def _paint_unread_line(painter: QPainter, band: QRect, font: QFont, colors: ThemeColors) -> None:
    small = name_font(meta_font(font))
    metrics = QFontMetrics(small)
    label = unread_line_text()
    text_width = metrics.horizontalAdvance(label) + 2 * BUBBLE_PAD_H
    middle = band.center().y()
    text_left = band.center().x() - text_width // 2
    accent = QColor(colors.accent)
    painter.fillRect(QRect(ROW_MARGIN_H, middle, text_left - ROW_MARGIN_H, 1), accent)
    right = text_left + text_width
    painter.fillRect(QRect(right, middle, band.right() - ROW_MARGIN_H - right, 1), accent)
    painter.setPen(accent)
    painter.setFont(small)
    painter.drawText(
        QRect(text_left, band.top(), text_width, band.height()),
        int(Qt.AlignmentFlag.AlignCenter),
        label,
    )


def _paint_pill(
    painter: QPainter,
    layout: MessageLayout,
    font: QFont,
    colors: ThemeColors,
    note_icon: str = "timer",
) -> None:
    """The undecryptable notice (warning colours) or a note (neutral, small, ``note_icon``)."""
    if layout.notice:
        background, foreground, text_font, icon_name = (
            colors.notice_background,
            colors.notice_text,
            italic_font(font),
            "lock",
        )
    else:
        background, foreground, text_font, icon_name = (
            colors.bubble_incoming,
            colors.meta_text,
            meta_font(font),
            note_icon,
        )
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(background))
    painter.drawRoundedRect(layout.bubble, BUBBLE_RADIUS, BUBBLE_RADIUS)
    if layout.notice_icon is not None:
        tinted_icon(icon_name, foreground).paint(painter, layout.notice_icon)
    painter.setPen(QColor(foreground))
    painter.setFont(text_font)
    assert layout.text is not None
    painter.drawText(
        layout.text,
        int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter),
        layout.notice_text,
    )


def _paint_chip(
    painter: QPainter, rect: QRect, label: str, ours: bool, font: QFont, colors: ThemeColors
) -> None:
    radius = rect.height() / 2
    if ours:
        painter.setPen(QPen(QColor(colors.accent), 1.5))
        painter.setBrush(QColor(colors.selection_background))
    else:
        painter.setPen(QPen(QColor(colors.divider), 1))
        painter.setBrush(QColor(colors.bubble_incoming))
    painter.drawRoundedRect(QRectF(rect).adjusted(0.75, 0.75, -0.75, -0.75), radius, radius)
    painter.setFont(meta_font(font))
    painter.setPen(QColor(colors.bubble_text))
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), label)
