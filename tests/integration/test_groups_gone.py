"""A member whose account is deleted (issue 21): real relay, real stores.

The relay answers the group message ``not_found`` without naming anyone; the sender finds
the member gone (``keys:bundle``), tells its user, leaves them out of every group from then
on, and the message reaches the others.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engine_helpers import PASSWORD, EventLog, new_client, wait_until
from groups_helpers import group_texts, wait_for_state, wait_for_texts

from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.events import GroupMemberGone
from chat_desktop.services.groups_gone import gone_accounts

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def test_a_deleted_members_account_is_found_told_and_left_out(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice, bob, carol = [
        await new_client(tmp_path, relay.url, name) for name in ("alice", "bob", "carol")
    ]
    clients = [alice, bob]
    log = EventLog(alice)
    try:
        group = await alice.groups.create("Going", ["bob", "carol"])
        other = await alice.groups.create("Another", ["bob", "carol"])
        await wait_for_state([alice, bob, carol], group, revision=1)
        await wait_for_state([alice, bob, carol], other, revision=1)
        await alice.groups.send_text(group, "before")
        await wait_for_texts(carol, group, 1)
        await carol.account.delete_account(PASSWORD)

        sent = await alice.groups.send_text(group, "after carol left the service")
        await log.wait_for(
            lambda events: any(
                isinstance(e, GroupMemberGone) and (e.peer, e.member) == (group, "carol")
                for e in events
            ),
            timeout=60,
        )
        await wait_for_texts(bob, group, 2)
        assert (await group_texts(bob, group))[-1] == "after carol left the service"

        async def sent_ok() -> bool:
            found = [m for m in await alice.groups.history(group) if m.id == sent]
            return bool(found) and found[0].status.value in ("sent", "delivered", "read")

        await wait_until(sent_ok, timeout=60)
        assert await alice.run_in_store(gone_accounts, alice.store) == {"carol"}
        # Another group goes straight to the rest: no second question, no second notice.
        await alice.groups.send_text(other, "to the rest")
        await wait_for_texts(bob, other, 1)
        assert len(log.of_type(GroupMemberGone)) == 1
        # Bob's client finds the same on its own.
        bob_log = EventLog(bob)
        await bob.groups.send_text(group, "bob too")
        await bob_log.wait_for(
            lambda events: any(isinstance(e, GroupMemberGone) for e in events), timeout=60
        )
        await wait_for_texts(alice, group, 3)
        bob_log.close()
    finally:
        log.close()
        for client in clients:
            await client.close()


async def test_a_not_found_with_every_member_there_fails_the_message_and_drops_no_one(
    tmp_path: Path, relay: RelayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = clients = [
        await new_client(tmp_path, relay.url, name) for name in ("alice", "bob")
    ]
    log = EventLog(alice)
    try:
        group = await alice.groups.create("Lied to", ["bob"])
        await wait_for_state(clients, group, revision=1)
        await alice.groups.send_text(group, "first")
        await wait_for_texts(bob, group, 1)
        # A relay that answers every group message "not_found" although bob is there.
        connection = alice._context.connection
        assert connection is not None
        original = connection.request

        async def lying(event: str, request: Any, answer: Any) -> Any:
            if event == wire_events.MESSAGE_SEND_MULTI:
                raise ProtocolError(ErrorCode.NOT_FOUND, "no such recipient")
            return await original(event, request, answer)

        monkeypatch.setattr(connection, "request", lying)
        refused = await alice.groups.send_text(group, "refused")

        async def failed() -> bool:
            found = [m for m in await alice.groups.history(group) if m.id == refused]
            return bool(found) and found[0].status.value == "failed"

        await wait_until(failed, timeout=60)
        assert await alice.run_in_store(gone_accounts, alice.store) == set()
        assert log.of_type(GroupMemberGone) == []
        # Bob stays a recipient: once the relay behaves, the next message reaches him.
        monkeypatch.setattr(connection, "request", original)
        await alice.groups.send_text(group, "second")
        await wait_for_texts(bob, group, 2)
        assert await group_texts(bob, group) == ["first", "second"]
    finally:
        log.close()
        for client in clients:
            await client.close()
