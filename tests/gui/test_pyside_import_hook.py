"""PySide6 no longer reads the source of every module the app imports after it.

Its ``__feature__`` import hook read each module's whole file (some 400 of them at the app's
start, 40–60 ms); ``chat_desktop.gui.pyside_import_hook`` marks them without reading. Counted
in a fresh interpreter (no timing involved): a regression shows as hundreds of reads.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.gui

PROBE = """
import inspect
reads = []
original = inspect.getsource
def counting(obj):
    reads.append(getattr(obj, "__name__", "?"))
    return original(obj)
inspect.getsource = counting
import chat_desktop.app
import chat_desktop.gui.main_window
import chat_desktop.gui.settings_window
from chat_desktop.gui import pyside_import_hook
print(pyside_import_hook.SKIPPING, len(reads), sorted(set(reads))[:5])
"""


def test_the_app_start_reads_no_module_source() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    skipping, reads, names = result.stdout.split(" ", 2)
    assert skipping == "True"
    # Only PySide6's own modules, read while it loads (before the hook can be tuned).
    assert int(reads) <= 5, names
