"""Typing in groups (issue 21): real relay, real stores.

A typing notice is one sender-key message to every member device (``message:send_multi``),
shown with who types; it never goes before our key reached every device, nor while typing
indicators are off (and then none is shown either), nor again within seconds; a non-member's
notice is refused.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from engine_helpers import EventLog, new_client
from groups_helpers import wait_for_state, wait_for_texts

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.events import TypingChanged
from chat_desktop.services.groups_held import NotAGroupMember

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def test_typing_reaches_every_member_with_its_sender(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice, bob, carol = clients = [
        await new_client(tmp_path, relay.url, name) for name in ("alice", "bob", "carol")
    ]
    logs = {client.username: EventLog(client) for client in clients}
    try:
        preferences = await carol.preferences.load()
        await carol.preferences.save(msgspec.structs.replace(preferences, typing_indicators=False))
        group = await alice.groups.create("Typing", ["bob", "carol"])
        await wait_for_state(clients, group, revision=1)
        # Bob has sent nothing: his sender key is nowhere yet, so no notice goes.
        assert not await bob.groups._typing.set_typing(group, True)

        await bob.groups.send_text(group, "first")
        for client in (alice, carol):
            await wait_for_texts(client, group, 1)
        assert await bob.groups._typing.set_typing(group, True)
        # The same "started" again at once is not sent; a "stopped" is.
        assert not await bob.groups._typing.set_typing(group, True)
        assert await bob.groups._typing.set_typing(group, False)
        await logs["alice"].wait_for(
            lambda events: (
                [(e.peer, e.sender, e.typing) for e in events if isinstance(e, TypingChanged)]
                == [(group, "bob", True), (group, "bob", False)]
            )
        )
        # Carol turned typing indicators off: bob's notices, which reach her before bob's
        # next message (one sender's order), are shown nothing; she sends none either.
        await bob.groups.send_text(group, "after typing")
        await wait_for_texts(carol, group, 2)
        assert not [e for e in logs["carol"].events if isinstance(e, TypingChanged)]
        await carol.groups.send_text(group, "carol here")
        await wait_for_texts(alice, group, 3)
        assert not await carol.groups._typing.set_typing(group, True)
        # Alice's notice (her key went with a message first) reaches bob, naming her; a
        # device is never told of its own account's typing.
        await alice.groups.send_text(group, "alice here")
        await wait_for_texts(bob, group, 4)
        await alice.groups.set_typing(group, True)
        await logs["bob"].wait_for(
            lambda events: any(
                isinstance(e, TypingChanged) and (e.peer, e.sender) == (group, "alice")
                for e in events
            )
        )
        bobs = [e for e in logs["bob"].events if isinstance(e, TypingChanged)]
        assert {e.sender for e in bobs} == {"alice"}

        # After leaving, typing to the group is refused with a typed error.
        await carol.groups.leave(group)
        await wait_for_state(clients, group, revision=2)
        with pytest.raises(NotAGroupMember):
            await carol.groups.set_typing(group, True)
    finally:
        for log in logs.values():
            log.close()
        for client in clients:
            await client.close()
