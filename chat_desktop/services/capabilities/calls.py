"""``client.calls``: 1:1 voice and video calls (docs/protocol.md §14).

One call at a time per device. Its states are ``ringing`` (we ring the peer, or we are
ringing), ``connecting`` (answered: ICE and DTLS under way), ``connected`` (media flows) and
``ended``. Signaling travels as end-to-end encrypted call contents
(:mod:`chat_desktop.services.call_signaling`); media goes peer to peer over DTLS-SRTP
(:mod:`chat_desktop.services.call_session`) whose fingerprints ride inside that signaling.

An offer rings every device of the callee; the first to answer takes the call and the caller
tells the others ``answered_elsewhere`` (a device that declines ends the call for all: the
others are told ``answered_elsewhere`` too, and only the one that declined keeps a note). A
device already in a call answers ``busy``; the caller gives up when every device it rang
said so. An unanswered offer ends after :attr:`CallService.ring_timeout_s` on both sides.
When a connected call's network fails, the caller re-offers once on a fresh peer
connection (an ICE restart, ``restart: true``), which the callee answers without ringing.

API notes: ``CallInfo``, ``CallState`` and
``CallEndReason`` live in :mod:`chat_desktop.services.events` with the call events; an ICE
restart asks the media for fresh source tracks (see :mod:`~chat_desktop.services.call_media`).

This module is the facade; the work is split by job: the shared current call, lock and tasks
(``call_core``), placing and taking a call (``call_placing``), the peer's signals
(``call_peer_signals``), the peer connection and its ICE restart (``call_connection``) and
every end, with its history note (``call_ending``).

The engine never touches a device: sources and sinks come from :attr:`media_factory`
(real devices in the app, synthetic in tests). Every call's end closes its peer connection
and its media, however it ends.
"""

from __future__ import annotations

from collections.abc import Callable

from chat_desktop.services.call_core import RING_TIMEOUT_S, CallCore
from chat_desktop.services.call_ending import end_call, outcome_of_answered
from chat_desktop.services.call_errors import UnknownCall
from chat_desktop.services.call_media import MediaFactory
from chat_desktop.services.call_peer_signals import listen
from chat_desktop.services.call_placing import accept_call, place_call
from chat_desktop.services.call_signaling import CallInbox
from chat_desktop.services.call_state import ActiveCall
from chat_desktop.services.client_errors import check_peer
from chat_desktop.services.context import EngineContext
from chat_desktop.services.events import CallInfo
from chat_desktop.services.sending import OutboxSender

__all__ = ["RING_TIMEOUT_S", "CallService"]


class CallService:
    """Starts, answers and ends calls; see the module docstring.

    Attributes:
        media_factory: Makes one call's media (None: no devices, calls refuse to start).
        ring_timeout_s: How long an offer rings (tests shorten it).
        remote_sdp_hook: Test hook: rewrites every SDP received before it is used (a
            hostile network changing a fingerprint). None in the app.
    """

    def __init__(self, context: EngineContext, sender: OutboxSender, inbox: CallInbox) -> None:
        """Built by the client; received call contents come through ``inbox``."""
        self._core = CallCore(context, sender)
        listen(self._core, inbox)

    @property
    def media_factory(self) -> MediaFactory | None:
        """Makes one call's media (None: no devices, calls refuse to start)."""
        return self._core.media_factory

    @media_factory.setter
    def media_factory(self, factory: MediaFactory | None) -> None:
        self._core.media_factory = factory

    @property
    def ring_timeout_s(self) -> float:
        """How long an offer rings, in seconds (tests shorten it)."""
        return self._core.ring_timeout_s

    @ring_timeout_s.setter
    def ring_timeout_s(self, seconds: float) -> None:
        self._core.ring_timeout_s = seconds

    @property
    def remote_sdp_hook(self) -> Callable[[str], str] | None:
        """Test hook: rewrites every SDP received before it is used (None in the app)."""
        return self._core.remote_sdp_hook

    @remote_sdp_hook.setter
    def remote_sdp_hook(self, hook: Callable[[str], str] | None) -> None:
        self._core.remote_sdp_hook = hook

    @property
    def _call(self) -> ActiveCall | None:
        """The current call as the engine keeps it (tests look at its peer connection)."""
        return self._core.call

    def current(self) -> CallInfo | None:
        """The call going on on this device, or None."""
        call = self._core.call
        return None if call is None else call.info()

    async def start(self, peer: str, *, video: bool) -> str:
        """Calls ``peer`` (every device of theirs rings); returns the call id.

        Raises:
            CallBusy: A call is already going on here.
            CallNotAllowed: ``peer`` is not a trusted 1:1 contact.
            CallDeviceError: The microphone (or camera) is missing or busy.
        """
        check_peer(peer)
        return await place_call(self._core, peer, video)

    async def accept(self, call_id: str, *, video: bool) -> None:
        """Takes the ringing call ``call_id`` (with our camera if ``video``).

        Raises:
            UnknownCall: That call is not ringing here (ended, or answered elsewhere).
            CallDeviceError: The microphone (or camera) is missing or busy; the call rings on.
        """
        await accept_call(self._core, call_id, video)

    async def decline(self, call_id: str) -> None:
        """Declines the ringing call ``call_id`` (the caller and our other devices stop)."""
        core = self._core
        async with core.lock:
            call = core.current(call_id)
            if call.outgoing or call.state != "ringing":
                raise UnknownCall()
            await end_call(core, call, "declined", "declined", tell="declined")

    async def hang_up(self, call_id: str) -> None:
        """Ends the call ``call_id`` whatever its state (an incoming ringing one: declined)."""
        core = self._core
        async with core.lock:
            call = core.current(call_id)
            if not call.outgoing and call.state == "ringing":
                await end_call(core, call, "declined", "declined", tell="declined")
            elif call.outgoing and call.state == "ringing":
                await end_call(core, call, "hung_up", "cancelled", tell="hung_up")
            else:
                await end_call(core, call, "hung_up", outcome_of_answered(call), tell="hung_up")

    async def set_muted(self, call_id: str, muted: bool) -> None:
        """Mutes or unmutes our microphone (silence is sent while muted)."""
        async with self._core.lock:
            call = self._core.current(call_id)
            call.muted = muted
            if call.session is not None:
                call.session.set_muted(muted)
            self._core.publish_state(call)

    async def set_camera(self, call_id: str, on: bool) -> None:
        """Turns our camera's picture on or off (black frames are sent while off)."""
        async with self._core.lock:
            call = self._core.current(call_id)
            call.camera_on = on
            if call.session is not None:
                call.session.set_camera(on)
            self._core.publish_state(call)

    async def close(self) -> None:
        """Ends the current call (the client is closing); waits for the call's tasks."""
        core = self._core
        async with core.lock:
            call = core.call
            if call is not None:
                outcome = outcome_of_answered(call) if call.state != "ringing" else "cancelled"
                await end_call(core, call, "hung_up", outcome, tell="hung_up")
        await core.cancel_tasks()
