"""Disappearing messages really disappear, and messages stuck unsent are told as failed.

One loop (run under the supervisor) deletes expired messages with their files and search
entries every quarter second and tells the windows (``MessagesExpired``); once a minute it
marks messages that could not be sent for 24 h as failed, so the user sees a red "!" and
can retry them rather than waiting forever.
"""

from __future__ import annotations

import asyncio
import logging

from chat_desktop.services.context import EngineContext
from chat_desktop.services.events import MessagesExpired, StatusChanged
from chat_desktop.services.sending import decode_payload

logger = logging.getLogger(__name__)

EXPIRY_POLL_S = 0.25
#: A message still unsent after this long is marked failed; the user can retry it.
OUTBOX_GIVE_UP_MS = 24 * 60 * 60 * 1000
GIVE_UP_CHECK_S = 60.0


class ExpirySweeper:
    """Deletes what expired and gives up on what could not be sent."""

    def __init__(self, context: EngineContext) -> None:
        """Works through ``context``'s store thread and publishes on its event stream."""
        self._context = context

    async def run(self) -> None:
        """The sweeping loop."""
        store = self._context.worker.store
        next_give_up_check = 0.0
        while True:
            loop_time = asyncio.get_running_loop().time()
            if loop_time >= next_give_up_check:
                next_give_up_check = loop_time + GIVE_UP_CHECK_S
                await self.give_up_on_stale_messages()
            try:
                keys = await self._context.worker.run(store.delete_expired)
            except Exception:
                logger.exception("deleting expired messages failed")
                keys = []
            by_peer: dict[str, list[str]] = {}
            for key in keys:
                by_peer.setdefault(key.conversation_id, []).append(key.message_id)
            for peer, ids in by_peer.items():
                self._context.events.publish(MessagesExpired(peer=peer, message_ids=tuple(ids)))
            await asyncio.sleep(EXPIRY_POLL_S)

    async def give_up_on_stale_messages(self) -> None:
        """Marks messages unsent for 24 h as failed (the user can retry them)."""
        outbox = self._context.worker.store.outbox
        try:
            failed = await self._context.worker.run(outbox.fail_stale, OUTBOX_GIVE_UP_MS)
        except Exception:
            logger.exception("marking stale messages failed did not work")
            return
        for entry in failed:
            if decode_payload(entry.payload).track_status:
                self._context.events.publish(
                    StatusChanged(
                        peer=entry.recipient, message_id=entry.message_id, status="failed"
                    )
                )
