"""``DraftKeeper``: keeps the composer's unsent text as the open conversation's draft.

The text is saved in the encrypted store (:class:`~chat_desktop.services.drafts.Drafts`) when
the user leaves the conversation (:meth:`DraftKeeper.leave`), when the window closes or locks
(:meth:`DraftKeeper.save_now`), and at most :data:`DRAFT_SAVE_DELAY_MS` after a keystroke, so
a crash or a kill loses at most that much typing. A send clears it. Opening a conversation
puts its draft back in the box (:meth:`DraftKeeper.enter`). A reply being set up is not kept.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QObject, QTimer

from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.conversation.composer import Composer
from chat_desktop.services.drafts import Drafts

logger = logging.getLogger(__name__)

#: A draft is saved at most this long after the keystroke that changed it (a throttle, not a
#: debounce: typing without a pause still saves every second).
DRAFT_SAVE_DELAY_MS = 1_000


class DraftKeeper(QObject):
    """Saves and restores the draft of the conversation open in one composer.

    Args:
        drafts: The engine's drafts.
        composer: The conversation's text box.
        parent: Owner (the main window).
    """

    def __init__(self, drafts: Drafts, composer: Composer, parent: QObject | None = None) -> None:
        """Follows ``composer``'s typing and sends."""
        super().__init__(parent)
        self._drafts = drafts
        self._composer = composer
        #: The conversation whose draft the box holds (None while none is loaded).
        self._peer: str | None = None
        #: The conversation being opened (its draft is being read).
        self._entering: str | None = None
        self._saved = ""
        self._lock = asyncio.Lock()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DRAFT_SAVE_DELAY_MS)
        self._timer.timeout.connect(lambda: spawn(self.save_now(), "save draft"))
        composer.edit.textChanged.connect(self._on_text_changed)
        composer.sendRequested.connect(lambda _text, _reply: spawn(self.save_now(), "clear draft"))

    @property
    def peer(self) -> str | None:
        """The conversation whose draft the box holds."""
        return self._peer

    @property
    def save_pending(self) -> bool:
        """Whether a change waits for its save (tests)."""
        return self._timer.isActive()

    def _on_text_changed(self) -> None:
        if self._peer is not None and not self._timer.isActive():
            self._timer.start()

    async def save_now(self) -> None:
        """Saves the box's text as the open conversation's draft, if it changed.

        Never raises: a draft that could not be saved is logged by the error's type only.
        """
        self._timer.stop()
        peer = self._peer
        if peer is None:
            return
        text = self._composer.draft_text()
        if text == self._saved:
            return
        async with self._lock:
            try:
                await self._drafts.set_draft(peer, text)
            except Exception as error:  # the store closed meanwhile, or a refused text
                logger.warning("a draft was not saved: %s", type(error).__name__)
                return
        if self._peer == peer:
            self._saved = text

    async def leave(self) -> None:
        """Saves the open conversation's draft and lets go of it (another one opens)."""
        await self.save_now()
        self._peer = None
        self._entering = None

    def forget(self) -> None:
        """Lets go of the open conversation without saving (it is being deleted)."""
        self._timer.stop()
        self._peer = None
        self._entering = None

    async def enter(self, peer: str) -> None:
        """Puts ``peer``'s draft in the (emptied) box; later typing is saved as its draft.

        Text typed while the draft was read is kept (it becomes the draft at the next save).
        """
        self._peer = None
        self._entering = peer
        try:
            draft = await self._drafts.draft(peer)
        except Exception as error:
            logger.warning("a draft was not read: %s", type(error).__name__)
            draft = ""
        if self._entering != peer:
            return  # another conversation was opened meanwhile
        self._entering = None
        if draft and not self._composer.edit.toPlainText():
            self._composer.show_draft(draft)
        self._saved = draft
        self._peer = peer
        if self._composer.draft_text() != draft:
            self._timer.start()
