"""Message requests in the store (schema v13): every conversation held before the upgrade is
accepted; only the receiver opens a request, a repeat keeps the state, accepting is once,
and the list and the requests are apart. A real SQLCipher database.
"""

from __future__ import annotations

import os
from pathlib import Path

from chat_desktop.storage.conversations import ConversationRepository
from chat_desktop.storage.db import Database, connect_encrypted
from chat_desktop.storage.migrations import MIGRATIONS
from chat_desktop.storage.migrator import migrate, schema_version

REQUESTS_VERSION = 13


def _clock() -> int:
    return 1_700_000_000_000


def test_conversations_from_before_the_upgrade_are_accepted_and_requests_stay_apart(
    tmp_path: Path,
) -> None:
    key = os.urandom(32)
    database = Database(connect_encrypted(tmp_path / "db", key))
    try:
        before = [m for m in MIGRATIONS if m.version < REQUESTS_VERSION]
        migrate(database, before, tmp_path / "snapshots", _clock(), key)
        database.execute(
            "INSERT INTO conversations(id, peer_address, created_at) VALUES ('bob', 'bob', 1)"
        )
        migrate(database, MIGRATIONS, tmp_path / "snapshots", _clock(), key)
        assert schema_version(database) >= REQUESTS_VERSION
        conversations = ConversationRepository(database, _clock)
        bob = conversations.get("bob")
        assert bob is not None and bob.accepted

        # Only an incoming message opens a request; an existing chat keeps its state.
        assert not conversations.open_incoming("bob")
        assert conversations.open_incoming("sam")
        assert conversations.open_incoming("sam")  # a second message: still a request
        conversations.ensure("sam", peer_address="sam")  # ensuring never accepts
        assert conversations.is_request("sam")
        assert not conversations.is_request("nobody")
        assert [c.id for c in conversations.requests()] == ["sam"]
        assert [c.id for c in conversations.list_summaries()] == ["bob"]
        assert [c.id for c in conversations.list_summaries(include_archived=True)] == ["bob"]

        assert conversations.set_accepted("sam")
        assert not conversations.set_accepted("sam")  # once
        assert conversations.requests() == []
        assert {c.id for c in conversations.list_summaries()} == {"bob", "sam"}
    finally:
        database.close()
