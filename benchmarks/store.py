"""Benchmark of the encrypted store; prints one JSON line (figures + same-run baselines).

- ``sqlcipher_vs_sqlite_ratio``: 100k message inserts in one transaction through the same
  repository code, plain sqlite3 time / SQLCipher time (1.0 = as fast; target ≥ 0.5).
- ``commit_per_message_us``: one durable commit per message (``synchronous=FULL``), SQLCipher,
  with ``commit_per_message_plain_us`` the plain sqlite3 baseline.
- ``window_1m_vs_1k_ratio``: a 100-message window at the newest, middle and oldest point of a
  1,000,000-message conversation vs a 1,000-message one, worst point (target ≤ 2).
- ``fts_1m_ms``: a full-text query over 1M messages (``fts_1k_ms``: the same over 1k).
- ``unlock_after_kdf_s``: from the raw keys to an open 1M-message store that has answered its
  first query (the newest window): what the user waits for after Argon2id (target ≤ 0.2 s).
  ``unlock_s``: Argon2id with calibrated parameters + that open (``unlock_kdf_s``: the
  Argon2id part alone). ``open_1m_with_page_check_s``: opening with the page authentication
  that used to run at every open; ``housekeeping_1m_s``: the background housekeeping (page
  check + snapshot + orphan cleanup) that replaced it.

Run: ``.venv/bin/python benchmarks/store.py`` (a few minutes; not run by CI).
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chat_desktop.crypto.vault import derive_password_kek
from chat_desktop.storage.db import Database
from chat_desktop.storage.messages import MessageRepository
from chat_desktop.storage.migrations import MIGRATIONS
from chat_desktop.storage.models import Direction, MessageCursor, MessageStatus, NewMessage
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import Vault

PASSWORD = "benchmark passphrase 42"
BIG = 1_000_000
SMALL = 1_000
BULK = 100_000
COMMITS = 1_000
WINDOW = 100
REPEATS = 200
_WORDS = [f"w{index:04d}" for index in range(2_000)]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _body(rng: random.Random, index: int) -> str:
    return f"message {index} " + " ".join(rng.choice(_WORDS) for _ in range(6))


def _message(conversation: str, index: int, body: str) -> NewMessage:
    return NewMessage(
        id=f"{conversation}-{index:07d}",
        conversation_id=conversation,
        sender="bob",
        direction=Direction.OUTGOING,
        sort_key=1_700_000_000_000 + index,
        kind="text",
        body=body,
        status=MessageStatus.SENT,
    )


def _plain_database(path: Path) -> Database:
    """Plain sqlite3 with the same pragmas and schema: the baseline."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in (
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA secure_delete = ON",
        "PRAGMA temp_store = MEMORY",
    ):
        connection.execute(pragma)
    database = Database(connection)
    # FTS5's secure-delete option (schema v2, that migration alone) needs SQLite >= 3.44, which
    # the system sqlite3 may predate; it only changes deletes, not the inserts measured here.
    # Every later migration applies (the tables the repository writes need their columns).
    fts_secure_delete = sqlite3.sqlite_version_info >= (3, 44, 0)
    with database.transaction():
        for migration in MIGRATIONS:
            if migration.version == 2 and not fts_secure_delete:
                continue
            for statement in migration.statements:
                database.execute(statement)
    return database


def _time_bulk_insert(messages: MessageRepository, database: Database, bodies: list[str]) -> float:
    started = time.perf_counter()
    with database.transaction():
        for index, body in enumerate(bodies):
            messages.insert(_message("bulk", index, body))
    return time.perf_counter() - started


def _time_commits(messages: MessageRepository, bodies: list[str]) -> float:
    started = time.perf_counter()
    for index, body in enumerate(bodies):
        messages.insert(_message("commits", index, body))  # one transaction each
    return (time.perf_counter() - started) / len(bodies) * 1e6


def _bulk_load(store: MessageStore, conversation: str, count: int, rng: random.Random) -> None:
    """Fast fixture loading through the store's connection (not what is measured)."""
    database = store._db  # benchmark-only shortcut: one executemany instead of 1M inserts
    with database.transaction():
        database.execute(
            "INSERT OR IGNORE INTO conversations(id, created_at) VALUES (?, ?)",
            (conversation, _now_ms()),
        )
        batch: list[tuple[Any, ...]] = []
        for index in range(count):
            batch.append(
                (
                    f"{conversation}-{index:07d}",
                    conversation,
                    "bob",
                    "out",
                    1_700_000_000_000 + index,
                    "text",
                    _body(rng, index),
                    "sent",
                )
            )
            if len(batch) == 50_000 or index == count - 1:
                database.connection.executemany(
                    "INSERT INTO messages(id, conversation_id, sender, direction, sort_key, "
                    "kind, body, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    batch,
                )
                batch.clear()


