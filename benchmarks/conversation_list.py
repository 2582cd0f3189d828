"""Benchmark of the conversation list; prints one JSON line (figure + same-run baseline).

- ``list_1000_conversations_ms``: the whole list (1,000 conversations, each with its preview,
  unread count and flags) from a store of 1,000,000 messages (1,000 per conversation), the
  one query behind ``client.conversations.list``.
- ``list_10_conversations_ms``: its first 10 rows from the same store, in the same run: the
  baseline. ``list_1000_vs_10_ratio`` is their quotient (target ≤ 20 for 100 times the rows:
  the cost follows the rows listed, never the messages stored).
- ``list_1000_conversations_1k_messages_ms``: the same whole list from a store of 1,000
  conversations with one message each; ``list_1m_vs_1k_messages_ratio`` compares the two
  (target ≈ 1: the preview lookup is an index seek, whatever the history length).
- ``unread_total_ms``: the tray's unread total over the 1M-message store.

Run: ``.venv/bin/python benchmarks/conversation_list.py`` (a few minutes; not run by CI).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import Vault

PASSWORD = "benchmark passphrase 42"
CONVERSATIONS = 1_000
REPEATS = 50
_WORDS = [f"w{index:04d}" for index in range(2_000)]
_BASE_MS = 1_700_000_000_000


def _median_ms(action: Callable[[], object], repeats: int = REPEATS) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _bulk_load(store: MessageStore, rng: random.Random, per_conversation: int) -> None:
    """Fast fixture loading through the store's connection (not what is measured).

    Messages of all conversations interleave in time, as in real use, so one conversation's
    rows are spread over the whole file instead of sitting on neighbouring pages.
    """
    database = store._db  # benchmark-only shortcut: executemany instead of 1M inserts
    peers = [f"peer{index:04d}" for index in range(CONVERSATIONS)]
    with database.transaction():
        database.connection.executemany(
            "INSERT INTO conversations(id, peer_address, created_at) VALUES (?, ?, ?)",
            [(peer, peer, _BASE_MS) for peer in peers],
        )
        batch: list[tuple[Any, ...]] = []
        total = CONVERSATIONS * per_conversation
        for index in range(total):
            peer = peers[index % CONVERSATIONS]
            incoming = rng.random() < 0.5
            body = f"message {index} " + " ".join(rng.choice(_WORDS) for _ in range(6))
            batch.append(
                (
                    f"{peer}-{index:07d}",
                    peer,
                    peer if incoming else "me",
                    "in" if incoming else "out",
                    _BASE_MS + index,
                    "text",
                    body,
                    "delivered" if incoming else "sent",
                    None if incoming and index >= total - 5 * CONVERSATIONS else _BASE_MS,
                )
            )
            if len(batch) == 50_000 or index == total - 1:
                database.connection.executemany(
                    "INSERT INTO messages(id, conversation_id, sender, direction, sort_key, "
                    "kind, body, status, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    batch,
                )
                batch.clear()
        database.execute(
            "UPDATE conversations SET last_activity_at = (SELECT max(sort_key) FROM messages "
            "WHERE conversation_id = conversations.id), unread_count = (SELECT count(*) "
            "FROM messages WHERE conversation_id = conversations.id AND direction = 'in' "
            "AND read_at IS NULL)"
        )
        for peer in rng.sample(peers, 5):
            store.conversations.set_pinned(peer, True)
        for peer in rng.sample(peers, 50):
            store.conversations.set_archived(peer, True)


def _whole_list_ms(store: MessageStore, limit: int) -> float:
    def listing() -> object:
        return store.conversations.list_summaries(limit, include_archived=True)

    return _median_ms(listing)


def main() -> None:
    """Build the stores, measure, and print the JSON line."""
    rng = random.Random(10)
    result: dict[str, Any] = {"benchmark": "conversation_list"}
    with tempfile.TemporaryDirectory() as temporary:
        vault, _ = Vault.create(Path(temporary) / "profile", PASSWORD)
        store = vault.open_store()
        started = time.perf_counter()
        _bulk_load(store, rng, 1_000)
        result["load_1m_s"] = round(time.perf_counter() - started, 1)
        result["messages"] = int(store._db.query_value("SELECT count(*) FROM messages"))

        listed = store.conversations.list_summaries(CONVERSATIONS, include_archived=True)
        assert len(listed) == CONVERSATIONS
        assert all(summary.last_message is not None for summary in listed)
        assert len(store.conversations.list_summaries(10)) == 10

        whole_ms = _whole_list_ms(store, CONVERSATIONS)
        first_ms = _whole_list_ms(store, 10)
        result["list_1000_conversations_ms"] = round(whole_ms, 3)
        result["list_10_conversations_ms"] = round(first_ms, 3)
        result["list_1000_vs_10_ratio"] = round(whole_ms / first_ms, 2)
        result["list_per_conversation_us"] = round((whole_ms - first_ms) / 990 * 1000, 1)
        result["unread_total_ms"] = round(_median_ms(store.conversations.unread_total), 3)
        vault.lock()

        small_vault, _ = Vault.create(Path(temporary) / "small", PASSWORD)
        small = small_vault.open_store()
        _bulk_load(small, rng, 1)
        small_ms = _whole_list_ms(small, CONVERSATIONS)
        result["list_1000_conversations_1k_messages_ms"] = round(small_ms, 3)
        result["list_1m_vs_1k_messages_ratio"] = round(whole_ms / small_ms, 2)
        small_vault.lock()
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
