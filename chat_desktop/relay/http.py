"""Small helpers for the relay's plain-HTTP endpoints: JSON answers, bounded bodies and the
client address that per-address limits are charged to."""

from __future__ import annotations

import msgspec
from aiohttp import web

from chat_desktop.protocol.codec import encode_http_json
from chat_desktop.protocol.errors import HTTP_STATUS, ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import ErrorBody
from chat_desktop.relay.client_address import ProxySettings, client_address, rate_key

JSON_CONTENT_TYPE = "application/json"


def json_response(value: msgspec.Struct, status: int = 200) -> web.Response:
    """Answers with ``value`` as JSON (binary fields as base64url)."""
    return web.Response(status=status, body=encode_http_json(value), content_type=JSON_CONTENT_TYPE)


def error_response(error: ProtocolError) -> web.Response:
    """Answers with the HTTP status of ``error.code`` and the error-ack fields as body."""
    body = ErrorBody(
        ok=False, error=error.code.value, message=error.message, retry_after=error.retry_after
    )
    response = json_response(body, HTTP_STATUS[error.code])
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(max(1, round(error.retry_after + 0.5)))
    return response


async def read_body(request: web.Request, limit: int) -> bytes:
    """Reads a request body of at most ``limit`` bytes.

    Raises:
        ProtocolError: ``too_large`` when the body is (or announces to be) longer.
    """
    if request.content_length is not None and request.content_length > limit:
        raise ProtocolError(ErrorCode.TOO_LARGE, "request body too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise ProtocolError(ErrorCode.TOO_LARGE, "request body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def bearer_token(request: web.Request) -> str | None:
    """Returns the token of an ``Authorization: Bearer <token>`` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def client_rate_key(request: web.Request, proxies: ProxySettings) -> str:
    """Returns the bucket key of the request's client: its address (IPv6 by /64), taken from
    the forwarding header only when the peer is a trusted proxy."""
    headers = request.headers.getall(proxies.header.value, [])
    return rate_key(client_address(request.remote, headers, proxies))
