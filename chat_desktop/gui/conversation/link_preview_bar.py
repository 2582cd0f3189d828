"""The link preview card above the composer, before a message is sent (as Signal shows it).

Only when the user turned link previews on (Settings → Privacy, off by default): a moment
after the text stops changing, the first ``http(s)`` link of the box is fetched by the engine
(``client.link_previews``, bounded in size and time, on the event loop) and its card shown
here, with a close button that sends the message without it. Sending takes the card with the
message (:meth:`LinkPreviewBar.take`) when its address is still in the text. A fetch that
fails shows nothing: the message goes without a preview. A late answer for an address no
longer in the box is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QRect, QSize, QTimer
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QToolButton, QWidget

from chat_desktop.gui.common.icons import icon
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.common.theme import current_colors
from chat_desktop.gui.conversation.link_preview_painting import card_height, paint_card
from chat_desktop.protocol.link_preview import LinkPreview, first_link
from chat_desktop.services.errors import LinkPreviewUnavailable

_log = logging.getLogger(__name__)

#: How long the text must rest before its link is fetched (ms).
SETTLE_MS = 600
#: Margins around the card (px).
MARGIN = 6

Fetch = Callable[[str], Awaitable[LinkPreview]]
Enabled = Callable[[], Awaitable[bool]]


class LinkPreviewBar(QWidget):
    """Shows the preview of the composer's first link; hidden when there is none.

    Args:
        fetch: Fetches one address's preview (``client.link_previews.fetch``).
        enabled: Whether link previews are on (``client.link_previews.enabled``).
    """

    def __init__(self, fetch: Fetch, enabled: Enabled, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("linkPreviewBar")
        self._fetch = fetch
        self._enabled = enabled
        self._text = ""
        self._url: str | None = None  # the address fetched or being fetched
        self._dismissed: set[str] = set()
        self._generation = 0
        #: The preview shown (None while fetching or when there is none).
        self.preview: LinkPreview | None = None
        self.active = True
        #: The fetch last started (tests await it), or None before the first.
        self.loading: asyncio.Future[None] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self._settled)
        self.close_button = QToolButton()
        self.close_button.setObjectName("linkPreviewCloseButton")
        self.close_button.setIcon(icon("close"))
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(self.tr("Send without the link preview"))
        self.close_button.setAccessibleName(self.tr("Remove link preview"))
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.addStretch(1)
        layout.addWidget(self.close_button)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(self.tr("Link preview"))
        self.hide()

    def set_active(self, active: bool) -> None:
        """Starts afresh for a newly opened conversation, on or off."""
        self.active = active
        self.reset()

    def watch(self, text: str) -> None:
        """The composer's text changed: look at its link once it has settled."""
        self._text = text
        self._timer.start()

    def settle_now(self) -> None:
        """Looks at the text at once instead of after the pause (tests, and a paste)."""
        self._timer.stop()
        self._settled()

    def take(self, text: str) -> LinkPreview | None:
        """The preview to send with ``text`` (its address still in it), and the bar emptied."""
        preview = self.preview
        self.reset()
        if preview is None or preview.url not in text:
            return None
        return preview

    def dismiss(self) -> None:
        """The user removed the card: this address is not previewed again in this message."""
        if self._url is not None:
            self._dismissed.add(self._url)
        self.preview = None
        self._generation += 1
        self.hide()

    def reset(self) -> None:
        """Forgets everything (sent, or another conversation opened)."""
        self._timer.stop()
        self._generation += 1
        self._url = None
        self._text = ""
        self._dismissed.clear()
        self.preview = None
        self.hide()

    def _settled(self) -> None:
        url = first_link(self._text) if self.active else None
        if url is None:
            self._url = None
            self.preview = None
            self._generation += 1
            self.hide()
            return
        if url == self._url or url in self._dismissed:
            return
        self._url = url
        self.preview = None
        self.hide()
        self._generation += 1
        self.loading = spawn(self._load(url, self._generation), "link preview")

    async def _load(self, url: str, generation: int) -> None:
        if not await self._enabled():
            return
        try:
            preview = await self._fetch(url)
        except LinkPreviewUnavailable as error:
            _log.info("no link preview: %s", error)
            return
        if generation != self._generation:
            return  # the text moved on
        self.preview = preview
        self.updateGeometry()
        self.show()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        """As wide as the composer; as tall as the card and its margins."""
        if self.preview is None:
            return QSize(0, 0)
        return QSize(200, card_height(self.preview, self.font()) + 2 * MARGIN)

    def card_rect(self) -> QRect:
        """Where the card is drawn (left of the close button)."""
        right = self.close_button.geometry().left() - MARGIN
        height = self.height() - 2 * MARGIN
        return QRect(MARGIN, MARGIN, max(1, right - MARGIN), height)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """Draws the card."""
        super().paintEvent(event)
        if self.preview is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint_card(painter, self.card_rect(), self.preview, self.font(), current_colors())
        painter.end()
