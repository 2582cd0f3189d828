"""Which image rows the message list wants decoded: those on screen, then those about to be.

Decoding an image (decrypt, then decode to the bubble's box) takes longer than a scroll step.
So the list asks not only for the images of the rows on screen but also for those within
about a screen above and below (:data:`LOOKAHEAD_SCREENS`), the way the user is scrolling
first: by the time such a row scrolls into view its image is usually decoded and cached.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from PySide6.QtCore import QModelIndex, QPoint
from PySide6.QtWidgets import QWidget

from chat_desktop.gui.conversation.message_delegate import is_image
from chat_desktop.gui.conversation.message_model import MessageWindowModel

#: How far ahead of the viewport (in viewport heights, above and below) images are decoded.
LOOKAHEAD_SCREENS = 1.0


class ImageList(Protocol):
    """What the look-ahead needs of the list (``MessageListView`` provides it)."""

    def viewport(self) -> QWidget:
        """The widget the rows are drawn on."""
        ...

    def indexAt(self, point: QPoint) -> QModelIndex:  # noqa: N802
        """The row at a viewport position (positions beyond the viewport too)."""
        ...


def rows_near(view: ImageList, count: int) -> range:
    """The rows within :data:`LOOKAHEAD_SCREENS` of the viewport, the visible ones included."""
    if count == 0:
        return range(0)
    viewport = view.viewport()
    reach = int(viewport.height() * LOOKAHEAD_SCREENS)
    x = viewport.width() // 2
    first = view.indexAt(QPoint(x, -reach))
    last = view.indexAt(QPoint(x, viewport.height() - 1 + reach))
    start = first.row() if first.isValid() else 0
    end = last.row() if last.isValid() else count - 1
    return range(start, end + 1)


def rows_by_urgency(visible: range, near: range, *, up: bool) -> Iterator[int]:
    """The rows of ``near``: the visible ones, then those ahead in the direction of travel
    (``up``: the user scrolls towards older rows; nearest first), then those behind."""
    yield from visible
    above = range(visible.start - 1, near.start - 1, -1)
    below = range(visible.stop, near.stop)
    yield from (above if up else below)
    yield from (below if up else above)


def images_wanted(model: MessageWindowModel, visible: range, near: range, *, up: bool) -> list[str]:
    """The downloaded image messages near the viewport not decoded yet, most urgent first."""
    wanted: list[str] = []
    for row in rows_by_urgency(visible, near, up=up):
        message = model.message_at(row)
        info = message.attachment
        if (
            info is not None
            and is_image(message)
            and info.local_status == "done"
            and not model.has_image(message.id)
        ):
            wanted.append(message.id)
    return wanted
