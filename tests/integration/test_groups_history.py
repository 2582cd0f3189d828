"""A group's history pages by keyset as a chat's does (issue 21): real stores.

``client.messages.history`` / ``history_after`` / ``history_around`` take a group's id, so
the window pages a group as deep as it goes, each page one indexed read (before, the GUI
rescanned a growing window of the newest messages and stopped at 20,000).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import new_client

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client_errors import InvalidPeer
from chat_desktop.services.types import GROUP_NOTE_KIND

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def test_a_group_pages_back_forward_and_around_by_keyset(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    try:
        group = await alice.groups.create("Long", ["bob"])  # bob never answers: queued only
        sent = [await alice.groups.send_text(group, f"message {n}") for n in range(130)]

        newest = await alice.messages.history(group, 50)
        assert [m.id for m in newest] == sent[-50:]
        older = await alice.messages.history(group, 50, before_id=newest[0].id)
        assert [m.id for m in older] == sent[-100:-50]
        oldest = await alice.messages.history(group, 50, before_id=older[0].id)
        texts = [m.id for m in oldest if m.kind != GROUP_NOTE_KIND]
        assert texts == sent[:30]  # and the group's "created" note before them
        assert await alice.messages.history(group, 50, before_id=oldest[0].id) == []

        after = await alice.messages.history_after(group, sent[10], 5)
        assert [m.id for m in after] == sent[11:16]
        around = await alice.messages.history_around(group, sent[60], 10)
        assert sent[60] in [m.id for m in around] and len(around) == 10

        with pytest.raises(InvalidPeer):
            await alice.messages.history("g:not-hex", 10)
    finally:
        await alice.close()
