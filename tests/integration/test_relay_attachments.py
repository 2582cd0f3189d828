"""Blobs and disappearing messages (docs/protocol.md §5, §6; acceptance 5 and the upload limits)."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from relay_harness import database_of, new_message_id, query_database, register_account

from chat_desktop.protocol import events
from chat_desktop.protocol.auth import now_ms
from chat_desktop.protocol.schemas import MAX_BLOB_SIZE
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


async def _get(url: str, blob_id: str, token: str) -> tuple[int, bytes]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            url + events.blob_path(blob_id), headers={"Authorization": f"Bearer {token}"}
        ) as response,
    ):
        return response.status, await response.read()


async def _wait_until(condition, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


async def test_blob_round_trip_and_tokens(relay: RelayServer, relay_clients) -> None:
    alice, bob = await register_account(relay.url), await register_account(relay.url)
    uploader, downloader = relay_clients(alice), relay_clients(bob)
    await uploader.connect(relay.url)
    await downloader.connect(relay.url)
    blob = bytes(range(256)) * 1000
    upload = await uploader.call(events.ATTACHMENT_UPLOAD, {"size": len(blob)})
    assert upload["ok"]
    assert await _put(relay.url, upload["blob_id"], "forged.token", blob) == 401
    assert await _put(relay.url, upload["blob_id"], upload["token"], blob) == 201
    assert await _put(relay.url, upload["blob_id"], upload["token"], blob) == 409

    download = await downloader.call(events.ATTACHMENT_DOWNLOAD, {"blob_id": upload["blob_id"]})
    assert await _get(relay.url, upload["blob_id"], upload["token"]) == (
        401,
        b'{"ok":false,"error":"unauthorized","message":"invalid or expired token"}',
    )
    status, body = await _get(relay.url, upload["blob_id"], download["token"])
    assert (status, body == blob) == (200, True)


async def test_oversize_uploads_are_refused_and_the_connection_stays_usable(
    relay, relay_clients
) -> None:
    account = await register_account(relay.url)
    client = relay_clients(account)
    await client.connect(relay.url)
    too_big = await client.call(events.ATTACHMENT_UPLOAD, {"size": MAX_BLOB_SIZE + 1})
    assert (too_big["ok"], too_big["error"]) == (False, "too_large")

    upload = await client.call(events.ATTACHMENT_UPLOAD, {"size": 1000})
    assert await _put(relay.url, upload["blob_id"], upload["token"], b"x" * 1001) == 413
    assert not (relay.config.blob_dir / upload["blob_id"]).exists()
    # Same connection, same blob: a correct upload still works.
    assert await _put(relay.url, upload["blob_id"], upload["token"], b"x" * 1000) == 201
    assert (await client.call(events.ATTACHMENT_UPLOAD, {"size": 10}))["ok"]


async def test_expiring_envelope_and_blob_are_never_served_and_swept(
    relay: RelayServer, relay_clients
) -> None:
    alice, bob = await register_account(relay.url), await register_account(relay.url)
    sender = relay_clients(alice)
    await sender.connect(relay.url)
    expires_at = now_ms() + 2000
    upload = await sender.call(events.ATTACHMENT_UPLOAD, {"size": 5, "expires_at": expires_at})
    assert upload["expires_at"] == expires_at
    assert await _put(relay.url, upload["blob_id"], upload["token"], b"blob!") == 201
    blob_file = relay.config.blob_dir / upload["blob_id"]
    assert blob_file.exists()
    doomed = new_message_id()
    assert (await sender.send_text(bob, b"gone soon", doomed, expires_at=expires_at))["ok"]
    download = await sender.call(events.ATTACHMENT_DOWNLOAD, {"blob_id": upload["blob_id"]})

    await asyncio.sleep(max(0.0, (expires_at - now_ms()) / 1000) + 0.1)
    # Expired: not served, whether or not the sweeper ran yet.
    assert (await _get(relay.url, upload["blob_id"], download["token"]))[0] == 404
    late = await sender.call(events.ATTACHMENT_DOWNLOAD, {"blob_id": upload["blob_id"]})
    assert late["error"] == "not_found"
    receiver = relay_clients(bob)
    await receiver.connect(relay.url)
    marker = new_message_id()
    assert (await sender.send_text(bob, b"marker", marker))["ok"]
    assert (await receiver.next_message())["id"] == marker  # the expired one never came

    def swept() -> bool:
        database = database_of(relay)
        ((envelopes,),) = query_database(
            database, "SELECT count(*) FROM envelopes WHERE msg_id = ?", doomed
        )
        ((blobs,),) = query_database(
            database, "SELECT count(*) FROM blobs WHERE blob_id = ?", upload["blob_id"]
        )
        return envelopes == 0 and blobs == 0 and not blob_file.exists()

    await _wait_until(swept)


async def test_expiry_while_online_is_never_delivered(relay, relay_clients) -> None:
    alice, bob = await register_account(relay.url), await register_account(relay.url)
    sender, receiver = relay_clients(alice), relay_clients(bob)
    await sender.connect(relay.url)
    await receiver.connect(relay.url)
    past = new_message_id()
    assert (await sender.send_text(bob, b"late", past, expires_at=now_ms() - 1))["ok"]
    marker = new_message_id()
    assert (await sender.send_text(bob, b"marker", marker))["ok"]
    assert (await receiver.next_message())["id"] == marker
