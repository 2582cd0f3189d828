"""Profile pictures on screen: decoded once, cut round, kept per contact.

:class:`AvatarImages` holds one round pixmap per account whose profile has a picture
(``client.profile.of``), read when a conversation is listed and again when the engine says
the profile changed (``ProfileChanged``, :attr:`EventBridge.profileChanged`). The list's
delegate and the conversation header draw these pixmaps scaled to their own size; a contact
without a picture keeps the coloured circle with initials.

Decoding goes through ``QImage.loadFromData`` with the format named (JPEG or PNG only): the
engine already checked the bytes (at most 512 × 512 pixels, see
:mod:`chat_desktop.services.profile_images`), so this never meets an unbounded image.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPixmap

if TYPE_CHECKING:
    from chat_desktop.services.client import ChatClient

#: The side of the cached round pixmaps, in pixels (drawn smaller, smoothly scaled).
AVATAR_PIXELS: Final = 128


def round_avatar(data: bytes | None, side: int = AVATAR_PIXELS) -> QPixmap | None:
    """The picture ``data`` (JPEG or PNG) cut to a circle ``side`` pixels wide, or None."""
    if not data:
        return None
    image = QImage()
    image_format = "PNG" if data.startswith(b"\x89PNG") else "JPG"
    if not image.loadFromData(data, image_format):
        return None
    scaled = image.scaled(
        side,
        side,
        Qt.AspectRatioMode.KeepAspectRatioByExpanding,
        Qt.TransformationMode.SmoothTransformation,
    )
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    path = QPainterPath()
    path.addEllipse(QRectF(0, 0, side, side))
    painter.setClipPath(path)
    painter.drawImage((side - scaled.width()) // 2, (side - scaled.height()) // 2, scaled)
    painter.end()
    return pixmap


class AvatarImages(QObject):
    """The round profile pictures of the accounts shown, read from ``client.profile``.

    Signals:
        changed(str): ``peer``'s picture (or its absence) was read anew.
    """

    changed = Signal(str)

    def __init__(self, client: ChatClient, parent: QObject | None = None) -> None:
        """Empty; :meth:`ensure` reads the pictures of the peers it is given."""
        super().__init__(parent)
        self._client = client
        self._pixmaps: dict[str, QPixmap | None] = {}

    def pixmap(self, peer: str) -> QPixmap | None:
        """``peer``'s round picture, if it has one and it was read."""
        return self._pixmaps.get(peer)

    async def ensure(self, peers: Iterable[str]) -> None:
        """Reads the pictures of ``peers`` not read yet (contacts and groups)."""
        for peer in peers:
            if peer not in self._pixmaps:
                await self.reload(peer)

    async def reload(self, peer: str) -> None:
        """Reads ``peer``'s picture again (its profile, or the group, changed) and tells
        :attr:`changed`. A group's picture is the one its state names (``client.groups``
        fetches it the first time)."""
        if peer.startswith("g:"):
            data = await self._client.groups.avatar(peer)
        else:
            data = (await self._client.profile.of(peer)).avatar
        pixmap = round_avatar(data)
        if peer in self._pixmaps and _same(self._pixmaps[peer], pixmap):
            return
        self._pixmaps[peer] = pixmap
        self.changed.emit(peer)


def _same(old: QPixmap | None, new: QPixmap | None) -> bool:
    """Whether two round pictures are the same picture (both none, or the same pixels)."""
    if old is None or new is None:
        return old is new
    return old.toImage() == new.toImage()
