"""Link preview images: made small and clean by the sender, checked by the receiver.

The sender re-encodes what the page points at as a JPEG of at most
:data:`~chat_desktop.protocol.link_preview.MAX_PREVIEW_IMAGE_SIDE` pixels a side and
:data:`~chat_desktop.protocol.link_preview.MAX_PREVIEW_IMAGE_SIZE` bytes: re-encoding keeps
only pixels, so EXIF (GPS included), XMP, comments and colour profiles are gone. The
receiver decodes the JPEG it got within the same bounds before keeping it.

Bombs: the pixel count in the header is checked before a single pixel is decoded
(:data:`MAX_SOURCE_PIXELS`, far below Pillow's own global limit, which stays on as a second
line), and only JPEG, PNG, WebP and GIF decoders ever parse the bytes. Everything here is a
pure function over bytes, safe in a worker thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING, Final

from chat_desktop.protocol.link_preview import MAX_PREVIEW_IMAGE_SIDE, MAX_PREVIEW_IMAGE_SIZE

if TYPE_CHECKING:
    from PIL import Image

#: Largest source image (width × height) the sender agrees to decode: 4096 × 4096.
MAX_SOURCE_PIXELS: Final = 4096 * 4096
_SOURCE_FORMATS: Final = ("JPEG", "PNG", "WEBP", "GIF")
_QUALITIES: Final = (80, 65, 50, 35)


class PreviewImageRefused(ValueError):
    """The bytes are not an image we accept for a preview; the message says why."""


def make_preview_image(data: bytes) -> bytes:
    """A clean JPEG of at most 256 × 256 pixels and 64 KiB from an image's bytes (sender).

    Raises:
        PreviewImageRefused: Not a JPEG, PNG, WebP or GIF image, damaged, too many pixels,
            or too large even at the lowest quality.
    """
    with _opened(data, _SOURCE_FORMATS, MAX_SOURCE_PIXELS) as source:
        if source.format == "JPEG":
            # libjpeg decodes at a reduced scale, never below the target.
            source.draft("RGB", (MAX_PREVIEW_IMAGE_SIDE, MAX_PREVIEW_IMAGE_SIDE))
        image = _decoded(source)
    image.thumbnail((MAX_PREVIEW_IMAGE_SIDE, MAX_PREVIEW_IMAGE_SIDE))
    rgb = _flattened(image)
    for quality in _QUALITIES:
        out = io.BytesIO()
        rgb.save(out, format="JPEG", quality=quality, optimize=True)
        encoded = out.getvalue()
        if len(encoded) <= MAX_PREVIEW_IMAGE_SIZE:
            return encoded
    raise PreviewImageRefused("the image does not fit the preview's size")


def check_preview_image(data: bytes) -> None:
    """Checks a received preview image: a JPEG that decodes within 256 × 256 pixels.

    Raises:
        PreviewImageRefused: It is not one.
    """
    side = MAX_PREVIEW_IMAGE_SIDE
    with _opened(data, ("JPEG",), side * side) as source:
        if source.size[0] > side or source.size[1] > side:
            raise PreviewImageRefused("the preview image is larger than its bound")
        _decoded(source)


def _opened(data: bytes, formats: tuple[str, ...], max_pixels: int) -> Image.Image:
    """Opens ``data`` (header only) with the given decoders; refuses too many pixels.

    Pillow is imported here, on first use: it costs tens of milliseconds the app's start
    need not pay (as ``image_processing``).
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source = Image.open(io.BytesIO(data), formats=formats)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PreviewImageRefused("the preview image has too many pixels") from None
    except UnidentifiedImageError:
        raise PreviewImageRefused("the preview image is not an image we accept") from None
    except (SyntaxError, ValueError, EOFError, OSError):
        raise PreviewImageRefused("the preview image is damaged") from None
    width, height = source.size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        source.close()
        raise PreviewImageRefused("the preview image has too many pixels")
    return source


def _decoded(source: Image.Image) -> Image.Image:
    """The first frame's pixels, decoded (damaged data refused)."""
    from PIL import Image

    try:
        source.seek(0)
        source.load()
        return source.copy()
    except (SyntaxError, ValueError, EOFError, OSError, Image.DecompressionBombError):
        raise PreviewImageRefused("the preview image is damaged") from None


def _flattened(image: Image.Image) -> Image.Image:
    """RGB pixels: transparency laid on white (JPEG has none)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
