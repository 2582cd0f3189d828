"""``scripts/setup`` (and ``scripts/demo`` on top of it) install only what is missing.

Two kinds of runs. In the real repository everything is installed, so ``scripts/setup`` must
report each step as done and change nothing. The other runs use a copy of the scripts in a
temporary folder, with stand-ins on ``PATH`` for the commands that would change the machine
or need the network: ``dpkg-query`` (which packages are installed), ``apt-get``, ``id``
(root or not), ``sudo``, and a Python whose ``-m venv`` and ``-m pip`` only record what they
were asked and whose other uses run the real interpreter. ``PATH`` holds the stand-ins and
links to the real commands minus the ones a test wants absent, so "no sudo" or "no dpkg" are
real absences. Nothing is installed and nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
STAMP = Path(".venv") / ".chat-desktop-setup"
MISSING = "libxcb-cursor0"

# Commands the tests replace (or remove): they would change the machine or say who we are.
REPLACED = {"dpkg-query", "apt-get", "id", "sudo"}

FAKE_DPKG_QUERY = r"""#!/usr/bin/env bash
# Stand-in dpkg-query -W -f=FORMAT PACKAGE...: all installed but those in $FAKE_STATE/missing
# (never installed: dpkg does not know them) and $FAKE_STATE/removed (configuration files left).
format=""
packages=()
for arg in "$@"; do
  case "$arg" in
    -W) ;;
    -f=*) format="${arg#-f=}" ;;
    *) packages+=("$arg") ;;
  esac
done
status=0
for package in "${packages[@]}"; do
  if grep -qx "$package" "$FAKE_STATE/missing"; then
    echo "dpkg-query: no packages found matching $package" >&2
    status=1
    continue
  fi
  state="install ok installed"
  if grep -qx "$package" "$FAKE_STATE/removed"; then state="deinstall ok config-files"; fi
  line="${format//'${Package}'/$package}"
  printf '%b' "${line//'${Status}'/$state}"
done
exit "$status"
"""

FAKE_APT_GET = r"""#!/usr/bin/env bash
# Stand-in apt-get: records the call; `install` marks the packages installed for dpkg-query.
echo "apt-get $*" >>"$FAKE_STATE/log"
if [ "$(id -u)" -ne 0 ]; then echo "E: not root" >&2; exit 100; fi
if [ "$1" = "install" ]; then
  for package in "$@"; do
    grep -vx -- "$package" "$FAKE_STATE/missing" >"$FAKE_STATE/missing.new" || true
    mv "$FAKE_STATE/missing.new" "$FAKE_STATE/missing"
  done
fi
"""

FAKE_ID = r"""#!/usr/bin/env bash
# Stand-in id: the user id is $FAKE_UID.
if [ "${1:-}" = "-u" ]; then echo "$FAKE_UID"; else echo "uid=$FAKE_UID"; fi
"""

FAKE_SUDO_WITH_PASSWORD = r"""#!/usr/bin/env bash
# Stand-in sudo for a user who must type a password: -n (non-interactive) always fails.
echo "sudo $*" >>"$FAKE_STATE/log"
echo "sudo: a password is required" >&2
exit 1
"""

FAKE_SUDO_WITHOUT_PASSWORD = r"""#!/usr/bin/env bash
# Stand-in sudo for a user allowed without password: runs the command as (fake) root.
echo "sudo $*" >>"$FAKE_STATE/log"
if [ "$1" = "-n" ]; then shift; fi
FAKE_UID=0 exec "$@"
"""

FAKE_PYTHON = r"""#!/usr/bin/env bash
# Stand-in Python: `-m venv DIR` makes DIR/bin with this script as python and an empty pip,
# `-m pip ...` is recorded (an editable install adds the chat-desktop stub), the PySide6
# support files step says it is done (the real one would look at the real interpreter's
# PySide6); everything else runs the real interpreter.
if [ "${1:-}" = "-m" ] && [ "${2:-}" = "venv" ]; then
  echo "venv ${*:3}" >>"$FAKE_STATE/log"
  dir="${*: -1}"
  mkdir -p "$dir/bin"
  cp "$0" "$dir/bin/python"
  if [ -n "${FAKE_NO_ENSUREPIP:-}" ]; then
    echo "The virtual environment was not created successfully because ensurepip is not"
    echo "available.  On Debian/Ubuntu systems, you need to install the python3-venv"
    echo "package using the following command."
    exit 1
  fi
  printf '#!/bin/sh\n' >"$dir/bin/pip"
  chmod +x "$dir/bin/pip"
  exit 0
fi
if [[ "${1:-}" == *scripts/pyside-support-files ]]; then
  echo "pyside6 support files: ok (stand-in)"
  exit 0
fi
if [ "${1:-}" = "-m" ] && [ "${2:-}" = "pip" ]; then
  echo "pip ${*:3}" >>"$FAKE_STATE/log"
  if [[ " $* " == *" -e "* ]]; then cp "$FAKE_STATE/chat-desktop" "$(dirname "$0")/"; fi
  exit 0
