"""The store's hot statements stay compiled in a profile created (or restored) this session.

sqlcipher3's statement cache keeps its entries ordered by how often each was used and, when
full, replaces the LAST one. A new profile runs every migration on the connection it then
uses: once the migrations' ~100 one-off statements filled the cache, each statement of the
message loop replaced the one before it, so every ``messages.insert`` compiled its INSERT
(with the FTS trigger and foreign keys) again: a 100,000-message restore took three times
as long as before schema v10 (benchmarks/backup.py, issue 23). SQLite calls the authorizer
while it compiles a statement, never when a cached one runs again: counting its calls
counts the compilations.
"""

from __future__ import annotations

import uuid
from typing import Any

from chat_desktop.storage.models import Direction, MessageStatus, NewMessage, Quote
from chat_desktop.storage.store import MessageStore

SQLITE_OK = 0
SQLITE_INSERT = 18


def _message(index: int, previous: list[str]) -> NewMessage:
    message_id = str(uuid.uuid4())
    quote = (
        Quote(target_id=previous[0], author="alice", excerpt="earlier", kind="text")
        if index % 3 == 2
        else None
    )
    previous.append(message_id)
    return NewMessage(
        id=message_id,
        conversation_id=f"peer{index % 4}",
        sender="alice",
        direction=Direction.OUTGOING,
        sort_key=1_600_000_000_000 + index,
        kind="text",
        body=f"message number {index}",
        status=MessageStatus.SENT,
        quote=quote,
    )


def test_inserting_messages_into_a_new_profile_compiles_the_insert_at_most_once(
    store: MessageStore,
) -> None:
    compiled: list[str] = []

    def authorizer(action: int, table: Any, *_: Any) -> int:
        if action == SQLITE_INSERT and table == "messages":
            compiled.append(table)
        return SQLITE_OK

    connection = store._db.connection
    for number in range(300):  # one-off statements, as a new profile's migrations and a
        # restore's settings and contacts are: they fill the cache before the message loop
        store._db.query_value(f"SELECT {number} + 1")
    previous: list[str] = []
    store.messages.insert(_message(0, previous))  # compiled (at most) once here
    connection.set_authorizer(authorizer)
    try:
        with store.transaction():
            for index in range(1, 60):
                message = _message(index, previous)
                store.messages.insert(message)
                if index % 2:
                    store.messages.reactions.set(
                        message.conversation_id,
                        message.id,
                        "bob",
                        "👍",
                        sent_at=1_600_000_000_000 + index,
                        content_id=f"reaction-{index}",
                    )
    finally:
        connection.set_authorizer(None)

    assert store.messages.count("peer1") == 15
    # Once: setting an authorizer expires the compiled statements (SQLite recompiles them).
    assert len(compiled) <= 1, f"the message INSERT was compiled {len(compiled)} times for 59 rows"
