"""``MessageDelegate``: paints one message as a chat bubble and says how tall it is.

Layout is one pure function of (message, available width, fonts), :func:`layout_message`,
used by both ``sizeHint`` and ``paint``, so a row's height never disagrees with what is
drawn. An image's box comes from the width/height stored in the message, never from the
pixels, so a row keeps its height when the full image arrives.

Colours come from the theme at paint time (:func:`~chat_desktop.gui.theme.current_colors`),
so a theme switch only needs a repaint; status marks and the file and lock symbols are
icons, never glyphs a font may lack.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QBuffer,
    QByteArray,
    QCoreApplication,
    QDateTime,
    QIODevice,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QImageReader,
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from chat_desktop.gui.icons import tinted_icon
from chat_desktop.gui.message_model import IMAGE_ROLE, MESSAGE_ROLE
from chat_desktop.gui.tasks import spawn
from chat_desktop.gui.theme import ThemeColors, current_colors
from chat_desktop.services.image_processing import THUMBNAIL_MAX_BYTES
from chat_desktop.storage.models import Direction, Message, MessageStatus

ROW_MARGIN_V = 3
ROW_MARGIN_H = 14
BUBBLE_PAD_H = 10
BUBBLE_PAD_V = 6
BUBBLE_RADIUS = 12
MAX_BUBBLE_WIDTH = 460
BUBBLE_WIDTH_SHARE = 0.72
MAX_IMAGE_HEIGHT = 340
FOOTER_GAP = 2
MIN_BUBBLE_WIDTH = 64
#: Between a status mark and the time, and between an icon and its text (in font heights).
ICON_GAP_SHARE = 0.3
#: A file's round badge, in line heights of the message font.
FILE_BADGE_LINES = 2.4

#: The largest thumbnail side accepted: the sender's app makes at most 96 px (image_processing).
MAX_THUMBNAIL_SIDE = 96
#: Qt may allocate at most this (MiB) to decode one thumbnail; 96² RGBA needs 36 KiB.
THUMBNAIL_ALLOCATION_LIMIT_MB = 1
#: Thumbnails kept decoded for painting (each at most 24 × 24 px).
MAX_CACHED_THUMBNAILS = 200

_CONTEXT = "MessageDelegate"
#: Untranslated; shown through :func:`undecryptable_notice`.
UNDECRYPTABLE_NOTICE = str(
    QT_TRANSLATE_NOOP("MessageDelegate", "A message from this contact could not be decrypted.")
)
#: The icon of each status mark (drawn, never a glyph: fonts may lack ✓).
STATUS_ICONS = {
    MessageStatus.PENDING: "status-pending",
    MessageStatus.SENT: "status-sent",
    MessageStatus.DELIVERED: "status-delivered",
    MessageStatus.READ: "status-read",
    MessageStatus.FAILED: "status-failed",
}


def undecryptable_notice() -> str:
    """The notice drawn in place of a message that could not be decrypted (translated)."""
    return QCoreApplication.translate(_CONTEXT, UNDECRYPTABLE_NOTICE)


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


def is_image(message: Message) -> bool:
    """Whether ``message`` is an image attachment with known dimensions."""
    info = message.attachment
    return (
        info is not None
        and (info.mime or "").startswith("image/")
        and bool(info.width)
        and bool(info.height)
    )


def is_notice(message: Message) -> bool:
    """Whether ``message`` is drawn as a centred notice rather than a bubble."""
    return message.undecryptable or message.kind == "undecryptable"


def image_box(width: int, height: int, max_width: int) -> QSize:
    """The displayed size of a ``width`` × ``height`` image fitting ``max_width`` and the cap."""
    scale = min(1.0, max_width / width, MAX_IMAGE_HEIGHT / height)
    return QSize(max(1, round(width * scale)), max(1, round(height * scale)))


def is_file(message: Message) -> bool:
    """Whether ``message`` is drawn as a file row (an attachment that is not an image)."""
    return message.kind == "attachment" and message.attachment is not None and not is_image(message)


def file_name(message: Message) -> str:
    """The attachment's file name, or a translated "file" when the sender gave none."""
    info = message.attachment
    return (info.file_name if info else None) or QCoreApplication.translate(_CONTEXT, "file")


