"""benchmarks/scroll.py measures end to end on a tiny profile (issue 22).

Its measurement function runs the real app (unlock, main window, paging, a jump, a search)
on a 3,000-message profile built in the test's folder, with 20 steps: every figure of its
JSON line is there as a number, no row changed height and the top message never jumped.
No timing is asserted (this machine's speed is not the app's).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
#: The figures the JSON line must carry, each a number.
FIGURES = (
    "open_1m_vs_1k_ratio",
    "open_1m_ms",
    "open_1k_ms",
    "scroll_page_median_ms",
    "scroll_page_p50_ms",
    "scroll_page_p90_ms",
    "scroll_page_p99_ms",
    "scroll_page_max_ms",
    "gui_stall_max_ms",
    "gui_stalls_over_50ms",
    "memory_growth_mb",
    "jump_900k_ms",
    "search_1m_ms",
    "rows_changed_height",
    "anchor_jumps",
    "steps",
    "build_s",
    "loadavg_1min_at_start",
    "loadavg_1min_at_end",
)


async def test_the_scroll_benchmark_reports_every_figure_and_no_row_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_look: QApplication
) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    scroll = importlib.import_module("scroll")

    result = await scroll.run_benchmark(3_000, 20, cache=tmp_path, repeats=1)

    line = json.loads(json.dumps(result))  # what the script prints
    for figure in FIGURES:
        value = line[figure]
        assert isinstance(value, int | float) and not isinstance(value, bool), (figure, value)
    assert line["steps"] == 20
    assert line["rows_changed_height"] == 0
    assert line["anchor_jumps"] == 0
