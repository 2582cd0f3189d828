"""Paging of the message list (a part of ``MessageListView``): pages in, the place kept.

Near the top (or the bottom of a window that is not at the end) the next page comes in: at
once when it was fetched ahead (page_ahead.py, its rows measured off the GUI thread), else
after the store answers. Either way as many rows leave at the other end (the window stays
bounded) and the top visible message stays where it was on screen. Kept apart from the
view's scrolling reactions, mouse and keyboard; ``MessageListView`` inherits it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QListView

from chat_desktop.gui.conversation.message_model import MessageWindowModel
from chat_desktop.gui.conversation.scroll_keeping import ScrollAnchor

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    _ListView = QListView
else:
    _ListView = object

#: Pixels from an edge at which the next page comes in.
PAGE_TRIGGER_PX = 400
#: Viewport heights beyond that at which the next page is fetched ahead (page_ahead.py), so
#: a scroll that reaches the edge inserts it at once instead of waiting for the store.
PREFETCH_SCREENS = 3


class ListPaging(_ListView):
    """The paging of :class:`MessageListView` (a mixin: its state, the paging flag and the
    page counters, lives in the view; it reads the view's model, timers and anchor)."""

    if TYPE_CHECKING:
        _model: MessageWindowModel
        _paging: bool
        _top_gap: int
        _align_timer: QTimer
        _idle_check: QTimer
        _read_check: QTimer
        pages_at_once: int
        pages_waited: int
        pagingFinished: SignalInstance  # noqa: N815

        def top_anchor(self) -> ScrollAnchor | None: ...
        def restore_anchor(self, anchor: ScrollAnchor | None) -> None: ...
        def check_images(self) -> None: ...
        def _align_to_bottom(self) -> None: ...

    async def load_older_keeping_anchor(self) -> int:
        """Loads the previous page, trims far rows at the bottom, keeps the top message put."""
        if self._paging:
            return 0
        self._paging = True
        try:
            anchor = self.top_anchor()
            added = await self._model.load_older()
            if added:
                self.pages_waited += 1
                self._model.trim_bottom(self._model.max_rows)
                self.restore_anchor(anchor)
        finally:
            self._paging = False
        self._paged(added)
        return added

    async def load_newer_keeping_anchor(self) -> int:
        """Loads the next page (window not at the end), trims far rows at the top."""
        if self._paging:
            return 0
        self._paging = True
        try:
            anchor = self.top_anchor()
            added = await self._model.load_newer()
            if added:
                self.pages_waited += 1
                self._model.trim_top(self._model.max_rows)
                self.restore_anchor(anchor)
        finally:
            self._paging = False
        self._paged(added)
        return added

    def page_in_fetched(self, *, older: bool) -> int:
        """Inserts the page fetched ahead beyond the top (``older``) or bottom edge at once,
        trims as many rows at the other end and keeps the top message put; returns how many
        rows came in (0 when that page has not arrived: :meth:`load_older_keeping_anchor`
        waits for it then)."""
        model = self._model
        if self._paging or not (model.older_ready() if older else model.newer_ready()):
            return 0
        self._paging = True
        try:
            anchor = self.top_anchor()
            if older:
                added = model.insert_older_ready()
                model.trim_bottom(model.max_rows)
            else:
                added = model.insert_newer_ready()
                model.trim_top(model.max_rows)
            if added:
                self.pages_at_once += 1
                self.restore_anchor(anchor)
        finally:
            self._paging = False
        self._paged(added)
        return added

    def _paged(self, added: int) -> None:
        """After a page came in (and the rows are laid out): the short-list alignment and the
        images of the rows shown, at once (the next paint is then the page's last); the next
        page fetched ahead. Nothing when no row came."""
        if not added:
            self.pagingFinished.emit()
            return
        self._align_timer.stop()
        if self._top_gap or self.verticalScrollBar().maximum() <= 0:
            self._align_to_bottom()  # the rows may not fill the view (else nothing to align)
        self._idle_check.stop()
        self.check_images()
        self._read_check.start()
        self._fetch_ahead()
        self.pagingFinished.emit()

    def _fetch_ahead(self) -> None:
        """Has the page beyond an edge fetched ahead when the list is near that edge."""
        bar = self.verticalScrollBar()
        reach = PAGE_TRIGGER_PX + PREFETCH_SCREENS * self.viewport().height()
        if self._model.has_older and bar.value() <= reach:
            self._model.prefetch_older()
        if self._model.has_newer and bar.value() >= bar.maximum() - reach:
            self._model.prefetch_newer()
