"""``account:delete``: a user deletes their own account from a connected device.

The deletion reuses the store's ``delete_account`` (the operator reset's): the account, its
devices, prekeys and the envelopes waiting for it are gone, and the reset is logged, so every
relay on the same data cuts the account's other live connections. The requesting connection
leaves the session registry *before* the deletion, so the reset watcher never cuts it before
its ack is sent; its socket is closed right after the ack. Every later event on it is refused
``unauthorized``.
"""

from __future__ import annotations

from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.events import ACCOUNT_DELETE
from chat_desktop.protocol.schemas import AccountDelete, EmptyAck
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.dispatch import register_event
from chat_desktop.relay.handlers import presence
from chat_desktop.relay.logs import log_event, log_exception
from chat_desktop.relay.resets import cut_stale_connections
from chat_desktop.relay.sessions import ConnectedDevice


async def delete_account(
    context: RelayContext,
    device: ConnectedDevice,
    request: AccountDelete,
) -> EmptyAck:
    """Deletes the connection's own account; answers once the deletion is durable.

    Raises:
        ProtocolError: ``rate_limited`` past the ``account_deletions`` rate rule;
            ``unauthorized`` when ``user`` is not the connection's account, or when the
            account's identity key is no longer the connection's (reset and registered
            again by someone else meanwhile: that new account is not ours to delete).
    """
    await context.limiters.account_deletions.acquire(device.user)
    if request.user != device.user:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "a connection may delete only its own account")
    stored_key = await context.store.identity_key(device.user, device.device_id)
    if stored_key != device.identity_key:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "this device no longer owns the account")
    if context.sessions.remove(device.sid) is None:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "not authenticated")  # replaced meanwhile
    await device.delivery.stop()
    try:
        await context.store.delete_account(device.user)
    except BaseException:
        # Out of the registry but not deleted: close the socket so the client reconnects.
        context.sio.start_background_task(_disconnect, context, device.sid)
        raise
    log_event("account_deleted", sid=device.sid, device_id=device.device_id)
    context.peers.account_reset(device.user)  # cut it on the other relay processes too
    await cut_stale_connections(context, device.user)
    if device.visible and not context.sessions.is_online(device.user):
        await presence.announce(context, device.user, False, None)
    # Started now, it runs once this handler's ack is queued on the socket (nothing between
    # the handler's return and that queueing yields), so the ack goes out before the close.
    context.sio.start_background_task(_disconnect, context, device.sid)
    return EmptyAck()


async def _disconnect(context: RelayContext, sid: str) -> None:
    try:
        await context.sio.disconnect(sid)
    except Exception:
        log_exception("disconnect_failed")


def register(context: RelayContext) -> None:
    """Registers ``account:delete``."""
    register_event(context, ACCOUNT_DELETE, AccountDelete, delete_account)
