"""The relay's blobs in an S3-compatible bucket (``--blobs s3://bucket/prefix``, issue 25).

Real relay subprocesses talk to moto's S3 server on loopback (``tests/s3_server.py``); the
test looks into the bucket itself. Uploads and downloads go through the relay's HTTP
endpoints, as clients do. The last test runs two relay processes on one PostgreSQL database
and one bucket: an attachment uploaded through one is downloaded through the other
(acceptance 3 of the issue, the blob half).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from postgres_server import PostgresServer
from relay_harness import (
    RELAXED_LIMITS,
    RelayClient,
    RelayProcess,
    TestAccount,
    query_database,
    register_account,
)
from s3_server import SECRET_ACCESS_KEY, S3Server, free_port

from chat_desktop.protocol import events
from chat_desktop.protocol.auth import now_ms
from chat_desktop.relay import s3_blobs
from chat_desktop.relay.blob_storage import StreamedBlob, new_blob_id
from chat_desktop.relay.s3_blobs import PART_SIZE, S3Blobs
from chat_desktop.relay.s3_location import S3Location

pytestmark = pytest.mark.integration

PREFIX = "attachments"
#: Bounded wait for what the relay does on its own (the sweeper).
_WAIT_S = 30.0


@pytest.fixture
def s3_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    """moto's S3 on loopback; relays started by the test inherit its environment."""
    server = S3Server()
    server.start()
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    yield server
    server.stop()


@pytest.fixture
def s3_relay(
    s3_server: S3Server, relay_process_factory: Callable[[Sequence[str]], RelayProcess]
) -> tuple[RelayProcess, str]:
    """A relay subprocess keeping its blobs under ``PREFIX/`` in a fresh bucket."""
    bucket = s3_server.create_bucket()
    relay = relay_process_factory(["--blobs", f"s3://{bucket}/{PREFIX}", "--sweep-interval", "0.2"])
    return relay, bucket


async def _put(url: str, blob_id: str, token: str, data: Any) -> tuple[int, bytes]:
    async with (
        aiohttp.ClientSession() as http,
        http.put(
            url + events.blob_path(blob_id), data=data, headers={"Authorization": f"Bearer {token}"}
        ) as response,
    ):
        return response.status, await response.read()


async def _get(url: str, blob_id: str, token: str) -> tuple[int, bytes]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            url + events.blob_path(blob_id), headers={"Authorization": f"Bearer {token}"}
        ) as response,
    ):
        return response.status, await response.read()


