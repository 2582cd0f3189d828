"""Keeps the reader's place in the message list while its rows change under them.

Rows change height after they are shown: a reaction adds a line of chips, an edit or a
deletion changes the text, a day separator comes or goes. ``QListView`` keeps its scroll
value (pixels from the top) through that, so without help the content slides: at the
bottom the newest message sinks out of view, scrolled up everything below a grown row moves.
:class:`PlaceKeeper` remembers the place the user chose, in the two forms a reader means
it: "at the bottom", or "this message's top edge at this height". It re-reads that place
after every scroll, and restores it after every change of the rows (heights, rows removed
or inserted above it), so the list moves only when the user moves it.

Gaining the keyboard focus does not move it either: :func:`set_current_in_place` makes a
visible row current without the scroll ``QAbstractItemView`` does for a new current row.
"""

from __future__ import annotations

from typing import Protocol

import msgspec
from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex
from PySide6.QtWidgets import QAbstractItemView

from chat_desktop.gui.conversation.message_model import (
    IMAGE_ROLE,
    PROGRESS_ROLE,
    MessageWindowModel,
)

ModelIndex = QModelIndex | QPersistentModelIndex
#: Changes of these roles alone never change a row's height (room is always kept for them:
#: a progress bar's, an image's placeholder of the final size). The model announces an arrived
#: image by ``imageReady`` rather than ``dataChanged``; the role stays here for any model that
#: does not.
_SAME_HEIGHT_ROLES = frozenset({PROGRESS_ROLE, IMAGE_ROLE})


class ScrollAnchor(msgspec.Struct, frozen=True):
    """A message and where its top edge was in the viewport (pixels, may be negative)."""

    message_id: str
    offset: int


class ScrollingList(Protocol):
    """What :class:`PlaceKeeper` needs of the list (``MessageListView`` provides it)."""

    @property
    def stuck_to_bottom(self) -> bool:
        """Whether the list follows the newest message."""
        ...

    @property
    def paging(self) -> bool:
        """Whether a page is coming in (the paging code keeps the place itself then)."""
        ...

    def top_anchor(self) -> ScrollAnchor | None:
        """The top visible message and its offset."""
        ...

    def restore_anchor(self, anchor: ScrollAnchor | None) -> None:
        """Scrolls so ``anchor``'s message is again at its offset."""
        ...

    def keep_bottom(self) -> None:
        """Lays the rows out again and shows the end."""
        ...


class PlaceKeeper(QObject):
    """Restores the list's place (bottom, or top message) after its rows change."""

    def __init__(self, view: ScrollingList, model: MessageWindowModel, parent: QObject) -> None:
        """Watches ``model``'s changes for ``view`` (``parent`` owns the keeper)."""
        super().__init__(parent)
        self._view = view
        self._anchor: ScrollAnchor | None = None
        model.dataChanged.connect(self._on_data_changed)
        model.rowsRemoved.connect(self._on_rows_moved)
        model.rowsInserted.connect(self._on_rows_moved)

    @property
    def anchor(self) -> ScrollAnchor | None:
        """The top message as the user last left it (None at the bottom or before a scroll)."""
        return self._anchor

    def remember(self) -> None:
        """Reads the place again (after every scroll, the user's or the list's own)."""
        self._anchor = None if self._view.stuck_to_bottom else self._view.top_anchor()

    def restore(self) -> None:
        """Puts the list back at the remembered place (the rows' heights may have changed)."""
        if self._view.paging:
            return
        if self._view.stuck_to_bottom:
            self._view.keep_bottom()
        elif self._anchor is not None:
            self._view.restore_anchor(self._anchor)

    def _on_data_changed(self, _first: ModelIndex, _last: ModelIndex, roles: list[int]) -> None:
        if roles and _SAME_HEIGHT_ROLES.issuperset(roles):
            return
        self.restore()

    def _on_rows_moved(self, _parent: ModelIndex, _first: int, _last: int) -> None:
        self.restore()


def far_from_bottom(view: QAbstractItemView) -> bool:
    """Whether the end of the list is more than a screen below what is shown."""
    bar = view.verticalScrollBar()
    return bar.maximum() - bar.value() > view.viewport().height()


def newest_whole_row(view: QAbstractItemView, rows: range) -> int:
    """The last of the visible ``rows`` that is wholly in view (else the last one)."""
    viewport = view.viewport().rect()
    model = view.model()
    whole = [row for row in rows if viewport.contains(view.visualRect(model.index(row, 0)))]
    return whole[-1] if whole else rows[-1]


def set_current_in_place(view: QAbstractItemView, row: int) -> None:
    """Makes ``row`` the current row without scrolling to it (Qt's auto-scroll is paused)."""
    auto_scroll = view.hasAutoScroll()
    view.setAutoScroll(False)
    try:
        view.setCurrentIndex(view.model().index(row, 0))
    finally:
        view.setAutoScroll(auto_scroll)


def rows_height(view: QAbstractItemView, rows: int, enough: int) -> int:
    """The summed height of the first of ``rows`` rows, counted until it reaches ``enough``
    (whether the messages fill the view: a short list sits at the bottom)."""
    content = 0
    for row in range(rows):
        content += view.sizeHintForRow(row)
        if content >= enough:
            break
    return content
