"""The relay's Socket.IO server: python-socketio's, refusing frames out of their packet.

A Socket.IO packet with binary fields (every ``message:send`` and ``message`` carries its
body as one) travels as a text header frame followed by one binary frame per attachment.
python-socketio keeps the header per Engine.IO session until its attachments arrive and
reads any frame that comes while none is pending as a new header. Within a live session the
two are never split: a connection's frames are handled one after another by its read loop
(python-socketio turns Engine.IO's task per frame off). But the pending header is dropped
whenever the session ends (the same device connecting again, a removed device, a reset
account, a ping timeout when the event loop lags by tens of seconds under overload) while
the WebSocket stays open until its writer closes it: frames already sent on it are still
read, and an attachment among them reaches the parser as a header. A body whose first byte
is not a digit fails as ``invalid literal for int(): b'e'`` (issue 25; reproduced by
``benchmarks/relay.py --connections 5000`` at 500 msg/s, which overloads the relay into
ping timeouts: 668 such errors and 286 ``Unexpected binary packet`` in one run); one that
starts with a digit is read as a packet, whatever it says. The sends on such a connection
are never acked: the session is gone.

:class:`RelaySocketServer` makes that impossible: a binary frame is only ever taken as the
attachment of a pending header, a text frame never while attachments are awaited, and a
binary header on a session that has ended is refused instead of raising. Each such frame
ends the Engine.IO connection (a conforming client never sends one; its unacked sends are
retried after reconnecting, the relay keeping repeats idempotent).

It also sends an event to one connection without python-socketio's room machinery, which
makes an asyncio Task per frame (two per ``message``: header and body) plus a wait on them;
the frames go to the connection's queue directly, in order (issue 25: Python work per
message).
"""

from __future__ import annotations

import logging
from typing import Any, Final

import socketio
from socketio import packet

from chat_desktop.relay.logs import log_event

#: First character of the Socket.IO packet types that announce attachments.
_BINARY_HEADER_TYPES: Final = ("5", "6")


class RelaySocketServer(socketio.AsyncServer):  # type: ignore[misc]  # untyped library
    """``socketio.AsyncServer`` whose binary packets stay whole or are refused."""

    async def emit(
        self,
        event: str,
        data: Any = None,
        to: Any = None,
        room: Any = None,
        skip_sid: Any = None,
        namespace: str | None = None,
        callback: Any = None,
        ignore_queue: bool = False,
    ) -> None:
        """``AsyncServer.emit``; an event to one connection of this process is queued on it
        directly (same frames, same order, no task per frame)."""
        target = to or room
        namespace = namespace or "/"
        if callback is None and skip_sid is None and not ignore_queue and isinstance(target, str):
            eio_sid = self.manager.eio_sid_from_sid(target, namespace)
            if eio_sid is not None:  # a sid connected here, not a room
                arguments = list(data) if isinstance(data, tuple) else [data]
                if data is None:
                    arguments = []
                await self._send_packet(
                    eio_sid,
                    self.packet_class(packet.EVENT, namespace=namespace, data=[event, *arguments]),
                )
                return
        await super().emit(
            event,
            data,
            to=to,
            room=room,
            skip_sid=skip_sid,
            namespace=namespace,
            callback=callback,
            ignore_queue=ignore_queue,
        )

    async def _handle_eio_message(self, eio_sid: str, data: str | bytes) -> None:
        """Dispatches one Engine.IO message, refusing one out of its packet's place."""
        awaited = eio_sid in self._binary_packet
        if isinstance(data, bytes) != awaited:
            await self._refuse(eio_sid, "binary_frame" if isinstance(data, bytes) else "text_frame")
            return
        if isinstance(data, str) and data[:1] in _BINARY_HEADER_TYPES:
            try:
                await super()._handle_eio_message(eio_sid, data)
            except ValueError:  # python-socketio: a binary header on an ended session
                await self._refuse(eio_sid, "binary_header")
            return
        await super()._handle_eio_message(eio_sid, data)

    async def _refuse(self, eio_sid: str, frame: str) -> None:
        """Ends a connection that sent a frame out of place (the frame is not logged)."""
        log_event("frame_out_of_place", logging.WARNING, frame=frame)
        self._binary_packet.pop(eio_sid, None)
        socket = self.eio.sockets.get(eio_sid)
        # Ends the session (and Socket.IO's state of it) with an Engine.IO CLOSE packet...
        await self.eio.disconnect(eio_sid)
        if socket is not None:
            # ...and the WebSocket itself once that is written: no further frame is read.
            await socket.queue.put(None)
