"""Where every part of one message row goes: one pure computation, shared by all.

:func:`compute_layout` turns (message, row decorations, width, font, accent colour) into a
:class:`MessageLayout`: the day separator and "Unread messages" line above the row, the
bubble with its quote block, image or file row, wrapped text (a ``QTextLayout`` that also
answers "which character is under the mouse" for links), footer (disappearing timer,
"edited", time, status mark) and the reaction chips under it; or a centred pill for notes.
``sizeHint``, ``paint`` and hit-testing all read the same layout, so what is drawn, how tall
the row is and what a click hits never disagree.

Hit-testing reads it in :mod:`~chat_desktop.gui.conversation.message_hits`, and
:class:`~chat_desktop.gui.conversation.layout_cache.LayoutCache` keeps layouts so each row
is laid out once. Nothing here depends on the clock or on transfer progress: those are
painted over a layout that already reserves their room, so a row never changes height while
a timer runs down.
"""

from __future__ import annotations

from typing import Literal

import msgspec
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QDateTime,
    QLocale,
    QPointF,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)

from chat_desktop.gui.common.data_size import format_size
from chat_desktop.gui.conversation.group_names import NAME_GAP, sender_band
from chat_desktop.gui.conversation.link_preview_painting import card_size
from chat_desktop.gui.conversation.link_text import Link, find_links
from chat_desktop.gui.conversation.message_words import (
    WIDEST_REMAINING_SAMPLES,
    deleted_text,
    edited_text,
    note_text,
    quote_excerpt,
    quote_not_found_text,
    remaining_text,
)
from chat_desktop.services.file_types import display_file_name
from chat_desktop.services.types import NOTE_KINDS, TIMER_NOTE_KIND, Direction, Message

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
#: A voice note's waveform is at least this many line heights wide (voice_note_painting.py).
VOICE_WAVE_LINES = 10
#: The quote block's accent bar and inner padding (px).
QUOTE_BAR = 3
QUOTE_PAD = 6
#: Reaction chips: inner padding, gap between chips and below the bubble (px).
CHIP_PAD_H = 7
CHIP_PAD_V = 3
CHIP_GAP = 4
#: A separator band (day, unread line): its height in meta-font lines.
SEPARATOR_LINES = 2.2
#: A transfer's progress bar (px).
PROGRESS_BAR_HEIGHT = 4
#: The round button over an image that is downloading / not downloaded (px).
IMAGE_BUTTON_SIDE = 40

_CONTEXT = "MessageDelegate"
#: Untranslated; shown through :func:`undecryptable_notice`.
UNDECRYPTABLE_NOTICE = str(
    QT_TRANSLATE_NOOP("MessageDelegate", "A message from this contact could not be decrypted.")
)

TransferState = Literal["none", "transfer", "download", "ready"]


def undecryptable_notice() -> str:
    """The notice drawn in place of a message that could not be decrypted (translated)."""
    return QCoreApplication.translate(_CONTEXT, UNDECRYPTABLE_NOTICE)


# ---- what a message is ------------------------------------------------------------------------


def is_image(message: Message) -> bool:
    """Whether ``message`` is an image attachment with known dimensions."""
    info = message.attachment
    return (
        not message.deleted
        and info is not None
        and (info.mime or "").startswith("image/")
        and bool(info.width)
        and bool(info.height)
    )


def is_notice(message: Message) -> bool:
    """Whether ``message`` is drawn as the centred "could not be decrypted" notice."""
    return message.undecryptable or message.kind == "undecryptable"


def is_timer_note(message: Message) -> bool:
    """Whether ``message`` is a note that the disappearing timer changed."""
    return message.kind == TIMER_NOTE_KIND


def is_note(message: Message) -> bool:
    """Whether ``message`` is drawn as a centred note (a timer or safety-number change)."""
    return message.kind in NOTE_KINDS


def is_file(message: Message) -> bool:
    """Whether ``message`` is drawn as a file row (an attachment that is not an image)."""
    return (
        not message.deleted
        and message.kind == "attachment"
        and message.attachment is not None
        and not is_image(message)
    )


