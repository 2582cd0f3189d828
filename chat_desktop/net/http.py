"""The relay's plain-HTTP side: registration and encrypted attachment blobs.

Blobs are streamed from and to files in chunks, with a progress callback, so a 100 MiB
attachment never sits in memory. Everything sent here is already encrypted by the caller.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp

from chat_desktop.protocol import events
from chat_desktop.protocol.codec import decode_http_json, encode_http_json
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import (
    MAX_BLOB_SIZE,
    ErrorBody,
    RegisterRequest,
    RegisterResponse,
)

CHUNK_SIZE = 256 * 1024
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=60)

Progress = Callable[[int, int], None]


class HttpFailure(Exception):
    """The relay could not be reached over HTTP (nothing was stored)."""


async def _raise_for_error(response: aiohttp.ClientResponse) -> None:
    if response.status < 300:
        return
    body = await response.read()
    try:
        error = decode_http_json(body, ErrorBody)
    except ProtocolError:
        code = {404: ErrorCode.NOT_FOUND, 409: ErrorCode.CONFLICT, 413: ErrorCode.TOO_LARGE}
        raise ProtocolError(
            code.get(response.status, ErrorCode.INTERNAL), f"HTTP {response.status}"
        ) from None
    raise ProtocolError.from_ack(
        {"error": error.error, "message": error.message, "retry_after": error.retry_after}
    )


async def register_account(relay_url: str, request: RegisterRequest) -> int:
    """Registers a new account and its first device; returns the device id.

    Raises:
        ProtocolError: ``conflict`` when the name is taken, ``bad_request``, ``rate_limited``.
        HttpFailure: The relay could not be reached.
    """
    url = relay_url.rstrip("/") + events.ACCOUNTS_PATH
    try:
        async with (
            aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session,
            session.post(
                url, data=encode_http_json(request), headers={"Content-Type": "application/json"}
            ) as response,
        ):
            await _raise_for_error(response)
            return decode_http_json(await response.read(), RegisterResponse).device_id
    except aiohttp.ClientError as error:
        raise HttpFailure("the relay could not be reached") from error


async def _file_chunks(path: Path, total: int, progress: Progress | None) -> AsyncIterator[bytes]:
    sent = 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_SIZE):
            sent += len(chunk)
            yield chunk
            if progress is not None:
                progress(sent, total)


async def upload_blob(
    relay_url: str, blob_id: str, token: str, path: Path, progress: Progress | None = None
) -> None:
    """Streams an encrypted blob file to ``PUT /v1/blobs/{blob_id}``.

    Raises:
        ProtocolError: The relay refused it (``too_large``, ``unauthorized``, ...).
        HttpFailure: The relay could not be reached; upload again later.
    """
    total = path.stat().st_size
    url = relay_url.rstrip("/") + events.blob_path(blob_id)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/octet-stream",
        "Content-Length": str(total),
    }
    try:
        async with (
            aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session,
            session.put(url, data=_file_chunks(path, total, progress), headers=headers) as response,
        ):
            await _raise_for_error(response)
    except aiohttp.ClientError as error:
        raise HttpFailure("the relay could not be reached") from error


async def download_blob(
    relay_url: str,
    blob_id: str,
    token: str,
    destination: Path,
    expected_size: int,
    progress: Progress | None = None,
) -> None:
    """Streams ``GET /v1/blobs/{blob_id}`` into ``destination``.

    Refuses to write more than ``expected_size`` bytes (or the protocol maximum), so a
    hostile relay cannot fill the disk.

    Raises:
        ProtocolError: ``not_found`` once expired, ``too_large`` for an oversize answer.
        HttpFailure: The relay could not be reached.
    """
    limit = min(expected_size, MAX_BLOB_SIZE)
    url = relay_url.rstrip("/") + events.blob_path(blob_id)
    received = 0
    try:
        async with (
            aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session,
            session.get(url, headers={"Authorization": f"Bearer {token}"}) as response,
        ):
            await _raise_for_error(response)
            with destination.open("wb") as sink:
                async for chunk in response.content.iter_chunked(CHUNK_SIZE):
                    received += len(chunk)
                    if received > limit:
                        raise ProtocolError(ErrorCode.TOO_LARGE, "blob larger than announced")
                    sink.write(chunk)
                    if progress is not None:
                        progress(received, expected_size)
    except aiohttp.ClientError as error:
        raise HttpFailure("the relay could not be reached") from error
