"""Prepare image attachments: decode safely, apply orientation, strip metadata, make a thumbnail.

docs/protocol.md §5: images are re-encoded by the sender with all EXIF/XMP/GPS metadata removed
(orientation applied first), and the attachment content carries width, height and a ≤ 2 KiB
JPEG thumbnail so the receiver can lay out the bubble at its final size before the image
arrives. Files that are not images are sent as they are, with a name and a MIME type.

Decisions, so callers know what they get:

* Only JPEG, PNG, WebP and GIF are opened; the format is recognised from the file's bytes,
  never from its extension. Other image formats are refused with `UnsupportedImageFormat`
  (the caller may send them as plain files instead).
* The pixel limit is checked per call against the size in the header, before any pixel is
  decoded; Pillow's own global bomb check stays on as a second line of defence.
* The output keeps the input format: JPEG at quality 85, WebP at quality 85 (alpha kept),
  PNG losslessly, GIF with its animation. Animated WebP/GIF keep every frame (bounded by
  the same pixel budget summed over frames); an animated PNG becomes its first frame.
* The longest side is capped at `DEFAULT_MAX_DIMENSION` (4096 px) by default: a chat does
  not need more, and it bounds the upload size. Pass `max_dimension=None` to keep the size.
* Nothing of the original's metadata survives: EXIF (and so GPS), XMP, comments, PNG text
  chunks and ICC profiles. A colour profile is converted to sRGB first, so wide-gamut
  photos keep their colours once the profile is gone.

Everything here is a pure function over a path and returns bytes: no globals are mutated, so
it is safe to run in a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import msgspec

if TYPE_CHECKING:
    from PIL import Image, ImageCms, ImageOps, ImageSequence, UnidentifiedImageError

__all__ = [
    "DEFAULT_MAX_DIMENSION",
    "DEFAULT_MAX_PIXELS",
    "THUMBNAIL_MAX_BYTES",
    "ImageEncodingFailed",
    "ImageRejected",
    "ImageTooLarge",
    "NotAnImage",
    "PreparedImage",
    "UnsupportedImageFormat",
    "guess_mime_type",
    "is_image_candidate",
    "make_thumbnail_jpeg",
    "prepare_image",
]

DEFAULT_MAX_PIXELS: Final = 50_000_000
"""Largest image (width × height, summed over frames) we agree to decode: 50 MP ≈ 200 MB RGBA."""

DEFAULT_MAX_DIMENSION: Final = 4096
"""Longest side of the re-encoded image, in pixels."""

THUMBNAIL_MAX_BYTES: Final = 2048
"""docs/protocol.md §5: the thumbnail carried inside the message is at most 2 KiB."""

MAX_ANIMATION_FRAMES: Final = 1000
"""More frames than this is not a sticker or a meme but an attack on the encoder."""

_JPEG_QUALITY: Final = 85
_WEBP_QUALITY: Final = 85
# Tried in order until the thumbnail fits: sharper first, smaller and blurrier after.
_THUMBNAIL_SIDES: Final = (96, 80, 64, 48, 32, 16, 8)
_THUMBNAIL_QUALITIES: Final = (60, 45, 30)
_THUMBNAIL_BACKGROUND: Final = (255, 255, 255)

_MIME_BY_FORMAT: Final = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
_ALLOWED_FORMATS: Final = tuple(_MIME_BY_FORMAT)
# Animation is kept for GIF and WebP; an animated PNG (APNG) is sent as its first frame.
_ANIMATED_FORMATS: Final = frozenset({"GIF", "WEBP"})
_SNIFF_BYTES: Final = 32
_OCTET_STREAM: Final = "application/octet-stream"
# Header keys that would carry the original's metadata if an encoder picked them up.
_METADATA_INFO_KEYS: Final = frozenset(
    {"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp", "Raw profile type exif"}
)


class ImageRejected(Exception):
    """The file cannot be sent as an image; the message is safe to show to the user."""


class NotAnImage(ImageRejected):
    """The file is not a readable image (for example a text file renamed to .png)."""

    def __init__(self) -> None:
        super().__init__("This file is not a valid image or is damaged.")


class UnsupportedImageFormat(ImageRejected):
    """The file is an image in a format we do not re-encode (not JPEG, PNG, WebP or GIF)."""

    def __init__(self) -> None:
        super().__init__("Only JPEG, PNG, WebP and GIF images can be sent as pictures.")


class ImageEncodingFailed(ImageRejected):
    """The image was read but could not be re-encoded without its metadata (fails closed)."""

    def __init__(self) -> None:
        super().__init__("This image could not be prepared for sending.")


class ImageTooLarge(ImageRejected):
    """The image declares more pixels than we agree to decode (a decompression bomb)."""

    def __init__(self) -> None:
        super().__init__("This image is too large to be sent as a picture.")


class PreparedImage(msgspec.Struct, frozen=True):
    """An image ready to be encrypted and sent.

    Attributes:
        data: The re-encoded file, with no metadata at all (EXIF, GPS, XMP, ICC, comments).
        mime_type: One of image/jpeg, image/png, image/webp, image/gif.
        width: Width in pixels, after orientation and downscaling.
        height: Height in pixels, after orientation and downscaling.
        thumbnail_jpeg: A JPEG of at most `THUMBNAIL_MAX_BYTES` bytes, same aspect ratio.
    """

    data: bytes
    mime_type: str
    width: int
    height: int
    thumbnail_jpeg: bytes


def _load_pillow() -> None:
    """Imports Pillow into this module on first use (the public functions that decode call it).

    Pillow costs 30–40 ms to import; the app's start needs this module's constants and
    checks but never decodes an image before its window is up (benchmarks/ui.py).
    """
    global Image, ImageCms, ImageOps, ImageSequence, UnidentifiedImageError
    from PIL import Image, ImageCms, ImageOps, ImageSequence, UnidentifiedImageError


def is_image_candidate(path: Path) -> bool:
    """Tell whether the file's first bytes are those of a JPEG, PNG, WebP or GIF.

    The extension is ignored on purpose: a renamed file is judged by what it is. A candidate
    may still be rejected by `prepare_image` if it is damaged or too large.

    Args:
        path: The file to look at.

    Returns:
        True when the magic bytes match one of the formats we re-encode.
    """
    try:
        with path.open("rb") as file:
            head = file.read(_SNIFF_BYTES)
    except OSError:
        return False
    return _sniff_allowed_format(head) is not None


def guess_mime_type(path: Path) -> str:
    """Guess the MIME type of a file sent as it is, from its name.

    The receiver never trusts this value for anything but display and "open with".

    Args:
        path: The file; only its name is used.

    Returns:
        The MIME type, or application/octet-stream when the name says nothing.
    """
    mime_type, _encoding = mimetypes.guess_type(path.name.lower(), strict=False)
    return mime_type or _OCTET_STREAM


def prepare_image(
    path: Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_dimension: int | None = DEFAULT_MAX_DIMENSION,
) -> PreparedImage:
    """Re-encode an image for sending: orientation applied, every piece of metadata removed.

    Args:
        path: The image file chosen by the user.
        max_pixels: Refuse images whose width × height (summed over animation frames) is
            larger, before decoding them.
        max_dimension: Downscale so that the longest side is at most this many pixels;
            None keeps the original size.

    Returns:
        The clean file, its MIME type, final width and height, and a small JPEG thumbnail.

    Raises:
        NotAnImage: The file is not a readable image (or is damaged).
        UnsupportedImageFormat: The file is an image in a format other than JPEG, PNG,
            WebP or GIF.
        ImageTooLarge: The image has more pixels than `max_pixels`.
        OSError: The file cannot be read.
    """
    _load_pillow()
    with path.open("rb") as file:
        head = file.read(_SNIFF_BYTES)
        if _sniff_allowed_format(head) is None:
            raise UnsupportedImageFormat() if _looks_like_other_image(head) else NotAnImage()
        file.seek(0)
        try:
            with _open_restricted(file) as source:
                return _prepare_opened(source, max_pixels=max_pixels, max_dimension=max_dimension)
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageTooLarge() from error
        except (UnidentifiedImageError, SyntaxError, ValueError, EOFError) as error:
            # Pillow reports damaged data with these; the file is not a usable image.
            raise NotAnImage() from error
        except OSError as error:
            if _is_read_error(error):
                raise
            raise NotAnImage() from error


def _open_restricted(file: io.BufferedReader) -> Image.Image:
    """Open only the formats we accept, so no other decoder ever parses user files."""
    return Image.open(file, formats=_ALLOWED_FORMATS)


def _is_read_error(error: OSError) -> bool:
    """Tell a real I/O failure (errno set) from Pillow's "truncated/broken data" OSErrors."""
    return error.errno is not None


