"""Attachments: ``attachment:upload`` / ``attachment:download`` tokens and the blob HTTP API.

The Socket.IO events reserve a blob and hand out short-lived bearer tokens; the bytes go over
plain HTTP, streamed to the blob storage (files or an S3 bucket; ``PUT``, ``413`` past the
announced size or 100 MiB) and back (``GET``, ``404`` once expired, also before the sweeper
ran). A storage failure is ``500 internal`` and changes nothing: the upload can be retried.
"""

from __future__ import annotations

import logging

from aiohttp import web

from chat_desktop.protocol import events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError, bad_request
from chat_desktop.protocol.schemas import (
    MAX_BLOB_SIZE,
    AttachmentDownload,
    AttachmentDownloadAck,
    AttachmentUpload,
    AttachmentUploadAck,
)
from chat_desktop.relay.blob_storage import (
    BlobStorageUnavailable,
    BlobTooLarge,
    LocalBlob,
    StoredBlob,
    new_blob_id,
)
from chat_desktop.relay.context import CONTEXT_KEY, RelayContext
from chat_desktop.relay.dispatch import register_event
from chat_desktop.relay.http import bearer_token, error_response
from chat_desktop.relay.logs import log_event
from chat_desktop.relay.sessions import ConnectedDevice
from chat_desktop.relay.store import BlobAlreadyUploaded, UnknownBlob
from chat_desktop.relay.tokens import BlobGrant, InvalidToken, Purpose


async def reserve_upload(
    context: RelayContext, device: ConnectedDevice, request: AttachmentUpload
) -> AttachmentUploadAck:
    """Reserves a blob id and returns the token to ``PUT`` its bytes."""
    await context.limiters.attachments.acquire(device.user)
    if request.size > MAX_BLOB_SIZE:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"attachments are at most {MAX_BLOB_SIZE} bytes")
    now = context.clock()
    latest = now + context.config.retention_ms
    expires_at = latest if request.expires_at is None else min(request.expires_at, latest)
    if expires_at <= now:
        raise bad_request("expires_at is in the past")
    blob_id = new_blob_id()
    await context.store.reserve_blob(blob_id, device.user, request.size, expires_at, now)
    # Tokens outlive nothing by themselves: every use also checks the blob's own expiry.
    grant = BlobGrant("put", blob_id, request.size, now + context.config.token_lifetime_ms)
    return AttachmentUploadAck(
        blob_id=blob_id, token=context.blob_tokens().issue(grant), expires_at=expires_at
    )


async def grant_download(
    context: RelayContext, device: ConnectedDevice, request: AttachmentDownload
) -> AttachmentDownloadAck:
    """Returns a token to ``GET`` an uploaded, unexpired blob."""
    await context.limiters.attachments.acquire(device.user)
    now = context.clock()
    record = await context.store.blob(request.blob_id, now)
    if record is None or not record.uploaded:
        raise ProtocolError(ErrorCode.NOT_FOUND, "no such blob")
    grant = BlobGrant(
        "get", record.blob_id, record.size or 0, now + context.config.token_lifetime_ms
    )
    return AttachmentDownloadAck(token=context.blob_tokens().issue(grant))


def _authorize(request: web.Request, purpose: Purpose) -> BlobGrant:
    context = request.app[CONTEXT_KEY]
    token = bearer_token(request)
    if token is None:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "missing bearer token")
    try:
        return context.blob_tokens().check(
            token, purpose, request.match_info["blob_id"], context.clock()
        )
    except InvalidToken:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "invalid or expired token") from None


async def put_blob(request: web.Request) -> web.StreamResponse:
    """``PUT /v1/blobs/{blob_id}``: streams the blob to storage; ``201`` when stored."""
    context = request.app[CONTEXT_KEY]
    try:
        grant = _authorize(request, "put")
        limit = min(grant.max_size, MAX_BLOB_SIZE)
        if request.content_length is not None and request.content_length > limit:
            raise ProtocolError(ErrorCode.TOO_LARGE, "blob is larger than announced")
        record = await context.store.blob(grant.blob_id, context.clock())
        if record is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such blob")
        if record.uploaded:
            raise ProtocolError(ErrorCode.CONFLICT, "blob already uploaded")
        try:
            size = await context.blobs.write(grant.blob_id, request.content.iter_any(), limit)
        except BlobTooLarge:
            raise ProtocolError(ErrorCode.TOO_LARGE, "blob is larger than announced") from None
        except BlobStorageUnavailable as error:
            raise _storage_failed(error) from None
        try:
            await context.store.mark_blob_uploaded(grant.blob_id, size, context.clock())
        except UnknownBlob:
            await _delete_quietly(request, grant.blob_id)
            raise ProtocolError(ErrorCode.NOT_FOUND, "blob expired during upload") from None
        except BlobAlreadyUploaded:
            raise ProtocolError(ErrorCode.CONFLICT, "blob already uploaded") from None
    except ProtocolError as error:
        return error_response(error)
    return web.Response(status=201)


async def get_blob(request: web.Request) -> web.StreamResponse:
    """``GET /v1/blobs/{blob_id}``: the blob's bytes, or ``404`` once expired."""
    context = request.app[CONTEXT_KEY]
    try:
        grant = _authorize(request, "get")
        record = await context.store.blob(grant.blob_id, context.clock())
        if record is None or not record.uploaded:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such blob")
        try:
            blob = await context.blobs.open(grant.blob_id)
        except BlobStorageUnavailable as error:
            raise _storage_failed(error) from None
        if blob is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such blob")
    except ProtocolError as error:
        return error_response(error)
    return await _send_blob(request, blob)


async def _send_blob(request: web.Request, blob: StoredBlob) -> web.StreamResponse:
    """Answers with a file directly, or streams a remote blob chunk by chunk."""
    headers = {"Content-Type": "application/octet-stream"}
    if isinstance(blob, LocalBlob):
        return web.FileResponse(blob.path, headers=headers)
    try:
        response = web.StreamResponse(headers=headers)
        response.content_length = blob.size
        await response.prepare(request)
        async for chunk in blob.chunks:
            await response.write(chunk)
        await response.write_eof()
    except BlobStorageUnavailable as error:
        # Headers are sent: all the client can see is a short body (it retries later).
        log_event("blob_storage_failed", logging.WARNING, reason=str(error))
        raise
    finally:
        await blob.close()
    return response


def _storage_failed(error: BlobStorageUnavailable) -> ProtocolError:
    """Logs a storage failure for the operator; the client gets a plain ``internal``."""
    log_event("blob_storage_failed", logging.WARNING, reason=str(error))
    return ProtocolError(ErrorCode.INTERNAL, "blob storage unavailable, try again later")


async def _delete_quietly(request: web.Request, blob_id: str) -> None:
    """Deletes a blob nobody can fetch any more; the sweeper's rows are gone, so a failure
    is only logged (the object is then left for the bucket's lifecycle rule)."""
    try:
        await request.app[CONTEXT_KEY].blobs.delete([blob_id])
    except BlobStorageUnavailable as error:
        log_event("blob_storage_failed", logging.WARNING, reason=str(error))


def register(context: RelayContext, app: web.Application) -> None:
    """Registers the attachment events and the blob routes."""
    register_event(context, events.ATTACHMENT_UPLOAD, AttachmentUpload, reserve_upload)
    register_event(context, events.ATTACHMENT_DOWNLOAD, AttachmentDownload, grant_download)
    app.router.add_put(events.BLOBS_PATH_PREFIX + "{blob_id}", put_blob)
    app.router.add_get(events.BLOBS_PATH_PREFIX + "{blob_id}", get_blob)
