"""Tests for image preparation: formats, orientation, metadata removal, thumbnails, bombs.

Every input is a real file written by Pillow (or by hand, for the malformed ones), so the
tests exercise the same decoders and encoders the app uses.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms

from chat_desktop.services.image_processing import (
    THUMBNAIL_MAX_BYTES,
    ImageRejected,
    ImageTooLarge,
    NotAnImage,
    PreparedImage,
    UnsupportedImageFormat,
    guess_mime_type,
    is_image_candidate,
    make_thumbnail_jpeg,
    prepare_image,
)

pytestmark = pytest.mark.unit

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GPS_LATITUDE = (52.0, 31.0, 12.0)
XMP_PACKET = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    b'xmlns:xmp="http://ns.adobe.com/xap/1.0/"><rdf:Description xmp:CreatorTool="SecretCam"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
# Byte patterns that would betray metadata in an encoded file, whatever the container.
METADATA_MARKERS = (b"Exif", b"GPS", b"http://ns.adobe.com/xap", b"SecretCam", b"xmpmeta")


def exif_with_gps_and_orientation(orientation: int) -> Image.Exif:
    """EXIF as a phone writes it: an orientation tag, a camera model and a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Model] = "SecretCam 3000"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 5.0)
    return exif


def left_red_right_blue(width: int = 80, height: int = 40) -> Image.Image:
    image = Image.new("RGB", (width, height), RED)
    image.paste(BLUE, (width // 2, 0, width, height))
    return image


def srgb_icc_profile() -> bytes:
    profile: bytes = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile


def assert_clean(prepared: PreparedImage) -> None:
    """The output has no EXIF, GPS, XMP, ICC profile or comment, by parse and by bytes."""
    for marker in METADATA_MARKERS:
        assert marker not in prepared.data, marker
    with Image.open(io.BytesIO(prepared.data)) as decoded:
        assert len(decoded.getexif()) == 0
        for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"):
            assert key not in decoded.info, key
        assert decoded.size == (prepared.width, prepared.height)


def assert_thumbnail_ok(prepared: PreparedImage) -> None:
    assert len(prepared.thumbnail_jpeg) <= THUMBNAIL_MAX_BYTES
    with Image.open(io.BytesIO(prepared.thumbnail_jpeg)) as thumbnail:
        assert thumbnail.format == "JPEG"
        thumbnail.load()
        assert len(thumbnail.getexif()) == 0
        # Same aspect ratio, up to rounding the short side to whole pixels (at least one).
        size = (prepared.width, prepared.height)
        long_side, short_side = max(size), min(size)
        thumb_long, thumb_short = max(thumbnail.size), min(thumbnail.size)
        assert abs(thumb_short - max(1.0, thumb_long * short_side / long_side)) <= 1
        assert (thumbnail.width >= thumbnail.height) == (prepared.width >= prepared.height) or (
            abs(thumbnail.width - thumbnail.height) <= 1
        )


def pixel_at(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return value


def close_to(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def test_jpeg_orientation_applied_and_all_metadata_removed(tmp_path: Path) -> None:
    source = tmp_path / "holiday.jpg"
    left_red_right_blue().save(
        source,
        exif=exif_with_gps_and_orientation(6),
        xmp=XMP_PACKET,
        comment=b"SecretCam comment",
        icc_profile=srgb_icc_profile(),
        quality=95,
    )
    original = source.read_bytes()
    assert b"Exif" in original
    assert b"http://ns.adobe.com/xap" in original and b"SecretCam" in original

    prepared = prepare_image(source)

    assert prepared.mime_type == "image/jpeg"
    # Orientation 6 = "rotate 90° clockwise to display": 80×40 stored, 40×80 shown, and the
    # left (red) half of the stored picture ends up on top.
    assert (prepared.width, prepared.height) == (40, 80)
    with Image.open(io.BytesIO(prepared.data)) as decoded:
        rgb = decoded.convert("RGB")
        assert close_to(pixel_at(rgb, (20, 10)), RED)
        assert close_to(pixel_at(rgb, (20, 70)), BLUE)
    assert_clean(prepared)
    assert_thumbnail_ok(prepared)


@pytest.mark.parametrize(
    ("orientation", "expected_size", "top_left_colour"),
    [(1, (80, 40), RED), (3, (80, 40), BLUE), (8, (40, 80), BLUE), (2, (80, 40), BLUE)],
)
def test_other_orientations_are_applied(
    tmp_path: Path,
    orientation: int,
    expected_size: tuple[int, int],
    top_left_colour: tuple[int, int, int],
) -> None:
    source = tmp_path / "photo.jpg"
    left_red_right_blue().save(source, exif=exif_with_gps_and_orientation(orientation))

    prepared = prepare_image(source)

    assert (prepared.width, prepared.height) == expected_size
    with Image.open(io.BytesIO(prepared.data)) as decoded:
        assert close_to(pixel_at(decoded.convert("RGB"), (5, 5)), top_left_colour)
    assert_clean(prepared)


def test_png_keeps_alpha_and_loses_text_exif_and_icc(tmp_path: Path) -> None:
    from PIL import PngImagePlugin

    image = Image.new("RGBA", (30, 20), (10, 200, 30, 255))
    image.paste((0, 0, 0, 0), (0, 0, 15, 20))
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "SecretCam owner")
    text.add_itxt("XML:com.adobe.xmp", XMP_PACKET.decode())
    source = tmp_path / "screenshot.png"
    image.save(
        source,
        pnginfo=text,
        exif=exif_with_gps_and_orientation(1),
        icc_profile=srgb_icc_profile(),
    )

    prepared = prepare_image(source)

    assert prepared.mime_type == "image/png"
    assert (prepared.width, prepared.height) == (30, 20)
    assert b"Author" not in prepared.data
    with Image.open(io.BytesIO(prepared.data)) as decoded:
        assert decoded.mode == "RGBA"
        assert pixel_at(decoded, (2, 2))[3] == 0
        assert pixel_at(decoded, (25, 2)) == (10, 200, 30, 255)
        assert "Author" not in decoded.info
    assert_clean(prepared)
    assert_thumbnail_ok(prepared)


def test_palette_png_transparency_survives_as_alpha(tmp_path: Path) -> None:
    image = Image.new("P", (16, 16), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0, 0, 0] * 254)
    image.paste(0, (0, 0, 8, 16))
    source = tmp_path / "sticker.png"
    image.save(source, transparency=0)

    prepared = prepare_image(source)

    with Image.open(io.BytesIO(prepared.data)) as decoded:
        rgba = decoded.convert("RGBA")
        assert pixel_at(rgba, (2, 2))[3] == 0
        assert pixel_at(rgba, (12, 2)) == (255, 0, 0, 255)


def test_webp_stays_webp_without_metadata(tmp_path: Path) -> None:
    source = tmp_path / "image.webp"
    left_red_right_blue().save(
        source,
        exif=exif_with_gps_and_orientation(6),
        xmp=XMP_PACKET,
        icc_profile=srgb_icc_profile(),
    )
    assert b"SecretCam" in source.read_bytes()

    prepared = prepare_image(source)

    assert prepared.mime_type == "image/webp"
    assert (prepared.width, prepared.height) == (40, 80)
    assert_clean(prepared)
    assert_thumbnail_ok(prepared)


def test_animated_gif_keeps_its_frames_and_drops_the_comment(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (50, 40), (index * 50, 0, 0)) for index in range(5)]
    source = tmp_path / "funny.gif"
    frames[0].save(
        source,
        save_all=True,
        append_images=frames[1:],
        duration=70,
        loop=0,
        comment=b"SecretCam comment",
    )
    assert b"SecretCam" in source.read_bytes()

    prepared = prepare_image(source)

    assert prepared.mime_type == "image/gif"
    assert b"SecretCam" not in prepared.data
    with Image.open(io.BytesIO(prepared.data)) as decoded:
        assert getattr(decoded, "n_frames", 1) == 5
        assert decoded.info.get("duration") == 70
        assert "comment" not in decoded.info
    assert_thumbnail_ok(prepared)


def test_animated_webp_keeps_its_frames(tmp_path: Path) -> None:
    frames = [Image.new("RGBA", (24, 24), (0, index * 60, 0, 200)) for index in range(4)]
    source = tmp_path / "sticker.webp"
    frames[0].save(source, save_all=True, append_images=frames[1:], duration=50, loop=0)

    prepared = prepare_image(source)

    with Image.open(io.BytesIO(prepared.data)) as decoded:
        assert getattr(decoded, "n_frames", 1) == 4
        assert decoded.mode == "RGBA"


def test_animated_png_is_sent_as_its_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (20, 10), colour) for colour in (RED, BLUE, RED)]
    source = tmp_path / "animated.png"
    frames[0].save(source, save_all=True, append_images=frames[1:], duration=100)
    with Image.open(source) as original:
        assert getattr(original, "n_frames", 1) == 3

    prepared = prepare_image(source)

    with Image.open(io.BytesIO(prepared.data)) as decoded:
        assert getattr(decoded, "n_frames", 1) == 1
        assert pixel_at(decoded.convert("RGB"), (5, 5)) == RED


