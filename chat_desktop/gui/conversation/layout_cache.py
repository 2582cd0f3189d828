"""``LayoutCache``: message-row layouts kept by everything they depend on, least recently used out.

Scrolling and paging through thousands of rows lays each one out once: the key holds the
message's content, the width, the font, the accent colour and the row's decorations. The cache
keeps at most a fixed number of layouts and about a fixed number of bytes (its budgets),
whatever the length of the history: a layout holds a shaped ``QTextLayout``, about 6 KiB and
80 bytes a character of its text.
"""

from __future__ import annotations

import collections

from PySide6.QtGui import QFont

from chat_desktop.gui.conversation.message_layout import MessageLayout, RowDecor, compute_layout
from chat_desktop.services.types import Message

#: Layouts kept (the model holds a few hundred rows; this leaves room for two widths).
MAX_CACHED_LAYOUTS = 1200
#: Bytes of layouts kept, as estimated by :func:`layout_bytes`: a window of 300 rows of
#: messages of average length (about 20 KiB a row laid out), and room to spare. Heights are
#: remembered apart (``row_heights``), so a layout that left costs only a repaint's relayout.
LAYOUT_CACHE_BYTES = 8 * 1024 * 1024
#: What a layout costs beside its text (measured: the struct, its rectangles, an empty
#: ``QTextLayout``), and what each character of shaped text adds.
_LAYOUT_BASE_BYTES = 6 * 1024
_LAYOUT_CHARACTER_BYTES = 84


def layout_bytes(layout: MessageLayout) -> int:
    """About how much memory ``layout`` holds (its shaped text is most of it)."""
    text = layout.text_layout
    characters = 0 if text is None else len(text.text())
    return _LAYOUT_BASE_BYTES + _LAYOUT_CHARACTER_BYTES * characters


def content_key(message: Message) -> tuple[object, ...]:
    """What of a message its layout depends on (not its status or download state: those are
    painted into room the layout always keeps, so a receipt or a download costs no layout).

    Two copies of a message with equal keys have the same layout: the message model compares
    them to tell whether a changed row may have changed height.
    """
    info = message.attachment
    attachment = (
        None if info is None else (info.mime, info.width, info.height, info.file_name, info.size)
    )
    return (
        message.id,
        message.kind,
        message.direction,
        message.sender,
        message.body,
        message.sent_at,
        message.sort_key,
        message.undecryptable,
        message.deleted,
        message.edited_at,
        message.expires_at is not None,
        message.quote,
        message.reactions,
        attachment,
        message.link_preview is not None,  # a preview never changes; deleting drops it
    )


class LayoutCache:
    """Layouts by (message content, width, font, accent, decorations), least recently used out.

    The key holds everything of the message the layout depends on, so any change of its
    content (an edit, a reaction, a deletion) is a different key; nothing has to be
    invalidated by hand.

    Attributes:
        computed: How many layouts were computed (tests count them).
        capacity: The most layouts kept (its budget; the least recently used leave first).
        budget_bytes: The most bytes of layouts kept (:func:`layout_bytes`), but for the
            newest layout.
    """

    def __init__(
        self, capacity: int = MAX_CACHED_LAYOUTS, budget_bytes: int = LAYOUT_CACHE_BYTES
    ) -> None:
        """Creates an empty cache of at most ``capacity`` layouts and ``budget_bytes``."""
        self.capacity = capacity
        self.budget_bytes = budget_bytes
        self._layouts: collections.OrderedDict[object, tuple[MessageLayout, int]] = (
            collections.OrderedDict()
        )
        self._bytes = 0
        self.computed = 0

    @property
    def size_bytes(self) -> int:
        """The estimated bytes of the layouts held."""
        return self._bytes

    def get(
        self, message: Message, width: int, font: QFont, decor: RowDecor, accent: str
    ) -> MessageLayout:
        """The layout for these inputs, computed once."""
        key = (content_key(message), width, font.key(), accent, decor)
        held = self._layouts.get(key)
        if held is not None:
            self._layouts.move_to_end(key)
            return held[0]
        layout = compute_layout(message, width, font, decor, accent)
        self.computed += 1
        cost = layout_bytes(layout)
        self._layouts[key] = (layout, cost)
        self._bytes += cost
        while len(self._layouts) > 1 and (
            len(self._layouts) > self.capacity or self._bytes > self.budget_bytes
        ):
            _key, (_layout, freed) = self._layouts.popitem(last=False)
            self._bytes -= freed
        return layout

    def clear(self) -> None:
        """Forgets every layout."""
        self._layouts.clear()
        self._bytes = 0

    def __len__(self) -> int:
        """How many layouts are held."""
        return len(self._layouts)
