"""``HeightsAhead``: the heights of a page fetched ahead, measured off the GUI thread.

A page that comes in is laid out by Qt at once: every new row's size is asked for, and a row
never measured costs a text layout (about 0.3 ms a row) on the GUI thread, in the scroll step
that brings the page. The page fetched ahead (page_ahead.py) is measured beforehand on a
thread of its own instead: ``QTextLayout``, ``QFont`` and ``QFontMetrics`` are reentrant, so
the same :func:`~chat_desktop.gui.conversation.message_layout.compute_layout` runs there with
a copy of the font and gives the same heights. Only the heights cross over (the layouts made
there stay there: their fonts belong to that thread); a row's layout for painting is made
when it is first painted, as before.

A height is kept by everything the layout depends on (the message's content, its row
decorations, the width, the font and the accent), so one measured for other inputs is never
used, and at most :data:`MAX_HEIGHTS_AHEAD` are kept.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import functools
from collections.abc import Sequence

from PySide6.QtGui import QFont

from chat_desktop.gui.conversation.layout_cache import content_key
from chat_desktop.gui.conversation.message_layout import RowDecor, compute_layout
from chat_desktop.services.types import Message

#: Heights kept until their rows come in (a few pages).
MAX_HEIGHTS_AHEAD = 400

_Key = tuple[object, RowDecor, int, str, str]


@functools.cache
def measuring_thread() -> concurrent.futures.ThreadPoolExecutor:
    """The one long-lived thread that measures pages ahead (one malloc arena, one font cache)."""
    return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-layout")


def measure(
    messages: Sequence[Message], decors: Sequence[RowDecor], width: int, font: QFont, accent: str
) -> list[int]:
    """The row heights of ``messages`` with their ``decors`` (runs on the measuring thread)."""
    return [
        compute_layout(message, width, font, decor, accent).height
        for message, decor in zip(messages, decors, strict=True)
    ]


class HeightsAhead:
    """Row heights measured off the GUI thread, until the rows come in.

    Attributes:
        measured: How many rows were measured off the GUI thread (tests count them).
    """

    def __init__(self, capacity: int = MAX_HEIGHTS_AHEAD) -> None:
        """Holds no height yet, and at most ``capacity`` (the oldest leave first)."""
        self._capacity = capacity
        self._heights: collections.OrderedDict[_Key, int] = collections.OrderedDict()
        self.measured = 0

    def __len__(self) -> int:
        """How many heights are kept."""
        return len(self._heights)

    async def measure(
        self,
        messages: Sequence[Message],
        decors: Sequence[RowDecor],
        width: int,
        font: QFont,
        accent: str,
    ) -> None:
        """Measures the rows on the measuring thread and keeps their heights."""
        copy = QFont(font)  # the thread's own: a QFont is not to be shared while in use
        loop = asyncio.get_running_loop()
        heights = await loop.run_in_executor(
            measuring_thread(), measure, list(messages), list(decors), width, copy, accent
        )
        font_key = font.key()
        for message, decor, height in zip(messages, decors, heights, strict=True):
            self._heights[(content_key(message), decor, width, font_key, accent)] = height
        self.measured += len(heights)
        while len(self._heights) > self._capacity:
            self._heights.popitem(last=False)

    def take(
        self, message: Message, decor: RowDecor, width: int, font: QFont, accent: str
    ) -> int | None:
        """The height measured ahead for this row and these inputs (handed over), or None."""
        if not self._heights:
            return None
        return self._heights.pop((content_key(message), decor, width, font.key(), accent), None)