fi
exec REAL_PYTHON "$@"
"""

STUB_APP = """#!/usr/bin/env bash
# Stand-in chat-desktop: says how it was started.
echo "chat-desktop $*"
"""


def _write_script(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


@dataclass
class Run:
    """What one script run returned, and what the stand-ins recorded up to then."""

    returncode: int
    stdout: str
    stderr: str
    log: list[str]


class Sandbox:
    """A copy of the scripts in a temporary folder, run with stand-in system commands."""

    def __init__(self, tmp_path: Path, system: Path) -> None:
        self.root = tmp_path / "repo"
        (self.root / "scripts").mkdir(parents=True)
        for name in ("setup", "install-system-deps", "demo"):
            shutil.copy2(REPO / "scripts" / name, self.root / "scripts" / name)
        shutil.copy2(REPO / "pyproject.toml", self.root / "pyproject.toml")
        self.state = tmp_path / "state"
        self.state.mkdir()
        (self.state / "missing").write_text("")
        (self.state / "removed").write_text("")
        (self.state / "log").write_text("")
        _write_script(self.state / "chat-desktop", STUB_APP)
        self.fakes = tmp_path / "fakes"
        self.fakes.mkdir()
        self.system = system
        _write_script(self.fakes / "dpkg-query", FAKE_DPKG_QUERY)
        _write_script(self.fakes / "apt-get", FAKE_APT_GET)
        _write_script(self.fakes / "id", FAKE_ID)
        _write_script(self.fakes / "sudo", FAKE_SUDO_WITH_PASSWORD)
        self.python = _write_script(
            tmp_path / "python3.11", FAKE_PYTHON.replace("REAL_PYTHON", sys.executable)
        )
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"CI", "PYTHON"} and not key.startswith("PIP_")
        }
        self.env.update(
            PATH=f"{self.fakes}{os.pathsep}{self.system}",
            FAKE_STATE=str(self.state),
            FAKE_UID="1000",
            PYTHON=str(self.python),
        )

    def set_missing(self, *packages: str, removed: tuple[str, ...] = ()) -> None:
        """Makes the stand-in dpkg-query report these packages as unknown or removed."""
        (self.state / "missing").write_text("".join(f"{p}\n" for p in packages))
        (self.state / "removed").write_text("".join(f"{p}\n" for p in removed))

    def remove_command(self, name: str) -> None:
        """Makes a command absent from PATH (stand-in or real)."""
        (self.fakes / name).unlink()

    def run(self, *args: str) -> Run:
        """Runs ``scripts/ARGS[0]`` with the remaining arguments."""
        done = subprocess.run(
            [str(self.root / "scripts" / args[0]), *args[1:]],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        log = (self.state / "log").read_text().splitlines()
        return Run(done.returncode, done.stdout, done.stderr, log)


@pytest.fixture(scope="module")
def system_commands(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder linking every command on the real PATH but the replaced ones (first wins)."""
    system = tmp_path_factory.mktemp("system")
    for folder in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            link = system / entry.name
            if entry.name in REPLACED or link.exists() or link.is_symlink():
                continue
            if entry.is_file() and os.access(entry.path, os.X_OK):
                link.symlink_to(entry.path)
    return system


@pytest.fixture
def sandbox(tmp_path: Path, system_commands: Path) -> Sandbox:
    """A fresh copy of the scripts: all system packages installed, no virtualenv yet."""
    return Sandbox(tmp_path, system_commands)


def _real_setup(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / "scripts" / "setup"), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_setup_in_this_repository_reports_every_step_done_and_changes_nothing() -> None:
    # --check first: it installs nothing, so a virtualenv not made by scripts/setup fails
    # here with the reason instead of being reinstalled by a test.
    check = _real_setup("--check")
    assert check.returncode == 0, (
        f"run scripts/setup (or scripts/test) once: {check.stdout}{check.stderr}"
    )
    stamp = REPO / STAMP
    before = stamp.stat().st_mtime_ns
    done = _real_setup()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "system packages: ok"
    assert lines[1].startswith("virtualenv: ok (.venv, Python 3.")
    assert lines[2] == "package: ok (pyproject.toml unchanged since the last install)"
    assert lines[3].startswith("pyside6 support files: ok (shiboken6 6.")
    assert len(lines) == 4
    assert done.stderr == ""
    assert stamp.stat().st_mtime_ns == before


