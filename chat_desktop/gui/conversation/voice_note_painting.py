"""How a voice note's row is painted and what a click on it means.

A voice note is an attachment, so its row has a file row's place
(:class:`~chat_desktop.gui.conversation.message_layout.FileLayout`): the round badge becomes
play / pause (or download / cancel while it is not here yet), the name line becomes the
waveform, the size line the time ("0:04", or "0:01 / 0:04" while it plays). The waveform and
length are shown only once the note is here and checked (a received note's claims are a
peer's until its download decoded it, docs/protocol.md §5.1) or when it is ours; before that
the row shows the size and "Download" as any file's.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter

from chat_desktop.gui.common.icons import tinted_icon
from chat_desktop.gui.common.theme import ThemeColors
from chat_desktop.gui.conversation.message_layout import (
    MessageLayout,
    TransferState,
    download_text,
    meta_font,
)
from chat_desktop.gui.conversation.transfer_painting import file_meta_text, with_alpha
from chat_desktop.services.types import Direction, Message

_CONTEXT = "MessageListView"
#: The smallest bar of the waveform, in pixels (silence still shows as a line).
_MIN_BAR = 2


@dataclass(frozen=True)
class VoicePosition:
    """Where the note that is loaded in the player stands.

    Attributes:
        fraction: How much was played, 0.0 … 1.0.
        position_ms: The same, in milliseconds.
        playing: Whether it is playing now.
    """

    fraction: float
    position_ms: int
    playing: bool


def is_voice_note(message: Message) -> bool:
    """Whether ``message`` is a voice note (and not deleted)."""
    info = message.attachment
    return not message.deleted and info is not None and info.voice_ms is not None


def voice_shown(message: Message, state: TransferState) -> bool:
    """Whether the note's waveform and length may be shown: ours, or here and checked."""
    return state == "ready" or (message.direction is Direction.OUTGOING and state != "transfer")


def duration_text(milliseconds: int) -> str:
    """A length as people read it: "0:04", "12:30"."""
    seconds = max(0, milliseconds) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def voice_time_text(message: Message, position: VoicePosition | None) -> str:
    """The row's time line: the length, or "played / length" once it started."""
    info = message.attachment
    length = duration_text(info.voice_ms or 0) if info is not None else ""
    if position is None or (position.position_ms == 0 and not position.playing):
        return length
    return (
        QCoreApplication.translate(_CONTEXT, "%1 / %2")
        .replace("%2", length)
        .replace("%1", duration_text(position.position_ms))
    )


def wave_rect(layout: MessageLayout) -> QRect | None:
    """Where the waveform is drawn (the file row's name line), or None without a file row."""
    parts = layout.file
    return None if parts is None else parts.name


def seek_fraction(layout: MessageLayout, point: QPoint) -> float | None:
    """The share of the note a click at ``point`` on the waveform asks for, or None."""
    wave = wave_rect(layout)
    if wave is None or not wave.adjusted(0, -4, 0, 4).contains(point) or wave.width() <= 1:
        return None
    return min(1.0, max(0.0, (point.x() - wave.left()) / (wave.width() - 1)))


def paint_voice_row(
    painter: QPainter,
    layout: MessageLayout,
    message: Message,
    font: QFont,
    colors: ThemeColors,
    state: TransferState,
    progress: tuple[int, int] | None,
    position: VoicePosition | None,
) -> None:
    """The voice row: its button, waveform (played part in the accent) and time line."""
    parts = layout.file
    info = message.attachment
    assert parts is not None and info is not None
    shown = voice_shown(message, state)
    if state == "transfer":
        icon_name = "close"
    elif state == "download":
        icon_name = "download"
    else:
        icon_name = "pause" if position is not None and position.playing else "play"
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colors.accent if shown else colors.file_badge))
    painter.drawEllipse(parts.badge)
    glyph = round(parts.badge.width() * 0.5)
    icon_rect = QRect(0, 0, glyph, glyph)
    icon_rect.moveCenter(parts.badge.center())
    tinted_icon(icon_name, colors.accent_text).paint(painter, icon_rect)
    if shown:
        _paint_wave(painter, parts.name, info.waveform or b"", position, colors)
    small = meta_font(font)
    painter.setFont(small)
    painter.setPen(QColor(colors.meta_text))
    left_aligned = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    if shown:
        painter.drawText(parts.meta, left_aligned, voice_time_text(message, position))
        return
    painter.drawText(parts.meta, left_aligned, file_meta_text(message, state, progress))
    if state == "download" and parts.download is not None:
        painter.setPen(QColor(colors.accent))
        painter.drawText(parts.download, left_aligned, download_text())


def _paint_wave(
    painter: QPainter,
    rect: QRect,
    levels: bytes,
    position: VoicePosition | None,
    colors: ThemeColors,
) -> None:
    """Bars of the waveform across ``rect``; those already played in the accent colour."""
    levels = levels[:100] or bytes(1)
    slot = rect.width() / len(levels)
    bar = max(1.0, min(3.0, slot * 0.6))
    played = 0.0 if position is None else position.fraction
    painter.setPen(Qt.PenStyle.NoPen)
    middle = rect.center().y() + 0.5
    for number, level in enumerate(levels):
        height = max(_MIN_BAR, rect.height() * level / 255)
        x = rect.left() + number * slot + (slot - bar) / 2
        done = (number + 0.5) / len(levels) <= played
        painter.setBrush(QColor(colors.accent) if done else with_alpha(colors.meta_text, 150))
        painter.drawRoundedRect(QRectF(x, middle - height / 2, bar, height), bar / 2, bar / 2)