def _prepare_opened(
    source: Image.Image, *, max_pixels: int, max_dimension: int | None
) -> PreparedImage:
    image_format = source.format or ""
    if image_format not in _MIME_BY_FORMAT:
        raise UnsupportedImageFormat()
    width, height = source.size
    if width <= 0 or height <= 0:
        raise NotAnImage()
    if width * height > max_pixels:
        raise ImageTooLarge()
    if image_format == "JPEG" and max_dimension is not None:
        # Let libjpeg decode at a reduced scale (a power of two, never below the target):
        # a 48 MP photo then costs a quarter of the memory and time.
        source.draft(source.mode, (max_dimension, max_dimension))

    frames = list(_clean_frames(source, max_pixels=max_pixels, max_dimension=max_dimension))
    first = frames[0].image
    data = _encode(image_format, frames, loop=_loop_count(source))
    _ensure_no_metadata(data)
    return PreparedImage(
        data=data,
        mime_type=_MIME_BY_FORMAT[image_format],
        width=first.width,
        height=first.height,
        thumbnail_jpeg=make_thumbnail_jpeg(first),
    )


class _Frame(msgspec.Struct, frozen=True):
    image: Image.Image
    duration_ms: int | None


def _clean_frames(
    source: Image.Image, *, max_pixels: int, max_dimension: int | None
) -> Iterator[_Frame]:
    """Decode every frame, oriented, downscaled and detached from the original's metadata."""
    icc_profile = source.info.get("icc_profile")
    frame_count = 1
    if source.format in _ANIMATED_FORMATS and getattr(source, "is_animated", False):
        frame_count = getattr(source, "n_frames", 1)
    if frame_count > MAX_ANIMATION_FRAMES:
        raise ImageTooLarge()
    decoded_pixels = 0
    for index, frame in enumerate(ImageSequence.Iterator(source)):
        if index >= frame_count:
            break
        decoded_pixels += frame.width * frame.height
        if decoded_pixels > max_pixels:
            raise ImageTooLarge()
        duration = frame.info.get("duration")
        image = _without_metadata(ImageOps.exif_transpose(frame))
        image = _to_srgb(image, icc_profile)
        image = _downscale(image, max_dimension)
        yield _Frame(image=image, duration_ms=int(duration) if duration is not None else None)