def test_no_package_of_the_list_is_missing_on_this_machine() -> None:
    done = subprocess.run(
        [str(REPO / "scripts" / "install-system-deps"), "--missing"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == ""


def test_missing_lists_only_the_packages_dpkg_does_not_report_installed(
    sandbox: Sandbox,
) -> None:
    sandbox.set_missing(MISSING, removed=("fonts-noto-color-emoji",))
    done = sandbox.run("install-system-deps", "--missing")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [MISSING, "fonts-noto-color-emoji"]


@pytest.mark.parametrize("sudo", ["needs a password", "absent"])
def test_a_missing_package_without_root_names_it_and_the_command_and_stops(
    sandbox: Sandbox, sudo: str
) -> None:
    if sudo == "absent":
        sandbox.remove_command("sudo")
    sandbox.set_missing(MISSING)
    done = sandbox.run("setup")
    assert done.returncode != 0
    assert f"system packages: missing: {MISSING}\n" in done.stderr
    assert "  sudo scripts/install-system-deps\n" in done.stderr
    assert not any(line.startswith(("apt-get", "venv", "pip")) for line in done.log)
    assert not (sandbox.root / ".venv").exists()


def test_a_missing_package_as_root_is_installed_then_setup_goes_on(sandbox: Sandbox) -> None:
    sandbox.env["FAKE_UID"] = "0"
    sandbox.set_missing(MISSING)
    done = sandbox.run("setup")
    assert done.returncode == 0, done.stderr
    assert f"system packages: installing {MISSING}\n" in done.stdout
    assert done.log[0] == "apt-get update"
    assert done.log[1].startswith("apt-get install -y --no-install-recommends python3-venv ")
    assert (sandbox.state / "missing").read_text() == ""
    assert (sandbox.root / ".venv" / "bin" / "chat-desktop").exists()


def test_a_missing_package_is_installed_with_sudo_when_it_needs_no_password(
    sandbox: Sandbox,
) -> None:
    _write_script(sandbox.fakes / "sudo", FAKE_SUDO_WITHOUT_PASSWORD)
    sandbox.set_missing(MISSING)
    done = sandbox.run("setup")
    assert done.returncode == 0, done.stderr
    assert f"system packages: installing with sudo: {MISSING}\n" in done.stdout
    assert "sudo -n scripts/install-system-deps" in done.log
    assert "apt-get update" in done.log
    assert (sandbox.state / "missing").read_text() == ""


def test_without_dpkg_setup_prints_the_list_as_a_hint_and_goes_on(sandbox: Sandbox) -> None:
    sandbox.remove_command("dpkg-query")
    sandbox.remove_command("apt-get")
    done = sandbox.run("setup")
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("system packages: not checked (no dpkg)")
    assert f" {MISSING} " in first
    assert (sandbox.root / ".venv" / "bin" / "chat-desktop").exists()


def test_a_fresh_tree_is_set_up_once_then_only_when_pyproject_changes(sandbox: Sandbox) -> None:
    check = sandbox.run("setup", "--check")
    assert check.returncode == 1
    assert check.stdout.splitlines()[1:] == [
        "virtualenv: missing",
        "package: needs installing (no virtualenv yet)",
    ]
    assert check.log == []
    assert not (sandbox.root / ".venv").exists()

    first = sandbox.run("setup")
    assert first.returncode == 0, first.stderr
    assert first.log == [
        "venv --clear .venv",
        "pip install -q --upgrade pip",
        "pip install -q -e .[dev]",
    ]
    assert first.stdout.splitlines()[0] == "system packages: ok"
    assert first.stdout.splitlines()[1].startswith("virtualenv: creating .venv with ")

    again = sandbox.run("setup")
    assert again.returncode == 0, again.stderr
    assert again.log == first.log  # nothing ran
    assert again.stdout.splitlines()[1:] == [
        again.stdout.splitlines()[1],
        "package: ok (pyproject.toml unchanged since the last install)",
        "pyside6 support files: ok (stand-in)",
    ]
    assert again.stdout.splitlines()[1].startswith("virtualenv: ok (.venv, Python 3.")

    with (sandbox.root / "pyproject.toml").open("a") as pyproject:
        pyproject.write("# a new dependency\n")
    changed = sandbox.run("setup")
    assert changed.returncode == 0, changed.stderr
    assert changed.log == [*first.log, "pip install -q -e .[dev]"]
    assert "(pyproject.toml changed since the last install)" in changed.stdout

    (sandbox.root / ".venv" / "bin" / "chat-desktop").unlink()
    reinstalled = sandbox.run("setup")
    assert reinstalled.log == [*changed.log, "pip install -q -e .[dev]"]
    assert "(not installed yet)" in reinstalled.stdout
    assert sandbox.run("setup", "--check").returncode == 0


def test_a_python_without_venv_support_is_explained_and_leaves_no_half_virtualenv(
    sandbox: Sandbox,
) -> None:
    sandbox.env["FAKE_NO_ENSUREPIP"] = "1"
    done = sandbox.run("setup")
    assert done.returncode != 0
    assert "python3-venv package" in done.stderr
    assert "sudo apt-get install python3." in done.stderr
    assert not (sandbox.root / ".venv").exists()
    assert not any(line.startswith("pip") for line in done.log)


def test_demo_sets_up_then_starts_the_app_in_demo_mode_with_the_arguments(
    sandbox: Sandbox,
) -> None:
    done = sandbox.run("demo", "--help")
    assert done.returncode == 0, done.stderr
    assert done.log[-1] == "pip install -q -e .[dev]"
    assert done.stdout.splitlines()[-1] == "chat-desktop --demo --help"
