"""Encrypted attachment blobs in an S3-compatible bucket (``chat-relay --blobs s3://bucket``).

For relays of several processes: every process sees the same bucket. The endpoint and the
credentials come from the environment as for any AWS tool (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``), never from the
command line, so they stay out of process listings and logs.

Uploads are streamed: bytes are counted as they arrive and buffered only up to one part
(:data:`PART_SIZE`, S3's smallest part but the last). A blob that fits in one part is one
``PutObject``; a larger one is a multipart upload, aborted (``AbortMultipartUpload``) the
moment it passes its limit or fails, so a refused upload leaves neither an object nor parts
that cost storage. Downloads stream ``GetObject``'s body in chunks. Uses aiobotocore (the
``s3`` extra), imported only when a relay is configured for S3.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any, Final

from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chat_desktop.relay.blob_storage import (
    BlobStorageUnavailable,
    BlobTooLarge,
    StreamedBlob,
)
from chat_desktop.relay.s3_location import S3Location

#: Bytes buffered before a part is sent: S3's minimum part size (every part but the last).
PART_SIZE: Final = 5 * 1024 * 1024
#: Chunk size of a download's body.
READ_CHUNK_SIZE: Final = 256 * 1024
#: Most keys one ``DeleteObjects`` request may name (S3's limit).
DELETE_BATCH: Final = 1000
#: The environment variables naming a non-AWS endpoint; with one set, path-style addressing
#: is used (``endpoint/bucket/key``), which every S3-compatible server understands.
ENDPOINT_VARIABLES: Final = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
_MISSING_CODES: Final = frozenset({"NoSuchKey", "404", "NotFound"})


def _client_config() -> Config:
    path_style = any(os.environ.get(name) for name in ENDPOINT_VARIABLES)
    return Config(
        connect_timeout=10,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": "path"} if path_style else None,
        # Checksums only where S3 requires them: not every S3-compatible server takes the
        # newer default ones, and TLS plus the blob's own encryption already guard the bytes.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


def _unavailable(location: S3Location, error: Exception) -> BlobStorageUnavailable:
    """A typed error naming the failure by its code or class only (never a credential)."""
    if isinstance(error, ClientError):
        cause = str(error.response.get("Error", {}).get("Code", "error"))
    else:
        cause = type(error).__name__
    return BlobStorageUnavailable(f"blob storage {location} failed: {cause}")


def _is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code", "")) in _MISSING_CODES


class S3Blobs:
    """Blobs as objects ``<prefix>/<blob_id>`` in one S3-compatible bucket."""

    def __init__(self, location: S3Location) -> None:
        """Uses ``location``; :meth:`start` connects."""
        self.location = location
        self._exit_stack = contextlib.AsyncExitStack()
        self._client: Any = None

    @property
    def client(self) -> Any:
        """The aiobotocore S3 client (once started)."""
        assert self._client is not None, "S3 blob storage not started"
        return self._client

    async def start(self) -> None:
        """Opens the client and checks the bucket answers (``HeadBucket``).

        Raises:
            BlobStorageUnavailable: The endpoint is down, the credentials are refused or the
                bucket does not exist: the relay must not start half-working.
        """
        session = get_session()
        self._client = await self._exit_stack.enter_async_context(
            session.create_client("s3", config=_client_config())
        )
        try:
            await self._client.head_bucket(Bucket=self.location.bucket)
        except (ClientError, BotoCoreError, OSError) as error:
            await self.stop()
            raise _unavailable(self.location, error) from None

    async def stop(self) -> None:
        """Closes the client and its connections."""
        self._client = None
        await self._exit_stack.aclose()

    async def write(self, blob_id: str, chunks: AsyncIterator[bytes], max_size: int) -> int:
        """Streams ``chunks`` into the blob's object and returns its size.

        Raises:
            BlobTooLarge: More than ``max_size`` bytes arrived; nothing is kept.
            BlobStorageUnavailable: The bucket failed; nothing is kept.
        """
        key = self.location.key(blob_id)
        upload = _MultipartUpload(self.client, self.location.bucket, key)
        buffer = bytearray()
        size = 0
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_size:
                    raise BlobTooLarge("upload is larger than allowed")
                buffer += chunk
                if len(buffer) >= PART_SIZE:
                    await upload.send_part(bytes(buffer))
                    buffer.clear()
            if upload.started:
                if buffer:
                    await upload.send_part(bytes(buffer))
                await upload.complete()
            else:
                await self.client.put_object(
                    Bucket=self.location.bucket, Key=key, Body=bytes(buffer)
                )
        except (ClientError, BotoCoreError, OSError) as error:
            await upload.abort()
            raise _unavailable(self.location, error) from None
        except BaseException:
            await upload.abort()
            raise
        return size

    async def open(self, blob_id: str) -> StreamedBlob | None:
        """Starts reading the blob's object; None if there is none.

        Raises:
            BlobStorageUnavailable: The bucket failed.
        """
        key = self.location.key(blob_id)
        try:
            response = await self.client.get_object(Bucket=self.location.bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                return None
            raise _unavailable(self.location, error) from None
        except (BotoCoreError, OSError) as error:
            raise _unavailable(self.location, error) from None
        body = response["Body"]

        async def close() -> None:
            body.close()

        return StreamedBlob(int(response["ContentLength"]), self._read(body), close)

    async def _read(self, body: Any) -> AsyncIterator[bytes]:
        try:
            async for chunk in body.iter_chunks(READ_CHUNK_SIZE):
                yield chunk
        except (ClientError, BotoCoreError, OSError) as error:
            raise _unavailable(self.location, error) from None

    async def delete(self, blob_ids: list[str]) -> None:
        """Deletes the blobs' objects (``DeleteObjects``, up to 1000 a request).

        Raises:
            BlobStorageUnavailable: The bucket failed or refused some deletions.
        """
        keys: list[str] = []
        for blob_id in blob_ids:
            with contextlib.suppress(ValueError):
                keys.append(self.location.key(blob_id))
        for start in range(0, len(keys), DELETE_BATCH):
            objects = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
            try:
                answer = await self.client.delete_objects(
                    Bucket=self.location.bucket, Delete={"Objects": objects, "Quiet": True}
                )
            except (ClientError, BotoCoreError, OSError) as error:
                raise _unavailable(self.location, error) from None
            if answer.get("Errors"):
                code = str(answer["Errors"][0].get("Code", "error"))
                raise BlobStorageUnavailable(f"blob storage {self.location} failed: {code}")


class _MultipartUpload:
    """One multipart upload, begun with its first part; abort drops every part sent."""

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    @property
    def started(self) -> bool:
        """Whether a part was sent (else the blob goes as one ``PutObject``)."""
        return self._upload_id is not None

    async def send_part(self, data: bytes) -> None:
        """Uploads the next part, beginning the upload first if needed."""
        if self._upload_id is None:
            created = await self._client.create_multipart_upload(Bucket=self._bucket, Key=self._key)
            self._upload_id = str(created["UploadId"])
        number = len(self._parts) + 1
        sent = await self._client.upload_part(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=data,
        )
        self._parts.append({"ETag": sent["ETag"], "PartNumber": number})

    async def complete(self) -> None:
        """Joins the parts into the object; only now does it become visible."""
        await self._client.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )
        self._upload_id = None

    async def abort(self) -> None:
        """Drops the upload's parts; best effort (a bucket lifecycle rule is the backstop)."""
        if self._upload_id is None:
            return
        upload_id, self._upload_id = self._upload_id, None
        with contextlib.suppress(ClientError, BotoCoreError, OSError):
            await self._client.abort_multipart_upload(
                Bucket=self._bucket, Key=self._key, UploadId=upload_id
            )
