"""Voice notes in the conversation pane: a recording goes out, a click on a note plays it.

:class:`VoiceNotes` joins the composer's :class:`~chat_desktop.gui.conversation.voice_recorder.
VoiceRecorder` to the engine (``send_voice_note`` of ``client.attachments``, or of
``client.groups`` in a group: the engine encodes in a worker thread) and the message list's
play and seek clicks to one :class:`~chat_desktop.services.voice_playback.VoicePlayback` at a
time. A note is read from the store and decoded in a worker thread (never on the GUI
thread) the first time it is played; while it plays, a timer repaints its row so the
waveform and the time follow the sound. Without speakers the pane says "No speakers found".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from chat_desktop.gui.common.notices import show_notice, user_message
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.conversation.composer import Composer
from chat_desktop.gui.conversation.file_actions import file_actions
from chat_desktop.gui.conversation.group_source import is_group
from chat_desktop.gui.conversation.message_model import MessageWindowModel
from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.gui.conversation.voice_note_painting import VoicePosition
from chat_desktop.services.client import ChatClient
from chat_desktop.services.voice_codec import VoiceRejected, VoiceUnavailable, decode_voice
from chat_desktop.services.voice_devices import NoSpeakers, SoundDeviceSpeakers, Speakers
from chat_desktop.services.voice_playback import PLAYBACK_RATE, VoicePlayback

#: How often a playing note's row is repainted.
TICK_MS: Final = 100
_CONTEXT = "ConversationView"


class VoiceNotes(QObject):
    """Sends what the composer records and plays the notes the list shows.

    Attributes:
        playback: The note loaded in the player, if any (tests look at it).
        speakers: Makes what notes play through.
        notice: The last message shown (no microphone, no speakers…; tests look at it).
    """

    def __init__(
        self,
        pane: QWidget,
        client: ChatClient,
        composer: Composer,
        view: MessageListView,
        model: MessageWindowModel,
        peer: Callable[[], str | None],
        speakers: Callable[[], Speakers] = SoundDeviceSpeakers,
    ) -> None:
        """Wires ``composer``'s recorder and ``view``'s clicks for the pane's conversation
        (``peer()``); ``speakers`` makes what notes play through."""
        super().__init__(pane)
        self._pane = pane
        self._client = client
        self._composer = composer
        self._view = view
        self._model = model
        self._peer = peer
        self.speakers = speakers
        self.playback: VoicePlayback | None = None
        self.notice: QMessageBox | None = None
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        composer.voice_recorder.recorded.connect(self.send)
        composer.voice_recorder.failed.connect(self._tell)
        view.voicePlayRequested.connect(self.toggle)
        view.voiceSeekRequested.connect(self.seek)
        view.delegate.voice_position = self.position

    # ---- sending ----------------------------------------------------------------------------

    def send(self, pcm: bytes, sample_rate: int) -> None:
        """Sends a recording to the open conversation (as a reply when one is being written)."""
        peer = self._peer()
        if peer is None:
            return
        reply_to = self._composer.reply_to
        if reply_to is not None:
            self._composer.cancel_context()
        spawn(self._send(peer, pcm, sample_rate, reply_to), "send voice note", self._failed)

    async def _send(self, peer: str, pcm: bytes, sample_rate: int, reply_to: str | None) -> None:
        if is_group(peer):
            message_id = await self._client.groups.send_voice_note(
                peer, pcm, sample_rate=sample_rate, reply_to=reply_to
            )
        else:
            message_id = await self._client.attachments.send_voice_note(
                peer, pcm, sample_rate=sample_rate, reply_to=reply_to
            )
        if self._peer() == peer:
            await self._model.add_message(peer, message_id)
            self._view.scroll_to_newest()

    # ---- playing ----------------------------------------------------------------------------

    def position(self, message_id: str) -> VoicePosition | None:
        """Where ``message_id``'s note stands in the player (None: not loaded)."""
        playback = self.playback
        if playback is None or playback.message_id != message_id:
            return None
        return VoicePosition(playback.fraction, playback.position_ms, playback.playing)

    def toggle(self, message_id: str) -> None:
        """Plays ``message_id``'s note (loading it first), or pauses it if it plays."""
        playback = self.playback
        if playback is not None and playback.message_id == message_id:
            self._run(playback.toggle)
            return
        self.stop()
        peer = self._peer()
        if peer is not None:
            spawn(self._load_and_play(peer, message_id, None), "play voice note", self._failed)

    def seek(self, message_id: str, fraction: float) -> None:
        """Moves ``message_id``'s note to ``fraction``, loading (and playing) it if needed."""
        playback = self.playback
        if playback is not None and playback.message_id == message_id:
            playback.seek(fraction)
            self._repaint()
            return
        self.stop()
        peer = self._peer()
        if peer is not None:
            spawn(self._load_and_play(peer, message_id, fraction), "play voice note", self._failed)

    def stop(self) -> None:
        """Stops and unloads the note in the player (the conversation changed or closed)."""
        playback, self.playback = self.playback, None
        self._tick.stop()
        if playback is not None:
            playback.close()
            self._repaint()

    async def load(self, peer: str, message_id: str) -> VoicePlayback:
        """Reads and decodes ``message_id``'s note (in a worker thread) into the player."""
        data = await file_actions(self._client, peer).read(peer, message_id)
        decoded = await asyncio.to_thread(decode_voice, data, sample_rate=PLAYBACK_RATE)
        self.stop()
        self.playback = VoicePlayback(message_id, decoded.pcm, self.speakers(), PLAYBACK_RATE)
        return self.playback

    async def _load_and_play(self, peer: str, message_id: str, fraction: float | None) -> None:
        playback = await self.load(peer, message_id)
        if self._peer() != peer:
            self.stop()
            return
        if fraction is not None:
            playback.seek(fraction)
        self._run(playback.play)

    def _run(self, action: Callable[[], None]) -> None:
        """Plays, pauses or toggles; says so when there are no speakers."""
        try:
            action()
        except NoSpeakers:
            self._tell(QCoreApplication.translate(_CONTEXT, "No speakers found"))
        if self.playback is not None and self.playback.playing:
            self._tick.start()
        self._repaint()

    def _on_tick(self) -> None:
        playback = self.playback
        if playback is None:
            self._tick.stop()
            return
        if not playback.playing:
            playback.pause()  # reached the end: the speakers are let go
            self._tick.stop()
        self._repaint()

    def _repaint(self) -> None:
        self._view.viewport().update()

    # ---- telling ----------------------------------------------------------------------------

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, VoiceRejected):
            text = QCoreApplication.translate(_CONTEXT, "This voice note cannot be played.")
        elif isinstance(error, VoiceUnavailable):
            text = QCoreApplication.translate(_CONTEXT, "Voice notes are not available here.")
        else:
            text = user_message(error)
        self._tell(text)

    def _tell(self, text: str) -> None:
        self.notice = show_notice(
            self._pane, QCoreApplication.translate(_CONTEXT, "Voice notes"), text
        )
