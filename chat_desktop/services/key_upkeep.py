"""Our prekeys at the relay: rotated when due, replenished when the relay runs low.

Peers start sessions with us from the prekeys the relay hands out (docs/protocol.md §3). The
signed and last-resort PQ prekeys are rotated on a schedule, checked at every connect and
hourly while the link stays up for weeks; one-time prekeys are topped up when the relay says
it runs low (``keys:low``). A rotation whose upload failed is uploaded again at the next
chance: the relay must not keep handing out a retired key.
"""

from __future__ import annotations

import asyncio

from chat_desktop.net.errors import ConnectionFailure
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ProtocolError
from chat_desktop.protocol.schemas import KeyCounts, KeysUpload
from chat_desktop.services import own_keys
from chat_desktop.services.context import EngineContext

#: How often (s) the prekey rotation schedule is checked while the app runs.
KEY_UPKEEP_INTERVAL_S = 3600.0


class KeyUpkeep:
    """Keeps this device's prekeys at the relay fresh and plentiful."""

    def __init__(self, context: EngineContext) -> None:
        """Works through ``context``'s store thread and relay link."""
        self._context = context
        self._rotation_to_upload: KeysUpload | None = None

    async def run(self) -> None:
        """The upkeep loop (run under the supervisor): rotates the prekeys when due."""
        while True:
            await asyncio.sleep(KEY_UPKEEP_INTERVAL_S)
            connection = self._context.connection
            if connection is not None and connection.connected:
                await self.maintain_prekeys()

    async def maintain_prekeys(self) -> None:
        """Rotates the signed and last-resort PQ prekeys when due and uploads them."""
        worker = self._context.worker
        upload = await worker.run(own_keys.rotation_if_due, worker.store, self._context.identity)
        if upload is not None:
            self._rotation_to_upload = upload
        if self._rotation_to_upload is not None and await self._upload(self._rotation_to_upload):
            self._rotation_to_upload = None

    async def replenish(self, counts: KeyCounts) -> None:
        """Uploads new one-time prekeys when the relay's ``counts`` are low."""
        worker = self._context.worker
        upload = await worker.run(
            own_keys.replenishment, worker.store, self._context.identity, counts
        )
        if upload is not None:
            await self._upload(upload)

    async def _upload(self, upload: KeysUpload) -> bool:
        """Uploads prekeys; returns whether the relay took them."""
        connection = self._context.connection
        if connection is None:
            return False
        try:
            await connection.request(wire_events.KEYS_UPLOAD, upload, KeyCounts)
        except (ConnectionFailure, ProtocolError):
            return False
        return True