async def _chunked(data: bytes, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    """The body as a stream without ``Content-Length`` (chunked), as a hostile client may."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _objects(server: S3Server, bucket: str) -> dict[str, int]:
    listing = server.client().list_objects_v2(Bucket=bucket)
    return {item["Key"]: item["Size"] for item in listing.get("Contents", [])}


def _pending_uploads(server: S3Server, bucket: str) -> list[str]:
    listing = server.client().list_multipart_uploads(Bucket=bucket)
    return [upload["Key"] for upload in listing.get("Uploads", [])]


async def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = asyncio.get_running_loop().time() + _WAIT_S
    while not await asyncio.to_thread(condition):
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.1)


async def _connected(
    relay: RelayProcess, relay_clients: Callable[[TestAccount], RelayClient]
) -> RelayClient:
    client = relay_clients(await register_account(relay.url))
    await client.connect(relay.url)
    return client


async def test_blobs_stream_through_the_bucket_both_ways(
    s3_server: S3Server,
    s3_relay: tuple[RelayProcess, str],
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    relay, bucket = s3_relay
    client = await _connected(relay, relay_clients)
    large = bytes(range(256)) * (((2 * PART_SIZE) + 3 * 1024 * 1024) // 256)  # 3 parts
    small = b"a small blob, one PutObject"
    stored: dict[str, bytes] = {}
    for blob in (large, small):
        upload = await client.call(events.ATTACHMENT_UPLOAD, {"size": len(blob)})
        assert (await _put(relay.url, upload["blob_id"], upload["token"], _chunked(blob)))[0] == 201
        stored[upload["blob_id"]] = blob

    objects = await asyncio.to_thread(_objects, s3_server, bucket)
    assert objects == {f"{PREFIX}/{blob_id}": len(blob) for blob_id, blob in stored.items()}
    assert await asyncio.to_thread(_pending_uploads, s3_server, bucket) == []
    for blob_id, blob in stored.items():
        download = await client.call(events.ATTACHMENT_DOWNLOAD, {"blob_id": blob_id})
        status, body = await _get(relay.url, blob_id, download["token"])
        assert (status, len(body), body == blob) == (200, len(blob), True)


async def test_an_upload_past_its_size_leaves_no_object_and_no_parts(
    s3_server: S3Server,
    s3_relay: tuple[RelayProcess, str],
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    relay, bucket = s3_relay
    client = await _connected(relay, relay_clients)
    announced = 2 * PART_SIZE  # two full parts are sent before the excess shows
    blob = bytes(range(256)) * (announced // 256)
    upload = await client.call(events.ATTACHMENT_UPLOAD, {"size": announced})
    # No Content-Length: the relay only finds out by counting, after two parts went out.
    status, body = await _put(
        relay.url, upload["blob_id"], upload["token"], _chunked(blob + b"one byte too many")
    )
    assert (status, b'"too_large"' in body) == (413, True)
    assert await asyncio.to_thread(_objects, s3_server, bucket) == {}
    assert await asyncio.to_thread(_pending_uploads, s3_server, bucket) == []

    # Nothing was recorded either: the honest upload with the same token still works.
    assert (await _put(relay.url, upload["blob_id"], upload["token"], blob))[0] == 201
    assert await asyncio.to_thread(_objects, s3_server, bucket) == {
        f"{PREFIX}/{upload['blob_id']}": announced
    }


async def test_the_sweeper_deletes_expired_objects(
    s3_server: S3Server,
    s3_relay: tuple[RelayProcess, str],
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    relay, bucket = s3_relay
    client = await _connected(relay, relay_clients)
    expires_at = now_ms() + 2000
    doomed = await client.call(events.ATTACHMENT_UPLOAD, {"size": 5, "expires_at": expires_at})
    kept = await client.call(events.ATTACHMENT_UPLOAD, {"size": 4})
    assert (await _put(relay.url, doomed["blob_id"], doomed["token"], b"blob!"))[0] == 201
    assert (await _put(relay.url, kept["blob_id"], kept["token"], b"kept"))[0] == 201
    download = await client.call(events.ATTACHMENT_DOWNLOAD, {"blob_id": doomed["blob_id"]})
    assert await _get(relay.url, doomed["blob_id"], download["token"]) == (200, b"blob!")

    await _wait_until(lambda: f"{PREFIX}/{doomed['blob_id']}" not in _objects(s3_server, bucket))
    assert (await _get(relay.url, doomed["blob_id"], download["token"]))[0] == 404
    assert await asyncio.to_thread(_objects, s3_server, bucket) == {
        f"{PREFIX}/{kept['blob_id']}": 4
    }


async def test_an_outage_of_the_bucket_is_an_internal_error_that_changes_nothing(
    s3_server: S3Server,
    s3_relay: tuple[RelayProcess, str],
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    relay, bucket = s3_relay
    client = await _connected(relay, relay_clients)
    served = await client.call(events.ATTACHMENT_UPLOAD, {"size": 6})
    assert (await _put(relay.url, served["blob_id"], served["token"], b"served"))[0] == 201
    download = await client.call(events.ATTACHMENT_DOWNLOAD, {"blob_id": served["blob_id"]})
    blob = b"uploaded once the bucket is back"
    upload = await client.call(events.ATTACHMENT_UPLOAD, {"size": len(blob)})

    s3_server.stop()
    status, body = await _put(relay.url, upload["blob_id"], upload["token"], blob)
    assert (status, b'"internal"' in body) == (500, True)
    status, body = await _get(relay.url, served["blob_id"], download["token"])
    assert (status, b'"internal"' in body) == (500, True)
    failures = [r for r in relay.log_records() if r.get("event") == "blob_storage_failed"]
    assert failures and all(SECRET_ACCESS_KEY not in str(record) for record in failures)

    s3_server.start()  # same port, same buckets
    assert (await _put(relay.url, upload["blob_id"], upload["token"], blob))[0] == 201
    download = await client.call(events.ATTACHMENT_DOWNLOAD, {"blob_id": upload["blob_id"]})
    assert await _get(relay.url, upload["blob_id"], download["token"]) == (200, blob)
    assert len(await asyncio.to_thread(_objects, s3_server, bucket)) == 2


def _refused_start(tmp_path: Path, name: str, blobs_url: str) -> str:
    """Starts a relay that must refuse to run; returns its log."""
    relay = RelayProcess(tmp_path / name, ["--blobs", blobs_url])
    with pytest.raises(RuntimeError, match="exited early"):
        relay.start()
    assert relay.wait_exit() == 1
    return relay.log_path.read_text()


def test_a_relay_with_an_unusable_bucket_refuses_to_start(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = _refused_start(tmp_path, "missing", "s3://no-such-bucket-here")
    assert "blob_storage_unavailable" in missing and "s3://no-such-bucket-here" in missing

    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nobody there
    down = _refused_start(tmp_path, "down", "s3://no-such-bucket-here")
    assert "blob_storage_unavailable" in down and "EndpointConnectionError" in down
    assert SECRET_ACCESS_KEY not in missing + down


async def test_an_attachment_crosses_two_relay_processes_and_expires_from_the_bucket(
    s3_server: S3Server,
    postgres_server: PostgresServer,
    tmp_path: Path,
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    bucket = s3_server.create_bucket()
    database = postgres_server.create_database()
    limits = [arg for limit in RELAXED_LIMITS for arg in ("--rate-limit", limit)]
    args = ["--database", database, "--blobs", f"s3://{bucket}/{PREFIX}", "--sweep-interval", "0.2"]
    relays = [RelayProcess(tmp_path / f"relay{index}", [*args, *limits]) for index in (0, 1)]
    try:
        await asyncio.gather(*(asyncio.to_thread(relay.start) for relay in relays))
        uploader = await _connected(relays[0], relay_clients)
        downloader = await _connected(relays[1], relay_clients)
        blob = bytes(range(256)) * ((PART_SIZE + 1024 * 1024) // 256)  # two parts
        # Long enough for the upload and download on a busy machine, short enough to wait for.
        expires_at = now_ms() + 10_000
        upload = await uploader.call(
            events.ATTACHMENT_UPLOAD, {"size": len(blob), "expires_at": expires_at}
        )
        status, _ = await _put(relays[0].url, upload["blob_id"], upload["token"], _chunked(blob))
        assert status == 201

        download = await downloader.call(events.ATTACHMENT_DOWNLOAD, {"blob_id": upload["blob_id"]})
        status, body = await _get(relays[1].url, upload["blob_id"], download["token"])
        assert (status, len(body), body == blob) == (200, len(blob), True)

        key = f"{PREFIX}/{upload['blob_id']}"
        assert key in await asyncio.to_thread(_objects, s3_server, bucket)
        await _wait_until(lambda: key not in _objects(s3_server, bucket))
        assert query_database(
            database, "SELECT count(*) FROM blobs WHERE blob_id = ?", upload["blob_id"]
        ) == [(0,)]
        assert (await _get(relays[1].url, upload["blob_id"], download["token"]))[0] == 404
    finally:
        for relay in relays:
            relay.kill()
        postgres_server.release_database(database)


async def test_the_storage_deletes_in_batches_and_never_touches_foreign_keys(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s3_blobs, "DELETE_BATCH", 2)  # three requests, not 1003 objects
    bucket = s3_server.create_bucket()
    client = s3_server.client()
    blob_ids = [new_blob_id() for _ in range(5)]

    def fill() -> None:
        for blob_id in blob_ids:
            client.put_object(Bucket=bucket, Key=f"{PREFIX}/{blob_id}", Body=b"x")
        client.put_object(Bucket=bucket, Key="someone-elses/object", Body=b"theirs")

    await asyncio.to_thread(fill)
    storage = S3Blobs(S3Location(bucket, PREFIX))
    await storage.start()
    try:
        # Hostile ids (a path, an upper-case copy) are skipped, not turned into keys.
        await storage.delete([*blob_ids, "../someone-elses/object", blob_ids[0].upper()])
        assert await storage.open(blob_ids[-1]) is None
        with pytest.raises(ValueError, match="malformed blob id"):
            await storage.open("../someone-elses/object")
        blob = new_blob_id()
        assert await storage.write(blob, _chunked(b"kept"), max_size=4) == 4
        opened = await storage.open(blob)
        assert isinstance(opened, StreamedBlob)
        try:
            assert (opened.size, b"".join([chunk async for chunk in opened.chunks])) == (4, b"kept")
        finally:
            await opened.close()
    finally:
        await storage.stop()
    assert await asyncio.to_thread(_objects, s3_server, bucket) == {
        "someone-elses/object": 6,
        f"{PREFIX}/{blob}": 4,
    }