def _without_metadata(image: Image.Image) -> Image.Image:
    """Return pixels that carry none of the source's info (EXIF, XMP, ICC, comments, text).

    Pillow copies the `info` dict along with the pixels and several encoders read it back
    when saving; clearing it on a fresh image is what makes "no metadata" hold by
    construction. Palette transparency, the one entry worth keeping, becomes an alpha channel.

    Args:
        image: A new image (the caller's own copy, never the opened source).
    """
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    elif image.mode not in _KEPT_MODES:
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    image.info = {}
    return image


_KEPT_MODES: Final = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "I;16"})


def _to_srgb(image: Image.Image, icc_profile: object) -> Image.Image:
    """Convert embedded-profile colours to sRGB, so dropping the profile keeps the colours."""
    if not isinstance(icc_profile, bytes) or image.mode not in {"RGB", "RGBA"}:
        return image
    try:
        source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(
            image, source_profile, ImageCms.createProfile("sRGB"), outputMode=image.mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: keep the pixels as they are, still dropping it
    if converted is None:  # pragma: no cover - only with inPlace=True
        return image
    converted.info = {}
    return converted


def _downscale(image: Image.Image, max_dimension: int | None) -> Image.Image:
    if max_dimension is None or max(image.size) <= max_dimension:
        return image
    scale = max_dimension / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    resample = Image.Resampling.NEAREST if image.mode in {"1", "P"} else Image.Resampling.LANCZOS
    resized = image.resize(size, resample)
    resized.info = {}
    return resized


def _loop_count(source: Image.Image) -> int:
    loop = source.info.get("loop", 0)
    return loop if isinstance(loop, int) and loop >= 0 else 0


def _encode(image_format: str, frames: list[_Frame], *, loop: int) -> bytes:
    """Encode the clean frames in the original format, passing no metadata to the encoder."""
    output = io.BytesIO()
    first = frames[0].image
    options: dict[str, Any] = {}
    if image_format == "JPEG":
        first = _for_jpeg(first)
        options = {"quality": _JPEG_QUALITY, "optimize": True}
    elif image_format == "PNG":
        pass  # lossless, default compression
    elif image_format == "WEBP":
        options = {"quality": _WEBP_QUALITY}
        first = _for_webp(first)
        if len(frames) > 1:
            options |= _animation_options(frames, loop=loop, convert=_for_webp)
    else:  # GIF
        if len(frames) > 1:
            options |= _animation_options(frames, loop=loop, convert=lambda image: image)
    first.save(output, format=image_format, **options)
    return output.getvalue()


def _animation_options(
    frames: list[_Frame], *, loop: int, convert: Callable[[Image.Image], Image.Image]
) -> dict[str, Any]:
    return {
        "save_all": True,
        "append_images": [convert(frame.image) for frame in frames[1:]],
        "duration": [frame.duration_ms or 100 for frame in frames],
        "loop": loop,
    }


def _for_jpeg(image: Image.Image) -> Image.Image:
    if image.mode in {"L", "RGB", "CMYK"}:
        return image
    return _flatten(image) if "A" in image.mode or image.mode == "P" else image.convert("RGB")


def _for_webp(image: Image.Image) -> Image.Image:
    if image.mode in {"RGB", "RGBA"}:
        return image
    has_alpha = "A" in image.mode or image.mode == "P"
    return image.convert("RGBA" if has_alpha else "RGB")


def _flatten(image: Image.Image) -> Image.Image:
    """Composite onto white: JPEG has no alpha, and black corners look like a bug."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, _THUMBNAIL_BACKGROUND)
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def make_thumbnail_jpeg(image: Image.Image) -> bytes:
    """Make a JPEG of at most `THUMBNAIL_MAX_BYTES` bytes with the image's aspect ratio.

    Tries the largest side and best quality first and shrinks until it fits.

    Args:
        image: A clean (metadata-free) image in any mode.

    Returns:
        The thumbnail's bytes; always a decodable JPEG.
    """
    _load_pillow()  # a caller with an image has Pillow loaded; this module may not yet
    base = _flatten(image) if image.mode not in {"RGB", "L"} else image
    if base.mode == "L":
        base = base.convert("RGB")
    smallest = b""
    for side in _THUMBNAIL_SIDES:
        small = base.copy()
        small.thumbnail((side, side), Image.Resampling.LANCZOS)
        small.info = {}
        for quality in _THUMBNAIL_QUALITIES:
            output = io.BytesIO()
            small.save(output, format="JPEG", quality=quality, optimize=True)
            smallest = output.getvalue()
            if len(smallest) <= THUMBNAIL_MAX_BYTES:
                return smallest
    return smallest  # pragma: no cover - an 8 px JPEG at quality 30 is ~400 bytes


def _ensure_no_metadata(data: bytes) -> None:
    """Re-read the output's headers and fail closed if any metadata slipped through."""
    with Image.open(io.BytesIO(data), formats=_ALLOWED_FORMATS) as check:
        leaked = _METADATA_INFO_KEYS.intersection(check.info)
        if leaked or len(check.getexif()) > 0:
            raise ImageEncodingFailed()


def _sniff_allowed_format(head: bytes) -> str | None:
    """Return the Pillow format name for the magic bytes of the formats we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in {b"GIF87a", b"GIF89a"}:
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _looks_like_other_image(head: bytes) -> bool:
    """Recognise common image formats we refuse, to give a clearer message than "not an image"."""
    return (
        head.startswith(b"BM")  # BMP
        or head[:4] in {b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"}  # TIFF, BigTIFF
        or (head[4:8] == b"ftyp" and head[8:12] in _ISO_IMAGE_BRANDS)  # HEIC, HEIF, AVIF
        or head[:4] == b"\x00\x00\x01\x00"  # ICO
        or head[:4] == b"8BPS"  # Photoshop
        or head[:4] == b"qoif"  # QOI
        or head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n")  # JPEG 2000
        or head[:2] == b"\xff\x0a"  # JPEG XL codestream
        or head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n")  # JPEG XL container
    )


_ISO_IMAGE_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
)
