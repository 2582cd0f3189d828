"""How a call ends, whatever ends it: the devices freed, the peer told, the note written.

Every end goes through :func:`end_call`, so each call's peer connection and media are closed
however it ends (hang-up, decline, timeout, failure, the client closing), and the end is
published last: whoever sees it finds the devices free and the history note written. The
ring timer lives here too: an offer nobody answered is the commonest end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from chat_desktop.protocol.message_content import CallHangupContent, CallHangupReason
from chat_desktop.services.call_core import SIGNAL_TTL_MS, CallCore
from chat_desktop.services.call_history import CallOutcome, write_call_note
from chat_desktop.services.call_state import ActiveCall
from chat_desktop.services.context import new_message_id, now_ms
from chat_desktop.services.events import CallEnded, CallEndReason

logger = logging.getLogger(__name__)


async def end_call(
    core: CallCore,
    call: ActiveCall,
    reason: CallEndReason,
    outcome: CallOutcome | None,
    *,
    tell: CallHangupReason | None = None,
) -> None:
    """Ends ``call`` (lock held): frees everything, tells the peer (if ``tell``), writes the
    note (if ``outcome``), and then publishes the end. A call already over is left alone."""
    if core.call is not call:
        return
    core.call = None
    core.cancel_timer(call)
    ended_at = now_ms()
    duration_s = 0
    if call.connected_at_ms is not None:
        duration_s = max(0, (ended_at - call.connected_at_ms) // 1000)
    await release(call)
    call.state = "ended"
    if tell is not None:
        devices = (
            sorted(call.rang)
            if call.outgoing and call.peer_device is None
            else [call.peer_device]
            if call.peer_device is not None
            else []
        )
        if devices:
            await core.signals.send(
                call.peer, hangup_content(call.call_id, tell, devices), SIGNAL_TTL_MS
            )
    if outcome is not None:
        await write_note(
            core, call.peer, call.call_id, call.outgoing, call.video, outcome, duration_s
        )
    # Told last: whoever sees the end finds the devices free and the note written.
    core.publish_state(call)
    core.context.events.publish(
        CallEnded(
            call_id=call.call_id,
            peer=call.peer,
            outgoing=call.outgoing,
            video=call.video,
            reason=reason,
            duration_s=duration_s,
        )
    )


async def release(call: ActiveCall) -> None:
    """Closes the call's peer connection and its media (the devices are free after)."""
    session, call.session = call.session, None
    if session is not None:
        with contextlib.suppress(Exception):
            await session.close()
    media, call.media = call.media, None
    if media is not None:
        try:
            await media.close()
        except Exception as error:
            logger.warning("closing call media failed: %s", type(error).__name__)


async def ring_timer(core: CallCore, call: ActiveCall) -> None:
    """Ends ``call`` as a timeout if it still rings after the ring time (both sides: the
    caller tells the callee's devices, the callee just stops ringing)."""
    await asyncio.sleep(core.ring_timeout_s)
    async with core.lock:
        if core.call is call and call.state == "ringing":
            call.timer = None  # this task: not to be cancelled by the end
            await end_call(
                core, call, "timeout", "missed", tell="timeout" if call.outgoing else None
            )


async def write_note(
    core: CallCore,
    peer: str,
    call_id: str,
    outgoing: bool,
    video: bool,
    outcome: CallOutcome,
    duration_s: int,
) -> None:
    """Writes the call's history note in ``peer``'s conversation and tells the GUI (once
    per call: a note already there is not written again)."""
    worker = core.context.worker

    def write() -> object:
        with worker.store.transaction():
            return write_call_note(
                worker.store,
                peer,
                call_id,
                me=core.context.username,
                outgoing=outgoing,
                video=video,
                outcome=outcome,
                duration_s=duration_s,
            )

    event = await worker.run(write)
    if event is not None:
        core.context.events.publish(event)  # type: ignore[arg-type]


def outcome_of_answered(call: ActiveCall) -> CallOutcome:
    """An answered call hung up: completed if media flowed, else cancelled."""
    return "completed" if call.connected_at_ms is not None else "cancelled"


def hangup_content(call_id: str, reason: CallHangupReason, devices: list[int]) -> CallHangupContent:
    """A hangup for ``call_id`` meant for the peer's ``devices`` only."""
    return CallHangupContent(
        id=new_message_id(), sent_at=now_ms(), call_id=call_id, reason=reason, devices=devices
    )
