"""Fetching link previews from a real local web server, friendly and hostile pages alike.

Every refusal is a clear :class:`LinkPreviewUnavailable` naming the reason (never the
address); an image that can't be had leaves the preview without one.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from link_preview_site import PreviewSite, png_bomb, preview_site
from PIL import Image

from chat_desktop.protocol.link_preview import (
    MAX_PREVIEW_IMAGE_SIDE,
    MAX_PREVIEW_IMAGE_SIZE,
    first_link,
)
from chat_desktop.services.link_preview_fetch import LinkPreviewFetcher, LinkPreviewUnavailable
from chat_desktop.services.link_preview_images import (
    PreviewImageRefused,
    check_preview_image,
    make_preview_image,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def site() -> AsyncIterator[PreviewSite]:
    async with preview_site() as running:
        yield running


async def test_a_page_gives_its_title_description_and_a_clean_small_image(
    site: PreviewSite,
) -> None:
    preview = await LinkPreviewFetcher().fetch(site.url("/page"))

    assert preview.url == site.url("/page")
    assert preview.title == "A & B: the story"  # entities decoded, one line
    assert preview.description == "What happened next."
    assert preview.image is not None
    assert len(preview.image) <= MAX_PREVIEW_IMAGE_SIZE
    with Image.open(io.BytesIO(preview.image)) as image:
        assert image.format == "JPEG"
        assert max(image.size) == MAX_PREVIEW_IMAGE_SIDE
        assert not image.getexif()  # the camera model and GPS position are gone
    assert b"Secret Camera" in site.photo
    assert b"Secret Camera" not in preview.image
    check_preview_image(preview.image)  # what a receiver accepts


async def test_a_page_with_only_a_title_has_no_image(site: PreviewSite) -> None:
    preview = await LinkPreviewFetcher().fetch(site.url("/title-only"))
    assert (preview.title, preview.description, preview.image) == ("Just a title", "", None)


async def test_an_image_bomb_is_refused_before_decoding_and_the_preview_goes_without_it(
    site: PreviewSite,
) -> None:
    assert len(site.bomb) < 200 * 1024  # small on the wire, 400 million pixels inside
    with pytest.raises(PreviewImageRefused, match="too many pixels"):
        make_preview_image(site.bomb)  # Pillow's own bound
    with pytest.raises(PreviewImageRefused, match="too many pixels"):
        make_preview_image(png_bomb(5000))  # under Pillow's bound, over ours (header only)

    preview = await LinkPreviewFetcher().fetch(site.url("/bomb-page"))
    assert preview.title == "Bomb"
    assert preview.image is None
    assert "/bomb.png" in site.requests


async def test_an_image_that_is_not_an_image_leaves_the_preview_without_one(
    site: PreviewSite,
) -> None:
    with pytest.raises(PreviewImageRefused, match="not an image we accept"):
        make_preview_image(b"<html>surprise</html>" * 10)  # what /fake.png serves
    preview = await LinkPreviewFetcher().fetch(site.url("/fake-image-page"))
    assert preview.title == "Fake"
    assert preview.image is None
    assert "/fake.png" in site.requests  # relative to the page, fetched, refused


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/huge", "larger than its bound"),
        ("/huge-streamed", "larger than its bound"),
        ("/to-file", "only http and https"),
        ("/loop/0", "redirects too often"),
        ("/plain", "not a web page"),
        ("/empty", "nothing to preview"),
        ("/missing", "answered with an error"),
    ],
)
async def test_hostile_or_useless_pages_are_refused_clearly(
    site: PreviewSite, path: str, reason: str
) -> None:
    with pytest.raises(LinkPreviewUnavailable, match=reason) as caught:
        await LinkPreviewFetcher().fetch(site.url(path))
    assert "127.0.0.1" not in str(caught.value)  # the reason, never the address


async def test_redirects_are_bounded_to_three(site: PreviewSite) -> None:
    with pytest.raises(LinkPreviewUnavailable):
        await LinkPreviewFetcher().fetch(site.url("/loop/0"))
    assert [path for path in site.requests if path.startswith("/loop/")] == [
        "/loop/0",
        "/loop/1",
        "/loop/2",
        "/loop/3",
    ]


async def test_a_server_that_never_finishes_runs_into_the_time_bound(site: PreviewSite) -> None:
    with pytest.raises(LinkPreviewUnavailable, match="took too long"):
        await LinkPreviewFetcher(timeout_seconds=0.5).fetch(site.url("/never"))


async def test_no_cookie_is_kept_or_sent(site: PreviewSite) -> None:
    preview = await LinkPreviewFetcher().fetch(site.url("/sets-cookie"))
    assert preview.title == "Cookie"
    assert site.requests.count("/sets-cookie") == 2  # the redirect was followed
    assert site.cookies_seen == []


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "javascript:alert(1)", "http://"]
)
async def test_only_http_addresses_with_a_host_are_fetched(url: str) -> None:
    with pytest.raises(LinkPreviewUnavailable):
        await LinkPreviewFetcher().fetch(url)


def test_the_receiver_check_refuses_what_is_not_a_small_jpeg() -> None:
    big = io.BytesIO()
    Image.new("RGB", (300, 10)).save(big, format="JPEG")
    png = io.BytesIO()
    Image.new("RGB", (10, 10)).save(png, format="PNG")
    for data in (big.getvalue(), png.getvalue(), b"\xff\xd8\xff garbage", png_bomb(2000)):
        with pytest.raises(PreviewImageRefused):
            check_preview_image(data)


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("see https://example.org/a?b=1.", "https://example.org/a?b=1"),
        ("(http://example.org/x) and https://two.example", "http://example.org/x"),
        (
            "read https://en.wikipedia.org/wiki/Foo_(bar).",
            "https://en.wikipedia.org/wiki/Foo_(bar)",
        ),
        ("no link here, just www.example.org", None),
        ("mailto:someone@example.org", None),
    ],
)
def test_the_first_http_link_is_the_one_previewed(text: str, link: str | None) -> None:
    assert first_link(text) == link
