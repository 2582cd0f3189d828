"""Avatars: made from a picture the user chose, and checked when a contact's arrives.

Ours: the picture goes through :func:`~chat_desktop.services.image_processing.prepare_image`
first (only JPEG, PNG, WebP or GIF are opened, the pixel budget is checked before decoding,
the EXIF orientation is applied and every piece of metadata is removed), then its centre
square is scaled to at most 512 × 512 and saved as a JPEG without metadata, at the best
quality that fits :data:`~chat_desktop.protocol.profiles.MAX_AVATAR_BYTES`.

A contact's: the bytes must be a JPEG or PNG (recognised from the bytes) of at most 512
pixels a side that decodes whole; anything else is refused and nothing is stored. Pure
functions over bytes and paths: run them in a worker thread.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Final

from chat_desktop.protocol.profiles import MAX_AVATAR_BYTES, MAX_AVATAR_SIDE
from chat_desktop.services.image_processing import ImageRejected, prepare_image

#: JPEG qualities tried in order until the avatar fits its byte bound.
_QUALITIES: Final = (85, 75, 65, 55, 45, 35)
#: Sides tried in order (pixels) if no quality fits at the larger one.
_SIDES: Final = (MAX_AVATAR_SIDE, 384, 256, 128)
#: What a contact's avatar may be, by its first bytes.
_JPEG_MAGIC: Final = b"\xff\xd8\xff"
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
#: Most pixels a received avatar may declare before it is decoded.
_MAX_RECEIVED_PIXELS: Final = MAX_AVATAR_SIDE * MAX_AVATAR_SIDE


class AvatarRejected(ImageRejected):
    """The avatar cannot be used (not a usable picture, or too large once re-encoded)."""

    def __init__(self) -> None:
        super().__init__("This picture cannot be used as a profile picture.")


def make_avatar(path: Path) -> bytes:
    """A square JPEG avatar of at most 512 × 512 and 64 KiB from the picture at ``path``.

    Raises:
        ImageRejected: Not a picture we open (``NotAnImage``, ``UnsupportedImageFormat``,
            ``ImageTooLarge``, ``ImageEncodingFailed``), or no size fits (``AvatarRejected``).
        OSError: The file cannot be read.
    """
    from PIL import Image

    prepared = prepare_image(path)  # metadata stripped, orientation applied
    with Image.open(io.BytesIO(prepared.data)) as opened:
        opened.seek(0)
        image = opened.convert("RGBA")
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    side = min(background.size)
    left = (background.width - side) // 2
    top = (background.height - side) // 2
    square = background.crop((left, top, left + side, top + side))
    for target in _SIDES:
        scaled = square.resize((min(side, target), min(side, target)), Image.Resampling.LANCZOS)
        for quality in _QUALITIES:
            buffer = io.BytesIO()
            scaled.save(buffer, format="JPEG", quality=quality, optimize=True)
            data = buffer.getvalue()
            if len(data) <= MAX_AVATAR_BYTES:
                return data
    raise AvatarRejected()


def check_avatar(data: bytes) -> None:
    """Checks a contact's avatar before it is stored.

    Raises:
        AvatarRejected: Not a JPEG or PNG, over the byte bound, larger than 512 pixels a
            side, or damaged.
    """
    from PIL import Image

    if len(data) > MAX_AVATAR_BYTES:
        raise AvatarRejected()
    if data.startswith(_JPEG_MAGIC):
        image_format = "JPEG"
    elif data.startswith(_PNG_MAGIC):
        image_format = "PNG"
    else:
        raise AvatarRejected()
    try:
        with Image.open(io.BytesIO(data), formats=(image_format,)) as image:
            width, height = image.size
            if not (1 <= width <= MAX_AVATAR_SIDE and 1 <= height <= MAX_AVATAR_SIDE):
                raise AvatarRejected()
            if width * height > _MAX_RECEIVED_PIXELS:
                raise AvatarRejected()
            image.load()
    except AvatarRejected:
        raise
    except Exception as error:  # Pillow reports damaged data with many types
        raise AvatarRejected() from error
