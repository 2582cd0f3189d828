"""benchmarks/backup.py measures end to end on a tiny profile (issue 23, acceptance 2).

Its measurement function builds a 300-message profile with 4 files through the store's API
in the test's folder, backs it up and restores it: every figure of its JSON line is there
as a number, and the restored profile equals the source. No timing is asserted (this
machine's speed is not the app's).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from chat_desktop.crypto.vault import FLOOR_PARAMS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
FIGURES = (
    "backup_100k_s",
    "restore_100k_s",
    "backup_file_mb",
    "store_read_100k_s",
    "backup_vs_read",
    "restore_vs_read",
    "profile_mb",
    "build_s",
)


async def test_the_backup_benchmark_reports_every_figure_and_round_trips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    backup = importlib.import_module("backup")

    result = await backup.run_benchmark(300, 4, cache=tmp_path, kdf_params=FLOOR_PARAMS)

    line = json.loads(json.dumps(result))  # what the script prints
    for figure in FIGURES:
        value = line[figure]
        assert isinstance(value, int | float) and not isinstance(value, bool), (figure, value)
    assert line["round_trip_equal"] is True
    assert line["messages"] == line["restored_messages"] == line["messages_read"] == 300
    assert line["files"] == line["restored_files"] == 4
    # The second run takes the cached profile.
    again = await backup.run_benchmark(300, 4, cache=tmp_path, kdf_params=FLOOR_PARAMS)
    assert again["build_s"] == 0 and again["round_trip_equal"] is True
