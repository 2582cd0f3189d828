"""The store benchmark's plain-sqlite3 baseline has the schema the repository writes to.

``benchmarks/store.py`` compares SQLCipher with plain sqlite3 over the same schema. The system
sqlite3 may be older than 3.44 and lack FTS5's secure-delete option (schema v2): that one
migration is skipped there, and only that one: skipping every later one too left the baseline
without the columns of schema v3 on, and the benchmark failed before measuring anything.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from chat_desktop.storage.messages import MessageRepository

pytestmark = pytest.mark.unit

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "store.py"


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("store_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_plain_baseline_stores_what_the_repository_writes(tmp_path: Path) -> None:
    benchmark = _benchmark()
    database = benchmark._plain_database(tmp_path / "plain.db")
    try:
        messages = MessageRepository(database, benchmark._now_ms, lambda name: tmp_path / name)
        with database.transaction():
            messages.insert(benchmark._message("bulk", 1, "a message body"))
        assert messages.count("bulk") == 1
    finally:
        database.close()
