"""``MessageListView``: the scrolling behaviour of a conversation over a window model.

The view asks the :class:`~chat_desktop.gui.message_model.MessageWindowModel` for older rows
when the user nears the top (and newer ones near the bottom of a window that is not at the
end), trims rows far out of view so the window stays bounded, and keeps the top visible
message at the same place on screen while rows come and go above it. At the bottom, new
messages stick to the bottom; scrolled up, a "new messages ↓" button appears instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QPushButton, QWidget

from chat_desktop.gui.message_delegate import MessageDelegate, is_image
from chat_desktop.gui.message_model import MessageWindowModel
from chat_desktop.gui.notices import popup_menu
from chat_desktop.gui.tasks import spawn
from chat_desktop.storage.models import Direction, MessageStatus

#: Pixels from an edge at which the next page is fetched.
PAGE_TRIGGER_PX = 400
BOTTOM_SLACK_PX = 4


@dataclass(frozen=True)
class ScrollAnchor:
    """A message and where its top edge was in the viewport (pixels, may be negative)."""

    message_id: str
    offset: int


class MessageListView(QListView):
    """A ``QListView`` that pages its window model as the user scrolls.

    Signals:
        readUpTo(str): Incoming messages up to this id were shown in the active window.
        retryRequested(str): The user asked to send this failed message again.
        imageWanted(str): A visible image row needs its full image decoded.
        pagingFinished(): A page was loaded or trimmed and the anchor restored (tests wait).
    """

    readUpTo = Signal(str)  # noqa: N815
    retryRequested = Signal(str)  # noqa: N815
    imageWanted = Signal(str)  # noqa: N815
    pagingFinished = Signal()  # noqa: N815

    def __init__(self, model: MessageWindowModel, parent: QWidget | None = None) -> None:
        """Creates the view over ``model``."""
        super().__init__(parent)
        self._model = model
        self.setModel(model)
        self.setItemDelegate(MessageDelegate(self))
        self.setUniformItemSizes(False)  # bubbles differ; fine, the model is small
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSpacing(0)
        self.setObjectName("messageList")
        self.verticalScrollBar().setSingleStep(24)
        self.require_active_window = True
        self._stick_to_bottom = True
        self._paging = False
        self._new_button = QPushButton(self.tr("New messages"), self)
        self._new_button.setAccessibleName(self.tr("Jump to the new messages"))
        self._new_button.setObjectName("newMessagesButton")
        self._new_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self._new_button.hide()
        self._new_button.clicked.connect(self.show_newest)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        model.rowsAboutToBeInserted.connect(self._remember_bottom)
        model.rowsInserted.connect(self._on_rows_inserted)
        model.windowReset.connect(self._on_window_reset)
        self.clicked.connect(self._on_clicked)
        self._idle_check = QTimer(self)
        self._idle_check.setSingleShot(True)
        self._idle_check.setInterval(0)
        self._idle_check.timeout.connect(self._after_layout)
        self._watched_window: QWidget | None = None
        # A short conversation sits at the bottom, next to the composer, as in every chat app.
        self._top_gap = 0
        self._align_timer = QTimer(self)
        self._align_timer.setSingleShot(True)
        self._align_timer.setInterval(0)
        self._align_timer.timeout.connect(self._align_to_bottom)
        for changed in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            changed.connect(self._align_timer.start)
        model.windowReset.connect(self._align_timer.start)

    @property
    def new_messages_button(self) -> QPushButton:
        """The "new messages ↓" button (shown when scrolled up and a message arrived)."""
        return self._new_button

    # ---- geometry helpers -------------------------------------------------------------------

    def at_bottom(self) -> bool:
        """Whether the view shows the end of the window."""
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - BOTTOM_SLACK_PX

    def top_anchor(self) -> ScrollAnchor | None:
        """The top visible message and its offset, to restore after the window changes."""
        index = self.indexAt(QPoint(self.viewport().width() // 2, 1))
        if not index.isValid():
            return None
        return ScrollAnchor(self._model.message_at(index.row()).id, self.visualRect(index).top())

    def restore_anchor(self, anchor: ScrollAnchor | None) -> None:
        """Scrolls so ``anchor``'s message is again ``anchor.offset`` px from the top."""
        if anchor is None:
            return
        row = self._model.row_of(anchor.message_id)
        if row is None:
            return
        self.doItemsLayout()
        top = self.rectForIndex(self._model.index(row)).top()
        self.verticalScrollBar().setValue(top - anchor.offset)

    def scroll_to_message(self, message_id: str) -> bool:
        """Centres a message that is in the window; False if it is not."""
        row = self._model.row_of(message_id)
        if row is None:
            return False
        self.doItemsLayout()
        self.scrollTo(self._model.index(row), QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def scroll_to_newest(self) -> None:
        """Scrolls to the last row and sticks there."""
        self.doItemsLayout()
        self.scrollToBottom()
        self._stick_to_bottom = True
        self._new_button.hide()

    # ---- paging -------------------------------------------------------------------------------

    async def load_older_keeping_anchor(self) -> int:
        """Loads the previous page, trims far rows at the bottom, keeps the top message put."""
        if self._paging:
            return 0
        self._paging = True
        try:
            anchor = self.top_anchor()
            added = await self._model.load_older()
            if added:
                self._model.trim_bottom(self._model.max_rows)
                self.restore_anchor(anchor)
        finally:
            self._paging = False
        self.pagingFinished.emit()
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
                self._model.trim_top(self._model.max_rows)
                self.restore_anchor(anchor)
        finally:
            self._paging = False
        self.pagingFinished.emit()
        return added

    async def jump_to(self, message_id: str) -> bool:
        """Loads the window around ``message_id`` (e.g. a search hit) and centres it."""
        row = await self._model.jump_to(message_id)
        if row is None:
            return False
        self._stick_to_bottom = False
        return self.scroll_to_message(message_id)

    def show_newest(self) -> None:
        """Goes to the newest message, reloading the newest page if the window is elsewhere."""
        self._new_button.hide()
        if self._model.has_newer and self._model.peer is not None:
            spawn(self._reload_newest(self._model.peer), "reload newest page")
        else:
            self.scroll_to_newest()

    async def _reload_newest(self, peer: str) -> None:
        await self._model.open_conversation(peer)
        self.scroll_to_newest()

    def notify_new_message_elsewhere(self) -> None:
        """A message arrived that the window does not show (it is scrolled to the past)."""
        self._show_new_button()

    # ---- reactions ------------------------------------------------------------------------------

    def _on_scrolled(self, value: int) -> None:
        self._stick_to_bottom = self.at_bottom()
        if self._stick_to_bottom and not self._model.has_newer:
            self._new_button.hide()
        self._idle_check.start()
        if self._paging or self._model.busy:
            return
        if value <= PAGE_TRIGGER_PX and self._model.has_older:
            spawn(self.load_older_keeping_anchor(), "load older messages")
        elif value >= self.verticalScrollBar().maximum() - PAGE_TRIGGER_PX and (
            self._model.has_newer
        ):
            spawn(self.load_newer_keeping_anchor(), "load newer messages")

    def _remember_bottom(self, parent: QModelIndex, first: int, last: int) -> None:
        self._stick_to_bottom = self.at_bottom()

    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if self._paging or last != self._model.rowCount() - 1:
            return
        newest = self._model.message_at(last)
        if self._stick_to_bottom or newest.direction is Direction.OUTGOING:
            self.scroll_to_newest()
        else:
            self._show_new_button()
        self._idle_check.start()

    def _on_window_reset(self) -> None:
        self._new_button.hide()
        self._stick_to_bottom = not self._model.has_newer
        if self._stick_to_bottom:
            self.scroll_to_newest()
        self._idle_check.start()

    def _show_new_button(self) -> None:
        self._place_new_button()
        self._new_button.show()
        self._new_button.raise_()

    def _place_new_button(self) -> None:
        hint = self._new_button.sizeHint()
        self._new_button.setGeometry(
            (self.width() - hint.width()) // 2,
            self.height() - hint.height() - 12,
            hint.width(),
            hint.height(),
        )

    def _align_to_bottom(self) -> None:
        """Puts the free space above the messages when they don't fill the view."""
        available = self.viewport().height() + self._top_gap
        content = 0
        for row in range(self._model.rowCount()):
            content += self.sizeHintForRow(row)
            if content >= available:
                break
        gap = max(0, available - content)
        if gap != self._top_gap:
            self._top_gap = gap
            self.setViewportMargins(0, gap, 0, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        """Keeps the "new messages" button in place and the bottom in view if stuck to it."""
        stuck = self._stick_to_bottom
        self._align_timer.start()
        super().resizeEvent(event)
        self._place_new_button()
        if stuck:
            QTimer.singleShot(0, self.scroll_to_newest)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """Starts watching the top-level window's activation (read marks need it)."""
        super().showEvent(event)
        window = self.window()
        if window is not self._watched_window:
            if self._watched_window is not None:
                self._watched_window.removeEventFilter(self)
            window.installEventFilter(self)
            self._watched_window = window
        self._idle_check.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Checks for newly read messages when the window becomes active."""
        if event.type() == QEvent.Type.WindowActivate:
            self._idle_check.start()
        return False

    def _after_layout(self) -> None:
        self.check_images()
        self.check_read()

    def visible_rows(self) -> range:
        """Rows at least partly in the viewport."""
        count = self._model.rowCount()
        if count == 0:
            return range(0)
        x = self.viewport().width() // 2
        first = self.indexAt(QPoint(x, 0))
        last = self.indexAt(QPoint(x, self.viewport().height() - 1))
        start = first.row() if first.isValid() else 0
        end = last.row() if last.isValid() else count - 1
        return range(start, end + 1)

    def check_images(self) -> None:
        """Asks for the full image of every visible, downloaded image row not decoded yet."""
        for row in self.visible_rows():
            message = self._model.message_at(row)
            info = message.attachment
            if (
                info is not None
                and is_image(message)
                and info.local_status == "done"
                and not self._model.has_image(message.id)
            ):
                self.imageWanted.emit(message.id)

    def check_read(self) -> None:
        """Emits ``readUpTo`` for the newest unread incoming message on screen."""
        if self.require_active_window and not self.window().isActiveWindow():
            return
        if not self.isVisible():
            return
        for row in reversed(self.visible_rows()):
            message = self._model.message_at(row)
            if message.direction is Direction.INCOMING and message.status is not (
                MessageStatus.READ
            ):
                self._model.mark_incoming_read(row)
                self.readUpTo.emit(message.id)
                return

    # ---- actions --------------------------------------------------------------------------------

    def _on_clicked(self, index: QModelIndex) -> None:
        message = self._model.message_at(index.row())
        if message.direction is Direction.OUTGOING and message.status is MessageStatus.FAILED:
            self.retryRequested.emit(message.id)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        """Offers "Retry" on failed messages and "Copy text" on text messages."""
        index = self.indexAt(event.pos())
        if not index.isValid():
            return
        message = self._model.message_at(index.row())
        menu = QMenu(self)
        if message.direction is Direction.OUTGOING and message.status is MessageStatus.FAILED:
            menu.addAction(self.tr("Retry sending"), lambda: self.retryRequested.emit(message.id))
        if message.body:
            body = message.body
            menu.addAction(self.tr("Copy text"), lambda: _copy(body))
        if menu.isEmpty():
            menu.deleteLater()
        else:
            popup_menu(menu, event.globalPos())


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)