def transfer_state(message: Message, progress: tuple[int, int] | None) -> TransferState:
    """Where an attachment stands: moving, waiting to be downloaded, ready, or no attachment."""
    info = message.attachment
    if info is None or message.deleted:
        return "none"
    if progress is not None or info.local_status == "downloading":
        return "transfer"
    if message.direction is Direction.INCOMING and not info.local_file_id:
        return "download"
    return "ready"


def image_box(width: int, height: int, max_width: int) -> QSize:
    """The displayed size of a ``width`` × ``height`` image fitting ``max_width`` and the cap."""
    scale = min(1.0, max_width / width, MAX_IMAGE_HEIGHT / height)
    return QSize(max(1, round(width * scale)), max(1, round(height * scale)))


def decode_size(width: int, height: int, box: QSize, pixel_ratio: float) -> QSize:
    """The size to decode a ``width`` × ``height`` image to for a bubble ``box`` on a screen
    of ``pixel_ratio`` device pixels per pixel: the box in device pixels, never more than the
    image's own pixels (decoding a small picture larger only costs time and memory; the
    painter scales it into the box), and its aspect kept."""
    scale = min(max(1.0, pixel_ratio) * box.width() / width, 1.0)
    return QSize(max(1, round(width * scale)), max(1, round(height * scale)))


def file_name(message: Message) -> str:
    """The attachment's file name as it really reads, or a translated "file" when none.

    Without the bidirectional and other controls that would show another extension (rows
    stored before the protocol refused them); painting elides it in the middle, so the
    extension stays in sight.
    """
    info = message.attachment
    name = display_file_name(info.file_name if info else None)
    return name or QCoreApplication.translate(_CONTEXT, "file")


def file_size_label(message: Message) -> str:
    """The attachment's size for people ("12.3 KiB", :func:`format_size`), empty if unknown."""
    info = message.attachment
    return format_size(info.size) if info is not None and info.size is not None else ""


def download_text() -> str:
    """The file row's download button."""
    return QCoreApplication.translate(_CONTEXT, "Download")


def transfer_text(done: str, total: str) -> str:
    """The file row's size line while it moves ("390.6 KiB of 1.2 MiB")."""
    return QCoreApplication.translate(_CONTEXT, "%1 of %2").replace("%2", total).replace("%1", done)


def message_text(message: Message) -> str:
    """The text drawn in the bubble (empty for a bare image or file: their rows say it)."""
    if message.deleted:
        return deleted_text()
    return message.body or ""


def time_label(message: Message) -> str:
    """The time shown in the bubble's footer, in the locale's short format (as in the list)."""
    stamp = message.sent_at or message.sort_key
    return QLocale().toString(
        QDateTime.fromMSecsSinceEpoch(stamp).time(), QLocale.FormatType.ShortFormat
    )


def meta_font(font: QFont) -> QFont:
    """The small font of times, marks, chips and separators."""
    small = QFont(font)
    small.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
    return small


def name_font(font: QFont) -> QFont:
    """The semi-bold font of names (quote authors, file names)."""
    bold = QFont(font)
    bold.setWeight(QFont.Weight.DemiBold)
    return bold


def italic_font(font: QFont) -> QFont:
    """The italic font of notices and tombstones."""
    italic = QFont(font)
    italic.setItalic(True)
    return italic


# ---- layout types ---------------------------------------------------------------------------


class RowDecor(msgspec.Struct, frozen=True):
    """What is drawn above a message because of its neighbours (part of the row).

    Attributes:
        day_label: The day separator's text when the row starts a new day, else None.
        unread_line: Whether the "Unread messages" line goes above this row.
    """

    day_label: str | None = None
    unread_line: bool = False


#: A row with nothing drawn above its message.
NO_DECOR = RowDecor()


class QuoteLayout(msgspec.Struct, frozen=True):
    """The quote block at the top of a reply's bubble."""

    rect: QRect
    author_rect: QRect
    excerpt_rect: QRect
    note_rect: QRect | None


class ChipLayout(msgspec.Struct, frozen=True):
    """One reaction chip: an emoji, how many chose it, and who (ours is outlined)."""

    rect: QRect
    emoji: str
    count: int
    reactors: tuple[str, ...]

    @property
    def label(self) -> str:
        """What the chip shows: the emoji and the count."""
        return f"{self.emoji} {self.count}"


