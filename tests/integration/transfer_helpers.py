"""A real relay with a hostile layer in front of its blob routes, and file helpers."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from chat_desktop.protocol import events
from chat_desktop.relay.app import RelayServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def random_file(path: Path, size: int, chunk: int = 1024 * 1024) -> str:
    """Writes ``size`` random bytes in chunks (never whole in memory); returns the SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as sink:
        first = True
        remaining = size
        while remaining:
            data = os.urandom(min(chunk, remaining))
            if first:  # never the magic bytes of an image: sent as a plain file
                data = b"DATA" + data[4:]
                first = False
            digest.update(data)
            sink.write(data)
            remaining -= len(data)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class BlobTamper:
    """Middleware on the real relay: makes its blob answers hostile on request.

    ``get_mode``: ``longer`` / ``shorter`` (a consistent but wrong length), ``cut`` (announces
    the right length, hangs up halfway), ``corrupt`` (one byte flipped), ``stall`` (half,
    then nothing until :attr:`release` is set). ``stall_put``: uploads wait for
    :attr:`release` before the relay reads them.
    """

    def __init__(self, relay: RelayServer) -> None:
        self.relay = relay
        self.get_mode: str | None = None
        self.stall_put = False
        self.release = asyncio.Event()
        self.put_waiting = asyncio.Event()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(events.BLOBS_PATH_PREFIX):
            return await handler(request)
        if request.method == "PUT" and self.stall_put:
            self.put_waiting.set()
            await self.release.wait()
        if request.method != "GET" or self.get_mode is None:
            return await handler(request)
        answer = await handler(request)
        if answer.status != 200:
            return answer
        blob = self.relay.context.blobs.path(request.match_info["blob_id"]).read_bytes()
        return await self._hostile(request, blob)

    async def _hostile(self, request: web.Request, blob: bytes) -> web.StreamResponse:
        mode = self.get_mode
        if mode == "longer":
            return web.Response(body=blob + os.urandom(4096))
        if mode == "shorter":
            return web.Response(body=blob[:-4096])
        if mode == "corrupt":
            flipped = bytearray(blob)
            flipped[len(flipped) // 2] ^= 0x01
            return web.Response(body=bytes(flipped))
        response = web.StreamResponse()
        response.content_length = len(blob)
        await response.prepare(request)
        await response.write(blob[: len(blob) // 2])
        if mode == "cut":
            assert request.transport is not None
            request.transport.close()
            return response
        assert mode == "stall", mode
        await self.release.wait()
        return response