def _median_ms(action: Callable[[], object], repeats: int = REPEATS) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _window_points_ms(store: MessageStore, conversation: str, count: int) -> dict[str, float]:
    base = 1_700_000_000_000

    def at(position: int) -> Callable[[], object]:
        cursor = MessageCursor(sort_key=base + position, seq=2**62)
        return lambda: store.messages.before(conversation, cursor, WINDOW)

    return {
        "newest": _median_ms(lambda: store.messages.newest(conversation, WINDOW)),
        "middle": _median_ms(at(count // 2)),
        "oldest": _median_ms(at(WINDOW)),
    }


def main() -> None:
    """Run every measurement and print the JSON line."""
    rng = random.Random(7)
    result: dict[str, Any] = {"benchmark": "store"}
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        vault, _ = Vault.create(root / "profile", PASSWORD)
        store = vault.open_store()
        bodies = [_body(rng, index) for index in range(BULK)]

        plain = _plain_database(root / "plain.db")
        plain_messages = MessageRepository(plain, _now_ms, lambda file_id: root / file_id)
        plain_s = _time_bulk_insert(plain_messages, plain, bodies)
        cipher_s = _time_bulk_insert(store.messages, store._db, bodies)
        result["insert_100k_sqlcipher_s"] = round(cipher_s, 3)
        result["insert_100k_plain_s"] = round(plain_s, 3)
        result["sqlcipher_vs_sqlite_ratio"] = round(plain_s / cipher_s, 3)

        commit_bodies = bodies[:COMMITS]
        result["commit_per_message_plain_us"] = round(_time_commits(plain_messages, commit_bodies))
        result["commit_per_message_us"] = round(_time_commits(store.messages, commit_bodies))
        plain.close()

        started = time.perf_counter()
        _bulk_load(store, "big", BIG, rng)
        _bulk_load(store, "small", SMALL, rng)
        result["load_1m_s"] = round(time.perf_counter() - started, 1)
        assert store.messages.count("big") == BIG

        big = _window_points_ms(store, "big", BIG)
        small = _window_points_ms(store, "small", SMALL)
        result["window_1m_ms"] = {point: round(value, 3) for point, value in big.items()}
        result["window_1k_ms"] = {point: round(value, 3) for point, value in small.items()}
        result["window_1m_vs_1k_ratio"] = round(max(big[p] / small[p] for p in big), 3)
        result["count_1m_ms"] = round(_median_ms(lambda: store.messages.count("big"), 5), 1)

        query = rng.choice(_WORDS)
        result["fts_1m_ms"] = round(_median_ms(lambda: store.search(query), 20), 2)
        result["fts_1m_hits_limit"] = len(store.search(query))
        started = time.perf_counter()
        store.take_snapshot()
        result["snapshot_1m_s"] = round(time.perf_counter() - started, 2)
        result["db_1m_mb"] = round(vault.paths.database.stat().st_size / 2**20, 1)
        vault.lock()

        # Unlock as at app start: Argon2id at the calibrated cost, then the quick open.
        started = time.perf_counter()
        unlocked = Vault.unlock(root / "profile", PASSWORD)
        reopened = unlocked.open_store()
        reopened.messages.newest("big", WINDOW)
        result["unlock_s"] = round(time.perf_counter() - started, 3)
        reopened.close()
        db_key, row_key = unlocked.database_key(), unlocked.row_wrap_key()
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            opened = MessageStore.open(unlocked.paths, db_key, row_key)
            opened.messages.newest("big", WINDOW)
            samples.append(time.perf_counter() - started)
            opened.close()
        result["unlock_after_kdf_s"] = round(statistics.median(samples), 3)
        started = time.perf_counter()
        unlocked.open_store(verify_pages_on_open=True).close()
        result["open_1m_with_page_check_s"] = round(time.perf_counter() - started, 3)
        opened = unlocked.open_store()
        started = time.perf_counter()
        opened.run_housekeeping(snapshot_interval_ms=0)
        result["housekeeping_1m_s"] = round(time.perf_counter() - started, 3)
        opened.close()
        params = unlocked.kdf_params
        started = time.perf_counter()
        derive_password_kek(PASSWORD, b"\x00" * 16, params)
        result["unlock_kdf_s"] = round(time.perf_counter() - started, 3)
        result["argon2"] = {"memory_mib": params.memory_kib // 1024, "t": params.iterations}
        unlocked.lock()

        small_vault, _ = Vault.create(root / "small", PASSWORD)
        small_store = small_vault.open_store()
        _bulk_load(small_store, "small", SMALL, rng)
        result["fts_1k_ms"] = round(_median_ms(lambda: small_store.search(query), 20), 2)
        small_vault.lock()
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
