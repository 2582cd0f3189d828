"""``message:send``, ``message:send_multi`` and ``message:ack``: store once, ack when durable,
deliver, delete.

A send is acked only after its envelopes are committed (group commit in the store), and a
repeat of the same ``(sender, recipient, id)`` gets the first ``server_ts`` back without a
second copy. A send must carry one payload per current device of the recipient (minus the
sending device for a send to one's own account, docs/protocol.md §6.11); otherwise nothing is
stored and the answer names the ``missing`` and ``extra`` devices. A send that would put
more than ``--max-queued-bytes`` of bodies in the queue of one recipient device is refused
``quota_exceeded`` (checked in the same write that stores, docs/protocol.md §6.8).
Envelopes for a device connected here are pushed to its delivery queue right away; the rest
wait in the store for the device's next connect.

``message:send_multi`` (docs/protocol.md §6.6) stores ONE opaque body for every listed device
of up to :data:`MAX_RECIPIENTS` users under the same rules, each user's device set checked
like a ``message:send``'s; any refusal (a user unknown, a device set stale, a queue full)
stores nothing for anyone, and a mismatch names every user concerned. It counts as one
message for the ``messages`` rate limit. The relay knows no groups: a group is just the
recipients a client lists.
"""

from __future__ import annotations

import os
import signal

from chat_desktop.protocol import events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError, bad_request
from chat_desktop.protocol.schemas import (
    MAX_BODY_SIZE,
    MAX_PAYLOADS,
    MAX_RECIPIENTS,
    EmptyAck,
    MessageAck,
    MessageSend,
    MessageSendAck,
    MessageSendMulti,
)
from chat_desktop.relay.config import FAILPOINT_CRASH_AFTER_STORE
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.dispatch import register_event
from chat_desktop.relay.logs import log_event
from chat_desktop.relay.sessions import ConnectedDevice
from chat_desktop.relay.store import QueueQuotaExceeded, StoredMessage, UnknownRecipient
from chat_desktop.relay.store_devices import MismatchedDevices, MismatchedRecipients


def check_send_limits(request: MessageSend) -> None:
    """Applies the size limits of docs/protocol.md §6 to a send.

    Raises:
        ProtocolError: ``too_large`` over a limit, ``bad_request`` for no payload or one
            device addressed twice.
    """
    if not request.payloads:
        raise bad_request("a message needs at least one payload")
    if len(request.payloads) > MAX_PAYLOADS:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"at most {MAX_PAYLOADS} payloads a message")
    if any(len(payload.body) > MAX_BODY_SIZE for payload in request.payloads):
        raise ProtocolError(ErrorCode.TOO_LARGE, f"a payload body is over {MAX_BODY_SIZE} bytes")
    if len({payload.device_id for payload in request.payloads}) != len(request.payloads):
        raise bad_request("a device is addressed twice")


def check_multi_send_limits(request: MessageSendMulti) -> None:
    """Applies the limits of docs/protocol.md §6.6 and §6.8 to a ``message:send_multi``.

    Raises:
        ProtocolError: ``too_large`` for more than :data:`MAX_RECIPIENTS` users, more than
            :data:`MAX_PAYLOADS` devices of one user or a body over :data:`MAX_BODY_SIZE`;
            ``bad_request`` for no device at all, a user listed twice or a device listed
            twice for one user.
    """
    if len(request.recipients) > MAX_RECIPIENTS:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"at most {MAX_RECIPIENTS} recipients a message")
    if any(len(recipient.device_ids) > MAX_PAYLOADS for recipient in request.recipients):
        raise ProtocolError(ErrorCode.TOO_LARGE, f"at most {MAX_PAYLOADS} devices a recipient")
    if len(request.body) > MAX_BODY_SIZE:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"the body is over {MAX_BODY_SIZE} bytes")
    if not any(recipient.device_ids for recipient in request.recipients):
        raise bad_request("a message needs at least one recipient device")
    if len({recipient.user for recipient in request.recipients}) != len(request.recipients):
        raise bad_request("a recipient is listed twice")
    for recipient in request.recipients:
        if len(set(recipient.device_ids)) != len(recipient.device_ids):
            raise bad_request("a device is addressed twice")


