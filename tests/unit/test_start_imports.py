"""The app's start does not load what it does not need before its first window.

Each of these libraries cost a noticeable part of the cold start (benchmarks/ui.py): the
network stack is loaded when the relay link starts, Sentry when the user opts in to crash
reports, zxcvbn when a password is judged, the demo's relay server only for ``--demo``,
linking a device (provisioning, history transfer) only when a device is linked, Pillow when
an image is prepared, keyring when the keychain is used, uuid6 at the first message id, segno
for a QR code, pyenchant (on a worker thread) with the first spell-check and the package
metadata when crash reports are turned on.
A module-level import slipped back in fails here (no timing involved).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

LOADED_LATER = (
    "aiohttp",
    "socketio",
    "engineio",
    "sentry_sdk",
    "zxcvbn",
    "chat_desktop.relay",
    "chat_desktop.services.linking",
    "PIL",
    "keyring",
    "uuid6",
    "segno",
    "emoji",
    "enchant",
    "importlib.metadata",
    "av",
    "sounddevice",
)


def _run_probe(code: str) -> str:
    """What ``code`` prints in a fresh interpreter (nothing imported before it)."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout


def test_importing_the_app_leaves_the_heavy_libraries_for_later() -> None:
    probe = (
        "import sys, chat_desktop.app\n"
        f"print(','.join(m for m in {LOADED_LATER!r} if m in sys.modules))"
    )
    loaded = _run_probe(probe).strip()
    assert loaded == "", f"loaded at start: {loaded}"


def test_the_unlocked_window_leaves_the_settings_window_for_after_its_first_paint() -> None:
    """What the app preloads for the window (while the unlock dialog waits) is only what
    shows the conversation: the settings window and its licence list (which reads the
    package metadata) load after the first paint."""
    later = (
        *LOADED_LATER,
        "chat_desktop.gui.settings.window",
        "chat_desktop.gui.settings.licences",
    )
    probe = (
        "import importlib, sys, chat_desktop.app\n"
        "from chat_desktop.gui.shell.app_controller import MAIN_WINDOW_MODULES\n"
        "for name in MAIN_WINDOW_MODULES: importlib.import_module(name)\n"
        f"print(','.join(m for m in {later!r} if m in sys.modules))"
    )
    loaded = _run_probe(probe).strip()
    assert loaded == "", f"loaded with the window: {loaded}"


def test_the_start_hides_the_imported_modules_from_the_garbage_collector() -> None:
    """``main`` freezes what the imports made (they live as long as the process), so a full
    collection during the start does not walk them all again (benchmarks/ui.py)."""
    probe = (
        "import gc, chat_desktop.app as app\n"
        "before = gc.get_freeze_count()\n"
        "frozen = app.freeze_imported_objects()\n"
        "print(before, frozen, gc.get_freeze_count())"
    )
    before, frozen, after = (int(word) for word in _run_probe(probe).split())
    assert before == 0
    assert frozen == after > 20_000  # the app's modules, Qt's wrappers, the standard library
