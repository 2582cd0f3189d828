"""``ConversationDelegate``: paints one row of the conversation list (no widgets per row).

A row shows the contact's round profile picture, or else an avatar circle with its initials
(a colour derived from a hash of the name, in a tone that reads on the light and the dark
theme) and a presence dot, the name with
the verified and disappearing-timer marks, the time of the last activity, a one-line preview
of the last message (or "Draft: …" with the word in the accent colour, as Signal shows an
unsent text), the muted and pinned marks and the unread badge (accent colour; grey when
muted; a dot without a number when the user marked the chat unread). Every colour comes
from :func:`~chat_desktop.gui.common.theme.current_colors` at paint time, so a theme switch repaints
correctly. The geometry is computed by :meth:`row_layout`, which
tests also use to find the parts of a painted row.
"""

from __future__ import annotations

import math
import zlib

import msgspec
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QFontMetricsF, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from chat_desktop.gui.common.icons import tinted_icon
from chat_desktop.gui.common.theme import ThemeColors, current_colors

#: The role under which the list model hands the delegate a row's display data.
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
#: Hues of the avatar palette (degrees); the lightness depends on the theme.
AVATAR_HUES = (4, 28, 48, 140, 172, 200, 224, 262, 292, 330)
#: More unread messages than this show as "99+".
MAX_BADGE_COUNT = 99
_PADDING = 10
_GAP = 8
#: Below this many average characters of room for the name, a row shows its avatar only.
COMPACT_NAME_CHARS = 6
#: Width of the keyboard focus frame around the current row (pixels).
FOCUS_FRAME_WIDTH = 2


class RowData(msgspec.Struct, frozen=True):
    """What one row paints, ready-made by the model (text already translated).

    Attributes:
        peer: The contact (conversation id).
        name: The shown name.
        initials: One or two letters for the avatar.
        preview: The last message's one-line preview (may be empty).
        time_text: When the last activity was ("14:05", "Tue", a date), or empty.
        unread: Unread messages.
        muted: No notifications (the badge is grey).
        pinned: Kept at the top.
        timer: The disappearing timer is on.
        verified: The safety number was compared.
        online: The contact is online (presence dot).
        marked_unread: The user marked it unread: a dot when nothing is unread.
        draft_label: "Draft:" (translated) when ``preview`` is the conversation's draft,
            painted emphasised before it; empty otherwise.
        avatar: The contact's round profile picture, drawn instead of the initials.
    """

    peer: str
    name: str
    initials: str
    preview: str
    time_text: str
    unread: int
    muted: bool
    pinned: bool
    timer: bool
    verified: bool
    online: bool
    marked_unread: bool = False
    draft_label: str = ""
    avatar: QPixmap | None = None


class RowLayout(msgspec.Struct, frozen=True):
    """Where the parts of a row go (view coordinates)."""

    avatar: QRect
    presence: QRect
    name: QRect
    marks: tuple[tuple[str, QRect], ...]
    time: QRect
    preview: QRect
    draft_label: QRect | None
    badge: QRect | None
    trailing: tuple[tuple[str, QRect], ...]
    compact: bool = False


def avatar_color(name: str, colors: ThemeColors) -> QColor:
    """The avatar colour of ``name``: a stable hue, toned for the theme's background."""
    hue = AVATAR_HUES[zlib.crc32(name.casefold().encode("utf-8")) % len(AVATAR_HUES)]
    # Dark theme: light tones behind dark initials; light theme: deep tones behind light ones.
    return QColor.fromHsl(hue, 150, 175 if colors.dark else 95)


def initials_of(name: str) -> str:
    """Up to two initials of ``name`` ("alice smith" → "AS", "bob" → "B")."""
    words = [word for word in name.replace("_", " ").replace(".", " ").split() if word]
    if not words:
        return "?"
    letters = [next((char for char in word if char.isalnum()), word[0]) for word in words[:2]]
    return "".join(letters).upper()


