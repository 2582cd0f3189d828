"""``RowHeights``: the measured height of each message row, so Qt's questions cost one lookup.

``QListView`` asks its delegate for the size of every row at every relayout (a page coming
in, a row that changed) and again for each row it paints, hit-tests or scrolls to. Laying a
row out is the expensive part (text shaping), but even a layout found in the layout cache
costs model round trips and a key built from the whole message, and the width used to ask the
scroll bar its size each time. Here a row's height is remembered by its *revision* (the
message model gives a row a new one whenever its content or decorations may have changed), so
a page-in of 100 rows into a window of 300 measures 100 and looks the others up.

Heights hold for one width and one font: the width rows are laid out in is worked out once per
width of the view (and again after a change of style, font or frame), and every height is
forgotten when the width, the font or the style changes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

#: Heights remembered: the window's rows and those paged out lately (the oldest leave first).
MAX_ROW_HEIGHTS = 2400
#: The narrowest width rows are laid out in.
MIN_ROW_WIDTH = 200
#: Events after which the heights may no longer hold (the font, the style or the frame
#: changed). A resize is seen by the view's width itself: a change of height alone keeps them.
_INVALIDATING = frozenset(
    {
        QEvent.Type.FontChange,
        QEvent.Type.ApplicationFontChange,
        QEvent.Type.StyleChange,
        QEvent.Type.Polish,
        QEvent.Type.ContentsRectChange,
        QEvent.Type.LanguageChange,
        QEvent.Type.LayoutDirectionChange,
    }
)


class RowHeights(QObject):
    """Row heights by row revision, for the view's current width and font.

    Attributes:
        capacity: The most heights remembered (its budget).
    """

    def __init__(self, view: QWidget, capacity: int = MAX_ROW_HEIGHTS) -> None:
        """Watches ``view`` (and its vertical scroll bar) for what makes heights stale."""
        super().__init__(view)
        self.capacity = capacity
        self._view = view
        self._heights: dict[int, int] = {}
        self._view_width = -1
        self._reserved: int | None = None
        self._width = 0
        view.installEventFilter(self)
        if isinstance(view, QAbstractScrollArea):
            view.verticalScrollBar().installEventFilter(self)

    def __len__(self) -> int:
        """How many heights are remembered."""
        return len(self._heights)

    def available_width(self) -> int:
        """The width rows are laid out in: inside a scrolling view, its width less a vertical
        scroll bar whether or not one shows. Otherwise the first page of a long conversation
        would be laid out twice: once before its scroll bar appears, once after.

        The frame and the scroll bar's width are asked once per style; each call only reads
        the view's width.
        """
        view_width = self._view.width()
        if view_width != self._view_width or self._reserved is None:
            self._measure(view_width)
        return self._width

    def get(self, revision: int) -> int | None:
        """The height measured for the row revision ``revision``, or None."""
        return self._heights.get(revision)

    def put(self, revision: int, height: int) -> None:
        """Remembers the height of the row revision ``revision`` (the oldest leave past the
        budget)."""
        self._heights[revision] = height
        if len(self._heights) > self.capacity:
            del self._heights[next(iter(self._heights))]

    def forget(self) -> None:
        """Forgets every height and the space the frame and scroll bar take."""
        self._heights.clear()
        self._reserved = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Forgets the heights when the font, the style or the frame changes."""
        if event.type() in _INVALIDATING:
            self.forget()
        return False

    def _measure(self, view_width: int) -> None:
        view = self._view
        reserved = 0
        if isinstance(view, QAbstractScrollArea):
            bar = view.verticalScrollBar().sizeHint().width()  # the style sheet's width
            reserved = view_width - view.contentsRect().width() + bar
        width = max(MIN_ROW_WIDTH, view_width - reserved)
        self._view_width, self._reserved = view_width, reserved
        if width != self._width:
            self._heights.clear()
            self._width = width
