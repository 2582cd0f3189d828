"""``MessageWindowModel``: a window of one conversation's messages, paged by keyset.

The model never holds the whole history: it keeps at most ``max_rows`` consecutive messages
and pages older / newer ones in through the engine's keyset queries (``history``,
``history_after``, ``history_around``). The view decides when to page and what to drop;
the model only knows how to grow and shrink its window at either end.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol

import msgspec
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractListModel,
    QCoreApplication,
    QDate,
    QDateTime,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QImage

from chat_desktop.gui.conversation.image_cache import ImageCache
from chat_desktop.gui.conversation.layout_cache import content_key
from chat_desktop.gui.conversation.message_layout import RowDecor, is_note
from chat_desktop.gui.conversation.message_words import (
    day_label,
    deleted_text,
    local_date,
    note_text,
    quote_excerpt,
    you_text,
)
from chat_desktop.gui.conversation.page_ahead import PageAhead
from chat_desktop.services.types import Direction, Message, MessageStatus

logger = logging.getLogger(__name__)
#: Rows a page brings. A page is laid out on the GUI thread as it comes in (about 0.3 ms a
#: row), so small pages keep each scroll step short: measured on a 1M-message conversation
#: (benchmarks/scroll.py), 25-row pages brought the longest GUI stall from about 65 ms
#: (100-row pages) to about 40 ms, and the slowest page-in step from about 110 ms to 85 ms.
PAGE_SIZE = 25
#: Rows the window opens with (a conversation opened, a jump to a search hit): a full screen
#: and some to scroll, in one query, before any page-in is needed.
FIRST_PAGE_SIZE = 100
#: The most rows the window holds: several screens each way. Qt lays every row out again at
#: each page-in (each a remembered height, but a call into Python each), so a smaller window
#: is a shorter page-in (150 rows: half the work of the 300 held before).
MAX_WINDOW_ROWS = 150
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
IMAGE_ROLE = Qt.ItemDataRole.UserRole + 2
#: The row's :class:`~chat_desktop.gui.conversation.message_layout.RowDecor` (day separator,
#: unread line).
DECOR_ROLE = Qt.ItemDataRole.UserRole + 3
#: ``(done, total)`` bytes of a running upload or download, or None.
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 4
#: Why a red "!" is there and what to do about it (tooltip of a failed message).
FAILED_EXPLANATION = str(
    QT_TRANSLATE_NOOP(
        "MessageWindowModel",
        "Not delivered: the relay never accepted this message (the user may not exist, or the "
        "connection failed for too long). Click it to send it again.",
    )
)

_STATUS_WORDS = {
    MessageStatus.PENDING: str(QT_TRANSLATE_NOOP("MessageText", "sending")),
    MessageStatus.SENT: str(QT_TRANSLATE_NOOP("MessageText", "sent")),
    MessageStatus.DELIVERED: str(QT_TRANSLATE_NOOP("MessageText", "delivered")),
    MessageStatus.READ: str(QT_TRANSLATE_NOOP("MessageText", "read")),
    MessageStatus.FAILED: str(QT_TRANSLATE_NOOP("MessageText", "not delivered")),
}


def accessible_text(message: Message, own: str | None = None) -> str:
    """What a screen reader says for a row: who, when, what, and (ours) how far it got.

    It also says what a sighted user sees around the text: the quote a reply answers,
    "edited", a deleted message, the reactions; a timer note is read as its sentence.
    ``own`` is our username (quotes of our own messages say "You").
    """
    if is_note(message):
        return note_text(message)
    when = QLocale().toString(
        QDateTime.fromMSecsSinceEpoch(message.sent_at or message.sort_key),
        QLocale.FormatType.ShortFormat,
    )
    if message.deleted:
        content = deleted_text()
    else:
        content = message.body or (
            QCoreApplication.translate("MessageText", "attachment")
            if message.kind != "text"
            else ""
        )
    if message.direction is Direction.OUTGOING:
        status = _STATUS_WORDS.get(message.status)
        text = QCoreApplication.translate("MessageText", "You, %1: %2. %3.").replace(
            "%3", QCoreApplication.translate("MessageText", status) if status else ""
        )
    else:
        text = QCoreApplication.translate("MessageText", "%4, %1: %2.").replace(
            "%4", message.sender
        )
    parts = [text.replace("%1", when).replace("%2", content)]
    quote = None if message.deleted else message.quote
    if quote is not None:
        author = you_text() if own is not None and quote.author == own else quote.author
        parts.append(
            QCoreApplication.translate("MessageText", "Replying to %1: %2.")
            .replace("%2", quote_excerpt(quote))
            .replace("%1", author)
        )
    if message.edited_at is not None and not message.deleted:
        parts.append(QCoreApplication.translate("MessageText", "Edited."))
    if message.reactions and not message.deleted:
        counts: dict[str, int] = {}
        for reaction in message.reactions:
            counts[reaction.emoji] = counts.get(reaction.emoji, 0) + 1
        listed = ", ".join(f"{emoji} {count}" for emoji, count in counts.items())
        parts.append(
            QCoreApplication.translate("MessageText", "Reactions: %1.").replace("%1", listed)
        )
    return " ".join(parts)


@functools.lru_cache(maxsize=4096)
def _day_number(stamp_ms: int) -> int:
    """The local calendar day of a timestamp, as a Julian day number (cached: rows ask often)."""
    return local_date(stamp_ms).toJulianDay()


def _day_of(message: Message) -> int:
    return _day_number(message.sent_at or message.sort_key)


#: Outgoing status only moves forward (a late "sent" ack never hides "read").
_STATUS_RANK = {
    MessageStatus.PENDING: 0,
    MessageStatus.FAILED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
}

ModelIndex = QModelIndex | QPersistentModelIndex


class MessageSource(Protocol):
    """The keyset reads the model pages through (``client.messages`` provides them)."""

    async def history(
        self, peer: str, limit: int = 50, before_id: str | None = None
    ) -> list[Message]:
        """Up to ``limit`` messages older than ``before_id`` (or the newest), oldest first."""
        ...

    async def history_after(self, peer: str, after_id: str, limit: int = 50) -> list[Message]:
        """Up to ``limit`` messages newer than ``after_id``, oldest first."""
        ...

    async def history_around(self, peer: str, message_id: str, limit: int = 50) -> list[Message]:
        """About ``limit`` messages centred on ``message_id``, oldest first."""
        ...

    async def get(self, peer: str, message_id: str) -> Message | None:
        """One message, or None."""
        ...


def _order(message: Message) -> tuple[int, int]:
    return (message.sort_key, message.seq)


class MessageWindowModel(QAbstractListModel):
    """A list model over a bounded window of one conversation's messages, oldest on top.

    Rows are :class:`~chat_desktop.storage.models.Message` objects (``MESSAGE_ROLE``); the
    display role is the text. Decoded full-size images (``IMAGE_ROLE``) live in
    :attr:`images`, a cache with a byte budget that outlives the trimming of their rows, so
    scrolling back draws them without decrypting and decoding them again. An image that
    arrives changes no row's height: it is announced by ``imageReady`` (the view repaints the
    row), never by a ``dataChanged`` that Qt would answer by laying out every row again.

    Each row has a revision (:meth:`row_revision`) that changes whenever its height may have:
    its content changed, or its decorations (a neighbour above came or went). The delegate
    remembers measured heights by it.

    Beside the rows it says what is drawn around them (``DECOR_ROLE``): a day separator
    where the day changes, and the "Unread messages" line above the first message that was
    unread when the conversation was opened (it stays until another conversation opens).
    Transfers in flight have their progress here too (``PROGRESS_ROLE``).

    Attributes:
        own_address: Our username, when known; otherwise, in a one-to-one conversation,
            anyone but the peer is us (reactions, quotes).
        images: The decoded images, by message id (kept within a byte budget).

    Signals:
        windowReset(): The window was replaced (conversation switch or jump).
        messageAppended(str): A new message was added at the newest end (its id).
        imageReady(int): The decoded image of this row arrived (repaint it; no height changed).
    """

    windowReset = Signal()  # noqa: N815
    messageAppended = Signal(str)  # noqa: N815
    imageReady = Signal(int)  # noqa: N815

    def __init__(
        self,
        source: MessageSource,
        page_size: int | None = None,
        max_rows: int = MAX_WINDOW_ROWS,
        *,
        first_page_size: int | None = None,
    ) -> None:
        """Creates an empty model.

        Args:
            source: Where pages come from (``client.messages``).
            page_size: Rows fetched per page-in (:data:`PAGE_SIZE` by default).
            max_rows: The most rows ever held (:data:`MAX_WINDOW_ROWS` by default); the view
                trims back to this.
            first_page_size: Rows fetched when a conversation opens or the window jumps
                (:data:`FIRST_PAGE_SIZE` by default; ``page_size`` when only that is given).
        """
        super().__init__()
        self._source = source
        self.page_size = PAGE_SIZE if page_size is None else page_size
        if first_page_size is None:
            first_page_size = FIRST_PAGE_SIZE if page_size is None else page_size
        self.first_page_size = first_page_size
        self.max_rows = max_rows
        self._peer: str | None = None
        self._rows: list[Message] = []
        self.images = ImageCache()
        #: The page beyond each edge, fetched before a scroll reaches it.
        self.ahead = PageAhead()
        #: Measures the rows of a page fetched ahead, with the decorations they will have,
        #: before it is ready (the view's delegate does it off the GUI thread), or None.
        self.measure_ahead: (
            Callable[[Sequence[Message], Sequence[RowDecor]], Awaitable[None]] | None
        ) = None
        self._revisions: dict[str, int] = {}
        self._revision_numbers = itertools.count(1)
        self._has_older = False
        self._has_newer = False
        self._generation = 0
        self._busy = False
        self._progress: dict[str, tuple[int, int]] = {}
        self._unread_marker: str | None = None
        self._marker_peer: str | None = None
        self.own_address: str | None = None

    # ---- Qt model API ----------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Rows in the window (a list model has no children)."""
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The message (``MESSAGE_ROLE``), its text, or its decoded image (``IMAGE_ROLE``)."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        message = self._rows[index.row()]
        if role == MESSAGE_ROLE:
            return message
        if role == Qt.ItemDataRole.DisplayRole:
            return message.body or ""
        if role == DECOR_ROLE:
            return self.decor(index.row())
        if role == PROGRESS_ROLE:
            return self._progress.get(message.id)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return accessible_text(message, self.own_address)
        if role == IMAGE_ROLE:
            return self.images.get(message.id)
        if role == Qt.ItemDataRole.ToolTipRole and message.status is MessageStatus.FAILED:
            return self.tr(FAILED_EXPLANATION) if message.direction is Direction.OUTGOING else None
        return None

    # ---- state -------------------------------------------------------------------------------

    @property
    def peer(self) -> str | None:
        """The conversation shown, or None."""
        return self._peer

    @property
    def has_older(self) -> bool:
        """Whether older messages may exist before the first row."""
        return self._has_older

    @property
    def has_newer(self) -> bool:
        """Whether newer messages exist after the last row (the window is not at the end)."""
        return self._has_newer

    @property
    def busy(self) -> bool:
        """True while a page is being fetched (the view doesn't start another)."""
        return self._busy

    def message_at(self, row: int) -> Message:
        """The message in ``row``."""
        return self._rows[row]

    def row_of(self, message_id: str) -> int | None:
        """The row of ``message_id`` if it is in the window."""
        for row in range(len(self._rows) - 1, -1, -1):
            if self._rows[row].id == message_id:
                return row
        return None

    def message_ids(self) -> list[str]:
        """Ids of every row, top to bottom."""
        return [message.id for message in self._rows]

    def row_revision(self, row: int) -> int | None:
        """A number for what the height of ``row`` depends on (its content and decorations):
        a new one whenever that may have changed, so a height remembered by it is still the
        row's. None for a row outside the window."""
        if not 0 <= row < len(self._rows):
            return None
        message_id = self._rows[row].id
        revision = self._revisions.get(message_id)
        if revision is None:
            revision = self._revisions[message_id] = next(self._revision_numbers)
        return revision

    def _forget_revisions(self, messages: Iterable[Message]) -> None:
        """The height of these rows may have changed (or they come or go): new revisions."""
        for message in messages:
            self._revisions.pop(message.id, None)

    def is_own(self, address: str) -> bool:
        """Whether ``address`` is us (a reactor, a quote's author)."""
        if self.own_address is not None:
            return address == self.own_address
        return self._peer is not None and address != self._peer

    @property
    def unread_marker(self) -> str | None:
        """The message the "Unread messages" line is drawn above, or None."""
        return self._unread_marker

    def decor(self, row: int) -> RowDecor:
        """What is drawn above ``row``: a day separator when its day differs from the row
        above (the first row only when nothing older exists), the unread line."""
        message = self._rows[row]
        day: str | None = None
        if row > 0:
            if _day_of(message) != _day_of(self._rows[row - 1]):
                day = self._day_label(message)
        elif not self._has_older:
            day = self._day_label(message)
        return RowDecor(day, message.id == self._unread_marker)

    @staticmethod
    def _day_label(message: Message) -> str:
        return day_label(QDate.fromJulianDay(_day_of(message)), QDate.currentDate())

    # ---- transfers ---------------------------------------------------------------------------

    def set_progress(self, message_id: str, done: int, total: int) -> None:
        """Shows ``done`` of ``total`` bytes moved for a shown attachment (bar and cancel)."""
        self._progress[message_id] = (max(0, done), max(0, total))
        self._changed(message_id, [PROGRESS_ROLE])

    def clear_progress(self, message_id: str) -> None:
        """The transfer of ``message_id`` ended (finished, failed or cancelled)."""
        if self._progress.pop(message_id, None) is not None:
            self._changed(message_id, [PROGRESS_ROLE])

    def progress(self, message_id: str) -> tuple[int, int] | None:
        """``(done, total)`` of a transfer in flight, or None."""
        return self._progress.get(message_id)

    def _changed(self, message_id: str, roles: list[int]) -> None:
        row = self.row_of(message_id)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, roles)

    def _touch(self, row: int) -> None:
        """Says a row's decorations may have changed (its neighbour above came or went)."""
        if 0 <= row < len(self._rows):
            self._forget_revisions([self._rows[row]])
            index = self.index(row)
            self.dataChanged.emit(index, index, [DECOR_ROLE])

    # ---- paging ----------------------------------------------------------------------------

    async def open_conversation(self, peer: str) -> None:
        """Shows ``peer``'s newest page."""
        generation = self._start(peer)
        self._busy = True
        try:
            rows = await self._source.history(peer, self.first_page_size)
        finally:
            self._busy = False
        if generation == self._generation:
            if peer != self._marker_peer:  # reopening the same one (newest page) keeps it
                self._marker_peer = peer
                self._unread_marker = _first_unread(rows)
            self._reset(rows, has_older=len(rows) >= self.first_page_size, has_newer=False)

    async def jump_to(self, message_id: str) -> int | None:
        """Loads the window around ``message_id``; returns its row (None if it is gone)."""
        if self._peer is None:
            return None
        row = self.row_of(message_id)
        if row is not None:
            return row
        peer = self._peer
        generation = self._start(peer)
        self._busy = True
        try:
            rows = await self._source.history_around(peer, message_id, self.first_page_size)
        finally:
            self._busy = False
        if generation != self._generation:
            return None
        ids = [message.id for message in rows]
        if message_id not in ids:
            return None
        newer = await self._source.history_after(peer, rows[-1].id, 1)
        older = await self._source.history(peer, 1, rows[0].id)
        if generation != self._generation:
            return None
        self._reset(rows, has_older=bool(older), has_newer=bool(newer))
        return ids.index(message_id)

    def prefetch_older(self) -> None:
        """Fetches the page before the first row ahead of need (:class:`PageAhead`)."""
        if self._peer is None or not self._has_older or not self._rows:
            return
        peer, first_id = self._peer, self._rows[0].id

        async def fetch() -> list[Message]:
            rows = await self._source.history(peer, self.page_size, first_id)
            # The oldest row shows its day when nothing is older (a short page).
            await self._measure_ahead(rows, None, starts=len(rows) < self.page_size)
            return rows

        self.ahead.start("older", (self._generation, first_id), fetch)

    def prefetch_newer(self) -> None:
        """Fetches the page after the last row ahead of need (the window is not at the end)."""
        if self._peer is None or not self._has_newer or not self._rows:
            return
        peer, last_id, above = self._peer, self._rows[-1].id, self._rows[-1]

        async def fetch() -> list[Message]:
            rows = await self._source.history_after(peer, last_id, self.page_size)
            await self._measure_ahead(rows, above, starts=False)
            return rows

        self.ahead.start("newer", (self._generation, last_id), fetch)

    async def _measure_ahead(
        self, rows: Sequence[Message], above: Message | None, *, starts: bool
    ) -> None:
        """Has the rows of a page fetched ahead measured with the decorations :meth:`decor`
        will give them once they are in (``above``: the row they will follow; ``starts``:
        the first of them will start the conversation). A failure only leaves them to be
        measured when they come in."""
        measure = self.measure_ahead
        if measure is None or not rows:
            return
        decors = []
        for number, message in enumerate(rows):
            previous = rows[number - 1] if number else above
            if previous is None:
                day = self._day_label(message) if starts else None
            else:
                day = self._day_label(message) if _day_of(message) != _day_of(previous) else None
            decors.append(RowDecor(day, message.id == self._unread_marker))
        try:
            await measure(rows, decors)
        except Exception as error:
            logger.debug("measuring a page ahead failed: %s", type(error).__name__)

    def older_ready(self) -> bool:
        """Whether the page before the first row was fetched ahead and can come in now."""
        return (
            self._has_older
            and not self._busy
            and bool(self._rows)
            and self.ahead.ready("older", (self._generation, self._rows[0].id))
        )

    def newer_ready(self) -> bool:
        """Whether the page after the last row was fetched ahead and can come in now."""
        return (
            self._has_newer
            and not self._busy
            and bool(self._rows)
            and self.ahead.ready("newer", (self._generation, self._rows[-1].id))
        )

    def insert_older_ready(self) -> int:
        """Prepends the page fetched ahead before the first row, at once (no wait); returns
        how many rows came in (0 when none was ready)."""
        if not self.older_ready():
            return 0
        fetched = self.ahead.take("older", (self._generation, self._rows[0].id))
        return 0 if fetched is None else self._prepend(list(fetched.result()))

    def insert_newer_ready(self) -> int:
        """Appends the page fetched ahead after the last row, at once; returns how many rows
        came in (0 when none was ready)."""
        if not self.newer_ready():
            return 0
        fetched = self.ahead.take("newer", (self._generation, self._rows[-1].id))
        return 0 if fetched is None else self._append(list(fetched.result()))

    async def load_older(self) -> int:
        """Prepends the page before the first row (the one fetched ahead, if it is there or
        on its way); returns how many rows came in."""
        if self._peer is None or not self._has_older or self._busy or not self._rows:
            return 0
        peer, generation, first_id = self._peer, self._generation, self._rows[0].id
        ahead = self.ahead.take("older", (generation, first_id))
        self._busy = True
        try:
            if ahead is not None:
                rows = list(await ahead)
            else:
                rows = await self._source.history(peer, self.page_size, first_id)
        finally:
            self._busy = False
        if generation != self._generation or not self._rows or self._rows[0].id != first_id:
            return 0
        return self._prepend(rows)

    def _prepend(self, rows: list[Message]) -> int:
        """Puts the page before the first row in the window."""
        self._has_older = len(rows) >= self.page_size
        if rows:
            self._forget_revisions(rows)
            self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
            self._rows[0:0] = rows
            self.endInsertRows()
            self._touch(len(rows))
        elif not self._has_older:
            self._touch(0)  # the first row now starts the conversation: its day shows
        return len(rows)

    async def load_newer(self) -> int:
        """Appends the page after the last row (when the window is not at the end), the one
        fetched ahead if it is there or on its way."""
        if self._peer is None or not self._has_newer or self._busy or not self._rows:
            return 0
        peer, generation, last_id = self._peer, self._generation, self._rows[-1].id
        ahead = self.ahead.take("newer", (generation, last_id))
        self._busy = True
        try:
            if ahead is not None:
                rows = list(await ahead)
            else:
                rows = await self._source.history_after(peer, last_id, self.page_size)
        finally:
            self._busy = False
        if generation != self._generation or not self._rows or self._rows[-1].id != last_id:
            return 0
        return self._append(rows)

    def _append(self, rows: list[Message]) -> int:
        """Puts the page after the last row in the window."""
        self._has_newer = len(rows) >= self.page_size
        known = set(self.message_ids())
        rows = [message for message in rows if message.id not in known]
        if rows:
            self._forget_revisions(rows)
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        return len(rows)

    def trim_top(self, keep: int) -> int:
        """Drops the oldest rows so at most ``keep`` remain; returns how many left."""
        drop = len(self._rows) - keep
        if drop <= 0:
            return 0
        self.beginRemoveRows(QModelIndex(), 0, drop - 1)
        dropped = self._rows[:drop]  # their images stay cached for the way back
        del self._rows[:drop]
        self._forget_revisions(dropped)
        self.endRemoveRows()
        self._has_older = True
        self._touch(0)
        return drop

    def trim_bottom(self, keep: int) -> int:
        """Drops the newest rows so at most ``keep`` remain; returns how many left."""
        drop = len(self._rows) - keep
        if drop <= 0:
            return 0
        first = len(self._rows) - drop
        self.beginRemoveRows(QModelIndex(), first, len(self._rows) - 1)
        dropped = self._rows[first:]  # their images stay cached for the way back
        del self._rows[first:]
        self._forget_revisions(dropped)
        self.endRemoveRows()
        self._has_newer = True
        return drop

    # ---- live updates ------------------------------------------------------------------------

    async def add_message(self, peer: str, message_id: str) -> bool:
        """Fetches a new message of ``peer`` and inserts it in order, if the window shows it.

        A window that is not at the newest end ignores new messages (they are paged in when
        the user scrolls down). Returns True if a row was added.
        """
        if peer != self._peer:
            return False
        if self._has_newer:
            self.ahead.forget("newer")  # fetched before this message came: it would be missing
            return False
        generation = self._generation
        message = await self._source.get(peer, message_id)
        if message is None or generation != self._generation or self._has_newer:
            return False
        if self.row_of(message_id) is not None:
            self.replace_message(message)
            return False
        keys = [_order(row) for row in self._rows]
        row = bisect.bisect_right(keys, _order(message))
        self._forget_revisions([message])
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, message)
        self.endInsertRows()
        self._touch(row + 1)
        if row == len(self._rows) - 1:
            self.messageAppended.emit(message_id)
        return True

    async def refresh_message(self, peer: str, message_id: str) -> Message | None:
        """Re-reads one shown message (attachment state changed, for example)."""
        if peer != self._peer or self.row_of(message_id) is None:
            if peer == self._peer:
                self.ahead.forget_containing(message_id)
            return None
        message = await self._source.get(peer, message_id)
        if message is not None:
            self.replace_message(message)
        return message

    def replace_message(self, message: Message) -> None:
        """Puts a newer copy of a shown message in its row."""
        row = self.row_of(message.id)
        if row is None:
            self.ahead.forget_containing(message.id)
            return
        if content_key(message) != content_key(self._rows[row]):
            # Its height may change, and the row below's separator depends on its day.
            self._forget_revisions(self._rows[row : row + 2])
        if message.deleted:
            self.images.discard(message.id)
        self._rows[row] = message
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def set_status(self, peer: str, message_id: str, status: str) -> None:
        """Moves one of our shown messages to ``status`` (never backwards, except to retry)."""
        row = self.row_of(message_id) if peer == self._peer else None
        if row is None:
            if peer == self._peer:
                self.ahead.forget_containing(message_id)
            return
        message = self._rows[row]
        new_status = MessageStatus(status)
        old_rank = _STATUS_RANK[message.status]
        if message.status is not MessageStatus.FAILED and _STATUS_RANK[new_status] < old_rank:
            return
        self.replace_message(msgspec.structs.replace(message, status=new_status))

    def mark_incoming_read(self, up_to_row: int) -> None:
        """Shows incoming messages up to ``up_to_row`` as read (after ``mark_read``)."""
        last = min(up_to_row, len(self._rows) - 1)
        changed = False
        for row in range(last + 1):
            message = self._rows[row]
            if message.direction is Direction.INCOMING and message.status is not (
                MessageStatus.READ
            ):
                self._rows[row] = msgspec.structs.replace(message, status=MessageStatus.READ)
                changed = True
        if changed:
            self.dataChanged.emit(self.index(0), self.index(last))

    def remove_messages(self, peer: str, message_ids: Iterable[str]) -> int:
        """Removes shown messages (they expired); returns how many rows went."""
        if peer != self._peer:
            return 0
        removed = 0
        for message_id in message_ids:
            row = self.row_of(message_id)
            if row is None:
                self.ahead.forget_containing(message_id)
                continue
            self.beginRemoveRows(QModelIndex(), row, row)
            dropped = self._rows.pop(row)
            self._forget_revisions([dropped])
            self.images.discard(message_id)
            self._progress.pop(message_id, None)
            self.endRemoveRows()
            self._touch(row)
            removed += 1
        return removed

    def set_image(self, message_id: str, image: QImage) -> None:
        """Caches the decoded (already scaled) image of a shown message and has its row
        repainted (``imageReady``: the placeholder had the image's size, no height changes)."""
        row = self.row_of(message_id)
        if row is None:
            return
        self.images.put(message_id, image)
        self.imageReady.emit(row)

    def has_image(self, message_id: str) -> bool:
        """Whether the full image of ``message_id`` is decoded already."""
        return message_id in self.images

    def cached_image(self, message_id: str, size: QSize) -> QImage | None:
        """The decoded image of ``message_id`` if it was decoded at ``size``, else None."""
        return self.images.get(message_id, size)

    def clear(self) -> None:
        """Shows nothing (locked, or no conversation selected)."""
        self._unread_marker = None
        self._marker_peer = None
        self._start(None)
        self._reset([], has_older=False, has_newer=False)

    # ---- internals ----------------------------------------------------------------------------

    def _start(self, peer: str | None) -> int:
        """Begins a new window generation; in-flight pages of older ones are discarded.

        Decoded images are kept while the conversation stays (a jump, the newest page again)
        and dropped with it (another conversation, or none: locked).
        """
        self._generation += 1
        self.ahead.forget()
        if peer != self._peer:
            self.images.clear()
        self._peer = peer
        self._busy = False
        return self._generation

    def _reset(self, rows: Sequence[Message], *, has_older: bool, has_newer: bool) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._revisions.clear()
        self._has_older = has_older
        self._has_newer = has_newer
        self.endResetModel()
        self.windowReset.emit()


def _first_unread(rows: Sequence[Message]) -> str | None:
    """The oldest unread incoming message of a freshly opened page (the unread line's place)."""
    for message in rows:
        if (
            message.direction is Direction.INCOMING
            and message.status is not MessageStatus.READ
            and not is_note(message)
            and not message.deleted
        ):
            return message.id
    return None
