"""One process per profile: a second ``chat-desktop`` raises the first and exits at once.

Whole-app test: the real ``python -m chat_desktop`` runs twice on one profile (offscreen).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: Generous bounds for a cold PySide6 start on a loaded 2-core machine (not assertions on speed).
START_TIMEOUT_S = 60


def start_app(profile: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return subprocess.Popen(
        [sys.executable, "-m", "chat_desktop", "--profile", str(profile)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_listening(profile: Path, first: subprocess.Popen[str]) -> None:
    """Polls the first instance's local socket (a cross-process event has no other signal)."""
    from PySide6.QtNetwork import QLocalSocket

    from chat_desktop.gui.shell.single_instance import server_name

    name = server_name(profile)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert first.poll() is None, first.communicate()[1]
        socket = QLocalSocket()
        socket.connectToServer(name)
        if socket.waitForConnected(200):
            socket.disconnectFromServer()
            return
        time.sleep(0.1)
    raise AssertionError("the first instance never listened")


def test_a_second_instance_raises_the_first_and_exits(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    first = start_app(profile)
    try:
        wait_until_listening(profile, first)
        second = start_app(profile)
        try:
            _out, err = second.communicate(timeout=START_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            second.kill()
            second.communicate()
            raise AssertionError("the second instance did not exit") from None
        assert second.returncode == 0, err
        assert "already running" in err
        assert first.poll() is None  # the first one is untouched
    finally:
        first.terminate()
        try:
            first.communicate(timeout=START_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            first.kill()
            first.communicate()
