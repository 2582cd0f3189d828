"""The relay's blob store streams, and never keeps a partial upload (docs/protocol.md §6.3)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp
import pytest
from relay_harness import RelayClient, TestAccount, register_account

from chat_desktop.protocol import events
from chat_desktop.relay.app import RelayServer

pytestmark = pytest.mark.integration


async def _put(url: str, blob_id: str, token: str, data: bytes) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.put(
            url + events.blob_path(blob_id),
            data=data,
            headers={"Authorization": f"Bearer {token}"},
        ) as response,
    ):
        return response.status


async def _truncated_put(url: str, blob_id: str, token: str, announced: int, sent: bytes) -> None:
    """A PUT announcing ``announced`` bytes that sends only ``sent`` then hangs up."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    head = (
        f"PUT {events.blob_path(blob_id)} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        f"Authorization: Bearer {token}\r\n"
        f"Content-Length: {announced}\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    writer.write(head.encode() + sent)
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    await reader.read()  # the relay's answer, if any, until it closes its side


async def test_a_truncated_upload_is_not_kept_and_can_be_uploaded_again(
    relay: RelayServer, relay_clients: Callable[[TestAccount], RelayClient]
) -> None:
    account = await register_account(relay.url)
    client = relay_clients(account)
    await client.connect(relay.url)
    blob = bytes(range(256)) * 4096  # 1 MiB
    upload = await client.call(events.ATTACHMENT_UPLOAD, {"size": len(blob)})
    await _truncated_put(relay.url, upload["blob_id"], upload["token"], len(blob), blob[:300_000])

    async def settled() -> bool:
        # The relay handles the hang-up in its own task: wait until the partial file is gone.
        partial = relay.config.blob_dir / "partial"
        return not any(partial.iterdir())

    async with asyncio.timeout(10):
        while not await settled():
            await asyncio.sleep(0.02)
    download = await client.call(events.ATTACHMENT_DOWNLOAD, {"blob_id": upload["blob_id"]})
    assert (download["ok"], download.get("error")) == (False, "not_found")
    assert not relay.context.blobs.path(upload["blob_id"]).exists()
    assert await _put(relay.url, upload["blob_id"], upload["token"], blob) == 201
