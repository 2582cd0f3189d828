"""The GUI thread gets the GIL back soon from the app's worker threads (issue 22).

PySide6 lets go of the GIL in every call into Qt; a worker running Python meanwhile (a page
measured ahead, an attachment decrypted, a page read on the store's thread) kept it up to the
interpreter's switch interval, 5 ms by default, after each such call. A paint makes hundreds of
calls: on a busy machine the GUI thread stalled 50 to 140 ms while paging a photo-rich history
(benchmarks/scroll.py: 16 to 51 stalls over 50 ms in 3,000 steps; 2 with 0.5 ms). The app's
entry point shortens the interval; the benchmark does the same. No timing: the probe reads the
interval the entry point left.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.gui

#: The switch interval (s) the app runs with, at most.
GUI_SWITCH_INTERVAL_S = 0.001


def test_the_apps_entry_point_shortens_the_gil_switch_interval() -> None:
    probe = (
        "import sys, contextlib, io\n"
        "import chat_desktop.app as app\n"
        "default = sys.getswitchinterval()\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    app.main(['--help'])\n"
        "print(default, sys.getswitchinterval())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    default, interval = (float(word) for word in result.stdout.split())
    assert default > GUI_SWITCH_INTERVAL_S  # the interpreter's own (5 ms)
    assert 0 < interval <= GUI_SWITCH_INTERVAL_S
