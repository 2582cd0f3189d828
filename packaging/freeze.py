"""The frozen app, on every OS: a locked virtualenv, PyInstaller one-dir, then its self-test.

1. ``build/freeze/venv``: a virtualenv holding exactly ``requirements-lock.txt`` (the app's
   runtime dependencies) and ``build-requirements.txt`` (PyInstaller and the tools that install
   the app), both installed with ``--require-hashes``; then the app itself from this tree
   (``--no-deps``: everything it needs is already locked), and PySide6's support modules
   unpacked with their bytecode (``scripts/pyside-support-files``). The virtualenv is reused
   while the two lock files are unchanged.
2. PyInstaller runs ``pyinstaller/chat-desktop.spec`` into ``build/freeze/dist/chat-desktop``.
3. The bundle's own ``chat-desktop --self-test`` must pass before any package is made of it.
"""

# ruff: noqa: S603 (a build script: it runs the build tools found on PATH)
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
BUILD = ROOT / "build" / "freeze"
VENV = BUILD / "venv"
DIST = BUILD / "dist"
BUNDLE = DIST / "chat-desktop"
LOCK_FILES = (PACKAGING / "requirements-lock.txt", PACKAGING / "build-requirements.txt")
SPEC = PACKAGING / "pyinstaller" / "chat-desktop.spec"
#: What the bundle's self-test says when PySide6 loads its support modules from the bundled
#: files and leaves its .pyi generator for later (``chat_desktop.self_test.
#: QUICK_PYSIDE_STARTUP``; a test keeps the two equal).
QUICK_PYSIDE_STARTUP = "support modules from files, .pyi generator deferred"


class BuildError(RuntimeError):
    """A build step failed; the message names the step and what to do."""


def run(command: list[str], **options: object) -> None:
    """Runs a build command, echoing it; a failure stops the build naming the command."""
    print("+ " + " ".join(command), flush=True)
    result = subprocess.run(command, check=False, **options)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise BuildError(f"{Path(command[0]).name} failed (exit {result.returncode})")


def venv_python() -> Path:
    """The build virtualenv's interpreter."""
    if sys.platform == "win32":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def _locks_digest() -> str:
    digest = hashlib.sha256()
    for path in LOCK_FILES:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def prepare_venv() -> Path:
    """Makes (or reuses) the locked build virtualenv and installs the app into it."""
    stamp = VENV / ".locks-sha256"
    python = venv_python()
    if not (stamp.exists() and stamp.read_text() == _locks_digest() and python.exists()):
        print(f"freeze: creating {VENV.relative_to(ROOT)} from the lock files", flush=True)
        venv.EnvBuilder(clear=True, with_pip=True).create(VENV)
        requirements = [arg for path in LOCK_FILES for arg in ("-r", str(path))]
        run([str(python), "-m", "pip", "install", "-q", "--require-hashes", *requirements])
        stamp.write_text(_locks_digest())
    # The app from this tree, every time (its files change between builds, its locks do not).
    run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--force-reinstall",
            str(ROOT),
        ],
        env=dict(os.environ, PYTHONWARNINGS="ignore"),
    )
    # PySide6's support modules as files with their bytecode (the spec bundles the folder):
    # otherwise the installed app decodes and compiles them from a zip at every start.
    run([str(python), str(ROOT / "scripts" / "pyside-support-files")])
    return python


def executable() -> Path:
    """The frozen app's executable inside the bundle."""
    return BUNDLE / ("chat-desktop.exe" if sys.platform == "win32" else "chat-desktop")


def self_test(binary: Path) -> None:
    """Runs ``binary --self-test`` (offscreen without a display); not 0 fails the build."""
    print(f"freeze: {binary} --self-test", flush=True)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [str(binary), "--self-test"],
        env=env,
        check=False,
        cwd=BUILD,
        capture_output=True,
        text=True,
    )
    print(result.stdout, end="", flush=True)
    print(result.stderr, end="", file=sys.stderr, flush=True)
    if result.returncode != 0:
        raise BuildError(f"the frozen app's self-test failed (exit {result.returncode})")
    if f"pyside start-up: {QUICK_PYSIDE_STARTUP}" not in result.stdout:
        raise BuildError("the bundle's PySide6 loads its support modules the slow way")


def folder_size(path: Path) -> int:
    """Bytes of every file under ``path`` (symlinks not followed)."""
    return sum(item.lstat().st_size for item in path.rglob("*") if item.is_file())


def freeze() -> Path:
    """Builds the one-dir bundle, self-tests it and returns its folder."""
    python = prepare_venv()
    env = dict(os.environ, PYINSTALLER_CONFIG_DIR=str(BUILD / "pyinstaller-config"))
    env.pop("PYTHONPATH", None)
    run(
        [
            str(python),
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(DIST),
            "--workpath",
            str(BUILD / "work"),
            str(SPEC),
        ],
        env=env,
        cwd=BUILD,
    )
    self_test(executable())
    print(f"freeze: bundle {folder_size(BUNDLE) / 2**20:.1f} MiB in {BUNDLE}", flush=True)
    return BUNDLE
