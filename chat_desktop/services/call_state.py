"""The call going on on one device, as the call service keeps it (not shown to callers:
they get :class:`~chat_desktop.services.events.CallInfo`)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from chat_desktop.protocol.message_content import CallHangupReason
from chat_desktop.services.call_media import CallMedia
from chat_desktop.services.events import CallInfo, CallState

if TYPE_CHECKING:
    from chat_desktop.services.call_session import CallSession


class ActiveCall:
    """The current call and where it stands (a plain class: a dataclass would cost the
    app's start a few milliseconds for nothing)."""

    def __init__(
        self,
        call_id: str,
        peer: str,
        outgoing: bool,
        video: bool,
        state: CallState,
        started_at_ms: int,
        media: CallMedia | None = None,
    ) -> None:
        self.call_id = call_id
        self.peer = peer
        self.outgoing = outgoing
        self.video = video
        self.state: CallState = state
        self.started_at_ms = started_at_ms
        self.media = media
        self.session: CallSession | None = None
        #: The peer's device in the call (the caller's, or the callee's that answered).
        self.peer_device: int | None = None
        #: Outgoing: the callee devices we rang, those that dropped out, and why.
        self.rang: set[int] = set()
        self.dropped: set[int] = set()
        self.drop_reasons: set[CallHangupReason] = set()
        #: Incoming: the caller's offer, until we answer.
        self.offer_sdp: str | None = None
        self.connected_at_ms: int | None = None
        self.muted = False
        self.camera_on = True
        self.restarted = False
        #: Whether we send video (our camera was asked for).
        self.sends_video = False
        #: Outgoing: waiting for an answer (the first one, or the answer to a restart).
        self.awaiting_answer = False
        self.timer: asyncio.Task[None] | None = None

    def info(self) -> CallInfo:
        """What the GUI is shown of it."""
        return CallInfo(
            call_id=self.call_id,
            peer=self.peer,
            outgoing=self.outgoing,
            video=self.video,
            state=self.state,
            started_at_ms=self.started_at_ms,
            connected_at_ms=self.connected_at_ms,
            muted=self.muted,
            camera_on=self.camera_on,
        )
