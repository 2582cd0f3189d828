"""How far ahead of the viewport the message list has images decoded: further the way it
scrolls.

A decode (decrypt, then decode to the bubble's box) takes a few scroll steps on a busy
machine: about 45 ms from the request to the image, of which the decode is a quarter and the
rest is waiting for the store's thread and the workers. Decoding only about a screen ahead
(image_lookahead.py) left a reader paging through a photo-rich history waiting for most images
as their rows came into view. So the rows within :data:`AHEAD_SCREENS` viewport heights in the
direction of travel are wanted, and :data:`BEHIND_SCREENS` the other way (a reader who turns
back); the rows on screen always go first
(:func:`~chat_desktop.gui.conversation.image_lookahead.images_wanted` orders them).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint

from chat_desktop.gui.conversation.image_lookahead import ImageList

#: Viewport heights ahead, in the direction of travel, whose images are decoded before they
#: show (the window holds several screens each way: page_ahead.py keeps them coming).
AHEAD_SCREENS = 3.0
#: Viewport heights behind (the way the reader came from).
BEHIND_SCREENS = 1.0


def rows_ahead(view: ImageList, count: int, *, up: bool) -> range:
    """The rows within :data:`AHEAD_SCREENS` of the viewport the way it scrolls (``up``:
    towards older rows) and :data:`BEHIND_SCREENS` the other way, the visible ones included."""
    if count == 0:
        return range(0)
    viewport = view.viewport()
    height = viewport.height()
    above = int(height * (AHEAD_SCREENS if up else BEHIND_SCREENS))
    below = int(height * (BEHIND_SCREENS if up else AHEAD_SCREENS))
    x = viewport.width() // 2
    first = view.indexAt(QPoint(x, -above))
    last = view.indexAt(QPoint(x, height - 1 + below))
    start = first.row() if first.isValid() else 0
    end = last.row() if last.isValid() else count - 1
    return range(start, end + 1)
