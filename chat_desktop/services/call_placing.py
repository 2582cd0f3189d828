"""Opening a call from this device: calling a contact, and taking a call that rings here.

Both ask the media factory for the devices first, so a missing or busy microphone (or
camera) is refused before anything goes to the peer; a callee whose device fails keeps
ringing and may try again. The offer rings every device of the callee until the ring time.
"""

from __future__ import annotations

import secrets

from chat_desktop.protocol.message_content import CallAnswerContent, CallOfferContent
from chat_desktop.services.call_connection import new_session
from chat_desktop.services.call_core import SIGNAL_TTL_MS, CallCore
from chat_desktop.services.call_ending import end_call, release, ring_timer
from chat_desktop.services.call_errors import CallBusy, CallNotAllowed, UnknownCall
from chat_desktop.services.call_media import CallDeviceError
from chat_desktop.services.call_signaling import call_peer_standing
from chat_desktop.services.call_state import ActiveCall
from chat_desktop.services.context import new_message_id, now_ms


async def place_call(core: CallCore, peer: str, video: bool) -> str:
    """Calls ``peer`` (a checked user name; every device of theirs rings); returns the id.

    Raises:
        CallBusy: A call is already going on here.
        CallNotAllowed: ``peer`` is not a trusted 1:1 contact.
        CallDeviceError: The microphone (or camera) is missing or busy.
    """
    async with core.lock:
        if core.call is not None:
            raise CallBusy()
        if peer == core.context.username:
            raise CallNotAllowed()
        worker = core.context.worker
        standing = await worker.run(call_peer_standing, worker.store, peer)
        if standing != "trusted":
            raise CallNotAllowed()
        media = core.make_media(video)
        call_id = secrets.token_hex(16)
        call = ActiveCall(call_id, peer, True, video, "ringing", now_ms(), media=media)
        call.camera_on = call.sends_video = video
        try:
            call.session = await new_session(core, call, media, video)
            sdp = await call.session.offer(receive_video=video)
        except BaseException:
            await release(call)
            raise
        core.call = call
        core.seen.append(call_id)
        core.publish_state(call)
        offer = CallOfferContent(
            id=new_message_id(), sent_at=now_ms(), call_id=call_id, sdp=sdp, video=video
        )
        rang = await core.signals.send(peer, offer, core.ring_ttl_ms())
        if core.call is not call:
            return call_id  # ended while the offer went
        if not rang:
            await end_call(core, call, "failed", "failed")
            return call_id
        call.rang = set(rang)
        call.awaiting_answer = True
        call.timer = core.spawn(ring_timer(core, call))
        return call_id


async def accept_call(core: CallCore, call_id: str, video: bool) -> None:
    """Takes the ringing call ``call_id`` (with our camera if ``video``).

    Raises:
        UnknownCall: That call is not ringing here (ended, or answered elsewhere).
        CallDeviceError: The microphone (or camera) is missing or busy; the call rings on.
    """
    async with core.lock:
        call = core.call
        if call is None or call.call_id != call_id or call.outgoing or call.state != "ringing":
            raise UnknownCall()
        assert call.offer_sdp is not None and call.peer_device is not None
        media = core.make_media(video)
        call.media = media
        call.camera_on = call.sends_video = video
        try:
            call.session = await new_session(core, call, media, video)
            answer_sdp = await call.session.answer(core.remote(call.offer_sdp))
        except CallDeviceError:
            await release(call)  # the call rings on
            raise
        except Exception:
            await end_call(core, call, "failed", "failed", tell="failed")
            return
        core.cancel_timer(call)
        call.camera_on = call.sends_video = call.session.sends_video  # (a voice offer)
        call.state = "connecting"
        core.publish_state(call)
        answer = CallAnswerContent(
            id=new_message_id(),
            sent_at=now_ms(),
            call_id=call_id,
            sdp=answer_sdp,
            devices=[call.peer_device],
        )
        if not await core.signals.send(call.peer, answer, SIGNAL_TTL_MS):
            await end_call(core, call, "failed", "failed")
