"""A call's peer connection: making it, following its state, and replacing it once (ICE
restart) when the network under a call that had media fails.

The connection's state drives the call: ``connected`` makes a ``connecting`` call
``connected``; a failure before any media ends the call; a failure after media is given a
grace (the peer's hangup closes DTLS before it arrives by the relay) and then counts as lost.
A lost call is re-offered once by the caller on a fresh peer connection (``restart: true``),
which the callee answers without ringing; a second loss ends it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from chat_desktop.protocol.message_content import CallAnswerContent, CallOfferContent
from chat_desktop.services.call_core import SIGNAL_TTL_MS, CallCore
from chat_desktop.services.call_ending import end_call
from chat_desktop.services.call_media import CallMedia
from chat_desktop.services.call_signaling import ice_servers
from chat_desktop.services.call_state import ActiveCall
from chat_desktop.services.context import new_message_id, now_ms

if TYPE_CHECKING:
    from chat_desktop.services.call_session import CallSession

#: How long a connected call may stay "disconnected" before it counts as failed.
DISCONNECT_GRACE_S = 5.0
#: How long a peer connection that had media may be down before it counts as lost (the
#: peer's hangup, which closes DTLS first, arrives by the relay meanwhile).
HANGUP_GRACE_S = 2.0
#: How long a callee whose connection failed waits for the caller's restart offer: longer
#: than ICE's consent checks take to notice a dead path (about 30 s in aioice).
RESTART_WAIT_S = 40.0


async def new_session(
    core: CallCore, call: ActiveCall, media: CallMedia, video: bool
) -> CallSession:
    """A peer connection for ``call`` whose state changes reach :func:`_on_connection`
    (aiortc is imported with the first call: ~0.3 s the app's start does not pay)."""
    from chat_desktop.services.call_session import CallSession

    servers = await ice_servers(core.context)
    made: list[CallSession] = []

    def on_state(state: str) -> None:
        if made:
            core.spawn(_on_connection(core, call, made[0], state))

    session = CallSession(media, video, servers, on_state)
    made.append(session)
    return session


async def _on_connection(
    core: CallCore, call: ActiveCall, session: CallSession, state: str
) -> None:
    """``session`` of ``call`` reported ``state`` (ignored once it was replaced)."""
    async with core.lock:
        if core.call is not call or call.session is not session:
            return
        if state == "connected" and call.state == "connecting":
            call.state = "connected"
            if call.connected_at_ms is None:  # (an ICE restart keeps the first)
                call.connected_at_ms = now_ms()
            core.publish_state(call)
        elif state in ("failed", "closed"):  # (aiortc: "closed" when ICE died)
            if call.connected_at_ms is None:
                await end_call(core, call, "failed", "failed", tell="failed")
            else:
                # The peer hanging up closes DTLS before its hangup arrives by the
                # relay: give the hangup a moment before calling the path lost.
                core.spawn(_grace(core, call, session, HANGUP_GRACE_S))
        elif state == "disconnected" and call.state == "connected":
            core.spawn(_grace(core, call, session, DISCONNECT_GRACE_S))


async def _grace(core: CallCore, call: ActiveCall, session: CallSession, wait_s: float) -> None:
    """``session`` of a call that had media went down: lost unless, ``wait_s`` later,
    the call ended, the session was replaced or it is connected again."""
    await asyncio.sleep(wait_s)
    async with core.lock:
        if core.call is not call or call.session is not session:
            return
        if session.connection_state() != "connected":
            await _connection_lost(core, call)


async def _connection_lost(core: CallCore, call: ActiveCall) -> None:
    """The peer connection failed: a restart if the call had media, else the end."""
    if call.connected_at_ms is None:
        await end_call(core, call, "failed", "failed", tell="failed")
    elif call.outgoing and not call.restarted:
        await _restart(core, call)
    elif not call.outgoing and not call.restarted:
        # The caller re-offers when it notices (at worst after ICE's consent checks).
        call.restarted = True
        call.state = "connecting"
        core.publish_state(call)
        core.spawn(_await_restart(core, call, call.session))
    else:
        await end_call(core, call, "failed", "failed", tell="failed")


async def _await_restart(core: CallCore, call: ActiveCall, lost: CallSession | None) -> None:
    """Callee: the call fails unless the caller's restart replaced ``lost`` in time."""
    await asyncio.sleep(RESTART_WAIT_S)
    async with core.lock:
        if core.call is call and call.session is lost:
            await end_call(core, call, "failed", "failed", tell="failed")


async def _replace_session(core: CallCore, call: ActiveCall) -> CallSession:
    """A fresh peer connection for ``call`` on the same media; the old one is closed."""
    assert call.media is not None and call.peer_device is not None
    call.restarted = True
    old = call.session
    call.session = await new_session(core, call, call.media, call.sends_video)
    if old is not None:
        await old.close()
    call.state = "connecting"
    core.publish_state(call)
    return call.session


async def _restart(core: CallCore, call: ActiveCall) -> None:
    """ICE restart, the caller's side: a new peer connection, offered with ``restart``."""
    session = await _replace_session(core, call)
    assert call.peer_device is not None
    try:
        sdp = await session.offer(receive_video=call.video)
    except Exception:
        await end_call(core, call, "failed", "failed", tell="failed")
        return
    offer = CallOfferContent(
        id=new_message_id(),
        sent_at=now_ms(),
        call_id=call.call_id,
        sdp=sdp,
        video=call.video,
        restart=True,
        devices=[call.peer_device],
    )
    # Its answer is taken like the first one, from the device in the call only.
    call.rang = {call.peer_device}
    call.awaiting_answer = True
    if not await core.signals.send(call.peer, offer, SIGNAL_TTL_MS):
        await end_call(core, call, "failed", "failed")


async def answer_restart(core: CallCore, call: ActiveCall, offer: CallOfferContent) -> None:
    """ICE restart, the callee's side: a new peer connection answers the re-offer."""
    session = await _replace_session(core, call)
    assert call.peer_device is not None
    try:
        sdp = await session.answer(core.remote(offer.sdp))
    except Exception:
        await end_call(core, call, "failed", "failed", tell="failed")
        return
    answer = CallAnswerContent(
        id=new_message_id(),
        sent_at=now_ms(),
        call_id=call.call_id,
        sdp=sdp,
        devices=[call.peer_device],
    )
    await core.signals.send(call.peer, answer, SIGNAL_TTL_MS)