def file_size_label(message: Message) -> str:
    """The attachment's size for people ("12.3 KB"), empty when unknown."""
    info = message.attachment
    return _human_size(info.size) if info is not None and info.size is not None else ""


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


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def message_text(message: Message) -> str:
    """The text drawn in the bubble (empty for a bare image or file: their rows say it)."""
    return message.body or ""


def time_label(message: Message) -> str:
    """The hour shown in the bubble's footer."""
    stamp = message.sent_at or message.sort_key
    return QDateTime.fromMSecsSinceEpoch(stamp).toString("HH:mm")


@dataclass(frozen=True)
class MessageLayout:
    """Where everything of one row goes, relative to the row's top-left corner."""

    height: int
    bubble: QRect
    image: QRect | None
    text: QRect | None
    footer: QRect
    notice: bool
    file_row: QRect | None = None
    notice_icon: QRect | None = None


class MessageDelegate(QStyledItemDelegate):
    """Paints messages as bubbles: ours right, theirs left, with time and status marks."""

    def __init__(self, view: QWidget) -> None:
        """Creates the delegate for ``view`` (its viewport width drives the layout)."""
        super().__init__(view)
        self._view = view
        self._thumbnails: dict[str, QImage] = {}
        self._decoding: set[str] = set()
        self._refused: set[str] = set()

    # ---- layout -------------------------------------------------------------------------

    def available_width(self) -> int:
        """The width rows are laid out in."""
        viewport = getattr(self._view, "viewport", None)
        widget = viewport() if callable(viewport) else self._view
        return max(200, widget.width())

    def layout_message(self, message: Message, width: int, font: QFont) -> MessageLayout:
        """The layout of ``message`` in a row ``width`` pixels wide."""
        metrics = QFontMetrics(font)
        meta_metrics = QFontMetrics(_meta_font(font))
        if is_notice(message):
            return _notice_layout(width, metrics)
        bubble_max = int(min(MAX_BUBBLE_WIDTH, (width - 2 * ROW_MARGIN_H) * BUBBLE_WIDTH_SHARE))
        content_max = bubble_max - 2 * BUBBLE_PAD_H
        mark = meta_metrics.height()
        footer_width = (
            meta_metrics.horizontalAdvance(time_label(message))
            + round(mark * (1 + 2 * ICON_GAP_SHARE))
            + 4
        )
        content_width = footer_width
        content_height = 0
        image_size: QSize | None = None
        if is_image(message):
            info = message.attachment
            assert info is not None and info.width and info.height
            image_size = image_box(info.width, info.height, content_max)
            content_width = max(content_width, image_size.width())
            content_height += image_size.height() + BUBBLE_PAD_V
        file_size: QSize | None = None
        if is_file(message):
            file_size = _file_row_size(message, font, content_max)
            content_width = max(content_width, file_size.width())
            content_height += file_size.height() + BUBBLE_PAD_V
        text = message_text(message)
        text_size = QSize(0, 0)
        if text:
            text_size = metrics.boundingRect(
                QRect(0, 0, content_max, 100_000), int(Qt.TextFlag.TextWordWrap), text
            ).size()
            content_width = max(content_width, text_size.width())
            content_height += text_size.height()
        content_height += FOOTER_GAP + meta_metrics.height()
        bubble_width = max(MIN_BUBBLE_WIDTH, min(bubble_max, content_width + 2 * BUBBLE_PAD_H))
        outgoing = message.direction is Direction.OUTGOING
        left = width - ROW_MARGIN_H - bubble_width if outgoing else ROW_MARGIN_H
        bubble = QRect(left, ROW_MARGIN_V, bubble_width, content_height + 2 * BUBBLE_PAD_V)
        inner_left = left + BUBBLE_PAD_H
        inner_width = bubble_width - 2 * BUBBLE_PAD_H
        top = ROW_MARGIN_V + BUBBLE_PAD_V
        image_rect: QRect | None = None
        if image_size is not None:
            image_rect = QRect(
                left + (bubble_width - image_size.width()) // 2,
                top,
                image_size.width(),
                image_size.height(),
            )
            top += image_size.height() + BUBBLE_PAD_V
        file_rect: QRect | None = None
        if file_size is not None:
            file_rect = QRect(inner_left, top, inner_width, file_size.height())
            top += file_size.height() + BUBBLE_PAD_V
        text_rect: QRect | None = None
        if text:
            text_rect = QRect(inner_left, top, inner_width, text_size.height())
            top += text_size.height()
        footer = QRect(inner_left, top + FOOTER_GAP, inner_width, meta_metrics.height())
        return MessageLayout(
            bubble.bottom() + 1 + ROW_MARGIN_V,
            bubble,
            image_rect,
            text_rect,
            footer,
            False,
            file_row=file_rect,
        )

    def sizeHint(  # noqa: N802
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """The row's size: the full width, and the height of its bubble."""
        message = index.data(MESSAGE_ROLE)
        if not isinstance(message, Message):
            return QSize(0, 0)
        width = self.available_width()
        return QSize(width, self.layout_message(message, width, option.font).height)

    # ---- painting ---------------------------------------------------------------------------

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Draws the bubble, its image or placeholder, text, time and status mark."""
        message = index.data(MESSAGE_ROLE)
        if not isinstance(message, Message):
            return
        rect: QRect = option.rect
        font: QFont = option.font
        colors = current_colors()
        layout = self.layout_message(message, rect.width(), font)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.translate(rect.topLeft())
        if layout.notice:
            self._paint_notice(painter, layout, font, colors)
        else:
            self._paint_bubble(painter, layout, message, font, index, colors)
        state = option.state
        if state & QStyle.StateFlag.State_HasFocus and state & QStyle.StateFlag.State_Selected:
            painter.setPen(QPen(QColor(colors.accent), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(layout.bubble, BUBBLE_RADIUS, BUBBLE_RADIUS)
        painter.restore()

    def _paint_notice(
        self, painter: QPainter, layout: MessageLayout, font: QFont, colors: ThemeColors
    ) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colors.notice_background))
        painter.drawRoundedRect(layout.bubble, BUBBLE_RADIUS, BUBBLE_RADIUS)
        if layout.notice_icon is not None:
            tinted_icon("lock", colors.notice_text).paint(painter, layout.notice_icon)
        painter.setPen(QColor(colors.notice_text))
        italic = QFont(font)
        italic.setItalic(True)
        painter.setFont(italic)
        assert layout.text is not None
        painter.drawText(
            layout.text,
            int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter),
            undecryptable_notice(),
        )

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
        if layout.image is not None:
            self._paint_image(painter, layout.image, message, index, colors)
        if layout.file_row is not None:
            _paint_file_row(painter, layout.file_row, message, font, colors)
        text = message_text(message)
        if layout.text is not None and text:
            painter.setFont(font)
            painter.setPen(QColor(colors.bubble_text))
            painter.drawText(layout.text, int(Qt.TextFlag.TextWordWrap), text)
        self._paint_footer(painter, layout.footer, message, font, colors)

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
        viewport = getattr(self._view, "viewport", None)
        (viewport() if callable(viewport) else self._view).update()

    def cached_thumbnail(self, message_id: str) -> QImage | None:
        """The decoded thumbnail of ``message_id`` held for painting, if any."""
        return self._thumbnails.get(message_id)

    def _paint_footer(
        self, painter: QPainter, footer: QRect, message: Message, font: QFont, colors: ThemeColors
    ) -> None:
        meta_font = _meta_font(font)
        painter.setFont(meta_font)
        right = footer.right() + 1
        if message.direction is Direction.OUTGOING:
            side = footer.height()
            mark = QRect(right - side, footer.top(), side, side)
            tinted_icon(STATUS_ICONS[message.status], status_color(message.status, colors)).paint(
                painter, mark
            )
            right = mark.left() - round(side * ICON_GAP_SHARE)
        painter.setPen(QColor(colors.meta_text))
        painter.drawText(
            QRect(footer.left(), footer.top(), right - footer.left(), footer.height()),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            time_label(message),
        )


def _meta_font(font: QFont) -> QFont:
    small = QFont(font)
    small.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
    return small


def _name_font(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setWeight(QFont.Weight.DemiBold)
    return bold


def _notice_layout(width: int, metrics: QFontMetrics) -> MessageLayout:
    """A centred notice: a lock icon, then the wrapped text."""
    side = metrics.height()
    gap = round(side * ICON_GAP_SHARE) + 2
    notice_rect = metrics.boundingRect(
        QRect(0, 0, width - 4 * ROW_MARGIN_H - side - gap, 10_000),
        int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter),
        undecryptable_notice(),
    )
    content_width = side + gap + notice_rect.width()
    bubble = QRect(
        (width - content_width) // 2 - BUBBLE_PAD_H,
        ROW_MARGIN_V,
        content_width + 2 * BUBBLE_PAD_H,
        max(side, notice_rect.height()) + 2 * BUBBLE_PAD_V,
    )
    inner = bubble.adjusted(BUBBLE_PAD_H, BUBBLE_PAD_V, -BUBBLE_PAD_H, -BUBBLE_PAD_V)
    icon_rect = QRect(inner.left(), inner.top() + (inner.height() - side) // 2, side, side)
    text_rect = QRect(icon_rect.right() + 1 + gap, inner.top(), notice_rect.width(), inner.height())
    return MessageLayout(
        bubble.bottom() + 1 + ROW_MARGIN_V,
        bubble,
        None,
        text_rect,
        QRect(),
        True,
        notice_icon=icon_rect,
    )


def _file_row_size(message: Message, font: QFont, content_max: int) -> QSize:
    """The size of a file row: a round badge, the name above the size (elided to fit)."""
    metrics = QFontMetrics(font)
    meta_metrics = QFontMetrics(_meta_font(font))
    badge = round(metrics.height() * FILE_BADGE_LINES)
    gap = round(metrics.height() * 0.5)
    text_width = max(
        QFontMetrics(_name_font(font)).horizontalAdvance(file_name(message)),
        meta_metrics.horizontalAdvance(file_size_label(message)),
    )
    height = max(badge, metrics.height() + meta_metrics.height())
    return QSize(min(content_max, badge + gap + text_width + 1), height)


def _paint_file_row(
    painter: QPainter, row: QRect, message: Message, font: QFont, colors: ThemeColors
) -> None:
    metrics = QFontMetrics(font)
    meta_font = _meta_font(font)
    meta_metrics = QFontMetrics(meta_font)
    badge_side = round(metrics.height() * FILE_BADGE_LINES)
    badge = QRect(row.left(), row.top() + (row.height() - badge_side) // 2, badge_side, badge_side)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colors.file_badge))
    painter.drawEllipse(badge)
    info = message.attachment
    waiting = (
        message.direction is Direction.INCOMING and info is not None and not info.local_file_id
    )
    glyph = badge_side * 0.55
    icon_rect = QRect(
        round(badge.center().x() - glyph / 2 + 0.5),
        round(badge.center().y() - glyph / 2 + 0.5),
        round(glyph),
        round(glyph),
    )
    tinted_icon("download" if waiting else "file", colors.accent_text).paint(painter, icon_rect)
    left = badge.right() + 1 + round(metrics.height() * 0.5)
    width = max(1, row.right() - left + 1)
    lines_height = metrics.height() + meta_metrics.height()
    top = row.top() + (row.height() - lines_height) // 2
    bold = _name_font(font)
    painter.setFont(bold)
    painter.setPen(QColor(colors.bubble_text))
    name = QFontMetrics(bold).elidedText(file_name(message), Qt.TextElideMode.ElideMiddle, width)
    painter.drawText(
        QRect(left, top, width, metrics.height()),
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
        name,
    )
    painter.setFont(meta_font)
    painter.setPen(QColor(colors.meta_text))
    painter.drawText(
        QRect(left, top + metrics.height(), width, meta_metrics.height()),
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
        file_size_label(message),
    )
