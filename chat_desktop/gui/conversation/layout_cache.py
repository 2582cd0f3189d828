"""``LayoutCache``: message-row layouts kept by everything they depend on, least recently used out.

Scrolling and paging through thousands of rows lays each one out once: the key holds the
message's content, the width, the font, the accent colour and the row's decorations. The cache
keeps at most a fixed number of layouts (its budget), whatever the length of the history.
"""

from __future__ import annotations

import collections

from PySide6.QtGui import QFont

from chat_desktop.gui.conversation.message_layout import MessageLayout, RowDecor, compute_layout
from chat_desktop.services.types import Message

#: Layouts kept (the model holds a few hundred rows; this leaves room for two widths).
MAX_CACHED_LAYOUTS = 1200


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
    )


class LayoutCache:
    """Layouts by (message content, width, font, accent, decorations), least recently used out.

    The key holds everything of the message the layout depends on, so any change of its
    content (an edit, a reaction, a deletion) is a different key; nothing has to be
    invalidated by hand.

    Attributes:
        computed: How many layouts were computed (tests count them).
        capacity: The most layouts kept (its budget; the least recently used leave first).
    """

    def __init__(self, capacity: int = MAX_CACHED_LAYOUTS) -> None:
        """Creates an empty cache of at most ``capacity`` layouts."""
        self.capacity = capacity
        self._layouts: collections.OrderedDict[object, MessageLayout] = collections.OrderedDict()
        self.computed = 0

    def get(
        self, message: Message, width: int, font: QFont, decor: RowDecor, accent: str
    ) -> MessageLayout:
        """The layout for these inputs, computed once."""
        key = (content_key(message), width, font.key(), accent, decor)
        layout = self._layouts.get(key)
        if layout is not None:
            self._layouts.move_to_end(key)
            return layout
        layout = compute_layout(message, width, font, decor, accent)
        self.computed += 1
        self._layouts[key] = layout
        if len(self._layouts) > self.capacity:
            self._layouts.popitem(last=False)
        return layout

    def clear(self) -> None:
        """Forgets every layout."""
        self._layouts.clear()

    def __len__(self) -> int:
        """How many layouts are held."""
        return len(self._layouts)
