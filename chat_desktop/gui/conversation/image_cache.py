"""``ImageCache``: the decoded images of a conversation's bubbles, within a byte budget.

An image is decrypted and decoded once, for the size it is drawn at. Scrolling away and back
(the message window trims rows far out of view and pages them in again) draws it from here
instead of decrypting and decoding it again. The least recently drawn images leave first once
the images held pass the budget, so a long history full of photos holds a bounded amount of
memory.
"""

from __future__ import annotations

import collections

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

#: Bytes of decoded pixels kept: about ten bubble images of the largest size (decoded at
#: twice the bubble's box for sharp drawing), many more of the usual ones: more than the rows
#: on screen and a screen above and below them (decoded ahead) hold.
IMAGE_CACHE_BYTES = 24 * 1024 * 1024


class ImageCache:
    """Decoded images by message id (each at the size it was decoded for), least recently
    used out past a byte budget.

    One image per message: decoding it again for another size (the window was resized)
    replaces it. The newest image stays even if it alone passes the budget, so a visible row
    is never left waiting for an image that cannot be kept.
    """

    def __init__(self, budget_bytes: int = IMAGE_CACHE_BYTES) -> None:
        """Creates an empty cache holding at most ``budget_bytes`` of pixels."""
        self._images: collections.OrderedDict[str, QImage] = collections.OrderedDict()
        self._budget = budget_bytes
        self._bytes = 0

    @property
    def budget_bytes(self) -> int:
        """The most bytes of pixels held."""
        return self._budget

    @budget_bytes.setter
    def budget_bytes(self, budget: int) -> None:
        self._budget = budget
        self._evict()

    @property
    def size_bytes(self) -> int:
        """The bytes of pixels held now (never more than the budget but for one image)."""
        return self._bytes

    def __len__(self) -> int:
        """How many images are held."""
        return len(self._images)

    def __contains__(self, message_id: object) -> bool:
        """Whether an image of ``message_id`` is held (at any size)."""
        return message_id in self._images

    def get(self, message_id: str, size: QSize | None = None) -> QImage | None:
        """The image of ``message_id`` (only if it has ``size``, when given), or None."""
        image = self._images.get(message_id)
        if image is None or (size is not None and image.size() != size):
            return None
        self._images.move_to_end(message_id)
        return image

    def put(self, message_id: str, image: QImage) -> None:
        """Keeps ``image`` as the image of ``message_id``; older ones leave past the budget."""
        self.discard(message_id)
        self._images[message_id] = image
        self._bytes += image.sizeInBytes()
        self._evict()

    def discard(self, message_id: str) -> None:
        """Forgets the image of ``message_id`` (its message expired or was deleted)."""
        image = self._images.pop(message_id, None)
        if image is not None:
            self._bytes -= image.sizeInBytes()

    def clear(self) -> None:
        """Forgets every image (the account locked, another conversation opened)."""
        self._images.clear()
        self._bytes = 0

    def _evict(self) -> None:
        while self._bytes > self._budget and len(self._images) > 1:
            _message_id, image = self._images.popitem(last=False)
            self._bytes -= image.sizeInBytes()
