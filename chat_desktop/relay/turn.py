"""``call:ice_servers``: time-limited TURN credentials for calls (docs/protocol.md §14.6).

Media never passes the relay, and a TURN server only forwards DTLS-SRTP it cannot read; the
credentials are made in relay/turn_credentials.py.
"""

from __future__ import annotations

from chat_desktop.protocol.call_content import CALL_ICE_SERVERS, IceServersAck
from chat_desktop.protocol.schemas import EmptyRequest
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.dispatch import register_event
from chat_desktop.relay.sessions import ConnectedDevice
from chat_desktop.relay.turn_credentials import TurnConfig, ice_servers_for


def register(context: RelayContext, turn: TurnConfig | None) -> None:
    """Registers ``call:ice_servers`` (answering with ``turn``'s servers, or none)."""

    async def ice_servers(
        context: RelayContext, device: ConnectedDevice, request: EmptyRequest
    ) -> IceServersAck:
        return ice_servers_for(turn, device.user, int(context.clock() / 1000))

    register_event(context, CALL_ICE_SERVERS, EmptyRequest, ice_servers)
