"""``ConversationFiles``: the file half of the conversation pane.

Files go out (open, save as, cancel a transfer, view an image at full size), come in (attach
button, drop on the pane, paste; each through the preview dialog) and are shown in their
bubbles (a click downloads; images are decrypted and decoded to the bubble's box off the GUI
thread and off the store's thread, once: the model keeps them in a byte-budgeted cache; the
images of rows about a screen ahead are decoded before they scroll into view, a few at once).
:class:`~chat_desktop.gui.conversation.conversation_view.ConversationView` is built on it and
supplies the engine, the open peer, the message model, list and composer; the strings keep
the pane's translation context ("ConversationView").
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from chat_desktop.gui.common.notices import finished, show_error, show_notice
from chat_desktop.gui.common.save_dialog import choose_save_path
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.conversation.attachment_preview import AttachmentPreviewDialog
from chat_desktop.gui.conversation.composer import Composer, local_files, pasted_image
from chat_desktop.gui.conversation.file_actions import file_actions
from chat_desktop.gui.conversation.file_opening import refuse_programs, show_unsafe_file_notice
from chat_desktop.gui.conversation.image_files import (
    IMAGE_JOBS_AT_ONCE,
    decode_scaled,
    decoding_threads,
    write_png,
)
from chat_desktop.gui.conversation.image_queue import ImageJob, ImageQueue
from chat_desktop.gui.conversation.image_viewer import ImageViewer, decode_full
from chat_desktop.gui.conversation.message_delegate import (
    BUBBLE_PAD_H,
    BUBBLE_WIDTH_SHARE,
    MAX_BUBBLE_WIDTH,
    ROW_MARGIN_H,
    image_box,
)
from chat_desktop.gui.conversation.message_layout import decode_size
from chat_desktop.gui.conversation.message_model import MessageWindowModel
from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.services.client import ChatClient
from chat_desktop.services.file_types import UnsafeToOpen, display_file_name, safe_file_name
from chat_desktop.services.leftovers import PASTE_FOLDER
from chat_desktop.services.types import Message

UrlOpener = Callable[[QUrl], bool]


class ConversationFiles(QWidget):
    """The conversation pane's files: out, in, and shown in their bubbles.

    "Open" hands a decrypted copy to :attr:`url_opener` (the desktop's default application),
    unless the file could run a program: then a notice offers "Save as…"
    (:mod:`chat_desktop.gui.conversation.file_opening`). Files dropped on the pane or pasted
    in the composer go through
    :class:`~chat_desktop.gui.conversation.attachment_preview.AttachmentPreviewDialog` before
    they are sent.
    """

    #: Supplied by the pane built on this class.
    conversationsChanged: ClassVar[Signal]  # noqa: N815
    _client: ChatClient
    _peer: str | None
    model: MessageWindowModel
    view: MessageListView
    composer: Composer

    def __init__(self, parent: QWidget | None = None) -> None:
        """Accepts drops; no file dialog or viewer is open yet."""
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._loading_images: set[str] = set()
        #: Decrypt-and-decode jobs, a few at a time, rows on screen first.
        self._images = ImageQueue(limit=IMAGE_JOBS_AT_ONCE)
        #: Opens a file in the desktop's application for its type.
        self.url_opener: UrlOpener = QDesktopServices.openUrl
        #: The last dialog or window opened for a file (tests and the walk look at it).
        self.preview_dialog: AttachmentPreviewDialog | None = None
        self.image_viewer: ImageViewer | None = None
        self.save_chooser: QDialog | None = None
        self.unsafe_notice: QMessageBox | None = None

    # ---- files out: open, save, cancel, view ------------------------------------------------

    def open_attachment(self, message_id: str) -> None:
        """Opens the attachment in the desktop's application for its type."""
        if self._peer is not None:
            spawn(self._open_attachment(self._peer, message_id), "open file", self._show_error)

    async def _open_attachment(self, peer: str, message_id: str) -> None:
        try:  # the engine judges by name and magic bytes, the desktop's MIME database too
            path = await file_actions(self._client, peer).path_for_opening(peer, message_id)
            await asyncio.to_thread(refuse_programs, path)
        except UnsafeToOpen:
            save = functools.partial(self.save_attachment, message_id)
            self.unsafe_notice = show_unsafe_file_notice(self, save)
            return
        if not self.url_opener(QUrl.fromLocalFile(str(path))):
            show_notice(
                self,
                QCoreApplication.translate("ConversationView", "Open"),
                QCoreApplication.translate(
                    "ConversationView",
                    "No application could open this file. Save it and open it from there.",
                ),
            )

    def save_attachment(self, message_id: str) -> None:
        """Asks where to save the attachment (without blocking), then writes it there."""
        message = self._shown(message_id)
        if message is None or message.attachment is None or self._peer is None:
            return
        peer = self._peer
        self.save_chooser = choose_save_path(
            self,
            QCoreApplication.translate("ConversationView", "Save as"),
            safe_file_name(message.attachment.file_name),
            lambda path: self._save_to(peer, message_id, path),
        )

    def _save_to(self, peer: str, message_id: str, path: Path) -> None:
        spawn(
            file_actions(self._client, peer).save(peer, message_id, path),
            "save file",
            self._show_error,
        )

    def cancel_transfer(self, message_id: str) -> None:
        """Stops the upload or download of ``message_id``."""
        if self._peer is not None:
            spawn(
                file_actions(self._client, self._peer).cancel(self._peer, message_id),
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
        data = await file_actions(self._client, peer).read(peer, message_id)
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
                message_id = await file_actions(self._client, peer).send_file(
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

    # ---- files in their bubbles: download on click, decode images ----------------------------

    def _on_message_clicked(self, index: QModelIndex) -> None:
        row = index.row()
        if self._peer is None or not 0 <= row < self.model.rowCount():
            return
        message = self.model.message_at(row)
        info = message.attachment
        if info is not None and info.blob_id and info.local_status not in ("done", "downloading"):
            spawn(self._download(self._peer, message.id), "download", self._show_error)

    async def _download(self, peer: str, message_id: str) -> None:
        await file_actions(self._client, peer).download(peer, message_id)
        await self.model.refresh_message(peer, message_id)
        self.view.check_images()

    def _load_image(self, message_id: str) -> None:
        """Decodes the image of a row on screen (the spawned wait ends when it is drawn), or,
        for a row ahead of the viewport, queues it to be decoded in the background."""
        if self._peer is None or message_id in self._loading_images:
            return
        row = self.model.row_of(message_id)
        if row is None:
            return
        peer = self._peer
        job = functools.partial(self._decode_image, peer, message_id)
        if row not in self.view.visible_rows():
            self._images.want(message_id, job, urgent=False)
            return
        self._loading_images.add(message_id)
        future = spawn(self._show_image(message_id, job), "show image")
        future.add_done_callback(lambda _done: self._loading_images.discard(message_id))

    async def _show_image(self, message_id: str, job: ImageJob) -> None:
        # Shielded: the job may be shared with a decode ahead, which a cancelled wait must
        # not cancel.
        await asyncio.shield(self._images.want(message_id, job, urgent=True))

    async def _decode_image(self, peer: str, message_id: str) -> None:
        row = self.model.row_of(message_id)
        if row is None or peer != self._peer:
            return  # the row left the window (or another conversation opened): nothing to do
        if row not in self.view.rows_wanting_images():
            return  # scrolled past before its turn came
        message: Message = self.model.message_at(row)
        info = message.attachment
        if info is None or not info.width or not info.height:
            return
        width = self.view.viewport().width()
        bubble_max = int(min(MAX_BUBBLE_WIDTH, (width - 2 * ROW_MARGIN_H) * BUBBLE_WIDTH_SHARE))
        box = image_box(info.width, info.height, bubble_max - 2 * BUBBLE_PAD_H)
        # The box in this screen's device pixels (sharp on a high-density screen, no larger
        # than needed on others: a JPEG then decodes at a fraction of its size).
        target = decode_size(info.width, info.height, box, self.view.devicePixelRatioF())
        cached = self.model.cached_image(message_id, target)
        if cached is not None:  # decoded before for this size: no decryption, no decoding
            self.model.set_image(message_id, cached)
            return
        # Decrypted in a worker thread (the store's thread only finds the file and its key),
        # decoded in a decoding thread: the GUI thread and the pages' store thread never
        # wait for it.
        data = await file_actions(self._client, peer).read(peer, message_id)
        image = await decoding_threads().run(decode_scaled, data, target)
        if not image.isNull() and peer == self._peer:
            self.model.set_image(message_id, image)

    # ---- helpers ---------------------------------------------------------------------------------

    def _shown(self, message_id: str) -> Message | None:
        row = self.model.row_of(message_id)
        return None if row is None else self.model.message_at(row)

    def _show_error(self, error: BaseException) -> None:
        show_error(self, error, QCoreApplication.translate("ConversationView", "Could not do that"))
