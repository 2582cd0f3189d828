"""How a message row's transfers are painted: a file row, and the button and progress bar
over an image that is moving.

Pure painting functions of the
:class:`~chat_desktop.gui.conversation.message_delegate.MessageDelegate`, apart so the delegate
keeps to its own job (the row's layout, its bubble, text and decorations). Sizes and places
come from the row's :class:`~chat_desktop.gui.conversation.message_layout.MessageLayout`;
colours from the theme at paint time.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter

from chat_desktop.gui.common.data_size import format_size, transfer_sizes
from chat_desktop.gui.common.icons import tinted_icon
from chat_desktop.gui.common.theme import ThemeColors
from chat_desktop.gui.conversation.message_layout import (
    MessageLayout,
    TransferState,
    download_text,
    file_name,
    file_size_label,
    meta_font,
    name_font,
    transfer_text,
)
from chat_desktop.services.types import Message


def with_alpha(color: str, alpha: int) -> QColor:
    """``color`` with the opacity ``alpha`` (0–255)."""
    tinted = QColor(color)
    tinted.setAlpha(alpha)
    return tinted


def file_meta_text(message: Message, state: TransferState, progress: tuple[int, int] | None) -> str:
    """The size line of a file row: its size, or while it moves "2.5 MiB of 5.0 MiB".

    Progress counts the encrypted blob (larger than the file); the line counts the file's
    own bytes, so the total is the size the row shows when it is not moving.
    """
    if state != "transfer":
        return file_size_label(message)
    info = message.attachment
    file_size = info.size if info is not None else None
    done, total = progress if progress is not None else (0, file_size or 0)
    done, total = transfer_sizes(done, total, file_size)
    return transfer_text(format_size(done), format_size(total))


def _paint_bar(painter: QPainter, bar: QRect, share: float, colors: ThemeColors) -> None:
    radius = bar.height() / 2
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(with_alpha(colors.meta_text, 70))
    painter.drawRoundedRect(bar, radius, radius)
    done = QRect(
        bar.left(), bar.top(), round(bar.width() * max(0.0, min(1.0, share))), bar.height()
    )
    if done.width() > 0:
        painter.setBrush(QColor(colors.accent))
        painter.drawRoundedRect(done, radius, radius)


def _share(progress: tuple[int, int] | None) -> float:
    if progress is None or progress[1] <= 0:
        return 0.0
    return progress[0] / progress[1]


def _paint_round_button(painter: QPainter, box: QRect, icon_name: str, colors: ThemeColors) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colors.file_badge))
    painter.drawEllipse(box)
    glyph = box.width() * 0.55
    icon_rect = QRect(
        round(box.center().x() - glyph / 2 + 0.5),
        round(box.center().y() - glyph / 2 + 0.5),
        round(glyph),
        round(glyph),
    )
    tinted_icon(icon_name, colors.accent_text).paint(painter, icon_rect)


def paint_image_transfer(
    painter: QPainter,
    layout: MessageLayout,
    state: TransferState,
    progress: tuple[int, int] | None,
    colors: ThemeColors,
) -> None:
    """The round button (cancel or download) and progress bar over an image's box."""
    if layout.image_button is None or layout.image_bar is None:
        return
    if state == "transfer":
        _paint_round_button(painter, layout.image_button, "close", colors)
        _paint_bar(painter, layout.image_bar, _share(progress), colors)
    elif state == "download":
        _paint_round_button(painter, layout.image_button, "download", colors)


def paint_file_row(
    painter: QPainter,
    layout: MessageLayout,
    message: Message,
    font: QFont,
    colors: ThemeColors,
    state: TransferState,
    progress: tuple[int, int] | None,
) -> None:
    """A file row: its badge (or cancel / download button), name, size line or progress bar,
    and "Download" when it is not here yet."""
    parts = layout.file
    assert parts is not None
    icon_name = {"transfer": "close", "download": "download"}.get(state, "file")
    _paint_round_button(painter, parts.badge, icon_name, colors)
    bold = name_font(font)
    painter.setFont(bold)
    painter.setPen(QColor(colors.bubble_text))
    left_aligned = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    painter.drawText(
        parts.name,
        left_aligned,
        QFontMetrics(bold).elidedText(
            file_name(message), Qt.TextElideMode.ElideMiddle, parts.name.width()
        ),
    )
    small = meta_font(font)
    painter.setFont(small)
    painter.setPen(QColor(colors.meta_text))
    painter.drawText(parts.meta, left_aligned, file_meta_text(message, state, progress))
    if state == "transfer":
        _paint_bar(painter, parts.bar, _share(progress), colors)
        return
    if state == "download" and parts.download is not None:
        painter.setPen(QColor(colors.accent))
        painter.drawText(parts.download, left_aligned, download_text())