def badge_text(count: int) -> str:
    """The badge's number ("99+" past :data:`MAX_BADGE_COUNT`)."""
    return f"{MAX_BADGE_COUNT}+" if count > MAX_BADGE_COUNT else str(count)


class ConversationDelegate(QStyledItemDelegate):
    """Paints conversation rows from the model's :data:`ROW_ROLE` data."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Creates the delegate (stateless: everything is computed per paint)."""
        super().__init__(parent)

    # ---- geometry ---------------------------------------------------------------------------

    @staticmethod
    def _fonts(option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        name_font = QFont(option.font)
        name_font.setWeight(QFont.Weight.DemiBold)
        small_font = QFont(option.font)
        small_font.setPointSizeF(max(1.0, option.font.pointSizeF() * 0.85))
        return name_font, option.font, small_font

    def sizeHint(  # noqa: N802
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """Two lines of text beside the avatar, with padding (all rows the same height)."""
        name_font, text_font, _small = self._fonts(option)
        lines = QFontMetrics(name_font).height() + QFontMetrics(text_font).height() + 4
        avatar = max(36, lines)
        # As wide as the avatar only: the texts elide to the width the list has, so the list
        # never needs a sideways scroll bar however narrow it gets.
        return QSize(avatar + 2 * _PADDING, avatar + 2 * _PADDING)

    @staticmethod
    def is_compact(option: QStyleOptionViewItem) -> bool:
        """Whether a row this wide shows the avatar only (too narrow for a readable name)."""
        name_font = QFont(option.font)
        name_font.setWeight(QFont.Weight.DemiBold)
        metrics = QFontMetrics(name_font)
        side = max(36, metrics.height() + QFontMetrics(option.font).height() + 4)
        room = option.rect.width() - side - 3 * _PADDING
        return room < metrics.averageCharWidth() * COMPACT_NAME_CHARS

    def row_layout(self, option: QStyleOptionViewItem, row: RowData) -> RowLayout:
        """The rectangles of ``row``'s parts in ``option.rect`` (also used by tests)."""
        rect = option.rect
        name_font, text_font, small_font = self._fonts(option)
        name_metrics = QFontMetrics(name_font)
        text_metrics = QFontMetrics(text_font)
        small_metrics = QFontMetrics(small_font)
        line1 = name_metrics.height()
        line2 = text_metrics.height()
        content_height = line1 + line2 + 4
        side = max(36, content_height)
        top = rect.top() + (rect.height() - side) // 2
        avatar = QRect(rect.left() + _PADDING, top, side, side)
        dot = max(8, side // 4)
        presence = QRect(avatar.right() - dot + 2, avatar.bottom() - dot + 2, dot, dot)
        if self.is_compact(option):
            return self._compact_layout(option, row, avatar, presence)
        left = avatar.right() + 1 + _PADDING
        right = rect.right() - _PADDING
        text_top = rect.top() + (rect.height() - content_height) // 2
        icon_side = max(12, small_metrics.height())

        # Line 1: name, its marks (verified, timer), the time at the right.
        time_width = (
            math.ceil(QFontMetricsF(small_font).horizontalAdvance(row.time_text)) + 2
            if row.time_text
            else 0
        )
        time = QRect(right - time_width + 1, text_top, time_width, line1)
        marks_wanted = [
            mark for mark, on in (("verified", row.verified), ("hourglass", row.timer)) if on
        ]
        marks_width = len(marks_wanted) * (icon_side + 4)
        name_room = max(0, time.left() - _GAP - marks_width - left)
        if name_room < name_metrics.averageCharWidth() * COMPACT_NAME_CHARS and time_width:
            # Too tight for both: the name (elided) matters more than the time.
            time = QRect(right + 1, text_top, 0, line1)
            name_room = max(0, right - marks_width - left)
        # Whole pixels plus a margin: eliding compares against the exact (fractional) width.
        name_width = min(
            math.ceil(QFontMetricsF(name_font).horizontalAdvance(row.name)) + 2, name_room
        )
        name = QRect(left, text_top, name_width, line1)
        marks = []
        x = name.right() + 5
        for mark in marks_wanted:
            marks.append(
                (mark, QRect(x, text_top + (line1 - icon_side) // 2, icon_side, icon_side))
            )
            x += icon_side + 4

        # Line 2: preview, then muted / pinned marks and the badge at the right.
        line2_top = text_top + line1 + 4
        x = right + 1
        badge = None
        if row.unread or row.marked_unread:
            height = small_metrics.height() + 2
            if row.unread:
                text_width = small_metrics.horizontalAdvance(badge_text(row.unread))
                width = max(height, text_width + 10)
            else:  # marked unread: a dot without a number
                height = max(8, height * 2 // 3)
                width = height
            x -= width
            badge = QRect(x, line2_top + (line2 - height) // 2, width, height)
            x -= 6
        trailing = []
        for mark, on in (("pinned", row.pinned), ("muted", row.muted)):
            if on:
                x -= icon_side
                trailing.append(
                    (mark, QRect(x, line2_top + (line2 - icon_side) // 2, icon_side, icon_side))
                )
                x -= 4
        preview = QRect(left, line2_top, max(0, x - _GAP - left), line2)
        draft_label = None
        if row.draft_label:
            label_font = self._draft_font(text_font)
            label_width = min(
                math.ceil(QFontMetricsF(label_font).horizontalAdvance(row.draft_label)) + 2,
                preview.width(),
            )
            draft_label = QRect(left, line2_top, label_width, line2)
            preview = preview.adjusted(label_width + 4, 0, 0, 0)
            if preview.width() < 0:
                preview.setWidth(0)
        return RowLayout(
            avatar=avatar,
            presence=presence,
            name=name,
            marks=tuple(marks),
            time=time,
            preview=preview,
            draft_label=draft_label,
            badge=badge,
            trailing=tuple(trailing),
        )

    @staticmethod
    def _draft_font(text_font: QFont) -> QFont:
        """The font of the word "Draft:" (the preview's, emphasised)."""
        font = QFont(text_font)
        font.setWeight(QFont.Weight.DemiBold)
        font.setItalic(True)
        return font

    def _compact_layout(
        self, option: QStyleOptionViewItem, row: RowData, avatar: QRect, presence: QRect
    ) -> RowLayout:
        """The avatar centred in the row, the unread badge on its upper corner, no texts."""
        rect = option.rect
        avatar.moveLeft(rect.left() + (rect.width() - avatar.width()) // 2)
        dot = presence.width()
        presence = QRect(avatar.right() - dot + 2, avatar.bottom() - dot + 2, dot, dot)
        badge = None
        if row.unread or row.marked_unread:
            metrics = QFontMetrics(self._fonts(option)[2])
            height = metrics.height() + 2
            width = max(height, metrics.horizontalAdvance(badge_text(row.unread)) + 10)
            if not row.unread:  # marked unread: a dot without a number
                height = width = max(8, height * 2 // 3)
            left = min(avatar.right() - width // 2, rect.right() - width)
            badge = QRect(left, avatar.top() - 2, width, height)
        empty = QRect(avatar.right(), avatar.top(), 0, 0)
        return RowLayout(
            avatar=avatar,
            presence=presence,
            name=empty,
            marks=(),
            time=empty,
            preview=empty,
            draft_label=None,
            badge=badge,
            trailing=(),
            compact=True,
        )

    # ---- painting ---------------------------------------------------------------------------

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Paints the row (background, avatar, texts, marks, badge)."""
        row = index.data(ROW_ROLE)
        if not isinstance(row, RowData):
            super().paint(painter, option, index)
            return
        colors = current_colors()
        layout = self.row_layout(option, row)
        name_font, text_font, small_font = self._fonts(option)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        background = (
            colors.selection_background
            if selected
            else colors.hover
            if hovered
            else colors.sidebar_background
        )
        painter.fillRect(option.rect, QColor(background))
        if option.state & QStyle.StateFlag.State_HasFocus:
            # The keyboard's place, selected or not (the accent reads on both backgrounds).
            pen = QPen(QColor(colors.accent), FOCUS_FRAME_WIDTH)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            inset = FOCUS_FRAME_WIDTH // 2
            painter.drawRect(QRectF(option.rect).adjusted(inset, inset, -inset - 1, -inset - 1))

        # Avatar and presence.
        painter.setPen(Qt.PenStyle.NoPen)
        if row.avatar is not None:  # the profile picture (already round)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(layout.avatar, row.avatar)
        else:
            painter.setBrush(avatar_color(row.name, colors))
            painter.drawEllipse(QRectF(layout.avatar))
            avatar_font = QFont(name_font)
            avatar_font.setPixelSize(max(8, layout.avatar.height() * 2 // 5))
            painter.setFont(avatar_font)
            painter.setPen(QColor(colors.base))
            painter.drawText(layout.avatar, Qt.AlignmentFlag.AlignCenter, row.initials)
        if row.online:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(background))
            painter.drawEllipse(QRectF(layout.presence).adjusted(-2, -2, 2, 2))
            painter.setBrush(QColor(colors.success))
            painter.drawEllipse(QRectF(layout.presence))

        if layout.compact:
            self._paint_badge(painter, layout, row, small_font, colors)
            painter.restore()
            return

        # Line 1.
        painter.setFont(name_font)
        painter.setPen(QColor(colors.text))
        name = QFontMetrics(name_font).elidedText(
            row.name, Qt.TextElideMode.ElideRight, layout.name.width()
        )
        painter.drawText(layout.name, Qt.AlignmentFlag.AlignVCenter, name)
        for mark, rect in layout.marks:
            tint = colors.success if mark == "verified" else colors.muted_text
            tinted_icon(mark, tint).paint(painter, rect)
        painter.setFont(small_font)
        unread = row.unread or row.marked_unread
        painter.setPen(QColor(colors.accent if unread and not row.muted else colors.muted_text))
        painter.drawText(
            layout.time, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, row.time_text
        )

        # Line 2.
        if layout.draft_label is not None:
            painter.setFont(self._draft_font(text_font))
            painter.setPen(QColor(colors.accent))
            painter.drawText(layout.draft_label, Qt.AlignmentFlag.AlignVCenter, row.draft_label)
        painter.setFont(text_font)
        painter.setPen(QColor(colors.muted_text))
        preview = QFontMetrics(text_font).elidedText(
            row.preview, Qt.TextElideMode.ElideRight, layout.preview.width()
        )
        painter.drawText(layout.preview, Qt.AlignmentFlag.AlignVCenter, preview)
        for mark, rect in layout.trailing:
            tinted_icon(mark, colors.muted_text).paint(painter, rect)
        self._paint_badge(painter, layout, row, small_font, colors)
        painter.restore()

    @staticmethod
    def _paint_badge(
        painter: QPainter, layout: RowLayout, row: RowData, small_font: QFont, colors: ThemeColors
    ) -> None:
        if layout.badge is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colors.muted_text if row.muted else colors.accent))
            radius = layout.badge.height() / 2
            painter.drawRoundedRect(QRectF(layout.badge), radius, radius)
            if not row.unread:  # marked unread: the dot alone
                return
            badge_font = QFont(small_font)
            badge_font.setWeight(QFont.Weight.Bold)
            painter.setFont(badge_font)
            painter.setPen(QColor(colors.base if row.muted else colors.accent_text))
            painter.drawText(layout.badge, Qt.AlignmentFlag.AlignCenter, badge_text(row.unread))
