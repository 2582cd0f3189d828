"""Measuring what a widget shows: the colour it draws most, and how well it reads (WCAG);
waiting for a layout to settle."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable

from gui_helpers import wait_for
from PySide6.QtGui import QColor, QImage


def contrast_ratio(first: QColor | str, second: QColor | str) -> float:
    """The WCAG 2 contrast ratio of two opaque colours (1.0 to 21.0)."""

    def luminance(value: QColor | str) -> float:
        color = QColor(value)
        channels = []
        for channel in (color.redF(), color.greenF(), color.blueF()):
            linear = channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4
            channels.append(linear)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def drawn_color(image: QImage, background: QColor | str) -> QColor:
    """The colour drawn most in ``image`` apart from ``background`` (an icon's ink).

    Pixels that are transparent, or too close to ``background`` to be ink (anti-aliased
    edges blend into it), are not counted.
    """
    counts: Counter[int] = Counter()
    for y in range(image.height()):
        for x in range(image.width()):
            color = image.pixelColor(x, y)
            if color.alpha() < 200:
                continue
            if contrast_ratio(color, background) < 1.3:
                continue
            counts[color.rgb()] += 1
    assert counts, "nothing is drawn but the background"
    return QColor.fromRgb(counts.most_common(1)[0][0])


def strongest_contrast(
    image: QImage, background: QColor | str, points: list[tuple[int, int]]
) -> float:
    """The best WCAG contrast against ``background`` among ``image``'s pixels at ``points``."""
    return max(contrast_ratio(image.pixelColor(x, y), background) for x, y in points)


async def settled(condition: Callable[[], bool]) -> None:
    """Lets the loop lay widgets out until ``condition`` holds, or a while (the test then
    asserts and says what is wrong).

    Never ``processEvents()`` inside a coroutine instead: it re-enters the asyncio loop, and a
    task due meanwhile loses its wake-up for good (the test then hangs, idle).
    """
    with contextlib.suppress(TimeoutError):
        await wait_for(condition, timeout=3)