def test_thumbnail_of_incompressible_noise_fits_in_two_kib(tmp_path: Path) -> None:
    source = tmp_path / "noise.png"
    Image.frombytes("RGB", (300, 200), os.urandom(300 * 200 * 3)).save(source)

    prepared = prepare_image(source)

    assert_thumbnail_ok(prepared)
    with Image.open(io.BytesIO(prepared.thumbnail_jpeg)) as thumbnail:
        assert thumbnail.width > thumbnail.height  # landscape stays landscape


def test_longest_side_is_capped_unless_asked_not_to(tmp_path: Path) -> None:
    source = tmp_path / "panorama.png"
    Image.new("RGB", (5000, 100), (1, 2, 3)).save(source)

    capped = prepare_image(source)
    kept = prepare_image(source, max_dimension=None)

    assert (capped.width, capped.height) == (4096, 82)
    assert (kept.width, kept.height) == (5000, 100)
    assert_thumbnail_ok(capped)


def png_declaring_size(width: int, height: int) -> bytes:
    """A syntactically valid PNG header declaring a size, followed by junk pixel data.

    If anything tried to decode the pixels it would fail as a damaged image, so an
    `ImageTooLarge` proves the size was checked before decoding.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"not zlib data at all")
        + chunk(b"IEND", b"")
    )


def test_small_file_declaring_a_huge_size_is_refused_before_decoding(tmp_path: Path) -> None:
    source = tmp_path / "bomb.png"
    source.write_bytes(png_declaring_size(9000, 9000))  # 81 MP, under Pillow's own limit
    assert source.stat().st_size < 200

    with pytest.raises(ImageTooLarge):
        prepare_image(source)


def test_size_beyond_pillows_own_bomb_limit_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "bomb.png"
    source.write_bytes(png_declaring_size(100_000, 100_000))

    with pytest.raises(ImageTooLarge):
        prepare_image(source)


def test_real_single_colour_image_over_the_callers_limit_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "flat.png"
    Image.new("L", (2000, 2000), 7).save(source, optimize=True)
    assert source.stat().st_size < 20_000  # 4 MP that compress to almost nothing

    with pytest.raises(ImageTooLarge):
        prepare_image(source, max_pixels=1_000_000)
    assert prepare_image(source, max_pixels=4_000_000).width == 2000


def test_animation_pixels_are_summed_over_frames(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (100, 100), (index, 0, 0)) for index in range(10)]
    source = tmp_path / "long.gif"
    frames[0].save(source, save_all=True, append_images=frames[1:], duration=40)

    with pytest.raises(ImageTooLarge):
        prepare_image(source, max_pixels=50_000)  # 10 frames × 10 000 px = 100 000


def test_text_file_renamed_png_is_not_an_image(tmp_path: Path) -> None:
    source = tmp_path / "notes.png"
    source.write_text("my secret shopping list\n")

    with pytest.raises(NotAnImage) as raised:
        prepare_image(source)
    assert "notes" not in str(raised.value)
    assert "secret" not in str(raised.value)
    assert not is_image_candidate(source)


def test_truncated_png_is_not_an_image(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3)).save(buffer, format="PNG")
    source = tmp_path / "broken.png"
    source.write_bytes(buffer.getvalue()[:300])

    with pytest.raises(NotAnImage):
        prepare_image(source)


@pytest.mark.parametrize("pillow_format", ["BMP", "TIFF", "ICO"])
def test_other_image_formats_are_unsupported(tmp_path: Path, pillow_format: str) -> None:
    source = tmp_path / "scan_of_passport.png"  # the extension lies; the bytes decide
    Image.new("RGB", (16, 16), RED).save(source, format=pillow_format)

    with pytest.raises(UnsupportedImageFormat) as raised:
        prepare_image(source)
    assert isinstance(raised.value, ImageRejected)
    assert "passport" not in str(raised.value)
    assert not is_image_candidate(source)


@pytest.mark.parametrize("pillow_format", ["JPEG", "PNG", "WEBP", "GIF"])
def test_candidates_are_recognised_by_their_bytes(tmp_path: Path, pillow_format: str) -> None:
    source = tmp_path / "no_extension"
    Image.new("RGB", (8, 8), BLUE).save(source, format=pillow_format)

    assert is_image_candidate(source)
    assert prepare_image(source).mime_type == f"image/{pillow_format.lower()}"


def test_missing_file_is_not_a_candidate_and_raises_os_error(tmp_path: Path) -> None:
    missing = tmp_path / "gone.jpg"

    assert not is_image_candidate(missing)
    with pytest.raises(FileNotFoundError):
        prepare_image(missing)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "application/pdf"),
        ("NOTES.TXT", "text/plain"),
        ("archive.zip", "application/zip"),
        ("no_extension", "application/octet-stream"),
        ("weird.unknownext", "application/octet-stream"),
    ],
)
def test_guess_mime_type_from_the_name(tmp_path: Path, name: str, expected: str) -> None:
    assert guess_mime_type(tmp_path / name) == expected


def test_make_thumbnail_jpeg_flattens_transparency_onto_white() -> None:
    transparent = Image.new("RGBA", (40, 40), (0, 0, 0, 0))

    thumbnail = make_thumbnail_jpeg(transparent)

    with Image.open(io.BytesIO(thumbnail)) as decoded:
        assert close_to(pixel_at(decoded.convert("RGB"), (5, 5)), (255, 255, 255))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    width=st.integers(min_value=1, max_value=300),
    height=st.integers(min_value=1, max_value=300),
    mode=st.sampled_from(["RGB", "RGBA", "L", "LA", "P", "1"]),
    pillow_format=st.sampled_from(["JPEG", "PNG", "WEBP", "GIF"]),
    orientation=st.integers(min_value=1, max_value=8),
    seed=st.binary(min_size=3, max_size=3),
)
def test_any_supported_image_comes_out_clean_with_a_small_thumbnail(
    tmp_path: Path,
    width: int,
    height: int,
    mode: str,
    pillow_format: str,
    orientation: int,
    seed: bytes,
) -> None:
    image = Image.new("RGB", (width, height), tuple(seed)).convert(mode)
    if pillow_format == "JPEG" and mode not in {"RGB", "L"}:
        image = image.convert("RGB")
    source = tmp_path / f"any.{pillow_format.lower()}"
    image.save(source, format=pillow_format, exif=exif_with_gps_and_orientation(orientation))

    prepared = prepare_image(source)

    swapped = orientation in {5, 6, 7, 8} and pillow_format in {"JPEG", "PNG", "WEBP"}
    expected = (height, width) if swapped else (width, height)
    assert (prepared.width, prepared.height) == expected
    assert_clean(prepared)
    assert_thumbnail_ok(prepared)
