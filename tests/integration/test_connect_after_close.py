"""A closed (locked) client starts nothing: a late connect() is refused, no task is left."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from engine_helpers import PASSWORD

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import ClientError

pytestmark = pytest.mark.integration


async def test_connect_after_close_is_refused_and_starts_no_task(
    relay: RelayServer, tmp_path: Path
) -> None:
    client, _key = await ChatClient.create(
        tmp_path / "alice", relay.url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
    )
    before = set(asyncio.all_tasks())
    await client.close()
    with pytest.raises(ClientError, match="closed"):
        await client.connect()
    await asyncio.sleep(0)
    left = {task for task in asyncio.all_tasks() - before if not task.done()}
    assert not [task for task in left if task is not asyncio.current_task()]
