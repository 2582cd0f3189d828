"""The sender's name above an incoming bubble in a group, in a stable colour (issue 21).

In a group every incoming bubble says who wrote it: the sender's username in a semi-bold
font, on a line of its own at the top of the bubble. The line is part of the row's layout
(:func:`sender_band` is called by ``compute_layout``), so a row's height is known before it
is painted and the scrolling work keeps its stable heights. The colour is a hash of the
username into a small palette, one per theme, each colour at least 4.5:1 against that
theme's incoming bubble (WCAG AA for normal text), so a name reads the same everywhere.
"""

from __future__ import annotations

import hashlib

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter

from chat_desktop.gui.common.theme import ThemeColors
from chat_desktop.services.types import NOTE_KINDS, Direction, Message

#: Name colours on the light theme's white incoming bubbles (each ≥ 6:1 against #ffffff).
LIGHT_NAME_COLOURS = (
    "#b3261e",
    "#1b6e20",
    "#0b57d0",
    "#8e24aa",
    "#8a5a00",
    "#00695c",
    "#ad1457",
    "#5d4037",
)
#: Name colours on the dark theme's incoming bubbles (each ≥ 5.9:1 against #232a33).
DARK_NAME_COLOURS = (
    "#ff8a80",
    "#81c784",
    "#8ab4f8",
    "#ce93d8",
    "#ffb74d",
    "#4db6ac",
    "#f48fb1",
    "#bcaaa4",
)
#: Pixels between the name's line and what follows it in the bubble.
NAME_GAP = 2


def is_group_conversation(conversation_id: str) -> bool:
    """Whether ``conversation_id`` is a group's (``"g:"`` + the group id in hex)."""
    return conversation_id.startswith("g:")


def shows_sender(message: Message) -> bool:
    """Whether ``message``'s bubble carries its sender's name (incoming, in a group)."""
    return (
        is_group_conversation(message.conversation_id)
        and message.direction is Direction.INCOMING
        and message.kind not in NOTE_KINDS
        and not message.undecryptable
        and message.kind != "undecryptable"
        and bool(message.sender)
    )


def sender_colour(username: str, colors: ThemeColors) -> str:
    """The name colour of ``username`` on this theme: the same on every run and device."""
    palette = DARK_NAME_COLOURS if colors.dark else LIGHT_NAME_COLOURS
    return palette[hashlib.blake2s(username.encode("utf-8")).digest()[0] % len(palette)]


def sender_font(font: QFont) -> QFont:
    """The semi-bold font of the name line."""
    bold = QFont(font)
    bold.setWeight(QFont.Weight.DemiBold)
    return bold


def sender_band(message: Message, font: QFont, max_width: int) -> QSize | None:
    """The room the name line takes (its width capped at ``max_width``, its height with the
    gap below it), or None when the bubble shows no name."""
    if not shows_sender(message):
        return None
    metrics = QFontMetrics(sender_font(font))
    width = min(max_width, metrics.horizontalAdvance(message.sender))
    return QSize(width, metrics.height() + NAME_GAP)


def paint_sender(
    painter: QPainter, rect: QRect, message: Message, font: QFont, colors: ThemeColors
) -> None:
    """Draws the sender's name (elided to ``rect``) in its colour."""
    bold = sender_font(font)
    metrics = QFontMetrics(bold)
    text = metrics.elidedText(message.sender, Qt.TextElideMode.ElideRight, rect.width())
    painter.setFont(bold)
    painter.setPen(QColor(sender_colour(message.sender, colors)))
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), text)


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
