"""``scripts/run-local`` run twice (a second user): one relay, shared, stopped by its starter.

The script runs from a copy of the repository layout in a temporary folder: the real
``chat-relay`` of this virtualenv on a free port, and a stand-in ``chat-desktop`` that says
``ready`` on stdout and then waits until the test releases it through a named pipe. So the
relay, the health probe, the log file and the script's process handling are all real; only
the GUI is replaced.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

STUB_APP = """#!/usr/bin/env bash
# Stand-in for chat-desktop: announce the profile, then wait for the test's go-ahead.
profile="${@: -1}"
name="$(basename "$profile")"
echo "ready $name $*"
read -r _ < "$STUB_DIR/release-$name"
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _relay_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, ConnectionError):
        return False


class LocalRun:
    """One ``scripts/run-local --profile DIR`` process and its stand-in app."""

    def __init__(self, root: Path, env: dict[str, str], name: str) -> None:
        self.name = name
        self.release_pipe = root / f"release-{name}"
        os.mkfifo(self.release_pipe)
        self.process = subprocess.Popen(
            [str(root / "scripts" / "run-local"), "--profile", str(root / name)],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []

    def wait_until_app_runs(self) -> None:
        """Reads the script's output until the stand-in app says ``ready``."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            if line.startswith(f"ready {self.name} "):
                return
        self.process.wait()
        pytest.fail(f"run-local exited ({self.process.returncode}) first: {self.output}")

    def quit_app(self) -> int:
        """Lets the stand-in app exit, then waits for the script; returns its status."""
        with self.release_pipe.open("w") as pipe:
            pipe.write("go\n")
        assert self.process.stdout is not None
        self.output.extend(self.process.stdout)
        return self.process.wait()

    def stop(self) -> None:
        """Teardown after a failed test: SIGTERM makes the script stop its app and relay."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def local_tree(tmp_path: Path) -> tuple[Path, dict[str, str], int]:
    """A repository layout with the real script and relay and a stand-in app."""
    (tmp_path / "scripts").mkdir()
    shutil.copy2(REPO / "scripts" / "run-local", tmp_path / "scripts" / "run-local")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "chat-relay").symlink_to(VENV_BIN / "chat-relay")
    stub = bin_dir / "chat-desktop"
    stub.write_text(STUB_APP)
    stub.chmod(0o755)
    port = _free_port()
    env = dict(os.environ)
    env.update(
        XDG_DATA_HOME=str(tmp_path / "data"),
        CHAT_RELAY_PORT=str(port),
        STUB_DIR=str(tmp_path),
    )
    return tmp_path, env, port


@pytest.fixture
def start_run(
    local_tree: tuple[Path, dict[str, str], int],
) -> Iterator[Callable[[str], LocalRun]]:
    """Starts ``run-local --profile NAME`` runs; any still running at teardown is stopped."""
    root, env, _ = local_tree
    runs: list[LocalRun] = []

    def start(name: str) -> LocalRun:
        run = LocalRun(root, env, name)
        runs.append(run)
        return run

    yield start
    for run in reversed(runs):
        run.stop()


def test_second_run_reuses_the_relay_and_only_the_first_stops_it(
    local_tree: tuple[Path, dict[str, str], int], start_run: Callable[[str], LocalRun]
) -> None:
    root, _, port = local_tree
    log = root / "data" / "chat_desktop-local-relay" / "relay.log"

    alice = start_run("alice")
    alice.wait_until_app_runs()
    assert _relay_answers(port)
    log_after_first = log.read_text()
    assert log_after_first.count('"listening"') == 1

    bob = start_run("bob")
    bob.wait_until_app_runs()
    log_after_second = log.read_text()
    # The second run neither truncated the log nor started a relay of its own.
    assert log_after_second.startswith(log_after_first)
    assert log_after_second.count('"listening"') == 1
    assert "Errno" not in log_after_second

    assert bob.quit_app() == 0
    assert _relay_answers(port), "the second run stopped a relay it did not start"

    assert alice.quit_app() == 0
    assert not _relay_answers(port), "the run that started the relay left it running"

    # A later run starts a new relay and appends to the same log.
    carol = start_run("carol")
    carol.wait_until_app_runs()
    assert carol.quit_app() == 0
    final_log = log.read_text()
    assert final_log.startswith(log_after_second)
    assert final_log.count('"listening"') == 2
