"""``ConversationView``: the right pane (header, key-change banner, messages, composer)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QBuffer,
    QByteArray,
    QDateTime,
    QIODevice,
    QLocale,
    QModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QImage, QImageReader
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.accessibility import mark_as_data, name_controls
from chat_desktop.gui.composer import Composer
from chat_desktop.gui.icons import icon
from chat_desktop.gui.message_delegate import (
    BUBBLE_PAD_H,
    BUBBLE_WIDTH_SHARE,
    MAX_BUBBLE_WIDTH,
    ROW_MARGIN_H,
    image_box,
)
from chat_desktop.gui.message_model import MessageWindowModel
from chat_desktop.gui.message_view import MessageListView
from chat_desktop.gui.notices import show_error, show_notice
from chat_desktop.gui.safety_number import SafetyNumberDialog
from chat_desktop.gui.tasks import spawn
from chat_desktop.services.client import ChatClient, UnknownPeer
from chat_desktop.storage.models import Message, MessageStatus

logger = logging.getLogger(__name__)

#: The disappearing-timer choices offered (label, seconds).
TIMER_CHOICES = (
    (str(QT_TRANSLATE_NOOP("ConversationView", "Off")), 0),
    (str(QT_TRANSLATE_NOOP("ConversationView", "30 seconds")), 30),
    (str(QT_TRANSLATE_NOOP("ConversationView", "5 minutes")), 300),
    (str(QT_TRANSLATE_NOOP("ConversationView", "1 hour")), 3_600),
    (str(QT_TRANSLATE_NOOP("ConversationView", "1 day")), 86_400),
)
#: Qt refuses to allocate more than this (MiB) for one decoded image: a 4096² RGBA is 64 MiB.
IMAGE_ALLOCATION_LIMIT_MB = 128


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

    Signals:
        conversationsChanged(): Unread counts or order may have changed (refresh the list).
    """

    conversationsChanged = Signal()  # noqa: N815

    def __init__(self, client: ChatClient, parent: QWidget | None = None) -> None:
        """Builds the pane for ``client`` (no conversation open yet)."""
        super().__init__(parent)
        self.setObjectName("conversationView")
        self._client = client
        self._peer: str | None = None
        self._loading_images: set[str] = set()
        self.model = MessageWindowModel(client)
        self.view = MessageListView(self.model, self)
        self.composer = Composer(self)

        self.peer_label = QLabel()
        self.peer_label.setObjectName("peerName")
        mark_as_data(self.peer_label)
        self.presence_label = QLabel()
        self.presence_label.setObjectName("presenceLabel")
        self.timer_box = QComboBox()
        self.timer_box.setObjectName("timerBox")
        self.timer_box.setToolTip(self.tr("Disappearing messages"))
        for label, seconds in TIMER_CHOICES:
            self.timer_box.addItem(icon("timer"), self.tr(label), seconds)
        self.safety_button = QPushButton(self.tr("Safety number"))
        self.safety_button.setObjectName("safetyButton")
        self.safety_button.setIcon(icon("verified"))
        header = QFrame()
        header.setObjectName("conversationHeader")
        header_layout = QHBoxLayout(header)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.peer_label)
        names.addWidget(self.presence_label)
        header_layout.addLayout(names, 1)
        header_layout.addWidget(self.timer_box)
        header_layout.addWidget(self.safety_button)

        self.banner = QFrame()
        self.banner.setObjectName("keyChangeBanner")
        self.banner_icon = QLabel()
        self.banner_icon.setObjectName("keyChangeIcon")
        self.banner_label = QLabel()
        self.banner_label.setWordWrap(True)
        self.accept_key_button = QPushButton(self.tr("Accept new key"))
        self.accept_key_button.setObjectName("acceptKeyButton")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.addWidget(self.banner_icon)
        banner_layout.addWidget(self.banner_label, 1)
        banner_layout.addWidget(self.accept_key_button)
        self.banner.hide()

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
        self.composer.attachRequested.connect(self._send_file)
        self.composer.typingChanged.connect(self._send_typing)
        self.view.readUpTo.connect(self._mark_read)
        self.view.retryRequested.connect(self._retry)
        self.view.imageWanted.connect(self._load_image)
        self.view.clicked.connect(self._on_message_clicked)
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
        self._show_presence()
        self.banner.hide()
        self._select_timer(timer_seconds)
        self.composer.edit.clear()
        await self.model.open_conversation(peer)
        self.composer.edit.setFocus()
        spawn(self._client.subscribe_presence([peer]), "subscribe presence")

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
        """Asks for the peer's presence again once the link is (back) up."""
        if state == "connected" and self._peer is not None:
            spawn(self._client.subscribe_presence([self._peer]), "subscribe presence")

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
        """Shows the key-change banner (with "Accept new key" when sending is paused)."""
        if peer != self._peer:
            return
        if sending_paused:
            self.banner_label.setText(
                self.tr(
                    "%1's safety number changed. Sending is paused until you accept the new "
                    "key; compare the safety number first if you can."
                ).replace("%1", peer)
            )
        else:
            self.banner_label.setText(
                self.tr("%1's safety number changed (a new device or a reinstall).").replace(
                    "%1", peer
                )
            )
        size = self.banner_label.fontMetrics().height()
        self.banner_icon.setPixmap(icon("warning" if sending_paused else "info").pixmap(size, size))
        self.accept_key_button.setVisible(sending_paused)
        self.banner.show()

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

    def _send_text(self, text: str) -> None:
        if self._peer is not None:
            spawn(self._send(self._peer, text), "send text", self._show_error)

    async def _send(self, peer: str, text: str) -> None:
        message_id = await self._client.send_text(peer, text)
        await self.model.add_message(peer, message_id)
        self.view.scroll_to_newest()
        self.conversationsChanged.emit()

    def _send_file(self, path: Path) -> None:
        if self._peer is not None:
            spawn(self._send_attachment(self._peer, path), "send file", self._show_error)

    async def _send_attachment(self, peer: str, path: Path) -> None:
        message_id = await self._client.send_file(peer, path)
        await self.model.add_message(peer, message_id)
        self.view.scroll_to_newest()
        self.conversationsChanged.emit()

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
            lambda state: spawn(self._client.mark_verified(peer, state), "mark verified")
        )
        dialog.open()
        self.safety_dialog = dialog

    def _accept_key(self) -> None:
        if self._peer is not None:
            spawn(self._accept(self._peer), "accept identity", self._show_error)

    async def _accept(self, peer: str) -> None:
        await self._client.accept_identity(peer)
        self.banner.hide()

    def _timer_chosen(self, index: int) -> None:
        seconds = int(self.timer_box.itemData(index))
        if self._peer is not None:
            spawn(
                self._client.set_disappearing_timer(self._peer, seconds),
                "set timer",
                self._show_error,
            )

    # ---- helpers ---------------------------------------------------------------------------------

    def _select_timer(self, seconds: int) -> None:
        index = self.timer_box.findData(seconds)
        if index < 0:
            self.timer_box.addItem(
                icon("timer"), self.tr("%1 s").replace("%1", str(seconds)), seconds
            )
            index = self.timer_box.count() - 1
        self.timer_box.setCurrentIndex(index)

    def _show_presence(self) -> None:
        self.presence_label.setText(self.tr("typing…") if self._typing else self._presence)

    def _show_error(self, error: BaseException) -> None:
        show_error(self, error, self.tr("Could not do that"))
