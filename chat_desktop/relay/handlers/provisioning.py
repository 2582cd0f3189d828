"""The provisioning channel routes of docs/protocol.md §6.11.

- ``POST /v1/provisioning``: a new device opens a one-shot channel (rate limited per client
  address, and at most a few open per address);
- ``PUT /v1/provisioning/{id}``: an existing device of an account fills it once with the
  encrypted provisioning envelope, showing a valid, unused link token that has not filled a
  channel yet (a token fills one channel, once);
- ``GET /v1/provisioning/{id}?wait=S``: the new device long-polls for the envelope, which
  leaves the relay with that answer.

The channels themselves are :class:`chat_desktop.relay.provisioning.ProvisioningChannels`
(in memory; a restart loses them), or with several relay processes
:class:`chat_desktop.relay.redis_channels.RedisChannels` (shared through Redis).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Final

import msgspec
from aiohttp import web

from chat_desktop.protocol import events
from chat_desktop.protocol.codec import decode_http_json
from chat_desktop.protocol.errors import ErrorCode, ProtocolError, bad_request
from chat_desktop.protocol.schemas import (
    MAX_PROVISIONING_ENVELOPE,
    MAX_TOKEN_LENGTH,
    PROVISION_ID_PATTERN,
    ProvisioningEnvelope,
    ProvisioningOpened,
    WireStruct,
)
from chat_desktop.relay.context import CONTEXT_KEY, RelayContext
from chat_desktop.relay.http import (
    bearer_token,
    client_rate_key,
    error_response,
    json_response,
    read_body,
)
from chat_desktop.relay.link_tokens import link_token_hash
from chat_desktop.relay.logs import log_event
from chat_desktop.relay.provisioning import (
    MAX_WAIT_S,
    AddressFull,
    ChannelFilled,
    ChannelsFull,
    ChannelsUnavailable,
    UnknownChannel,
)

#: Largest ``PUT`` body: the envelope in base64url (4 characters per 3 bytes) and the JSON
#: around it; a bigger envelope is refused ``413`` before it is read.
MAX_PROVISIONING_BODY: Final = math.ceil(MAX_PROVISIONING_ENVELOPE * 4 / 3) + 64
#: ``retry_after`` when every channel slot (or the envelope memory) is taken.
_FULL_RETRY_AFTER_S: Final = 60.0
_PROVISION_ID: Final = re.compile(PROVISION_ID_PATTERN)
#: The refusal while the shared channels (Redis) cannot be reached.
_UNAVAILABLE: Final = "provisioning is unavailable for a moment"


class _UnboundedEnvelope(WireStruct, frozen=True):
    """:class:`ProvisioningEnvelope` without its size bound, so that an envelope a little
    over 1 MiB (but within the body limit) is answered ``too_large``, not ``bad_request``."""

    envelope: Annotated[bytes, msgspec.Meta(min_length=1)]


async def open_channel(request: web.Request) -> web.StreamResponse:
    """``POST /v1/provisioning``: ``201 {provision_id, expires_at}``."""
    context = request.app[CONTEXT_KEY]
    owner = client_rate_key(request, context.config.proxies)
    channels = context.channel_store()
    try:
        try:
            # Room first, so a refused open takes no token from the address's bucket (in
            # one process nothing yields between the check and the open; shared channels
            # check again, atomically, as they open).
            await channels.check_room(owner)
            await context.limiters.provisioning.acquire(owner)
            opened = await channels.open(owner)
        except AddressFull:
            raise _busy("this address has the most provisioning channels open") from None
        except ChannelsUnavailable:
            raise _busy(_UNAVAILABLE) from None
        except ChannelsFull:
            raise _busy("the relay holds too many provisioning channels") from None
    except ProtocolError as error:
        return error_response(error)
    return json_response(
        ProvisioningOpened(provision_id=opened.provision_id, expires_at=opened.expires_at),
        status=201,
    )


async def fill_channel(request: web.Request) -> web.StreamResponse:
    """``PUT /v1/provisioning/{id}`` with a link token: ``204`` once the envelope is held.

    The token's one fill is spent in the store while the channel is reserved in memory, so
    neither two channels with one token nor one channel with two tokens can be filled.
    """
    context = request.app[CONTEXT_KEY]
    try:
        token_hash = await _check_link_token(context, request)
        provision_id = _provision_id(request)
        channels = context.channel_store()
        await channels.check_open(provision_id)  # before reading up to 1 MiB for nothing
        body = await read_body(request, MAX_PROVISIONING_BODY)
        envelope = decode_http_json(body, _UnboundedEnvelope).envelope
        if len(envelope) > MAX_PROVISIONING_ENVELOPE:
            raise ProtocolError(ErrorCode.TOO_LARGE, "the envelope is over 1 MiB")
        await channels.reserve(provision_id, len(envelope))
        try:
            spent = await context.store.fill_with_link_token(token_hash, context.clock())
        except BaseException:
            await channels.release(provision_id)
            raise
        if not spent:
            await channels.release(provision_id)
            raise _spent_token()
        await channels.fill(provision_id, envelope)
    except ProtocolError as error:
        return error_response(error)
    except UnknownChannel:
        return error_response(_unknown_channel())
    except ChannelFilled:
        return error_response(ProtocolError(ErrorCode.CONFLICT, "the channel was filled already"))
    except ChannelsUnavailable:
        return error_response(_busy(_UNAVAILABLE))
    except ChannelsFull:
        return error_response(_busy())
    log_event("provisioning_filled")
    return web.Response(status=204)


async def take_envelope(request: web.Request) -> web.StreamResponse:
    """``GET /v1/provisioning/{id}?wait=S``: ``200 {envelope}`` (then the channel is gone),
    ``204`` when nothing came within the wait."""
    context = request.app[CONTEXT_KEY]
    try:
        provision_id = _provision_id(request)
        wait_s = _wait_seconds(request)
        envelope = await context.channel_store().take(provision_id, wait_s)
    except ProtocolError as error:
        return error_response(error)
    except UnknownChannel:
        return error_response(_unknown_channel())
    except ChannelsUnavailable:
        return error_response(_busy(_UNAVAILABLE))
    if envelope is None:
        return web.Response(status=204)
    return json_response(ProvisioningEnvelope(envelope=envelope))


async def _check_link_token(context: RelayContext, request: web.Request) -> bytes:
    """Returns the hash of the request's link token, a valid one that filled no channel yet.

    Raises:
        ProtocolError: ``unauthorized`` for a missing, unknown, used or expired token, one
            whose device was removed, or one that filled a channel already.
    """
    token = bearer_token(request)
    if token is None or len(token) > MAX_TOKEN_LENGTH:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "missing or malformed link token")
    token_hash = link_token_hash(token)
    record = await context.store.link_token(token_hash, context.clock())
    if record is None:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "invalid, used or expired link token")
    if record.filled:
        raise _spent_token()
    return token_hash


def _spent_token() -> ProtocolError:
    return ProtocolError(ErrorCode.UNAUTHORIZED, "the link token filled a channel already")


def _provision_id(request: web.Request) -> str:
    provision_id = request.match_info["provision_id"]
    if not _PROVISION_ID.match(provision_id):
        raise _unknown_channel()
    return provision_id


def _wait_seconds(request: web.Request) -> float:
    """Reads ``?wait=S`` (0 … 30 s, default 30)."""
    raw = request.query.get("wait")
    if raw is None:
        return MAX_WAIT_S
    try:
        wait_s = float(raw)
    except ValueError:
        raise bad_request("wait must be a number of seconds") from None
    if not 0 <= wait_s <= MAX_WAIT_S:  # also refuses NaN
        raise bad_request(f"wait must be between 0 and {MAX_WAIT_S:g} seconds")
    return wait_s


def _unknown_channel() -> ProtocolError:
    return ProtocolError(ErrorCode.NOT_FOUND, "no such provisioning channel")


def _busy(message: str = "the relay holds too many provisioning channels") -> ProtocolError:
    return ProtocolError(ErrorCode.RATE_LIMITED, message, retry_after=_FULL_RETRY_AFTER_S)


def register(app: web.Application) -> None:
    """Registers the provisioning routes."""
    app.router.add_post(events.PROVISIONING_PATH, open_channel)
    channel_path = events.provisioning_path("{provision_id}")
    app.router.add_put(channel_path, fill_channel)
    app.router.add_get(channel_path, take_envelope)
