"""``benchmarks/relay.py --scale`` (issue 25, criterion 5) runs end to end on a tiny load: a
real PostgreSQL and Redis, one relay process then two, every message of the two-process run
stored by one process and delivered by the other. No timing is asserted: the keys the issue
names are printed, and every message arrived (the run waits for all of them)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "relay.py"


def test_the_scale_benchmark_prints_both_runs_and_their_ratio() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARK), "--scale", "--pairs", "2", "--messages", "5"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["benchmark"] == "relay_scale"
    for key in ("one_process_msgs_per_s", "two_process_msgs_per_s"):
        assert figures[key] > 0
    ratio = figures["two_process_msgs_per_s"] / figures["one_process_msgs_per_s"]
    assert figures["two_vs_one_process_ratio"] == pytest.approx(ratio, abs=0.001)
    assert figures["cores"] >= 1
