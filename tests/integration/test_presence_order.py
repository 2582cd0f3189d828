"""A presence answer that crossed a newer pushed change never turns a peer back "online"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engine_helpers import EventLog, new_client

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.events import PresenceChanged

pytestmark = pytest.mark.integration


async def test_an_older_subscription_answer_does_not_undo_a_pushed_offline(
    relay: RelayServer, tmp_path: Path
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    log = EventLog(alice)
    connection = alice._context.connection
    assert connection is not None
    real_request = connection.request

    async def answer_after_bob_left(*args: Any, **kwargs: Any) -> Any:
        """The relay answered "bob online"; before that answer is handled, bob leaves and
        the relay's push "bob offline" is handled first (the order tasks may take)."""
        answer = await real_request(*args, **kwargs)
        await bob.close()
        await log.wait_for(
            lambda events: any(
                isinstance(e, PresenceChanged) and e.peer == "bob" and not e.online for e in events
            )
        )
        return answer

    connection.request = answer_after_bob_left  # type: ignore[method-assign]
    published = alice.events.subscribe()  # events are queued as they are published
    try:
        await alice.presence.subscribe(["bob"])
        shown = []
        while not published.empty():
            event = published.get_nowait()
            if isinstance(event, PresenceChanged) and event.peer == "bob":
                shown.append(event.online)
        assert shown and shown[-1] is False  # still offline: the stale answer was dropped
    finally:
        connection.request = real_request  # type: ignore[method-assign]
        log.close()
        await alice.close()
        await bob.close()