class FileLayout(msgspec.Struct, frozen=True):
    """The parts of a file row: badge (a button), name, size line, download text, bar."""

    badge: QRect
    name: QRect
    meta: QRect
    download: QRect | None
    bar: QRect


class FooterLayout(msgspec.Struct, frozen=True):
    """The footer's parts, right to left: status mark, time, "edited", timer."""

    status: QRect | None
    time: QRect
    edited: QRect | None
    timer_icon: QRect | None
    timer_text: QRect | None


class MessageLayout(msgspec.Struct, frozen=True, eq=False):
    """Where everything of one row goes, relative to the row's top-left corner."""

    height: int
    bubble: QRect
    image: QRect | None
    text: QRect | None
    footer: QRect
    notice: bool
    file_row: QRect | None = None
    notice_icon: QRect | None = None
    notice_text: str = ""
    note: bool = False
    separator: QRect | None = None
    unread: QRect | None = None
    quote: QuoteLayout | None = None
    chips: tuple[ChipLayout, ...] = ()
    file: FileLayout | None = None
    image_button: QRect | None = None
    image_bar: QRect | None = None
    footer_parts: FooterLayout | None = None
    text_layout: QTextLayout | None = None
    links: tuple[Link, ...] = ()
    deleted: bool = False
    #: The sender's name line at the top of an incoming group bubble (group_names.py).
    sender_name: QRect | None = None
    #: The link preview card under the text (link_preview_painting.py).
    link_preview: QRect | None = None


# ---- computing -------------------------------------------------------------------------------


def _text_layout(
    text: str, font: QFont, max_width: int, links: tuple[Link, ...], accent: str
) -> tuple[QTextLayout, QSize]:
    """Wraps ``text`` in ``max_width``; links underlined in ``accent``. Returns layout, size."""
    # QTextLayout breaks lines at U+2028, not at "\n" (same length: link offsets still hold).
    layout = QTextLayout(text.replace("\n", "\u2028"), font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.setCacheEnabled(True)
    if links:
        ranges = []
        for link in links:
            char_format = QTextCharFormat()
            char_format.setFontUnderline(True)
            char_format.setForeground(QBrush(QColor(accent)))
            format_range = QTextLayout.FormatRange()
            format_range.start = link.start
            format_range.length = link.end - link.start
            format_range.format = char_format
            ranges.append(format_range)
        layout.setFormats(ranges)
    layout.beginLayout()
    height = 0.0
    width = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max_width)
        line.setPosition(QPointF(0, height))
        height += line.height()
        width = max(width, line.naturalTextWidth())
    layout.endLayout()
    return layout, QSize(min(max_width, int(width + 0.999)), int(height + 0.999))


