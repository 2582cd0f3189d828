"""Which image rows the message list wants decoded: those on screen, then those about to be.

Decoding an image (decrypt, then decode to the bubble's box) takes longer than a scroll step.
So the list asks not only for the images of the rows on screen but also for those ahead of
them (how far: :mod:`chat_desktop.gui.conversation.images_ahead`), the way the user is
scrolling first: by the time such a row scrolls into view its image is usually decoded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from PySide6.QtCore import QModelIndex, QPoint
from PySide6.QtWidgets import QWidget

from chat_desktop.gui.conversation.message_delegate import is_image
from chat_desktop.gui.conversation.message_model import MessageWindowModel


class ImageList(Protocol):
    """What the look-ahead needs of the list (``MessageListView`` provides it)."""

    def viewport(self) -> QWidget:
        """The widget the rows are drawn on."""
        ...

    def indexAt(self, point: QPoint) -> QModelIndex:  # noqa: N802
        """The row at a viewport position (positions beyond the viewport too)."""
        ...


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
