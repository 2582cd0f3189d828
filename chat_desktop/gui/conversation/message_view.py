"""``MessageListView``: the scrolling behaviour of a conversation over a window model.

The view asks the :class:`~chat_desktop.gui.conversation.message_model.MessageWindowModel` for
older rows when the user nears the top (and newer ones near the bottom of a window that is not
at the end), trims rows far out of view so the window stays bounded, and keeps the top visible
message at the same place on screen while rows come and go above it. At the bottom, new
messages stick to the bottom; scrolled up, a "new messages ↓" button appears instead. A page
that comes in is the only thing measured: Qt asks for every row's size again, and the delegate
answers the rows it measured before from their remembered heights. An image that arrives
repaints its row, nothing more; images about a screen ahead are asked for before they show.

Rows are painted, never widgets: the clickable parts of a row (a reply's quote, links,
reaction chips, a file's buttons, an image) are found by hit-testing the delegate's cached
layout. A click on a quote jumps to the quoted message however old and flashes it. The list
takes the keyboard focus (Tab): Up/Down move a current message (drawn with a focus ring),
Enter runs its menu's default action, the Menu key or Shift+F10 opens its context menu.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QFocusEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QWidget

from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.conversation.hover_bar import HoverBar
from chat_desktop.gui.conversation.image_lookahead import images_wanted
from chat_desktop.gui.conversation.images_ahead import rows_ahead
from chat_desktop.gui.conversation.link_text import is_openable
from chat_desktop.gui.conversation.list_paging import PAGE_TRIGGER_PX, ListPaging
from chat_desktop.gui.conversation.message_delegate import MessageDelegate
from chat_desktop.gui.conversation.message_hits import Hit
from chat_desktop.gui.conversation.message_layout import (
    MessageLayout,
    is_note,
    is_notice,
)
from chat_desktop.gui.conversation.message_menu import MessageMenus
from chat_desktop.gui.conversation.message_model import MessageWindowModel
from chat_desktop.gui.conversation.message_picking import MessagePicking, paint_picked
from chat_desktop.gui.conversation.new_messages_button import NewMessagesButton
from chat_desktop.gui.conversation.scroll_keeping import (
    PlaceKeeper,
    ScrollAnchor,
    far_from_bottom,
    newest_whole_row,
    rows_height,
    set_current_in_place,
)
from chat_desktop.gui.conversation.text_selection import TextSelection, cursor_at, word_around
from chat_desktop.services.types import Direction, Message, MessageStatus

BOTTOM_SLACK_PX = 4
#: How long a message stays highlighted after a jump to it (ms).
HIGHLIGHT_MS = 1500
#: How often the disappearing countdown of visible rows is redrawn (ms).
COUNTDOWN_MS = 1000
#: Parts a click acts on by itself (a click elsewhere, or on "download", is a plain click).
_ACTIONABLE = frozenset({"quote", "link", "chip", "cancel", "open", "image", "play", "seek"})


class MessageListView(MessageMenus, ListPaging, QListView):
    """A ``QListView`` that pages its window model as the user scrolls.

    Signals:
        readUpTo(str): Incoming messages up to this id were shown in the active window.
        retryRequested(str): The user asked to send this failed message again.
        imageWanted(str): An image row on screen, or about a screen ahead, needs its image
            decoded (rows on screen are asked for first).
        pagingFinished(): A page was loaded or trimmed and the anchor restored (tests wait).
        replyRequested(str): Reply to this message.
        reactRequested(str, QPoint): Choose a reaction for this message (a picker at the
            global position).
        reactionToggled(str, str): A reaction chip was clicked: add that emoji as ours, or
            remove ours if it is that one.
        editRequested(str): Edit this message of ours.
        deleteRequested(str, bool): Delete this message (for everyone when True).
        detailsRequested(str): Show this message's details.
        openRequested(str): Open this downloaded attachment.
        saveRequested(str): Save this downloaded attachment elsewhere.
        cancelRequested(str): Cancel this attachment's upload or download.
        imageActivated(str): Show this image full size.
        jumpFinished(str, bool): A jump from a quote ended (the target, whether it was found).

    Attributes:
        open_url: Opens a link's URL (``QDesktopServices.openUrl``; tests put a double).
        last_menu: The context menu opened last (tests read its actions).
    """

    readUpTo = Signal(str)  # noqa: N815
    retryRequested = Signal(str)  # noqa: N815
    imageWanted = Signal(str)  # noqa: N815
    pagingFinished = Signal()  # noqa: N815
    replyRequested = Signal(str)  # noqa: N815
    reactRequested = Signal(str, QPoint)  # noqa: N815
    reactionToggled = Signal(str, str)  # noqa: N815
    editRequested = Signal(str)  # noqa: N815
    deleteRequested = Signal(str, bool)  # noqa: N815
    detailsRequested = Signal(str)  # noqa: N815
    openRequested = Signal(str)  # noqa: N815
    voicePlayRequested = Signal(str)  # noqa: N815
    voiceSeekRequested = Signal(str, float)  # noqa: N815
    saveRequested = Signal(str)  # noqa: N815
    cancelRequested = Signal(str)  # noqa: N815
    imageActivated = Signal(str)  # noqa: N815
    jumpFinished = Signal(str, bool)  # noqa: N815
    forwardRequested = Signal(list)  # noqa: N815

    def __init__(self, model: MessageWindowModel, parent: QWidget | None = None) -> None:
        """Creates the view over ``model``."""
        super().__init__(parent)
        self._model = model
        self.setModel(model)
        self._delegate = MessageDelegate(self)
        self.setItemDelegate(self._delegate)
        # Pages fetched ahead are measured off the GUI thread before they come in.
        model.measure_ahead = self._delegate.measure_ahead
        self.setUniformItemSizes(False)  # bubbles differ; fine, the model is small
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSpacing(0)
        self.setObjectName("messageList")
        self.setAccessibleName(self.tr("Messages"))
        self.setAccessibleDescription(
            self.tr(
                "Up and Down move between messages, Enter opens or replies, "
                "the Menu key shows what can be done with a message."
            )
        )
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.last_menu: QMenu | None = None
        #: The current message's focus ring shows while the keyboard drives the list.
        self.focus_ring_visible = False
        self._pressed: tuple[str, Hit] | None = None
        self._swallow_release = False
        self._highlight_timer = QTimer(self)
        self._highlight_timer.setSingleShot(True)
        self._highlight_timer.setInterval(HIGHLIGHT_MS)
        self._highlight_timer.timeout.connect(self._end_highlight)
        self._countdown = QTimer(self)
        self._countdown.setInterval(COUNTDOWN_MS)
        self._countdown.timeout.connect(self._tick_countdown)
        self.verticalScrollBar().setSingleStep(24)
        self.require_active_window = True
        self._stick_to_bottom = True
        self._paging = False
        #: Pages that came in at once (fetched ahead) and pages the list waited for.
        self.pages_at_once = 0
        self.pages_waited = 0
        #: Part of one message's text selected with the mouse (the delegate draws it).
        self.selection = TextSelection()
        self._delegate.selection = self.selection
        #: Messages picked to forward or delete together ("Select" in a message's menu).
        self.picking = MessagePicking(self)
        self.picking.changed.connect(self.viewport().update)
        #: Whether a double click on a message replies to it (a setting; else it selects a word).
        self.double_click_replies = False
        self.hover_bar = HoverBar(self.viewport())
        self.hover_bar.reactClicked.connect(self.reactRequested)
        self.hover_bar.replyClicked.connect(self.replyRequested)
        self.hover_bar.moreClicked.connect(self._menu_at)
        self._new_button = NewMessagesButton(self)
        self._new_button.clicked.connect(self.show_newest)
        self._place = PlaceKeeper(self, model, self)
        #: The way the user last scrolled (images ahead that way are decoded first).
        self._scrolling_up = True
        self._last_scroll_value = 0
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        model.rowsAboutToBeInserted.connect(self._remember_bottom)
        model.rowsInserted.connect(self._on_rows_inserted)
        model.windowReset.connect(self._on_window_reset)
        self.clicked.connect(self._on_clicked)
        self._idle_check = QTimer(self)
        self._idle_check.setSingleShot(True)
        self._idle_check.setInterval(0)
        self._idle_check.timeout.connect(self._after_layout)
        # After a scroll the images are asked for at once (before the paint); the read marks
        # and the countdown, which change nothing drawn, follow the paint.
        self._read_check = QTimer(self)
        self._read_check.setSingleShot(True)
        self._read_check.setInterval(0)
        self._read_check.timeout.connect(self._after_paint)
        self._watched_window: QWidget | None = None
        # A short conversation sits at the bottom, next to the composer, as in every chat app.
        self._top_gap = 0
        self._align_timer = QTimer(self)
        self._align_timer.setSingleShot(True)
        self._align_timer.setInterval(0)
        self._align_timer.timeout.connect(self._align_to_bottom)
        for changed in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            changed.connect(self._align_timer.start)
        # A bound slot, not a lambda: Qt drops it with the view, and the model can outlive it.
        model.dataChanged.connect(self._on_rows_changed)  # rows grew
        # An image that arrives repaints its row only (no height changes, no relayout).
        model.imageReady.connect(self._repaint_row)
        # A shown message's countdown can start later (ours at the relay's ack, theirs once
        # read): the one view-level countdown starts then, not only after a layout.
        model.dataChanged.connect(self._start_countdown)
        model.windowReset.connect(self._align_timer.start)

    def _on_rows_changed(self, *_changed: object) -> None:
        """Re-aligns a short list to the bottom once rows that changed have their new height."""
        self._align_timer.start()

    def _repaint_row(self, row: int) -> None:
        """Repaints one row whose look changed but not its height (its image arrived)."""
        self.viewport().update(self.visualRect(self._model.index(row)))

    @property
    def delegate(self) -> MessageDelegate:
        """The delegate that lays out and paints the rows."""
        return self._delegate

    @property
    def highlighted_id(self) -> str | None:
        """The message flashed after a jump, while it is."""
        return self._delegate.highlighted_id

    @property
    def new_messages_button(self) -> NewMessagesButton:
        """The "3 new messages ↓" button (shown when scrolled up: counts what arrived)."""
        return self._new_button

    @property
    def stuck_to_bottom(self) -> bool:
        """Whether the view follows the newest message (it was at the bottom)."""
        return self._stick_to_bottom

    @property
    def paging(self) -> bool:
        """Whether a page is being loaded (the paging code keeps the anchor then)."""
        return self._paging

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
        self.keep_bottom()
        self._stick_to_bottom = True
        self._new_button.reset()

    def keep_bottom(self) -> None:
        """Lays the rows out with their current heights and shows the end."""
        self.doItemsLayout()
        self.scrollToBottom()

    # ---- paging -------------------------------------------------------------------------------

    async def jump_to(self, message_id: str) -> bool:
        """Loads the window around ``message_id`` (e.g. a search hit) and centres it."""
        row = await self._model.jump_to(message_id)
        if row is None:
            return False
        self._stick_to_bottom = False
        return self.scroll_to_message(message_id)

    def highlight(self, message_id: str) -> None:
        """Flashes a message's bubble for about 1.5 s (after a jump to it)."""
        self._delegate.highlighted_id = message_id
        self._highlight_timer.start()
        self.viewport().update()

    def _end_highlight(self) -> None:
        self._delegate.highlighted_id = None
        self.viewport().update()

    async def _jump_from_quote(self, target_id: str) -> None:
        found = await self.jump_to(target_id)
        if found:
            self.highlight(target_id)
        self.jumpFinished.emit(target_id, found)

    def show_newest(self) -> None:
        """Goes to the newest message, reloading the newest page if the window is elsewhere."""
        self._new_button.reset()
        if self._model.has_newer and self._model.peer is not None:
            spawn(self._reload_newest(self._model.peer), "reload newest page")
        else:
            self.scroll_to_newest()

    async def _reload_newest(self, peer: str) -> None:
        await self._model.open_conversation(peer)
        self.scroll_to_newest()

    def notify_new_message_elsewhere(self) -> None:
        """A message arrived that the window does not show (it is scrolled to the past)."""
        self._new_button.add(1)

    # ---- reactions ------------------------------------------------------------------------------

    def _on_scrolled(self, value: int) -> None:
        self.hover_bar.hide_bar()
        if not self._paging:  # a page coming in moves the value, not the reader
            self._scrolling_up = value < self._last_scroll_value
        self._last_scroll_value = value
        self._stick_to_bottom = self.at_bottom()
        if self._stick_to_bottom and not self._model.has_newer:
            self._new_button.reset()
        elif self._model.has_newer or far_from_bottom(self):
            self._new_button.appear()  # the way back down
        self._place.remember()
        if self._paging or self._model.busy:
            self._idle_check.start()  # once the page is in and laid out
            return
        near_top = value <= PAGE_TRIGGER_PX and self._model.has_older
        near_bottom = not near_top and (
            value >= self.verticalScrollBar().maximum() - PAGE_TRIGGER_PX and self._model.has_newer
        )
        # A page fetched ahead comes in now, before the paint (and asks for the images).
        if (near_top or near_bottom) and self.page_in_fetched(older=near_top):
            return
        # The rows are where this scroll put them: the images they want are asked for now,
        # so the paint that follows is the step's last unless a decode has to land.
        self.check_images()
        self._read_check.start()
        if near_top:
            spawn(self.load_older_keeping_anchor(), "load older messages")
        elif near_bottom:
            spawn(self.load_newer_keeping_anchor(), "load newer messages")
        else:
            self._fetch_ahead()

    def _remember_bottom(self, parent: QModelIndex, first: int, last: int) -> None:
        self._stick_to_bottom = self.at_bottom()

    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if self._paging or last != self._model.rowCount() - 1:
            return
        newest = self._model.message_at(last)
        if self._stick_to_bottom or newest.direction is Direction.OUTGOING:
            self.scroll_to_newest()
        else:
            self._new_button.add(last - first + 1)
        self._idle_check.start()

    def _on_window_reset(self) -> None:
        self._new_button.reset()
        self._stick_to_bottom = not self._model.has_newer
        if self._stick_to_bottom:
            self.scroll_to_newest()
        self._idle_check.start()

    def _align_to_bottom(self) -> None:
        """Puts the free space above the messages when they don't fill the view."""
        available = self.viewport().height() + self._top_gap
        gap = max(0, available - rows_height(self, self._model.rowCount(), available))
        if gap != self._top_gap:
            self._top_gap = gap
            self.setViewportMargins(0, gap, 0, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        """Keeps the "new messages" button in place, and the bottom in view if stuck to it
        (else the top message where it was: the rows' heights follow the width)."""
        stuck = self._stick_to_bottom
        self._align_timer.start()
        super().resizeEvent(event)
        self._new_button.place()
        QTimer.singleShot(0, self.scroll_to_newest if stuck else self._place.restore)

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
        self._after_paint()

    def _after_paint(self) -> None:
        """The read marks and the countdown of the rows now shown (nothing drawn changes)."""
        self.check_read()
        self._tick_countdown()

    def _tick_countdown(self) -> None:
        """Redraws the visible disappearing messages (their time left); idles when none."""
        any_visible = False
        for row in self.visible_rows():
            if self._model.message_at(row).expires_at is not None:
                any_visible = True
                self.viewport().update(self.visualRect(self._model.index(row)))
        if any_visible and not self._countdown.isActive():
            self._countdown.start()
        elif not any_visible:
            self._countdown.stop()

    def _start_countdown(self, first: QModelIndex, last: QModelIndex, *_roles: object) -> None:
        """Starts the countdown if a changed row now disappears (and it is not running)."""
        if self._countdown.isActive():
            return
        rows = range(max(0, first.row()), min(last.row() + 1, self._model.rowCount()))
        if any(self._model.message_at(row).expires_at is not None for row in rows):
            self._tick_countdown()

    @property
    def countdown_active(self) -> bool:
        """Whether the countdown timer runs (only while a disappearing message is visible)."""
        return self._countdown.isActive()

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
        """Asks for the image of every downloaded image row on screen or near it not decoded
        yet: the visible ones first, then those ahead in the direction of travel (a few
        screens that way, one the other: images_ahead.py)."""
        near = self.rows_wanting_images()
        visible = self.visible_rows()
        for message_id in images_wanted(self._model, visible, near, up=self._scrolling_up):
            self.imageWanted.emit(message_id)

    def rows_wanting_images(self) -> range:
        """The rows whose images are decoded now or ahead: on screen, a few screens the way
        the list scrolls and one the other (an image asked for earlier whose row left this
        range is not decoded any more)."""
        return rows_ahead(self, self._model.rowCount(), up=self._scrolling_up)

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

    # ---- hit-testing -------------------------------------------------------------------------

    def row_layout(self, message_id: str) -> tuple[QPoint, MessageLayout] | None:
        """A shown row's top-left corner (viewport coordinates) and its layout, or None."""
        row = self._model.row_of(message_id)
        if row is None:
            return None
        index = self._model.index(row)
        rect = self.visualRect(index)
        layout = self._delegate.layout_for(index, rect.width(), self.font())
        return None if layout is None else (rect.topLeft(), layout)

    def hit_at(self, pos: QPoint) -> tuple[Message | None, Hit | None]:
        """The message under ``pos`` (viewport coordinates) and the part of it there."""
        index = self.indexAt(pos)
        if not index.isValid():
            return None, None
        message = self._model.message_at(index.row())
        local = pos - self.visualRect(index).topLeft()
        return message, self._delegate.hit(index, local, self.font())

    # ---- mouse ------------------------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """A hand cursor over what a click acts on (links, quotes, chips, file buttons), an
        I-beam over text; drags a text selection; shows the hover bar of the row."""
        pos = event.position().toPoint()
        _message, hit = self.hit_at(pos)
        on_text = self._text_at(pos)
        if hit is not None and hit.kind != "edited":
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        elif on_text is not None:
            self.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        else:
            self.viewport().unsetCursor()
        if self.selection.dragging and event.buttons() & Qt.MouseButton.LeftButton:
            if on_text is not None and on_text[0] == self.selection.message_id:
                self.selection.extend(on_text[1])
                self.viewport().update()
            return  # a drag selects text, it does not move the current row
        self._show_hover_bar(pos)
        super().mouseMoveEvent(event)

    def _show_hover_bar(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        if not index.isValid() or self.focus_ring_visible:
            self.hover_bar.hide_bar()
            return
        message = self._model.message_at(index.row())
        rect = self.visualRect(index)
        layout = self._delegate.layout_for(index, rect.width(), self.font())
        if message.deleted or is_note(message) or is_notice(message) or layout is None:
            self.hover_bar.hide_bar()
            return
        outgoing = message.direction is Direction.OUTGOING
        self.hover_bar.show_for(message.id, layout.bubble.translated(rect.topLeft()), outgoing)

    def _text_at(self, pos: QPoint) -> tuple[str, int] | None:
        """The message and text position (UTF-16) under ``pos``, if it is on a text."""
        index = self.indexAt(pos)
        if not index.isValid():
            return None
        rect = self.visualRect(index)
        layout = self._delegate.layout_for(index, rect.width(), self.font())
        message = self._model.message_at(index.row())
        if layout is None or message.deleted:
            return None
        position = cursor_at(layout, pos - rect.topLeft())
        return None if position is None else (message.id, position)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802
        """The hover bar goes with the mouse (unless the mouse went onto it)."""
        if not self.hover_bar.underMouse():
            self.hover_bar.hide_bar()
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Remembers which part was pressed (a click acts only if released on the same)."""
        self._pressed = None
        self.focus_ring_visible = False
        if self.picking.active:
            self._pick_at(event)
            return
        if event.button() == Qt.MouseButton.LeftButton:
            message, hit = self.hit_at(event.position().toPoint())
            if message is not None and hit is not None and hit.kind in _ACTIONABLE:
                self._pressed = (message.id, hit)
            else:
                on_text = self._text_at(event.position().toPoint())
                if on_text is not None:
                    self.selection.start(*on_text)
                    self.viewport().update()
                elif self.selection.clear():
                    self.viewport().update()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Acts on the clicked part; a plain click (or "download") goes on as ``clicked``."""
        pressed, self._pressed = self._pressed, None
        self.selection.dragging = False
        if self.picking.active:
            event.accept()  # the press picked or unpicked: no click, no other action
            return
        if self._swallow_release:
            self._swallow_release = False
            self._release_quietly(event)
            return
        if pressed is not None and event.button() == Qt.MouseButton.LeftButton:
            message, hit = self.hit_at(event.position().toPoint())
            if message is not None and hit is not None and (message.id, hit) == pressed:
                self._release_quietly(event)
                self._act_on(message, hit)
                return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """A double click on a part acts once (its first click already did)."""
        message, hit = self.hit_at(event.position().toPoint())
        if hit is not None and hit.kind in _ACTIONABLE:
            self._swallow_release = True
            event.accept()
            return
        if (
            message is not None
            and self.double_click_replies
            and "reply" in dict(self.menu_actions(message))
        ):
            self.selection.clear()
            self.replyRequested.emit(message.id)
            event.accept()
            return
        on_text = self._text_at(event.position().toPoint())
        if message is not None and on_text is not None:
            self.selection.select(message.id, *word_around(message.body or "", on_text[1]))
            self.viewport().update()
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def _release_quietly(self, event: QMouseEvent) -> None:
        """Lets the view finish the press without emitting ``clicked`` (it was handled)."""
        blocked = self.blockSignals(True)
        try:
            super().mouseReleaseEvent(event)
        finally:
            self.blockSignals(blocked)

    def _act_on(self, message: Message, hit: Hit) -> None:
        if hit.kind == "quote":
            spawn(self._jump_from_quote(hit.value), "jump to quoted message")
        elif hit.kind == "link":
            if is_openable(hit.value):
                self.open_url(QUrl(hit.value))
        elif hit.kind == "chip":
            self.reactionToggled.emit(message.id, hit.value)
        elif hit.kind == "cancel":
            self.cancelRequested.emit(message.id)
        elif hit.kind == "open":
            self.openRequested.emit(message.id)
        elif hit.kind == "play":
            self.voicePlayRequested.emit(message.id)
        elif hit.kind == "seek":
            self.voiceSeekRequested.emit(message.id, float(hit.value))
        elif hit.kind == "image":
            self.imageActivated.emit(message.id)

    def _on_clicked(self, index: QModelIndex) -> None:
        message = self._model.message_at(index.row())
        if message.direction is Direction.OUTGOING and message.status is MessageStatus.FAILED:
            self.retryRequested.emit(message.id)

    def _pick_at(self, event: QMouseEvent) -> None:
        """While picking, a press on a message picks or unpicks it."""
        index = self.indexAt(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and index.isValid():
            message = self._model.message_at(index.row())
            if "forward" in dict(self.menu_actions(message)):
                self.picking.toggle(message.id)
                self.setCurrentIndex(index)
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """The rows, then (while picking) each row's check mark and the picked rows' tint."""
        super().paintEvent(event)
        if not self.picking.active:
            return
        painter = QPainter(self.viewport())
        rows = []
        for row in self.visible_rows():
            message = self._model.message_at(row)
            if "forward" in dict(self.menu_actions(message)):
                rect = self.visualRect(self._model.index(row))
                rows.append((rect, self.picking.is_picked(message.id)))
        paint_picked(painter, rows)
        painter.end()

    # ---- keyboard ---------------------------------------------------------------------------

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        """Gaining the focus never scrolls: unless the current message is on screen, the
        newest wholly visible one becomes current where it is (window activation included)."""
        self.focus_ring_visible = event.reason() in (
            Qt.FocusReason.TabFocusReason,
            Qt.FocusReason.BacktabFocusReason,
            Qt.FocusReason.ShortcutFocusReason,
        )
        rows = self.visible_rows()
        if rows and self.currentIndex().row() not in rows:
            set_current_in_place(self, newest_whole_row(self, rows))
        super().focusInEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Enter runs the current message's default action; Menu / Shift+F10 open its menu."""
        key = event.key()
        if not self.focus_ring_visible:
            self.focus_ring_visible = True
            self.viewport().update()
        index = self.currentIndex()
        if self.picking.active and key in (Qt.Key.Key_Escape, Qt.Key.Key_Space):
            if key == Qt.Key.Key_Escape:
                self.picking.stop()
            elif index.isValid():
                self.picking.toggle(self._model.message_at(index.row()).id)
            event.accept()
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            self._copy_selection_or(index)
            event.accept()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and index.isValid():
            message = self._model.message_at(index.row())
            action = self.default_action(message)
            if action is not None:
                self.trigger(action, message, self._menu_position(index.row()))
            event.accept()
            return
        menu_key = key == Qt.Key.Key_Menu or (
            key == Qt.Key.Key_F10 and bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        )
        if menu_key and index.isValid():
            self.open_context_menu(index.row(), self._menu_position(index.row()))
            event.accept()
            return
        super().keyPressEvent(event)

    @property
    def settling(self) -> bool:
        """Whether work the view started is still to finish: a page coming in, the check for
        images queued after a page or a layout, or the re-align of a short list
        (benchmarks/scroll.py waits for it before it calls a step done). The read marks and
        the countdown checked after a scroll's paint are not: they change nothing drawn."""
        return (
            self._paging
            or self._model.busy
            or self._idle_check.isActive()
            or self._align_timer.isActive()
        )