def _pill(
    width: int, top: int, metrics: QFontMetrics, text: str, with_icon: bool
) -> tuple[QRect, QRect | None, QRect]:
    """A centred rounded box for a notice or note: (box, icon rect, text rect)."""
    side = metrics.height()
    gap = round(side * ICON_GAP_SHARE) + 2
    icon_room = side + gap if with_icon else 0
    text_rect = metrics.boundingRect(
        QRect(0, 0, max(40, width - 4 * ROW_MARGIN_H - icon_room), 10_000),
        int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter),
        text,
    )
    content_width = icon_room + text_rect.width()
    box = QRect(
        (width - content_width) // 2 - BUBBLE_PAD_H,
        top,
        content_width + 2 * BUBBLE_PAD_H,
        max(side, text_rect.height()) + 2 * BUBBLE_PAD_V,
    )
    inner = box.adjusted(BUBBLE_PAD_H, BUBBLE_PAD_V, -BUBBLE_PAD_H, -BUBBLE_PAD_V)
    icon_rect = (
        QRect(inner.left(), inner.top() + (inner.height() - side) // 2, side, side)
        if with_icon
        else None
    )
    text_left = inner.left() + icon_room
    return box, icon_rect, QRect(text_left, inner.top(), text_rect.width(), inner.height())


def _footer_width(message: Message, meta: QFontMetrics) -> int:
    mark = meta.height()
    gap = round(mark * ICON_GAP_SHARE)
    width = meta.horizontalAdvance(time_label(message)) + 4
    if message.direction is Direction.OUTGOING:
        width += mark + gap
    if message.edited_at is not None and not message.deleted:
        width += meta.horizontalAdvance(edited_text()) + 2 * gap
    if message.expires_at is not None:
        widest = max(meta.horizontalAdvance(remaining_text(ms)) for ms in WIDEST_REMAINING_SAMPLES)
        width += mark + gap + widest + 2 * gap
    return width


def _footer_parts(message: Message, footer: QRect, meta: QFontMetrics) -> FooterLayout:
    side = footer.height()
    gap = round(side * ICON_GAP_SHARE)
    right = footer.right() + 1
    status: QRect | None = None
    if message.direction is Direction.OUTGOING:
        status = QRect(right - side, footer.top(), side, side)
        right = status.left() - gap
    time_width = meta.horizontalAdvance(time_label(message)) + 2
    time = QRect(right - time_width, footer.top(), time_width, side)
    right = time.left() - gap
    edited: QRect | None = None
    if message.edited_at is not None and not message.deleted:
        edited_width = meta.horizontalAdvance(edited_text()) + 2
        edited = QRect(right - edited_width, footer.top(), edited_width, side)
        right = edited.left() - 2 * gap
    timer_icon: QRect | None = None
    timer_text: QRect | None = None
    if message.expires_at is not None:
        widest = max(meta.horizontalAdvance(remaining_text(ms)) for ms in WIDEST_REMAINING_SAMPLES)
        timer_text = QRect(right - widest, footer.top(), widest, side)
        timer_icon = QRect(timer_text.left() - gap - side, footer.top(), side, side)
    return FooterLayout(status, time, edited, timer_icon, timer_text)


def _chips(
    message: Message, bubble: QRect, bubble_max: int, width: int, meta: QFontMetrics
) -> tuple[tuple[ChipLayout, ...], int]:
    """Lays the reaction chips under the bubble; returns them and the bottom they reach."""
    groups: dict[str, list[str]] = {}
    for reaction in message.reactions:
        groups.setdefault(reaction.emoji, []).append(reaction.reactor)
    if not groups or message.deleted:
        return (), bubble.bottom() + 1
    height = meta.height() + 2 * CHIP_PAD_V
    sizes = [
        (emoji, reactors, meta.horizontalAdvance(f"{emoji} {len(reactors)}") + 2 * CHIP_PAD_H)
        for emoji, reactors in groups.items()
    ]
    outgoing = message.direction is Direction.OUTGOING
    rows: list[list[tuple[str, list[str], int]]] = [[]]
    used = 0
    for item in sizes:
        if rows[-1] and used + CHIP_GAP + item[2] > bubble_max:
            rows.append([])
            used = 0
        used += (CHIP_GAP if rows[-1] else 0) + item[2]
        rows[-1].append(item)
    chips: list[ChipLayout] = []
    top = bubble.bottom() + 1 + CHIP_GAP
    for row in rows:
        row_width = sum(item[2] for item in row) + CHIP_GAP * (len(row) - 1)
        left = bubble.right() + 1 - row_width if outgoing else bubble.left()
        left = max(ROW_MARGIN_H, min(left, width - ROW_MARGIN_H - row_width))
        for emoji, reactors, chip_width in row:
            chips.append(
                ChipLayout(
                    QRect(left, top, chip_width, height), emoji, len(reactors), tuple(reactors)
                )
            )
            left += chip_width + CHIP_GAP
        top += height + CHIP_GAP
    return tuple(chips), top - CHIP_GAP


def compute_layout(
    message: Message, width: int, font: QFont, decor: RowDecor = NO_DECOR, accent: str = ""
) -> MessageLayout:
    """The layout of ``message`` in a row ``width`` pixels wide (see the module's docstring)."""
    metrics = QFontMetrics(font)
    meta = QFontMetrics(meta_font(font))
    top = 0
    band = round(meta.height() * SEPARATOR_LINES)
    separator: QRect | None = None
    unread: QRect | None = None
    if decor.day_label is not None:
        separator = QRect(0, top, width, band)
        top += band
    if decor.unread_line:
        unread = QRect(0, top, width, band)
        top += band
    top += ROW_MARGIN_V
    if is_notice(message) or is_note(message):
        undecryptable = is_notice(message)
        text = undecryptable_notice() if undecryptable else note_text(message)
        pill_metrics = metrics if undecryptable else meta
        box, icon_rect, pill_text = _pill(width, top, pill_metrics, text, True)
        return MessageLayout(
            box.bottom() + 1 + ROW_MARGIN_V,
            box,
            None,
            pill_text,
            QRect(),
            undecryptable,
            notice_icon=icon_rect,
            notice_text=text,
            note=not undecryptable,
            separator=separator,
            unread=unread,
        )
    bubble_max = int(min(MAX_BUBBLE_WIDTH, (width - 2 * ROW_MARGIN_H) * BUBBLE_WIDTH_SHARE))
    content_max = max(40, bubble_max - 2 * BUBBLE_PAD_H)
    content_width = _footer_width(message, meta)
    content_height = 0
    name_size = sender_band(message, font, content_max)
    if name_size is not None:
        content_width = max(content_width, name_size.width())
        content_height += name_size.height()
    quote = None if message.deleted else message.quote
    quote_height = 0
    if quote is not None:
        bold = QFontMetrics(name_font(font))
        lines = [bold.height(), metrics.height()]
        widths = [
            bold.horizontalAdvance(quote.author),
            metrics.horizontalAdvance(quote_excerpt(quote)),
        ]
        if not quote.found:
            lines.append(meta.height())
            widths.append(meta.horizontalAdvance(quote_not_found_text()))
        quote_height = sum(lines) + 2 * QUOTE_PAD
        quote_width = min(content_max, max(widths) + QUOTE_BAR + 2 * QUOTE_PAD + 1)
        content_width = max(content_width, quote_width)
        content_height += quote_height + BUBBLE_PAD_V
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
    links = tuple(find_links(text)) if text and not message.deleted else ()
    text_layout: QTextLayout | None = None
    text_size = QSize(0, 0)
    if text:
        text_font = italic_font(font) if message.deleted else font
        text_layout, text_size = _text_layout(text, text_font, content_max, links, accent)
        content_width = max(content_width, text_size.width())
        content_height += text_size.height()
    card = None if message.deleted else card_size(message.link_preview, font, content_max)
    if card is not None:
        content_width = max(content_width, card.width())
        content_height += BUBBLE_PAD_V + card.height()
    content_height += FOOTER_GAP + meta.height()
    bubble_width = max(MIN_BUBBLE_WIDTH, min(bubble_max, content_width + 2 * BUBBLE_PAD_H))
    outgoing = message.direction is Direction.OUTGOING
    left = width - ROW_MARGIN_H - bubble_width if outgoing else ROW_MARGIN_H
    bubble = QRect(left, top, bubble_width, content_height + 2 * BUBBLE_PAD_V)
    inner_left = left + BUBBLE_PAD_H
    inner_width = bubble_width - 2 * BUBBLE_PAD_H
    y = top + BUBBLE_PAD_V
    name_rect: QRect | None = None
    if name_size is not None:
        name_rect = QRect(inner_left, y, inner_width, name_size.height() - NAME_GAP)
        y += name_size.height()
    quote_layout: QuoteLayout | None = None
    if quote is not None:
        bold_height = QFontMetrics(name_font(font)).height()
        block = QRect(inner_left, y, inner_width, quote_height)
        text_left = inner_left + QUOTE_BAR + QUOTE_PAD
        text_width = max(1, inner_width - QUOTE_BAR - 2 * QUOTE_PAD)
        author_rect = QRect(text_left, y + QUOTE_PAD, text_width, bold_height)
        excerpt_rect = QRect(text_left, author_rect.bottom() + 1, text_width, metrics.height())
        note_rect = (
            None
            if quote.found
            else QRect(text_left, excerpt_rect.bottom() + 1, text_width, meta.height())
        )
        quote_layout = QuoteLayout(block, author_rect, excerpt_rect, note_rect)
        y += quote_height + BUBBLE_PAD_V
    image_rect: QRect | None = None
    image_button: QRect | None = None
    image_bar: QRect | None = None
    if image_size is not None:
        image_rect = QRect(
            left + (bubble_width - image_size.width()) // 2,
            y,
            image_size.width(),
            image_size.height(),
        )
        side = min(IMAGE_BUTTON_SIDE, image_size.width(), image_size.height())
        image_button = QRect(
            image_rect.center().x() - side // 2, image_rect.center().y() - side // 2, side, side
        )
        image_bar = QRect(
            image_rect.left() + 8,
            image_rect.bottom() - 8 - PROGRESS_BAR_HEIGHT,
            max(1, image_rect.width() - 16),
            PROGRESS_BAR_HEIGHT,
        )
        y += image_size.height() + BUBBLE_PAD_V
    file_rect: QRect | None = None
    file_parts: FileLayout | None = None
    if file_size is not None:
        file_rect = QRect(inner_left, y, inner_width, file_size.height())
        file_parts = _file_parts(message, file_rect, font)
        y += file_size.height() + BUBBLE_PAD_V
    text_rect: QRect | None = None
    if text:
        text_rect = QRect(inner_left, y, inner_width, text_size.height())
        y += text_size.height()
    card_rect: QRect | None = None
    if card is not None:
        card_rect = QRect(inner_left, y + BUBBLE_PAD_V, inner_width, card.height())
        y = card_rect.bottom() + 1
    footer = QRect(inner_left, y + FOOTER_GAP, inner_width, meta.height())
    chips, bottom = _chips(message, bubble, bubble_max, width, meta)
    return MessageLayout(
        bottom + ROW_MARGIN_V,
        bubble,
        image_rect,
        text_rect,
        footer,
        False,
        file_row=file_rect,
        separator=separator,
        unread=unread,
        quote=quote_layout,
        chips=chips,
        file=file_parts,
        image_button=image_button,
        image_bar=image_bar,
        footer_parts=_footer_parts(message, footer, meta),
        text_layout=text_layout,
        links=links,
        deleted=message.deleted,
        sender_name=name_rect,
        link_preview=card_rect,
    )


def _file_row_size(message: Message, font: QFont, content_max: int) -> QSize:
    """A file row: a round badge, the name above the size (and download), a progress bar."""
    metrics = QFontMetrics(font)
    meta = QFontMetrics(meta_font(font))
    badge = round(metrics.height() * FILE_BADGE_LINES)
    gap = round(metrics.height() * 0.5)
    size = file_size_label(message)
    meta_width = meta.horizontalAdvance(size)
    if message.direction is Direction.INCOMING:
        meta_width += gap + meta.horizontalAdvance(download_text())
    # While it moves the line reads "390.6 KiB of 1.2 MiB": room for the widest such text.
    moving = transfer_text(format_size(1023 * 1024 - 1), size)  # the widest: "1023.0 KiB"
    meta_width = max(meta_width, meta.horizontalAdvance(moving) + 2)
    text_width = max(
        QFontMetrics(name_font(font)).horizontalAdvance(file_name(message)), meta_width
    )
    if message.attachment is not None and message.attachment.voice_ms is not None:
        text_width = max(text_width, round(metrics.height() * VOICE_WAVE_LINES))
    height = max(badge, metrics.height() + meta.height() + 2 * PROGRESS_BAR_HEIGHT)
    return QSize(min(content_max, badge + gap + text_width + 1), height)


def _file_parts(message: Message, row: QRect, font: QFont) -> FileLayout:
    metrics = QFontMetrics(font)
    meta = QFontMetrics(meta_font(font))
    side = round(metrics.height() * FILE_BADGE_LINES)
    badge = QRect(row.left(), row.top() + (row.height() - side) // 2, side, side)
    gap = round(metrics.height() * 0.5)
    left = badge.right() + 1 + gap
    width = max(1, row.right() - left + 1)
    lines = metrics.height() + meta.height() + 2 * PROGRESS_BAR_HEIGHT
    top = row.top() + (row.height() - lines) // 2
    name = QRect(left, top, width, metrics.height())
    meta_rect = QRect(left, name.bottom() + 1, width, meta.height())
    download: QRect | None = None
    if message.direction is Direction.INCOMING:
        size_width = meta.horizontalAdvance(file_size_label(message))
        download_left = left + size_width + (gap if size_width else 0)
        download_width = min(
            meta.horizontalAdvance(download_text()) + 2, row.right() - download_left
        )
        download = QRect(download_left, meta_rect.top(), max(1, download_width), meta.height())
    bar = QRect(left, meta_rect.bottom() + 1 + PROGRESS_BAR_HEIGHT // 2, width, PROGRESS_BAR_HEIGHT)
    return FileLayout(badge, name, meta_rect, download, bar)
