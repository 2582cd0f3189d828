"""PySide6 loads without the costs of its import machinery the app does not use.

- Its ``__feature__`` import hook read each module's whole file (some 400 of them at the
  app's start, 40–60 ms); ``chat_desktop.gui.startup.pyside_import_hook`` marks them without
  reading.
  Counted in a fresh interpreter (no timing involved): a regression shows as hundreds of reads.
- Its ``.pyi`` generator (a developer tool whose class body compiles a large regular
  expression) is not run at the app's start, and still works when used.
- ``scripts/setup`` unpacked its support modules as files with cached bytecode
  (``scripts/pyside-support-files``), for this PySide6's version.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
import chat_desktop.gui.shell.main_window
import chat_desktop.gui.settings.window
from chat_desktop.gui.startup import pyside_import_hook
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


GENERATOR_PROBE = """
import sys
import chat_desktop.app
from chat_desktop.gui.startup import pyside_import_hook
generator = sys.modules["PySide6.support.signature.lib.pyi_generator"]
ran_at_start = "Formatter" in vars(generator)
from PySide6.support.signature.lib.pyi_generator import Formatter, generate_pyi
print(pyside_import_hook.DEFERRING, ran_at_start, callable(generate_pyi), Formatter.__name__)
"""


def test_the_app_start_does_not_run_the_pyi_generator_which_still_works_when_used() -> None:
    result = subprocess.run(
        [sys.executable, "-c", GENERATOR_PROBE],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.split() == ["True", "False", "True", "Formatter"]


def test_setup_unpacked_the_support_modules_for_this_pyside6() -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "pyside-support-files"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("pyside6 support files: ok (shiboken6 6.")