def _quota_exceeded() -> ProtocolError:
    return ProtocolError(
        ErrorCode.QUOTA_EXCEEDED,
        "a recipient device has too much undelivered data waiting on the relay",
    )


def _deliver(context: RelayContext, stored: StoredMessage) -> None:
    """Crashes here if the failpoint asks to, else pushes the envelopes just stored to their
    devices connected here, and wakes the other relay processes for the rest (a device
    connected nowhere gets them from the store at its next connect)."""
    if context.config.failpoint == FAILPOINT_CRASH_AFTER_STORE:
        log_event("failpoint_crash", failpoint=FAILPOINT_CRASH_AFTER_STORE)
        os.kill(os.getpid(), signal.SIGKILL)
    elsewhere = []
    for envelope in stored.envelopes:
        recipient = context.sessions.by_device(envelope.recipient, envelope.recipient_device)
        if recipient is not None:
            recipient.delivery.push(envelope)
        else:
            elsewhere.append((envelope.recipient, envelope.recipient_device))
    context.peers.wake(elsewhere)  # maybe connected to another relay process


async def send(
    context: RelayContext, device: ConnectedDevice, request: MessageSend
) -> MessageSendAck:
    """Stores a message durably (once per recipient and id), then acks it and pushes it to
    the recipient's devices."""
    await context.limiters.messages.acquire(device.user)
    check_send_limits(request)
    try:
        stored = await context.store.store_message(
            device.user,
            device.device_id,
            request.id,
            request.to,
            request.payloads,
            request.expires_at,
            context.clock(),
            max_queued_bytes=context.config.max_queued_bytes,
        )
    except UnknownRecipient:
        raise ProtocolError(ErrorCode.NOT_FOUND, "no such recipient") from None
    except MismatchedDevices as mismatch:
        raise ProtocolError(
            ErrorCode.MISMATCHED_DEVICES,
            "the payloads do not match the recipient's devices",
            missing=mismatch.missing,
            extra=mismatch.extra,
        ) from None
    except QueueQuotaExceeded:
        raise _quota_exceeded() from None
    _deliver(context, stored)
    return MessageSendAck(server_ts=stored.server_ts)


async def send_multi(
    context: RelayContext, device: ConnectedDevice, request: MessageSendMulti
) -> MessageSendAck:
    """Stores one body durably for every listed device of every recipient (once per sender
    and id), then acks it and pushes it to the recipient devices connected here."""
    await context.limiters.messages.acquire(device.user)
    check_multi_send_limits(request)
    try:
        stored = await context.store.store_multi_message(
            device.user,
            device.device_id,
            request.id,
            request.recipients,
            request.body,
            request.expires_at,
            context.clock(),
            max_queued_bytes=context.config.max_queued_bytes,
        )
    except UnknownRecipient:
        raise ProtocolError(ErrorCode.NOT_FOUND, "no such recipient") from None
    except MismatchedRecipients as mismatch:
        raise ProtocolError(
            ErrorCode.MISMATCHED_DEVICES,
            "the device ids do not match some recipients' devices",
            mismatched_users=mismatch.users,
        ) from None
    except QueueQuotaExceeded:
        raise _quota_exceeded() from None
    _deliver(context, stored)
    return MessageSendAck(server_ts=stored.server_ts)


async def ack(context: RelayContext, device: ConnectedDevice, request: MessageAck) -> EmptyAck:
    """Deletes the acking device's own envelopes with these ids (others' stay untouched)."""
    await context.store.delete_envelopes(device.user, device.device_id, request.ids)
    return EmptyAck()


def register(context: RelayContext) -> None:
    """Registers the message events."""
    register_event(context, events.MESSAGE_SEND, MessageSend, send)
    register_event(context, events.MESSAGE_SEND_MULTI, MessageSendMulti, send_multi)
    register_event(context, events.MESSAGE_ACK, MessageAck, ack)
