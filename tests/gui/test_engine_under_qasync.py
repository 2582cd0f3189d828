"""The engine on the app's own loop (qasync): a busy two-way exchange stays intact.

Under qasync, tasks started in one order may run in another. python-socketio hands every
Engine.IO frame to its own task by default, so a binary event's header and its attachment
frames could be handled out of order: a message body then reached the wrong event (an
undecryptable message) or the client's parser failed. The relay link handles frames in
arrival order; this exchange shows it on the loop the app runs.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, wait_for

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

ROUNDS = 10
PER_ROUND = 8


async def _client(root: Path, url: str, name: str) -> ChatClient:
    client, _ = await ChatClient.create(root / name, url, name, PASSWORD, kdf_params=FLOOR_PARAMS)
    await client.connect()
    await client.wait_connected()
    return client


async def test_a_busy_exchange_on_the_qt_loop_arrives_whole(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    relay = RelayServer(RelayConfig(data_dir=tmp_path / "relay", port=0))
    await relay.start()
    alice = await _client(tmp_path, relay.url, "alice")
    bob = await _client(tmp_path, relay.url, "bob")
    try:
        with caplog.at_level(logging.WARNING):
            for round_ in range(ROUNDS):
                await asyncio.gather(
                    *(alice.messages.send_text("bob", f"a{round_}.{i}") for i in range(PER_ROUND)),
                    *(bob.messages.send_text("alice", f"b{round_}.{i}") for i in range(PER_ROUND)),
                )
            total = ROUNDS * PER_ROUND

            async def counts() -> tuple[int, int]:
                return (
                    len(await bob.messages.history("alice", limit=2 * total + 50)),
                    len(await alice.messages.history("bob", limit=2 * total + 50)),
                )

            seen: list[tuple[int, int]] = [(0, 0)]

            async def refresh() -> None:
                while True:
                    seen[0] = await counts()
                    await asyncio.sleep(0.1)

            poller = asyncio.ensure_future(refresh())
            try:
                await wait_for(lambda: seen[0] == (2 * total, 2 * total), timeout=60)
            except TimeoutError:
                raise AssertionError(f"messages seen: {seen[0]} of {2 * total} each") from None
            finally:
                poller.cancel()
        for client, peer in ((alice, "bob"), (bob, "alice")):
            history = await client.messages.history(peer, limit=2 * total + 50)
            assert not [m for m in history if m.undecryptable]
        assert "invalid literal" not in caplog.text
        assert "handler error" not in caplog.text
    finally:
        await alice.close()
        await bob.close()
        await relay.stop()
