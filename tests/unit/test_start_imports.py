"""The app's start does not load what it does not need before its first window.

Each of these libraries cost a noticeable part of the cold start (benchmarks/ui.py): the
network stack is loaded when the relay link starts, Sentry when the user opts in to crash
reports, zxcvbn when a password is judged, the demo's relay server only for ``--demo``,
linking a device (provisioning, history transfer) only when a device is linked, Pillow when
an image is prepared, keyring when the keychain is used, uuid6 at the first message id, segno
for a QR code and the package metadata when crash reports are turned on.
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
    "importlib.metadata",
)


def test_importing_the_app_leaves_the_heavy_libraries_for_later() -> None:
    probe = (
        "import sys, chat_desktop.app\n"
        f"print(','.join(m for m in {LOADED_LATER!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "", f"loaded at start: {result.stdout.strip()}"
