"""The link preview card: its size at layout time and its painting, in a bubble or the composer.

A card is the preview the sender put in the message (the receiver never fetches): a square
image on the left (when there is one), the title in bold on one line, the description on at
most two lines, and the site's host in small type. Its height depends only on the font and on
which parts are there, never on the pixels, so a row's height is known before any image is
decoded (the image's box is fixed; the JPEG, at most 256 × 256, is scaled into it).

The whole card is one clickable part: it opens the link as the underlined address in the text
does (``message_hits.py``, ``Hit("link")``).
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

import msgspec
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPainterPath, QTextLayout

from chat_desktop.gui.common.theme import ThemeColors
from chat_desktop.protocol.link_preview import LinkPreview

#: Inner padding of the card (px).
CARD_PAD = 6
#: The card's corner radius (px).
CARD_RADIUS = 6
#: The image's side, in line heights of the message font.
IMAGE_LINES = 4
#: Most lines of the description.
DESCRIPTION_LINES = 2
#: Decoded preview images kept (each at most 256 × 256).
_DECODED_KEPT = 64


class CardParts(msgspec.Struct, frozen=True):
    """Where the parts of a card go, inside its rect."""

    image: QRect | None
    title: QRect | None
    description: QRect | None
    host: QRect


def _small(font: QFont) -> QFont:
    small = QFont(font)
    small.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
    return small


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setWeight(QFont.Weight.DemiBold)
    return bold


def host_of(url: str) -> str:
    """The site a preview is of, as shown under it ("example.org")."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return host.removeprefix("www.")


def card_height(preview: LinkPreview, font: QFont) -> int:
    """The card's height for ``preview`` in ``font`` (independent of the width)."""
    metrics = QFontMetrics(font)
    text = QFontMetrics(_small(font)).height()
    if preview.title:
        text += QFontMetrics(_bold(font)).height()
    if preview.description:
        text += DESCRIPTION_LINES * metrics.height()
    image = metrics.height() * IMAGE_LINES if preview.image is not None else 0
    return max(text, image) + 2 * CARD_PAD


def card_size(preview: LinkPreview | None, font: QFont, content_max: int) -> QSize | None:
    """The card of a message's preview: as wide as the bubble may be, of fixed height; None
    when there is no preview."""
    if preview is None:
        return None
    return QSize(content_max, card_height(preview, font))


def card_parts(preview: LinkPreview, rect: QRect, font: QFont) -> CardParts:
    """The parts of ``preview``'s card laid into ``rect``."""
    metrics = QFontMetrics(font)
    inner = rect.adjusted(CARD_PAD, CARD_PAD, -CARD_PAD, -CARD_PAD)
    image: QRect | None = None
    left = inner.left()
    if preview.image is not None:
        side = min(metrics.height() * IMAGE_LINES, inner.height())
        image = QRect(inner.left(), inner.top(), side, side)
        left = image.right() + 1 + CARD_PAD
    width = max(1, inner.right() - left + 1)
    y = inner.top()
    title: QRect | None = None
    if preview.title:
        title = QRect(left, y, width, QFontMetrics(_bold(font)).height())
        y = title.bottom() + 1
    description: QRect | None = None
    if preview.description:
        description = QRect(left, y, width, DESCRIPTION_LINES * metrics.height())
        y = description.bottom() + 1
    host = QRect(left, y, width, QFontMetrics(_small(font)).height())
    return CardParts(image, title, description, host)


@functools.lru_cache(maxsize=_DECODED_KEPT)
def decoded_image(data: bytes) -> QImage | None:
    """The preview's JPEG decoded (None if Qt can't); it was checked small when received."""
    image = QImage()
    return image if image.loadFromData(data, "JPEG") and not image.isNull() else None


def _lines(text: str, font: QFont, width: int, most: int) -> list[str]:
    """``text`` wrapped into at most ``most`` lines of ``width``, the last one elided."""
    layout = QTextLayout(text, font)
    layout.beginLayout()
    lines: list[tuple[int, int]] = []
    while len(lines) < most:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        lines.append((line.textStart(), line.textLength()))
    layout.endLayout()
    shown = [text[start : start + length].rstrip() for start, length in lines]
    if lines and sum(lines[-1]) < len(text):
        rest = text[lines[-1][0] :]
        shown[-1] = QFontMetrics(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return shown


def paint_card(
    painter: QPainter, rect: QRect, preview: LinkPreview, font: QFont, colors: ThemeColors
) -> None:
    """Draws ``preview``'s card into ``rect`` (a tinted box, image, title, description, host)."""
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    tint = QColor(colors.accent)
    tint.setAlpha(24)
    painter.setBrush(tint)
    painter.drawRoundedRect(rect, CARD_RADIUS, CARD_RADIUS)
    parts = card_parts(preview, rect, font)
    if parts.image is not None and preview.image is not None:
        image = decoded_image(preview.image)
        if image is None:
            painter.setBrush(QColor(colors.image_placeholder))
            painter.drawRoundedRect(parts.image, 4, 4)
        else:
            _paint_image(painter, parts.image, image)
    align = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    if parts.title is not None:
        bold = _bold(font)
        painter.setFont(bold)
        painter.setPen(QColor(colors.bubble_text))
        title = QFontMetrics(bold).elidedText(
            preview.title, Qt.TextElideMode.ElideRight, parts.title.width()
        )
        painter.drawText(parts.title, align, title)
    if parts.description is not None:
        painter.setFont(font)
        painter.setPen(QColor(colors.bubble_text))
        height = QFontMetrics(font).height()
        lines = _lines(preview.description, font, parts.description.width(), DESCRIPTION_LINES)
        for number, line in enumerate(lines):
            box = QRect(
                parts.description.left(),
                parts.description.top() + number * height,
                parts.description.width(),
                height,
            )
            painter.drawText(box, align, line)
    small = _small(font)
    painter.setFont(small)
    painter.setPen(QColor(colors.meta_text))
    host = QFontMetrics(small).elidedText(
        host_of(preview.url), Qt.TextElideMode.ElideMiddle, parts.host.width()
    )
    painter.drawText(parts.host, align, host)
    painter.restore()


def _paint_image(painter: QPainter, box: QRect, image: QImage) -> None:
    """``image`` cropped to fill the square ``box``, corners rounded."""
    scale = max(box.width() / image.width(), box.height() / image.height())
    source_width = box.width() / scale
    source_height = box.height() / scale
    source = QRectF(
        (image.width() - source_width) / 2,
        (image.height() - source_height) / 2,
        source_width,
        source_height,
    )
    path = QPainterPath()
    path.addRoundedRect(QRectF(box), 4, 4)
    painter.save()
    painter.setClipPath(path)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(QRectF(box), image, source)
    painter.restore()
