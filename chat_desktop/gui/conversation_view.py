"""``ConversationView``: the right pane (header, key-change banner, messages, composer).

It turns what the user does to a message (reply, react, edit, delete, details, open, save,
view an image) into engine calls, keeps the shown messages in step with the engine's events
(``connect_bridge``), and takes files in (attach button, drop on the pane, paste) through
the preview dialog.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QBuffer,
    QByteArray,
    QDateTime,
    QIODevice,
    QLocale,
    QModelIndex,
    QPoint,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QDesktopServices,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QImageReader,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.accessibility import mark_as_data, name_controls
from chat_desktop.gui.attachment_preview import AttachmentPreviewDialog
from chat_desktop.gui.composer import Composer, local_files, pasted_image
from chat_desktop.gui.custom_timer import CustomTimerDialog, ask_custom_timer
from chat_desktop.gui.event_bridge import EventBridge
from chat_desktop.gui.file_opening import refuse_programs, show_unsafe_file_notice
from chat_desktop.gui.icons import IconLabel, icon
from chat_desktop.gui.image_viewer import ImageViewer, decode_full
from chat_desktop.gui.key_acceptance import compare_then_accept
from chat_desktop.gui.key_change_banner import KeyChangeBanner
from chat_desktop.gui.message_delegate import (
    BUBBLE_PAD_H,
    BUBBLE_WIDTH_SHARE,
    MAX_BUBBLE_WIDTH,
    ROW_MARGIN_H,
    image_box,
)
from chat_desktop.gui.message_details import MessageDetailsDialog
from chat_desktop.gui.message_model import MessageWindowModel
from chat_desktop.gui.message_view import MessageListView
from chat_desktop.gui.message_words import duration_text
from chat_desktop.gui.notices import StandardButton, ask, finished, show_error, show_notice
from chat_desktop.gui.reaction_picker import ReactionPicker
from chat_desktop.gui.safety_number import SafetyNumberDialog
from chat_desktop.gui.save_dialog import choose_save_path
from chat_desktop.gui.tasks import spawn
from chat_desktop.services.client import ChatClient, UnknownPeer
from chat_desktop.services.file_types import UnsafeToOpen, display_file_name, safe_file_name
from chat_desktop.services.leftovers import PASTE_FOLDER
from chat_desktop.storage.models import Direction, Message, MessageStatus

logger = logging.getLogger(__name__)

#: The disappearing-timer choices offered (label, seconds), then "Custom…".
TIMER_CHOICES = (
    (str(QT_TRANSLATE_NOOP("ConversationView", "Off")), 0),
    (str(QT_TRANSLATE_NOOP("ConversationView", "30 seconds")), 30),
    (str(QT_TRANSLATE_NOOP("ConversationView", "5 minutes")), 300),
    (str(QT_TRANSLATE_NOOP("ConversationView", "1 hour")), 3_600),
    (str(QT_TRANSLATE_NOOP("ConversationView", "8 hours")), 8 * 3_600),
    (str(QT_TRANSLATE_NOOP("ConversationView", "1 day")), 86_400),
    (str(QT_TRANSLATE_NOOP("ConversationView", "1 week")), 7 * 86_400),
    (str(QT_TRANSLATE_NOOP("ConversationView", "4 weeks")), 28 * 86_400),
)
#: The timer menu's last item: a number and a unit (:class:`CustomTimerDialog`).
CUSTOM_TIMER = -1
#: Qt refuses to allocate more than this (MiB) for one decoded image: a 4096² RGBA is 64 MiB.
IMAGE_ALLOCATION_LIMIT_MB = 128
UrlOpener = Callable[[QUrl], bool]


def write_png(image: QImage, folder: Path) -> Path:
    """Saves ``image`` as a new PNG in ``folder`` (created 0700); returns its path."""
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / f"pasted-image-{uuid.uuid4().hex[:8]}.png"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    if not image.save(str(path)):  # PNG, from the name
        path.unlink(missing_ok=True)
        raise OSError("the pasted image could not be written")
    return path


def decode_scaled(data: bytes, size: QSize) -> QImage:
    """Decodes image bytes straight to the bubble's box (runs in a worker thread).

    The reader decodes at the target size where the format allows it (JPEG) and refuses
    images whose decoded size would pass :data:`IMAGE_ALLOCATION_LIMIT_MB`: a peer's file
    can claim any dimensions. A null image means "not shown".
    """
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAllocationLimit(IMAGE_ALLOCATION_LIMIT_MB)
    if not reader.size().isValid():
        return QImage()
    reader.setScaledSize(size)
    image = reader.read()
    if image.isNull() or image.size() == size:
        return image
    return image.scaled(
        size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class ConversationView(QWidget):
    """One open conversation, driven by a :class:`ChatClient`.

    Files dropped on the pane or pasted in the composer go through
    :class:`~chat_desktop.gui.attachment_preview.AttachmentPreviewDialog` before they are
    sent. "Open" hands a decrypted copy to :attr:`url_opener` (the desktop's default
    application), unless the file could run a program: then a notice offers "Save as…"
    (:mod:`chat_desktop.gui.file_opening`).

    Signals:
        conversationsChanged(): Unread counts or order may have changed (refresh the list).
    """

    conversationsChanged = Signal()  # noqa: N815
    verifiedChanged = Signal(str)  # noqa: N815

    def __init__(self, client: ChatClient, parent: QWidget | None = None) -> None:
        """Builds the pane for ``client`` (no conversation open yet)."""
        super().__init__(parent)
        self.setObjectName("conversationView")
        self.setAcceptDrops(True)
        self._client = client
        self._peer: str | None = None
        self._loading_images: set[str] = set()
        self._bridge: EventBridge | None = None
        #: Opens a file in the desktop's application for its type.
        self.url_opener: UrlOpener = QDesktopServices.openUrl
        #: The last dialog or popup opened from a message (tests and the walk look at it).
        self.preview_dialog: AttachmentPreviewDialog | None = None
        self.reaction_picker: ReactionPicker | None = None
        self.details_dialog: MessageDetailsDialog | None = None
        self.image_viewer: ImageViewer | None = None
        self.save_chooser: QDialog | None = None
        self.unsafe_notice: QMessageBox | None = None
        self.model = MessageWindowModel(client)
        self.view = MessageListView(self.model, self)
        self.composer = Composer(self)

        self.peer_label = QLabel()
        self.peer_label.setObjectName("peerName")
        mark_as_data(self.peer_label)
        self.verified_badge = IconLabel("verified", lines=1.2)  # follows theme and text size
        self.verified_badge.setObjectName("verifiedBadge")
        self.verified_badge.setToolTip(
            self.tr("Verified: you compared the safety number with this contact")
        )
        self.verified_badge.setAccessibleName(self.tr("Verified contact"))
        self.verified_badge.hide()
        self.presence_label = QLabel()
        self.presence_label.setObjectName("presenceLabel")
        self.timer_box = QComboBox()
        self.timer_box.setObjectName("timerBox")
        self.timer_box.setToolTip(self.tr("Disappearing messages"))
        for label, seconds in TIMER_CHOICES:
            self.timer_box.addItem(icon("timer"), self.tr(label), seconds)
        self.timer_box.addItem(icon("timer"), self.tr("Custom…"), CUSTOM_TIMER)
        self._timer_seconds = 0
        #: The custom-timer dialog last opened (tests look at it).
        self.timer_dialog: CustomTimerDialog | None = None
        self.safety_button = QPushButton(self.tr("Safety number"))
        self.safety_button.setObjectName("safetyButton")
        self.safety_button.setIcon(icon("verified"))
        header = QFrame()
        header.setObjectName("conversationHeader")
        header_layout = QHBoxLayout(header)
        names = QVBoxLayout()
        names.setSpacing(0)
        name_row = QHBoxLayout()
        name_row.setSpacing(6)
        name_row.addWidget(self.peer_label)
        name_row.addWidget(self.verified_badge)
        name_row.addStretch(1)
        names.addLayout(name_row)
        names.addWidget(self.presence_label)
        header_layout.addLayout(names, 1)
        header_layout.addWidget(self.timer_box)
        header_layout.addWidget(self.safety_button)

        self.banner = KeyChangeBanner()
        self.banner_label = self.banner.label
        self.accept_key_button = self.banner.accept_button

        name_controls(
            (self.timer_box, self.tr("Disappearing messages")),
            (self.safety_button, self.tr("Safety number")),
            (self.accept_key_button, self.tr("Accept new key")),
            (self.view, self.tr("Messages")),
        )
        self.timer_box.setAccessibleDescription(
            self.tr("How long new messages in this conversation stay before they disappear")
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.composer)

        self._typing = False
        self._presence = ""
        self.composer.sendRequested.connect(self._send_text)
        self.composer.editSubmitted.connect(self._submit_edit)
        self.composer.filesChosen.connect(self.offer_files)
        self.composer.imagePasted.connect(self.offer_image)
        self.composer.typingChanged.connect(self._send_typing)
        self.view.readUpTo.connect(self._mark_read)
        self.view.retryRequested.connect(self._retry)
        self.view.imageWanted.connect(self._load_image)
        self.view.clicked.connect(self._on_message_clicked)
        self.view.replyRequested.connect(self.start_reply)
        self.view.editRequested.connect(self.start_edit)
        self.view.deleteRequested.connect(self.delete_message)
        self.view.reactRequested.connect(self.show_reaction_picker)
        self.view.reactionToggled.connect(self.toggle_reaction)
        self.view.detailsRequested.connect(self.show_details)
        self.view.openRequested.connect(self.open_attachment)
        self.view.saveRequested.connect(self.save_attachment)
        self.view.cancelRequested.connect(self.cancel_transfer)
        self.view.imageActivated.connect(self.show_image)
        self.safety_button.clicked.connect(self.show_safety_number)
        self.accept_key_button.clicked.connect(self._accept_key)
        self.timer_box.activated.connect(self._timer_chosen)

    @property
    def peer(self) -> str | None:
        """The open conversation's peer."""
        return self._peer

    # ---- opening ----------------------------------------------------------------------------

    async def open(self, peer: str, timer_seconds: int = 0) -> None:
        """Shows the conversation with ``peer`` (newest messages at the bottom)."""
        self._peer = peer
        self._typing = False
        self._presence = ""
        self.peer_label.setText(peer)
        self.verified_badge.hide()
        self._show_presence()
        self.banner.hide()
        self._select_timer(timer_seconds)
        self.composer.reset()
        await self.model.open_conversation(peer)
        self.composer.edit.setFocus()
        spawn(self._client.subscribe_presence([peer]), "subscribe presence")
        spawn(self.refresh_verified(), "verified state")

    async def refresh_verified(self) -> None:
        """Shows or hides the verified badge for the open conversation."""
        peer = self._peer
        if peer is None:
            return
        verified = await self._client.is_verified(peer)
        if peer == self._peer:
            self.verified_badge.setVisible(verified)

    def connect_bridge(self, bridge: EventBridge) -> None:
        """Follows the engine's changes to shown messages (edits, deletes, reactions,
        transfers). Connecting the same bridge again does nothing."""
        if self._bridge is bridge:
            return
        self._bridge = bridge
        bridge.messageChanged.connect(self.on_message_changed)
        bridge.messagesRemoved.connect(self.on_messages_removed)
        bridge.transferProgress.connect(self.on_transfer_progress)
        bridge.transferFinished.connect(self.on_transfer_finished)
        bridge.resumedElsewhere.connect(self.on_resumed_elsewhere)

    # ---- engine events ----------------------------------------------------------------------

    def on_message_received(self, peer: str, message_id: str, _kind: str = "") -> None:
        """Adds a new incoming message if it belongs here."""
        if peer == self._peer:
            self._typing = False
            self._show_presence()
            spawn(self._add(peer, message_id), "show received message")

    async def _add(self, peer: str, message_id: str) -> None:
        if not await self.model.add_message(peer, message_id) and self.model.has_newer:
            self.view.notify_new_message_elsewhere()

    def on_connection_changed(self, state: str) -> None:
        """Asks for the peer's presence again once the link is (back) up.

        While the link is down the relay cannot tell us when the peer leaves, so the last
        known presence is no longer shown (it would say "online" forever).
        """
        if state == "connected" and self._peer is not None:
            spawn(self._client.subscribe_presence([self._peer]), "subscribe presence")
        elif state in ("disconnected", "unlinked"):
            self._presence = ""
            self._show_presence()

    def on_message_changed(self, peer: str, message_id: str, _change: str = "") -> None:
        """Shows the new state of an edited, deleted or reacted-to message."""
        if peer == self._peer:
            spawn(self.model.refresh_message(peer, message_id), "refresh changed message")

    def on_messages_removed(self, peer: str, message_ids: Sequence[str]) -> None:
        """Takes messages deleted on this device away (none listed: the whole conversation)."""
        if peer != self._peer:
            return
        if message_ids:
            self.model.remove_messages(peer, message_ids)
        else:
            spawn(self.model.open_conversation(peer), "reload emptied conversation")
        self.conversationsChanged.emit()

    def on_transfer_progress(
        self, peer: str, message_id: str, _direction: str, done: int, total: int
    ) -> None:
        """Moves the progress bar of an upload or download."""
        if peer == self._peer:
            self.model.set_progress(message_id, int(done), int(total))

    def on_transfer_finished(
        self, peer: str, message_id: str, _direction: str, _ok: bool, _cancelled: bool
    ) -> None:
        """Removes the progress bar and shows the transfer's outcome."""
        if peer == self._peer:
            self.model.clear_progress(message_id)
            spawn(self.model.refresh_message(peer, message_id), "refresh transferred message")

    def on_status_changed(self, peer: str, message_id: str, status: str) -> None:
        """Updates a status mark."""
        self.model.set_status(peer, message_id, status)

    def on_messages_expired(self, peer: str, message_ids: list[str]) -> None:
        """Removes disappeared messages."""
        self.model.remove_messages(peer, message_ids)

    def on_typing_changed(self, peer: str, typing: bool) -> None:
        """Shows "typing…" under the peer's name."""
        if peer == self._peer:
            self._typing = typing
            self._show_presence()

    def on_presence_changed(self, peer: str, online: bool, last_seen: int | None) -> None:
        """Shows online / last seen under the peer's name."""
        if peer != self._peer:
            return
        if online:
            self._presence = self.tr("online")
        elif last_seen:
            stamp = QLocale().toString(
                QDateTime.fromMSecsSinceEpoch(last_seen), QLocale.FormatType.ShortFormat
            )
            self._presence = self.tr("last seen %1").replace("%1", stamp)
        else:
            self._presence = self.tr("offline")
        self._show_presence()

    def on_identity_key_changed(self, peer: str, sending_paused: bool) -> None:
        """Shows the key-change banner (with "Accept new key" and what waits for it when
        sending is paused)."""
        if peer != self._peer:
            return
        self.verified_badge.hide()  # a new key is never verified (the engine cleared it)
        self.banner.show_change(peer, sending_paused)
        if sending_paused:
            spawn(self._show_waiting(peer), "messages waiting")

    def on_messages_waiting(self, peer: str, count: int) -> None:
        """Names how many messages go to ``peer`` once the user accepts the new key."""
        if peer == self._peer:
            self.banner.set_waiting(count)

    async def _show_waiting(self, peer: str) -> None:
        count = await self._client.messages_waiting(peer)
        if peer == self._peer:
            self.banner.set_waiting(count)

    def on_resumed_elsewhere(self, peer: str) -> None:
        """The user accepted ``peer``'s new key on another device: the banner goes here too."""
        if peer == self._peer:
            self.banner.hide()

    def on_timer_changed(self, peer: str, seconds: int) -> None:
        """Reflects a timer change (ours or the peer's)."""
        if peer == self._peer:
            self._select_timer(seconds)

    def on_attachment_stored(self, peer: str, message_id: str, ok: bool) -> None:
        """Once a download is stored, shows the image in place of its placeholder."""
        if peer == self._peer:
            spawn(self._refresh_downloaded(peer, message_id), "refresh download")

    def on_message_recovered(self, peer: str, message_id: str) -> None:
        """Shows the readable message in place of its "could not be decrypted" notice."""
        if peer == self._peer:
            spawn(self.model.refresh_message(peer, message_id), "refresh recovered message")

    async def _refresh_downloaded(self, peer: str, message_id: str) -> None:
        await self.model.refresh_message(peer, message_id)
        self.view.check_images()

    # ---- user actions ------------------------------------------------------------------------

    def _send_text(self, text: str, reply_to: str = "") -> None:
        if self._peer is not None:
            spawn(self._send(self._peer, text, reply_to or None), "send text", self._show_error)

    async def _send(self, peer: str, text: str, reply_to: str | None) -> None:
        message_id = await self._client.send_text(peer, text, reply_to=reply_to)
        await self.model.add_message(peer, message_id)
        self.view.scroll_to_newest()
        self.conversationsChanged.emit()

    # ---- reply, edit, delete, react, details --------------------------------------------------

    def _shown(self, message_id: str) -> Message | None:
        row = self.model.row_of(message_id)
        return None if row is None else self.model.message_at(row)

    def start_reply(self, message_id: str) -> None:
        """Sets the composer up to answer ``message_id`` (a bar shows what is quoted)."""
        message = self._shown(message_id)
        if message is None:
            return
        outgoing = message.direction is Direction.OUTGOING
        author = self.tr("yourself") if outgoing else message.sender
        info = message.attachment
        excerpt = message.body or (
            (display_file_name(info.file_name) or self.tr("Attachment")) if info else ""
        )
        self.composer.start_reply(message_id, author, excerpt)

    def start_edit(self, message_id: str) -> None:
        """Puts the text of our message ``message_id`` in the composer for editing."""
        message = self._shown(message_id)
        if message is not None and message.body is not None:
            self.composer.start_edit(message_id, message.body)

    def _submit_edit(self, message_id: str, text: str) -> None:
        if self._peer is not None:
            spawn(self._edit(self._peer, message_id, text), "edit message", self._show_error)

    async def _edit(self, peer: str, message_id: str, text: str) -> None:
        await self._client.edit_message(peer, message_id, text)
        await self.model.refresh_message(peer, message_id)

    def delete_message(self, message_id: str, for_everyone: bool) -> None:
        """Asks, then deletes ``message_id`` for everyone or from this device only."""
        if self._peer is not None:
            spawn(
                self._delete(self._peer, message_id, for_everyone),
                "delete message",
                self._show_error,
            )

    async def _delete(self, peer: str, message_id: str, for_everyone: bool) -> None:
        if for_everyone:
            title = self.tr("Delete for everyone")
            text = self.tr(
                "Delete this message for everyone? %1 will see that a message was deleted."
            ).replace("%1", peer)
        else:
            title = self.tr("Delete for me")
            text = self.tr("Delete this message from this device? %1 still has it.").replace(
                "%1", peer
            )
        answer = await ask(self, title, text)
        if answer != StandardButton.Yes:
            return
        if for_everyone:
            await self._client.delete_for_everyone(peer, message_id)
            await self.model.refresh_message(peer, message_id)
        else:
            await self._client.delete_for_me(peer, [message_id])
            self.model.remove_messages(peer, [message_id])
        if self.composer.editing == message_id or self.composer.reply_to == message_id:
            self.composer.cancel_context()
        self.conversationsChanged.emit()

    def _our_reaction(self, message: Message) -> str | None:
        return next(
            (r.emoji for r in message.reactions if r.reactor == self._client.username), None
        )

    def show_reaction_picker(self, message_id: str, global_pos: QPoint) -> None:
        """Opens the reaction popup at ``global_pos`` for ``message_id``."""
        message = self._shown(message_id)
        if message is None or self._peer is None:
            return
        peer = self._peer
        picker = ReactionPicker(self._our_reaction(message), self)
        picker.chosen.connect(
            lambda emoji: spawn(self._react(peer, message_id, emoji), "react", self._show_error)
        )
        picker.popup_at(global_pos)
        self.reaction_picker = picker

    def toggle_reaction(self, message_id: str, emoji: str) -> None:
        """A click on a reaction chip: make ``emoji`` ours, or remove ours if it is that one."""
        message = self._shown(message_id)
        if message is None or self._peer is None:
            return
        wanted = None if self._our_reaction(message) == emoji else emoji
        spawn(self._react(self._peer, message_id, wanted), "react", self._show_error)

    async def _react(self, peer: str, message_id: str, emoji: str | None) -> None:
        await self._client.react(peer, message_id, emoji)
        await self.model.refresh_message(peer, message_id)

    def show_details(self, message_id: str) -> None:
        """Opens the details dialog (times, earlier versions) of ``message_id``."""
        if self._peer is not None:
            spawn(self._details(self._peer, message_id), "message details", self._show_error)

    async def _details(self, peer: str, message_id: str) -> None:
        message = await self._client.message(peer, message_id)
        if message is None:
            return
        details = await self._client.message_details(peer, message_id)
        history: list[tuple[int, str]] = []
        if message.edited_at is not None:
            history = await self._client.edit_history(peer, message_id)
        dialog = MessageDetailsDialog(message, details, history, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.details_dialog = dialog

    # ---- files out: open, save, cancel, view ------------------------------------------------

    def open_attachment(self, message_id: str) -> None:
        """Opens the attachment in the desktop's application for its type."""
        if self._peer is not None:
            spawn(self._open_attachment(self._peer, message_id), "open file", self._show_error)

    async def _open_attachment(self, peer: str, message_id: str) -> None:
        try:  # the engine judges by name and magic bytes, the desktop's MIME database too
            path = await self._client.attachment_path_for_opening(peer, message_id)
            await asyncio.to_thread(refuse_programs, path)
        except UnsafeToOpen:
            save = functools.partial(self.save_attachment, message_id)
            self.unsafe_notice = show_unsafe_file_notice(self, save)
            return
        if not self.url_opener(QUrl.fromLocalFile(str(path))):
            show_notice(
                self,
                self.tr("Open"),
                self.tr("No application could open this file. Save it and open it from there."),
            )

    def save_attachment(self, message_id: str) -> None:
        """Asks where to save the attachment (without blocking), then writes it there."""
        message = self._shown(message_id)
        if message is None or message.attachment is None or self._peer is None:
            return
        peer = self._peer
        self.save_chooser = choose_save_path(
            self,
            self.tr("Save as"),
            safe_file_name(message.attachment.file_name),
            lambda path: self._save_to(peer, message_id, path),
        )

    def _save_to(self, peer: str, message_id: str, path: Path) -> None:
        spawn(self._client.save_attachment(peer, message_id, path), "save file", self._show_error)

    def cancel_transfer(self, message_id: str) -> None:
        """Stops the upload or download of ``message_id``."""
        if self._peer is not None:
            spawn(
                self._client.cancel_transfer(self._peer, message_id),
                "cancel transfer",
                self._show_error,
            )

    def show_image(self, message_id: str) -> None:
        """Opens the image of ``message_id`` at full size in a window of its own."""
        message = self._shown(message_id)
        if message is None or message.attachment is None or self._peer is None:
            return
        viewer = ImageViewer(display_file_name(message.attachment.file_name), self)
        viewer.saveRequested.connect(lambda: self.save_attachment(message_id))
        viewer.show()
        self.image_viewer = viewer
        spawn(self._load_full_image(self._peer, message_id, viewer), "view image", self._show_error)

    async def _load_full_image(self, peer: str, message_id: str, viewer: ImageViewer) -> None:
        data = await self._client.read_attachment(peer, message_id)
        image = await asyncio.to_thread(decode_full, data)
        with contextlib.suppress(RuntimeError):  # the viewer was closed meanwhile
            viewer.set_image(image)

    # ---- files in: attach, drop, paste ------------------------------------------------------

    def offer_files(self, paths: Sequence[Path]) -> None:
        """Shows the preview dialog for ``paths``; Send sends each as its own message."""
        if self._peer is not None and paths:
            spawn(self._offer(self._peer, list(paths), []), "send files", self._show_error)

    def offer_image(self, image: QImage) -> None:
        """Saves a pasted image as a PNG in the profile's private folder, then offers it."""
        if self._peer is not None and not image.isNull():
            spawn(self._offer_image(self._peer, image), "send pasted image", self._show_error)

    async def _offer_image(self, peer: str, image: QImage) -> None:
        folder = self._client.store.paths.root / PASTE_FOLDER
        path = await asyncio.to_thread(write_png, image, folder)
        await self._offer(peer, [path], [path])

    async def _offer(self, peer: str, paths: list[Path], temporary: list[Path]) -> None:
        try:
            dialog = AttachmentPreviewDialog(paths, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.open()
            self.preview_dialog = dialog
            result = await finished(dialog)
            files, caption = dialog.files_to_send, dialog.caption_to_send
            if self.preview_dialog is dialog:
                self.preview_dialog = None
            if result != QDialog.DialogCode.Accepted or not files:
                return
            reply_to = self.composer.reply_to
            if reply_to is not None:
                self.composer.cancel_context()
            for number, path in enumerate(files):
                message_id = await self._client.send_file(
                    peer,
                    path,
                    caption=caption if number == 0 else "",
                    reply_to=reply_to if number == 0 else None,
                )
                await self.model.add_message(peer, message_id)
                self.view.scroll_to_newest()
                self.conversationsChanged.emit()
        finally:
            for path in temporary:
                await asyncio.to_thread(path.unlink, True)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        """Accepts dragged files and images while a conversation is open."""
        self._accept_drag(event)

    def _accept_drag(self, event: QDragMoveEvent) -> None:
        mime = event.mimeData()
        if self._peer is not None and (local_files(mime) or pasted_image(mime) is not None):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        """Keeps accepting over the whole pane."""
        self._accept_drag(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        """Offers the dropped files (or image) through the preview dialog."""
        mime = event.mimeData()
        files = local_files(mime)
        image = None if files else pasted_image(mime)
        if self._peer is None or (not files and image is None):
            event.ignore()
            return
        event.acceptProposedAction()
        if files:
            self.offer_files(files)
        elif image is not None:
            self.offer_image(image)

    def _send_typing(self, typing: bool) -> None:
        if self._peer is not None:
            spawn(self._client.set_typing(self._peer, typing), "typing")

    def _mark_read(self, message_id: str) -> None:
        if self._peer is not None:
            spawn(self._read(self._peer, message_id), "mark read")

    async def _read(self, peer: str, message_id: str) -> None:
        await self._client.mark_read(peer, message_id)
        self.conversationsChanged.emit()

    def _retry(self, message_id: str) -> None:
        if self._peer is not None:
            spawn(self._retry_message(self._peer, message_id), "retry", self._show_error)

    async def _retry_message(self, peer: str, message_id: str) -> None:
        if await self._client.retry(peer, message_id):
            self.model.set_status(peer, message_id, MessageStatus.PENDING.value)

    def _on_message_clicked(self, index: QModelIndex) -> None:
        row = index.row()
        if self._peer is None or not 0 <= row < self.model.rowCount():
            return
        message = self.model.message_at(row)
        info = message.attachment
        if info is not None and info.blob_id and info.local_status not in ("done", "downloading"):
            spawn(self._download(self._peer, message.id), "download", self._show_error)

    async def _download(self, peer: str, message_id: str) -> None:
        await self._client.download_attachment(peer, message_id)
        await self.model.refresh_message(peer, message_id)
        self.view.check_images()

    def _load_image(self, message_id: str) -> None:
        if self._peer is None or message_id in self._loading_images:
            return
        self._loading_images.add(message_id)
        future = spawn(self._decode_image(self._peer, message_id), "show image")
        future.add_done_callback(lambda _done: self._loading_images.discard(message_id))

    async def _decode_image(self, peer: str, message_id: str) -> None:
        row = self.model.row_of(message_id)
        if row is None:
            return
        message: Message = self.model.message_at(row)
        info = message.attachment
        if info is None or not info.width or not info.height:
            return
        width = self.view.viewport().width()
        bubble_max = int(min(MAX_BUBBLE_WIDTH, (width - 2 * ROW_MARGIN_H) * BUBBLE_WIDTH_SHARE))
        box = image_box(info.width, info.height, bubble_max - 2 * BUBBLE_PAD_H)
        data = await self._client.read_attachment(peer, message_id)
        # Scaled twice the box for sharp drawing on high-density screens.
        image = await asyncio.to_thread(decode_scaled, data, box * 2)
        if not image.isNull() and peer == self._peer:
            self.model.set_image(message_id, image)

    def show_safety_number(self) -> None:
        """Opens the safety-number dialog for the open conversation."""
        if self._peer is not None:
            spawn(self._show_safety_number(self._peer), "safety number", self._show_error)

    async def _show_safety_number(self, peer: str) -> None:
        try:
            formatted = await self._client.safety_number(peer)
        except UnknownPeer:
            self.safety_notice = show_notice(
                self,
                self.tr("Safety number"),
                self.tr("There is no safety number with %1 yet: exchange a message first.").replace(
                    "%1", peer
                ),
                QMessageBox.Icon.Information,
            )
            return
        verified = await self._client.is_verified(peer)
        dialog = SafetyNumberDialog(peer, formatted, verified, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.verifiedChanged.connect(
            lambda state: spawn(self._mark_verified(peer, state), "mark verified")
        )
        dialog.open()
        self.safety_dialog = dialog

    async def _mark_verified(self, peer: str, verified: bool) -> None:
        await self._client.mark_verified(peer, verified)
        await self.refresh_verified()
        self.verifiedChanged.emit(peer)  # the conversation list shows the mark too

    def close_conversation(self) -> None:
        """Shows no conversation any more (it was deleted): forgets the peer and its rows."""
        self._peer = None
        self.model.clear()

    def _accept_key(self) -> None:
        if self._peer is not None:
            spawn(self._accept(self._peer), "accept identity", self._show_error)

    async def _accept(self, peer: str) -> None:
        """Compares the new safety number first; only "Accept new key" resumes sending."""
        accepted = await compare_then_accept(self, self._client, peer, self._keep_safety_dialog)
        if accepted and peer == self._peer:
            self.banner.hide()

    def _keep_safety_dialog(self, dialog: SafetyNumberDialog) -> None:
        self.safety_dialog = dialog

    def _timer_chosen(self, index: int) -> None:
        seconds = int(self.timer_box.itemData(index))
        if self._peer is not None:
            spawn(self._set_timer(self._peer, seconds), "set timer", self._show_error)

    async def _set_timer(self, peer: str, seconds: int) -> None:
        """Sets the timer (asking for a custom one first) and shows our note at once; the
        value it already has changes nothing (the engine sends nothing either)."""
        if seconds == CUSTOM_TIMER:
            chosen = await ask_custom_timer(self, self._timer_seconds, self._keep_timer_dialog)
            if chosen is None or peer != self._peer:
                self._select_timer(self._timer_seconds)  # cancelled: the menu as it was
                return
            seconds = chosen
        try:
            note_id = await self._client.set_disappearing_timer(peer, seconds)
        except BaseException:
            self._select_timer(self._timer_seconds)
            raise
        if peer != self._peer:
            return
        self._select_timer(seconds)
        if note_id is not None:
            await self.model.add_message(peer, note_id)
            self.view.scroll_to_newest()
            self.conversationsChanged.emit()

    def _keep_timer_dialog(self, dialog: CustomTimerDialog) -> None:
        self.timer_dialog = dialog

    # ---- helpers ---------------------------------------------------------------------------------

    def _select_timer(self, seconds: int) -> None:
        self._timer_seconds = seconds
        index = self.timer_box.findData(seconds)
        if index < 0:  # a value the menu lacks: listed above "Custom…"
            index = self.timer_box.findData(CUSTOM_TIMER)
            self.timer_box.insertItem(index, icon("timer"), self.timer_label(seconds), seconds)
        self.timer_box.setCurrentIndex(index)

    def timer_label(self, seconds: int) -> str:
        """A timer the menu does not offer, in its largest whole unit ("2 days")."""
        return duration_text(seconds)

    def _show_presence(self) -> None:
        self.presence_label.setText(self.tr("typing…") if self._typing else self._presence)

    def _show_error(self, error: BaseException) -> None:
        show_error(self, error, self.tr("Could not do that"))
