"""A local web server on 127.0.0.1 serving the pages link-preview tests fetch.

Friendly pages (Open Graph tags and a photo carrying EXIF with GPS), and hostile ones: an
image bomb (a small PNG that decodes to 400 million pixels), a page over the byte bound
(declared and streamed), a response that never finishes, redirects to ``file:`` and in a
loop, and an "image" that is not one.
"""

from __future__ import annotations

import asyncio
import io
import struct
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from PIL import Image

BOMB_SIDE = 20_000


def png_bomb(side: int = BOMB_SIDE) -> bytes:
    """A valid 1-bit greyscale PNG of ``side`` × ``side`` pixels, all black: tens of KiB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (side + 7) // 8)
    parts = [compressor.compress(row) for _ in range(side)]
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


def photo_with_gps() -> bytes:
    """A 1200 × 800 JPEG whose EXIF holds a camera model and a GPS position."""
    image = Image.new("RGB", (1200, 800), (30, 120, 200))
    exif = Image.Exif()
    exif[0x0110] = "Secret Camera"  # Model
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 0.0), 3: "E", 4: (4.0, 53.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _page(title: str, description: str, image: str | None) -> str:
    image_tag = "" if image is None else f'<meta property="og:image" content="{image}">'
    return (
        "<!doctype html><html><head>"
        f'<meta property="og:title" content="{title}">'
        f'<meta property="og:description" content="{description}">'
        f"{image_tag}<title>Fallback title</title></head>"
        "<body><script>document.write('never run')</script>Hello</body></html>"
    )


class PreviewSite:
    """The routes; ``url(path)`` is the address of one of them."""

    def __init__(self) -> None:
        self.base = ""
        self.requests: list[str] = []
        self.cookies_seen: list[str] = []
        self._never = asyncio.Event()
        self.bomb = png_bomb()
        self.photo = photo_with_gps()

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def app(self) -> web.Application:
        app = web.Application()
        app.middlewares.append(self._record)
        routes = {
            "/page": self.page,
            "/photo.jpg": self.photo_route,
            "/title-only": self.title_only,
            "/bomb-page": self.bomb_page,
            "/bomb.png": self.bomb_route,
            "/fake-image-page": self.fake_image_page,
            "/fake.png": self.fake_image,
            "/huge": self.huge,
            "/huge-streamed": self.huge_streamed,
            "/never": self.never,
            "/to-file": self.to_file,
            "/loop/{n}": self.loop,
            "/plain": self.plain,
            "/empty": self.empty,
            "/sets-cookie": self.sets_cookie,
        }
        for path, handler in routes.items():
            app.router.add_get(path, handler)
        return app

    @web.middleware
    async def _record(
        self, request: web.Request, handler: web.RequestHandler
    ) -> web.StreamResponse:
        self.requests.append(request.path)
        if "Cookie" in request.headers:
            self.cookies_seen.append(request.headers["Cookie"])
        return await handler(request)

    async def page(self, _: web.Request) -> web.Response:
        return web.Response(
            text=_page("A &amp; B: the\n  story", "What  happened\tnext.", "/photo.jpg"),
            content_type="text/html",
        )

    async def photo_route(self, _: web.Request) -> web.Response:
        return web.Response(body=self.photo, content_type="image/jpeg")

    async def title_only(self, _: web.Request) -> web.Response:
        return web.Response(
            text="<html><head><title>Just a title</title></head></html>", content_type="text/html"
        )

    async def bomb_page(self, _: web.Request) -> web.Response:
        return web.Response(
            text=_page("Bomb", "An image bomb", "/bomb.png"), content_type="text/html"
        )

    async def bomb_route(self, _: web.Request) -> web.Response:
        return web.Response(body=self.bomb, content_type="image/png")

    async def fake_image_page(self, _: web.Request) -> web.Response:
        return web.Response(
            text=_page("Fake", "Not an image", "fake.png"), content_type="text/html"
        )

    async def fake_image(self, _: web.Request) -> web.Response:
        return web.Response(body=b"<html>surprise</html>" * 10, content_type="image/png")

    async def huge(self, _: web.Request) -> web.Response:
        padding = "<!-- " + "x" * (600 * 1024) + " -->"
        return web.Response(text=_page("Huge", "Too big", None) + padding, content_type="text/html")

    async def huge_streamed(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(_page("Huge", "Streamed", None).encode())
        for _ in range(100):  # 100 × 16 KiB: far past the bound, with no declared length
            await response.write(b" " * 16384)
        await response.write_eof()
        return response

    async def never(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"<html><head><title>Slow")
        await self._never.wait()  # set only when the server stops
        return response

    async def to_file(self, _: web.Request) -> web.Response:
        raise web.HTTPFound("file:///etc/passwd")

    async def loop(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        raise web.HTTPFound(f"/loop/{n + 1}")

    async def plain(self, _: web.Request) -> web.Response:
        return web.Response(text="just text", content_type="text/plain")

    async def empty(self, _: web.Request) -> web.Response:
        return web.Response(text="<html><body>nothing</body></html>", content_type="text/html")

    async def sets_cookie(self, request: web.Request) -> web.Response:
        if request.query.get("step") != "2":
            response = web.HTTPFound("/sets-cookie?step=2")
            response.set_cookie("tracker", "abc")
            raise response
        return web.Response(text=_page("Cookie", "Second step", None), content_type="text/html")

    def stop(self) -> None:
        self._never.set()


@asynccontextmanager
async def preview_site() -> AsyncIterator[PreviewSite]:
    """Runs a :class:`PreviewSite` on 127.0.0.1 (a free port) for the duration."""
    site = PreviewSite()
    runner = web.AppRunner(site.app(), shutdown_timeout=0.1)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    server = tcp._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]
    site.base = f"http://127.0.0.1:{port}"
    try:
        yield site
    finally:
        site.stop()
        await runner.cleanup()
