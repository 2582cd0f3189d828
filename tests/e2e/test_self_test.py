"""``chat-desktop --self-test`` from source: passes on a sound tree, names a broken piece.

Whole-app tests: the real ``python -m chat_desktop --self-test`` runs in a child process with
no display (the self-test picks Qt's offscreen platform itself). The broken cases run a temporary
copy of the package with one piece removed, put first on ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import chat_desktop

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: Generous bound for a cold start on a loaded 2-core machine (not an assertion on speed).
TIMEOUT_S = 120
PACKAGE_DIR = Path(chat_desktop.__file__).parent


def run_self_test(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Runs the self-test in ``cwd`` (``-m`` puts the working folder first on the path)."""
    env = {key: value for key, value in os.environ.items() if key != "QT_QPA_PLATFORM"}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-m", "chat_desktop", "--self-test"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def broken_copy(tmp_path: Path, remove: str) -> Path:
    """A copy of the package under ``tmp_path`` without ``remove`` (relative to the package)."""
    copy = tmp_path / "chat_desktop"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / remove
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink()
    return tmp_path


def test_self_test_passes_on_the_source_tree(tmp_path: Path) -> None:
    result = run_self_test(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "'offscreen'" in lines[0]
    for name in ("vault and store", "crypto", "bubble", "translations", "icons"):
        assert any(line.startswith(f"ok   {name}:") for line in lines), result.stdout
    # scripts/setup unpacked PySide6's support modules; the app deferred the .pyi generator.
    startup = "ok   pyside start-up: support modules from files, .pyi generator deferred ("
    assert any(line.startswith(startup) for line in lines), result.stdout
    assert lines[-1].startswith("self-test passed")


def test_the_copy_runs_instead_of_the_installed_package(tmp_path: Path) -> None:
    """Guards the broken-copy tests: an intact copy passes, so a failure there is the removal."""
    copy = broken_copy(tmp_path, "gui/i18n/chat_desktop_en.ts")
    probe = subprocess.run(
        [sys.executable, "-c", "import chat_desktop; print(chat_desktop.__file__)"],
        env=dict(os.environ, PYTHONPATH=str(copy)),
        cwd=copy,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip().startswith(str(tmp_path))
    assert run_self_test(copy, copy).returncode == 0


def test_missing_translations_fail_and_are_named(tmp_path: Path) -> None:
    result = run_self_test(tmp_path, broken_copy(tmp_path, "gui/i18n"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert any(
        line.startswith("FAIL translations:") and "chat_desktop_id.qm" in line
        for line in result.stdout.splitlines()
    ), result.stdout
    assert result.stdout.splitlines()[-1].endswith("broken: translations")


def test_a_missing_icon_fails_and_is_named(tmp_path: Path) -> None:
    result = run_self_test(tmp_path, broken_copy(tmp_path, "gui/resources/icons/send.svg"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert any(
        line.startswith("FAIL icons:") and "send" in line for line in result.stdout.splitlines()
    ), result.stdout
