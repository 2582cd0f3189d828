"""The relay's plain-HTTP side: registration and encrypted attachment blobs.

Blobs are streamed from and to files in chunks, with a progress callback, so a 100 MiB
attachment never sits in memory. Everything sent here is already encrypted by the caller.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp

from chat_desktop.net.errors import STALL_TIMEOUT_S, BlobSizeMismatch, HttpFailure
from chat_desktop.protocol import events
from chat_desktop.protocol.codec import decode_http_json, encode_http_json
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import (
    MAX_BLOB_SIZE,
    ErrorBody,
    LinkDeviceRequest,
    ProvisioningEnvelope,
    ProvisioningOpened,
    RegisterRequest,
    RegisterResponse,
)

#: Blob bytes per read and per progress callback (half the engine's progress guarantee).
CHUNK_SIZE = 128 * 1024
#: Seconds without a byte from the relay before a transfer is given up (it can be retried).
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=STALL_TIMEOUT_S)

Progress = Callable[[int, int], None]


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
    """Yields the file in chunks, read in a worker thread so the event loop never waits."""
    sent = 0
    source = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(source.read, CHUNK_SIZE):
            sent += len(chunk)
            yield chunk
            if progress is not None:
                progress(sent, total)
    finally:
        source.close()


def _timeout(stall_timeout: float) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=stall_timeout)


async def upload_blob(
    relay_url: str,
    blob_id: str,
    token: str,
    path: Path,
    progress: Progress | None = None,
    *,
    stall_timeout: float = STALL_TIMEOUT_S,
) -> None:
    """Streams an encrypted blob file to ``PUT /v1/blobs/{blob_id}``.

    The body is read from the file chunk by chunk while it is sent; cancelling the calling
    task aborts the request, and the relay then keeps nothing.

    Raises:
        ProtocolError: The relay refused it (``too_large``, ``unauthorized``, ...).
        HttpFailure: The relay could not be reached or stopped answering; upload again later.
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
            aiohttp.ClientSession(timeout=_timeout(stall_timeout)) as session,
            session.put(url, data=_file_chunks(path, total, progress), headers=headers) as response,
        ):
            await _raise_for_error(response)
    except (aiohttp.ClientError, TimeoutError) as error:
        raise HttpFailure("the relay could not be reached") from error


async def download_blob(
    relay_url: str,
    blob_id: str,
    token: str,
    destination: Path,
    expected_size: int,
    progress: Progress | None = None,
    *,
    stall_timeout: float = STALL_TIMEOUT_S,
) -> None:
    """Streams ``GET /v1/blobs/{blob_id}`` into a new file ``destination``.

    Exactly ``expected_size`` bytes must arrive: a longer answer is cut off at the first byte
    too many (a hostile relay cannot fill the disk), a shorter one is refused at its end. A
    relay that sends nothing for ``stall_timeout`` seconds ends the download. The caller
    removes ``destination`` when this raises.

    Raises:
        ProtocolError: ``not_found`` once expired, or another refusal by the relay.
        BlobSizeMismatch: The relay sent more or fewer bytes than announced.
        HttpFailure: The relay could not be reached or stopped sending.
    """
    limit = min(expected_size, MAX_BLOB_SIZE)
    url = relay_url.rstrip("/") + events.blob_path(blob_id)
    received = 0
    try:
        async with (
            aiohttp.ClientSession(timeout=_timeout(stall_timeout)) as session,
            session.get(url, headers={"Authorization": f"Bearer {token}"}) as response,
        ):
            await _raise_for_error(response)
            announced = response.content_length
            if announced is not None and announced != expected_size:
                raise BlobSizeMismatch("the relay announced an attachment of the wrong size")
            descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as sink:
                async for chunk in response.content.iter_chunked(CHUNK_SIZE):
                    received += len(chunk)
                    if received > limit:
                        raise BlobSizeMismatch("the relay sent a longer attachment than announced")
                    await asyncio.to_thread(sink.write, chunk)
                    if progress is not None:
                        progress(received, expected_size)
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as error:
        raise BlobSizeMismatch("the relay sent a shorter attachment than announced") from error
    except (aiohttp.ClientError, TimeoutError) as error:
        raise HttpFailure("the relay could not be reached or stopped sending") from error
    if received != expected_size:
        raise BlobSizeMismatch("the relay sent a shorter attachment than announced")


# ---- linking a device (docs/protocol.md §6.11) -----------------------------------------------

#: Longest a provisioning long-poll waits on the relay, in seconds (the protocol's maximum).
PROVISIONING_WAIT_S = 30


async def _post_json(url: str, body: bytes | None, headers: dict[str, str]) -> bytes:
    try:
        async with (
            aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session,
            session.post(url, data=body, headers=headers) as response,
        ):
            await _raise_for_error(response)
            return await response.read()
    except aiohttp.ClientError as error:
        raise HttpFailure("the relay could not be reached") from error


async def open_provisioning(relay_url: str) -> ProvisioningOpened:
    """Opens a one-shot provisioning channel for this (new) device.

    Raises:
        ProtocolError: ``rate_limited`` and the like.
        HttpFailure: The relay could not be reached.
    """
    url = relay_url.rstrip("/") + events.PROVISIONING_PATH
    return decode_http_json(await _post_json(url, None, {}), ProvisioningOpened)


async def put_provisioning(
    relay_url: str, provision_id: str, link_token: str, envelope: bytes
) -> None:
    """Fills a new device's provisioning channel (existing device, with its link token).

    Raises:
        ProtocolError: ``unauthorized`` (bad token), ``not_found`` (expired channel),
            ``conflict`` (already filled).
        HttpFailure: The relay could not be reached.
    """
    url = relay_url.rstrip("/") + events.provisioning_path(provision_id)
    body = encode_http_json(ProvisioningEnvelope(envelope=envelope))
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {link_token}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session,
            session.put(url, data=body, headers=headers) as response,
        ):
            await _raise_for_error(response)
    except aiohttp.ClientError as error:
        raise HttpFailure("the relay could not be reached") from error


async def poll_provisioning(relay_url: str, provision_id: str) -> bytes | None:
    """Waits (long-poll, up to 30 s) for the channel's envelope; None if nothing came yet.

    Raises:
        ProtocolError: ``not_found`` when the channel expired or was used.
        HttpFailure: The relay could not be reached.
    """
    url = (
        relay_url.rstrip("/")
        + events.provisioning_path(provision_id)
        + f"?wait={PROVISIONING_WAIT_S}"
    )
    timeout = aiohttp.ClientTimeout(total=PROVISIONING_WAIT_S + 15, sock_connect=10)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(url) as response,
        ):
            await _raise_for_error(response)
            if response.status == 204:
                return None
            return decode_http_json(await response.read(), ProvisioningEnvelope).envelope
    except (aiohttp.ClientError, TimeoutError) as error:
        raise HttpFailure("the relay could not be reached") from error


async def register_linked_device(relay_url: str, request: LinkDeviceRequest) -> int:
    """Registers this device on an existing account with a link token; returns its id.

    Raises:
        ProtocolError: ``unauthorized`` (token), ``too_large`` (device limit), ...
        HttpFailure: The relay could not be reached.
    """
    url = relay_url.rstrip("/") + events.DEVICES_PATH
    body = await _post_json(url, encode_http_json(request), {"Content-Type": "application/json"})
    return decode_http_json(body, RegisterResponse).device_id
