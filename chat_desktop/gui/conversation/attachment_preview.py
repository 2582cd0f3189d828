"""``AttachmentPreviewDialog``: what is about to be sent, with a caption, before it goes.

Every file the user attaches, pastes or drops passes through here: a thumbnail for images,
the name and size for other files, one caption, Send or Cancel. Files over the protocol's
limit are listed as refused and never sent. Several files become several messages; the
caption goes with the first one.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import msgspec
from PySide6.QtCore import QLocale, QSize, Qt
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import mark_as_data
from chat_desktop.gui.common.data_size import format_size
from chat_desktop.gui.common.icons import icon
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.common.theme import current_colors
from chat_desktop.protocol.message_content import MAX_TEXT_LENGTH
from chat_desktop.services.types import max_plaintext_size

#: The side of a thumbnail in the dialog (logical pixels).
THUMBNAIL_SIDE = 120
#: Qt refuses to decode an image needing more than this (MiB) for a thumbnail.
THUMBNAIL_ALLOCATION_LIMIT_MB = 256


class PreviewEntry(msgspec.Struct, frozen=True):
    """One file offered: its path, its size (None: unreadable) and whether it may be sent."""

    path: Path
    size: int | None
    sendable: bool


def decode_thumbnail(path: Path, side: int) -> QImage:
    """The image at ``path`` scaled to fit ``side`` × ``side`` (null if not an image).

    Runs in a worker thread; the reader refuses absurd dimensions instead of allocating them.
    """
    reader = QImageReader(str(path))
    reader.setAllocationLimit(THUMBNAIL_ALLOCATION_LIMIT_MB)
    reader.setAutoTransform(True)
    size = reader.size()
    if not size.isValid() or size.isEmpty():
        return QImage()
    reader.setScaledSize(size.scaled(QSize(side, side), Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


def file_size(path: Path) -> int | None:
    """The size of ``path`` in bytes, or None when it cannot be read as a file."""
    try:
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None


class AttachmentPreviewDialog(QDialog):
    """Shows the files about to be sent, takes a caption, and says Send or Cancel.

    Opened with ``open()`` (never ``exec``); after it finished with ``Accepted``,
    :attr:`files_to_send` and :attr:`caption_to_send` hold the user's decision (plain
    Python values, readable even once the dialog is gone).
    """

    def __init__(
        self, paths: list[Path], parent: QWidget | None = None, max_size: int | None = None
    ) -> None:
        """Builds the dialog for ``paths`` (sizes read now; thumbnails decoded in a thread)."""
        super().__init__(parent)
        self.setObjectName("attachmentPreviewDialog")
        self.setWindowTitle(
            self.tr("Send a file")
            if len(paths) == 1
            else self.tr("Send %1 files").replace("%1", QLocale().toString(len(paths)))
        )
        limit = max_plaintext_size() if max_size is None else max_size
        self.entries: list[PreviewEntry] = []
        for path in paths:
            size = file_size(path)
            self.entries.append(PreviewEntry(path, size, size is not None and size <= limit))
        self.files_to_send: list[Path] = []
        self.caption_to_send = ""
        self.thumbnails: dict[Path, QLabel] = {}

        grid_host = QWidget()
        grid_host.setObjectName("attachmentPreviewList")
        grid = QGridLayout(grid_host)
        grid.setColumnStretch(1, 1)
        colors = current_colors()
        for row, entry in enumerate(self.entries):
            picture = QLabel()
            picture.setObjectName("attachmentThumbnail")
            picture.setFixedSize(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            picture.setPixmap(icon("file").pixmap(THUMBNAIL_SIDE // 3, THUMBNAIL_SIDE // 3))
            self.thumbnails[entry.path] = picture
            name = QLabel(entry.path.name)
            name.setObjectName("attachmentName")
            name.setTextFormat(Qt.TextFormat.PlainText)
            name.setWordWrap(True)
            mark_as_data(name)
            grid.addWidget(picture, row, 0)
            texts = QVBoxLayout()
            texts.addWidget(name)
            if entry.size is None:
                note = QLabel(self.tr("This file cannot be read; it will not be sent."))
            elif not entry.sendable:
                note = QLabel(
                    self.tr("%1: too large to send (the limit is %2); it will not be sent.")
                    .replace("%1", format_size(entry.size))
                    .replace("%2", format_size(limit))
                )
            else:
                note = QLabel(format_size(entry.size))
                mark_as_data(note)
            note.setObjectName("attachmentSize" if entry.sendable else "attachmentRefused")
            note.setWordWrap(True)
            if not entry.sendable:
                note.setStyleSheet(f"color: {colors.danger};")
            texts.addWidget(note)
            grid.addLayout(texts, row, 1, Qt.AlignmentFlag.AlignVCenter)
        grid.setRowStretch(len(self.entries), 1)
        scroll = QScrollArea()
        scroll.setObjectName("attachmentPreviewScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(grid_host)
        scroll.setAccessibleName(self.tr("Files to send"))

        self.caption_edit = QLineEdit()
        self.caption_edit.setObjectName("captionEdit")
        self.caption_edit.setPlaceholderText(self.tr("Add a caption (optional)"))
        self.caption_edit.setAccessibleName(self.tr("Caption"))
        self.caption_edit.setAccessibleDescription(
            self.tr("Text sent with the first file; Enter sends")
        )
        self.caption_edit.setMaxLength(MAX_TEXT_LENGTH)

        buttons = QDialogButtonBox()
        self.send_button = buttons.addButton(
            self.tr("Send"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.send_button.setObjectName("previewSendButton")
        self.send_button.setAccessibleName(self.tr("Send"))
        self.send_button.setDefault(True)
        self.send_button.setEnabled(any(entry.sendable for entry in self.entries))
        self.cancel_button = buttons.addButton(
            self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.cancel_button.setObjectName("previewCancelButton")
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.caption_edit)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        self.resize(480, min(520, 200 + (THUMBNAIL_SIDE + 12) * len(self.entries)))
        self.setTabOrder(self.caption_edit, self.send_button)
        self.setTabOrder(self.send_button, self.cancel_button)
        self.caption_edit.setFocus()
        self._thumbnails_task = spawn(self._load_thumbnails(), "preview thumbnails")

    @property
    def refused(self) -> list[Path]:
        """Files that will not be sent (too large or unreadable)."""
        return [entry.path for entry in self.entries if not entry.sendable]

    def accept(self) -> None:
        """Records what to send, then closes."""
        if not any(entry.sendable for entry in self.entries):
            return
        self.files_to_send = [entry.path for entry in self.entries if entry.sendable]
        self.caption_to_send = self.caption_edit.text().strip()
        super().accept()

    def done(self, result: int) -> None:
        """Stops decoding thumbnails once the dialog closes."""
        self._thumbnails_task.cancel()
        super().done(result)

    async def _load_thumbnails(self) -> None:
        for entry in self.entries:
            if entry.size is None:
                continue
            image = await asyncio.to_thread(decode_thumbnail, entry.path, THUMBNAIL_SIDE)
            if image.isNull():
                continue
            with contextlib.suppress(RuntimeError):  # the dialog went away meanwhile
                self.thumbnails[entry.path].setPixmap(QPixmap.fromImage(image))
