"""A binary packet's frames stay together or the connection ends (issue 25).

A ``message:send`` travels as a text header frame and a binary body frame. When the relay
ends a Socket.IO session between the two (here: the same device connects again, so the old
connection is replaced), python-socketio forgets the header; the body frame that follows on
the old connection used to be parsed as a packet header (``invalid literal for int():
b'e'``). The relay must instead refuse such a frame and close that connection. These tests
speak Engine.IO by hand, as a hostile or broken client could.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from relay_harness import RelayClient, TestAccount, register_account, send_payload

from chat_desktop.protocol import events
from chat_desktop.protocol.auth import build_connect_auth, relay_origin
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.logs import LOGGER_NAME

_TIMEOUT_S = 10.0


class RelayLog(logging.Handler):
    """Collects the relay's log event names (in-process relay)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.events.append(record.getMessage())
        if record.levelno >= logging.ERROR:
            self.errors.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture
def relay_log() -> Iterator[RelayLog]:
    """The relay's own log events plus every error python-socketio/Engine.IO logs."""
    handler = RelayLog()
    loggers = [logging.getLogger(name) for name in (LOGGER_NAME, "socketio", "engineio")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


class RawConnection:
    """One Engine.IO 4 / Socket.IO 5 WebSocket connection, frame by frame."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def next_text(self) -> str:
        """The next text frame, answering pings on the way."""
        while True:
            message = await asyncio.wait_for(self.ws.receive(), _TIMEOUT_S)
            if message.type is not aiohttp.WSMsgType.TEXT:
                raise ConnectionError(f"connection ended: {message.type}")
            if message.data == "2":
                await self.ws.send_str("3")
                continue
            return str(message.data)

    async def wait_closed(self) -> None:
        """Returns once the relay has closed the connection (fails after the bound)."""
        async with asyncio.timeout(_TIMEOUT_S):
            while True:
                message = await self.ws.receive()
                if message.type in (
                    aiohttp.WSMsgType.CLOSE,
                    aiohttp.WSMsgType.CLOSED,
                    aiohttp.WSMsgType.CLOSING,
                ):
                    return
                if message.type is aiohttp.WSMsgType.TEXT and message.data == "2":
                    await self.ws.send_str("3")


@pytest.fixture
async def raw_connect(relay: RelayServer) -> AsyncIterator[Any]:
    """Connects accounts over bare WebSockets, authenticated like a client; closes them."""
    sessions: list[aiohttp.ClientSession] = []

    async def connect(account: TestAccount) -> RawConnection:
        http = aiohttp.ClientSession()
        sessions.append(http)
        url = relay.url.replace("http", "ws", 1) + events.SOCKETIO_PATH
        ws = await http.ws_connect(url + "/?EIO=4&transport=websocket")
        connection = RawConnection(ws)
        assert (await connection.next_text()).startswith("0{")
        auth = build_connect_auth(
            account.username, account.device_id, relay_origin(relay.url), account.sign
        )
        await ws.send_str("40" + json.dumps(auth))
        assert (await connection.next_text()).startswith("40{")
        return connection

    yield connect
    for http in sessions:
        await http.close()


def send_header(to: TestAccount) -> str:
    """The header frame of a ``message:send`` whose body is the next (binary) frame."""
    payload = send_payload(to, b"")
    payload["payloads"][0]["body"] = {"_placeholder": True, "num": 0}
    return "451-0" + json.dumps([events.MESSAGE_SEND, payload])


async def test_a_body_cut_from_its_header_by_a_replaced_connection_is_refused(
    relay: RelayServer, raw_connect: Any, relay_clients: Any, relay_log: RelayLog
) -> None:
    alice = await register_account(relay.url)
    bob = await register_account(relay.url)
    old = await raw_connect(alice)
    await old.ws.send_str(send_header(bob))
    # The same device connects again: the relay ends the old session, forgetting the header.
    newer: RelayClient = relay_clients(alice)
    await newer.connect(relay.url)
    assert (await old.next_text()).startswith("41")  # the relay's DISCONNECT: header gone
    await old.ws.send_bytes(b"e" + bytes(63))  # the body, now without its header
    await old.wait_closed()
    assert "frame_out_of_place" in relay_log.events
    assert relay_log.errors == []
    # The relay and the account's new connection work on.
    ack = await newer.call(events.MESSAGE_SEND, send_payload(bob, b"after"))
    assert ack["ok"], ack


@pytest.mark.parametrize("frame", [b"e-not-a-header", b'2["message:ack",{"ids":[]}]'])
async def test_a_binary_frame_without_a_header_ends_the_connection(
    relay: RelayServer, raw_connect: Any, relay_log: RelayLog, frame: bytes
) -> None:
    alice = await register_account(relay.url)
    connection = await raw_connect(alice)
    await connection.ws.send_bytes(frame)
    await connection.wait_closed()
    assert "frame_out_of_place" in relay_log.events
    assert relay_log.errors == []


async def test_a_text_frame_where_an_attachment_belongs_ends_the_connection(
    relay: RelayServer, raw_connect: Any, relay_log: RelayLog
) -> None:
    alice = await register_account(relay.url)
    bob = await register_account(relay.url)
    connection = await raw_connect(alice)
    await connection.ws.send_str(send_header(bob))
    await connection.ws.send_str("42" + json.dumps([events.MESSAGE_ACK, {"ids": []}]))
    await connection.wait_closed()
    assert "frame_out_of_place" in relay_log.events


async def test_a_whole_binary_packet_still_goes_through(
    relay: RelayServer, raw_connect: Any, relay_clients: Any, relay_log: RelayLog
) -> None:
    alice = await register_account(relay.url)
    bob = await register_account(relay.url)
    receiver: RelayClient = relay_clients(bob)
    await receiver.connect(relay.url)
    connection = await raw_connect(alice)
    await connection.ws.send_str(send_header(bob))
    await connection.ws.send_bytes(b"e" + bytes(31))
    ack = await connection.next_text()
    assert ack.startswith("430") and json.loads(ack[3:])[0]["ok"], ack
    delivered = await receiver.next_message()
    assert delivered["body"] == b"e" + bytes(31)
    assert "frame_out_of_place" not in relay_log.events
