"""What the peer does to a call: its offers, answers, hangups and ICE candidates.

Signals arrive already screened (:class:`~chat_desktop.services.call_signaling.CallInbox`)
and are handled one at a time, in arrival order, under the call lock. An offer rings every
device of ours; the first answer from a device we rang takes the call and the others are
told ``answered_elsewhere``. Anything about another call, another peer, or from a device
not in the call is ignored: a hostile or confused peer cannot end or steer someone else's.
"""

from __future__ import annotations

from chat_desktop.protocol.message_content import (
    CallAnswerContent,
    CallHangupContent,
    CallIceContent,
    CallOfferContent,
)
from chat_desktop.services.call_connection import answer_restart
from chat_desktop.services.call_core import SIGNAL_TTL_MS, CallCore
from chat_desktop.services.call_ending import (
    end_call,
    hangup_content,
    outcome_of_answered,
    ring_timer,
    write_note,
)
from chat_desktop.services.call_signaling import CallInbox, CallSignal
from chat_desktop.services.call_state import ActiveCall
from chat_desktop.services.context import now_ms
from chat_desktop.services.events import CallIncoming


def listen(core: CallCore, inbox: CallInbox) -> None:
    """Routes the screened call contents ``inbox`` receives to ``core``'s call."""

    def on_signal(signal: CallSignal) -> None:
        core.spawn(_handle(core, signal))

    inbox.handler = on_signal


async def _handle(core: CallCore, signal: CallSignal) -> None:
    async with core.lock:
        content = signal.content
        if isinstance(content, CallOfferContent):
            await _on_offer(core, signal, content)
            return
        call = core.call
        if call is None or call.call_id != content.call_id or call.peer != signal.peer:
            return  # an unknown call, or an old one: ignored
        if isinstance(content, CallAnswerContent):
            await _on_answer(core, call, signal.device_id, content)
        elif isinstance(content, CallHangupContent):
            await _on_hangup(core, call, signal.device_id, content)
        elif (
            isinstance(content, CallIceContent)
            and call.session is not None
            and signal.device_id == call.peer_device
        ):
            await call.session.add_candidates(content.candidates)


async def _on_offer(core: CallCore, signal: CallSignal, offer: CallOfferContent) -> None:
    """A new call rings (or is answered ``busy``); a restart offer of our call is answered."""
    call = core.call
    if offer.restart:
        if (
            call is not None
            and not call.outgoing
            and call.call_id == offer.call_id
            and call.peer == signal.peer
            and call.peer_device == signal.device_id
            and call.state in ("connecting", "connected")
        ):
            await answer_restart(core, call, offer)
        return
    if offer.call_id in core.seen:
        return  # a replayed (or re-delivered) offer rings once
    core.seen.append(offer.call_id)
    if call is not None:
        hangup = hangup_content(offer.call_id, "busy", [signal.device_id])
        await core.signals.send(signal.peer, hangup, SIGNAL_TTL_MS)
        await write_note(core, signal.peer, offer.call_id, False, offer.video, "busy", 0)
        return
    call = ActiveCall(offer.call_id, signal.peer, False, offer.video, "ringing", now_ms())
    call.peer_device = signal.device_id
    call.offer_sdp = offer.sdp
    call.camera_on = False
    core.call = call
    core.context.events.publish(
        CallIncoming(call_id=call.call_id, peer=call.peer, video=call.video)
    )
    core.publish_state(call)
    call.timer = core.spawn(ring_timer(core, call))


async def _on_answer(
    core: CallCore, call: ActiveCall, device: int, answer: CallAnswerContent
) -> None:
    """Our offer (or restart offer) was answered by ``device``: the call connects."""
    if not call.outgoing or not call.awaiting_answer or device not in call.rang:
        return  # a second answer, one after the end, or from a device we did not ring
    assert call.session is not None
    call.awaiting_answer = False
    call.peer_device = device
    core.cancel_timer(call)
    call.state = "connecting"
    core.publish_state(call)
    others = sorted(call.rang - {device})
    if others:
        await core.signals.send(
            call.peer, hangup_content(call.call_id, "answered_elsewhere", others), SIGNAL_TTL_MS
        )
    try:
        await call.session.take_answer(core.remote(answer.sdp))
    except Exception:
        await end_call(core, call, "failed", "failed", tell="failed")


async def _on_hangup(
    core: CallCore, call: ActiveCall, device: int, hangup: CallHangupContent
) -> None:
    """A device of the peer ended, declined or could not take the call."""
    reason = hangup.reason
    if call.outgoing and call.state == "ringing":
        if device not in call.rang:
            return
        if reason == "declined":
            others = sorted(call.rang - {device})
            if others:
                told = hangup_content(call.call_id, "answered_elsewhere", others)
                await core.signals.send(call.peer, told, SIGNAL_TTL_MS)
            await end_call(core, call, "declined", "declined")
            return
        call.dropped.add(device)
        call.drop_reasons.add(reason)
        if call.dropped >= call.rang:  # every device we rang said no
            if "busy" in call.drop_reasons:
                await end_call(core, call, "busy", "busy")
            elif "failed" in call.drop_reasons:
                await end_call(core, call, "failed", "failed")
            else:
                await end_call(core, call, "timeout", "missed")
        return
    if device != call.peer_device:
        return  # only the device in the call can end it
    if not call.outgoing and call.state == "ringing":
        if reason == "answered_elsewhere":
            await end_call(core, call, "answered_elsewhere", None)
        elif reason == "timeout":
            await end_call(core, call, "timeout", "missed")
        else:
            await end_call(core, call, "remote_hung_up", "missed")
        return
    if reason == "failed":
        await end_call(core, call, "failed", "failed")
    else:
        await end_call(core, call, "remote_hung_up", outcome_of_answered(call))
