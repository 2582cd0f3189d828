"""Cutting the live connections of an account the operator reset.

``chat-relay --reset-account NAME`` runs in its own process against the data folder: it
deletes the account and appends to the store's reset log. Each running relay watches that log
(:class:`ResetWatcher`, one cheap indexed read every ``reset_check_interval_s``) and, for every
new entry, cuts the connections of that user whose identity key is no longer the stored one:
they leave the session registry first, so their next event is refused ``unauthorized``, then
their delivery stops and the socket is disconnected.

Comparing identity keys rather than names keeps a connection of the same name registered
again after the reset (a new identity key) alive, and :meth:`ResetWatcher.check_connect`
closes the race of a connect authenticated just before a reset that the watcher saw first.
"""

from __future__ import annotations

import asyncio
from typing import Final

from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.handlers import presence
from chat_desktop.relay.logs import log_event, log_exception
from chat_desktop.relay.sessions import ConnectedDevice

#: Reset log entries read per query.
_BATCH: Final = 100


async def cut_connection(context: RelayContext, device: ConnectedDevice) -> None:
    """Ends one connection of a reset account: refused at once, then disconnected."""
    if context.sessions.remove(device.sid) is None:
        return  # already gone (disconnected or replaced)
    await device.delivery.stop()
    log_event("connection_cut", sid=device.sid, device_id=device.device_id)
    try:
        await context.sio.disconnect(device.sid)
    except Exception:
        log_exception("disconnect_failed", device_id=device.device_id)
    if device.visible and not context.sessions.is_online(device.user):
        await presence.announce(context, device.user, False, None)


async def cut_stale_connections(context: RelayContext, user: str) -> int:
    """Cuts every connection of ``user`` whose identity key is no longer the stored one.

    Returns:
        How many connections were cut.
    """
    cut = 0
    for device in context.sessions.devices_of(user):
        current = await context.store.identity_key(user, device.device_id)
        if current != device.identity_key:
            await cut_connection(context, device)
            cut += 1
    return cut


class ResetWatcher:
    """Follows the store's reset log and cuts the connections of reset accounts.

    Attributes:
        seq: The newest reset log entry handled (0 before :meth:`prime`).
    """

    def __init__(self, context: RelayContext) -> None:
        """Watches ``context.store``; call :meth:`prime` once the store is open."""
        self._context = context
        self.seq = 0

    async def prime(self) -> None:
        """Skips resets made before this relay started: no connection predates them."""
        self.seq = await self._context.store.last_reset_seq()

    async def check_once(self) -> int:
        """Handles every reset logged since the last check; returns connections cut."""
        cut = 0
        while True:
            resets = await self._context.store.resets_after(self.seq, _BATCH)
            for reset in resets:
                self.seq = reset.seq
                cut += await cut_stale_connections(self._context, reset.username)
            if len(resets) < _BATCH:
                return cut

    async def check_connect(self, device: ConnectedDevice, seq_before_auth: int) -> None:
        """Cuts a new connection whose account was reset while it was authenticating.

        Args:
            device: The connection, already registered in the session registry.
            seq_before_auth: :attr:`seq` read before its identity key was looked up. If the
                watcher handled a reset since, that reset may have run before this device
                was registered and so missed it; the identity key is checked again then.
        """
        if self.seq != seq_before_auth:
            await cut_stale_connections(self._context, device.user)

    async def run(self, interval_s: float) -> None:
        """Checks every ``interval_s`` seconds until cancelled; a failed check is retried."""
        while True:
            try:
                await self.check_once()
            except Exception:
                log_exception("reset_check_failed")
            await asyncio.sleep(interval_s)
