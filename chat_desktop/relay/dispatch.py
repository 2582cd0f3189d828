"""The one validation path of every client→relay event.

:func:`register_event` wraps a typed handler: it finds the authenticated connection,
validates the payload against the event's msgspec schema, runs the handler and turns the
outcome into the ack of docs/protocol.md §6. Whatever a client sends, it gets ``bad_request`` or
another typed error back and its connection keeps working; an unexpected failure is logged
(without payload) and answered with ``internal``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec

from chat_desktop.protocol.codec import decode_event, ok_ack
from chat_desktop.protocol.errors import ErrorCode, ProtocolError, bad_request
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.logs import log_exception
from chat_desktop.relay.sessions import ConnectedDevice

P = TypeVar("P", bound=msgspec.Struct)

EventHandler = Callable[[RelayContext, ConnectedDevice, P], Awaitable[msgspec.Struct | None]]


def register_event(
    context: RelayContext, event: str, schema: type[P], handler: EventHandler[P]
) -> None:
    """Registers ``handler`` for ``event`` behind validation and error mapping.

    The handler runs synchronously up to its first ``await``, in arrival order, so a handler
    that queues a store write before awaiting keeps one connection's requests in order.
    """

    async def on_event(sid: str, *args: Any) -> dict[str, Any]:
        device = context.sessions.by_sid(sid)
        if device is None:
            return ProtocolError(ErrorCode.UNAUTHORIZED, "not authenticated").to_ack()
        try:
            if len(args) != 1:
                raise bad_request("expected exactly one payload object")
            payload = decode_event(args[0], schema)
            return ok_ack(await handler(context, device, payload))
        except ProtocolError as error:
            return error.to_ack()
        except Exception:
            log_exception("event_failed", event_name=event)
            return ProtocolError(ErrorCode.INTERNAL, "internal error").to_ack()

    context.sio.on(event, on_event)


def register_unknown_event_handler(context: RelayContext) -> None:
    """Answers any event without a handler with ``bad_request``."""

    async def on_unknown(event: Any, sid: str, *args: Any) -> dict[str, Any]:
        return bad_request("unknown event").to_ack()

    context.sio.on("*", on_unknown)
