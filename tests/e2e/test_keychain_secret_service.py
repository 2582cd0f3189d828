"""Keychain unlock against a real Secret Service, not the in-memory double.

Each step of ``secret_service_scenario.py`` runs in its own ``dbus-run-session`` with a real
``gnome-keyring-daemon`` (Debian's package), keyring's SecretService backend and a real
:class:`ChatClient` on a real relay; the steps report what they saw and these tests judge it.
The keyring files live in the test's temporary HOME, never the developer's, and no display is
passed on, so gnome-keyring's unlock prompt cannot appear on a desktop.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from secret_service_scenario import (
    ACCOUNT_PASSWORD,
    EXIT_HUNG,
    KEYRING_PASSWORD,
    TEXT,
    UNLOCK_BOUND_S,
    USERNAME,
)

from chat_desktop.crypto.vault import KEY_BYTES
from chat_desktop.storage.keychain import KEYRING_SERVICE

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCENARIO = Path(__file__).with_name("secret_service_scenario.py")
#: Programs from scripts/install-system-deps (package in brackets) this test cannot do without.
REQUIRED_PROGRAMS = {
    "dbus-run-session": "dbus-daemon",
    "gnome-keyring-daemon": "gnome-keyring",
    "secret-tool": "libsecret-tools",
}
#: A bound on one step (a few seconds normally), so a stuck bus or daemon fails the test.
STEP_TIMEOUT_S = 90
#: Variables that would lead the step to the developer's own bus, keyring or display.
INHERITED_SESSION = (
    "DBUS_SESSION_BUS_ADDRESS",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "GNOME_KEYRING_CONTROL",
    "XDG_RUNTIME_DIR",
    "SENTRY_DSN",
)


@pytest.fixture(scope="module", autouse=True)
def secret_service_installed() -> None:
    """Fails (never skips) with the command to run when the system packages are missing."""
    missing = [
        f"{program} (package {package})"
        for program, package in REQUIRED_PROGRAMS.items()
        if shutil.which(program) is None
    ]
    if missing:
        pytest.fail(
            "the keychain e2e test needs a real Secret Service; missing: "
            + ", ".join(missing)
            + ". Install the system packages with `sudo scripts/install-system-deps`.",
            pytrace=False,
        )
    if importlib.util.find_spec("secretstorage") is None:
        pytest.fail(
            "keyring's SecretService backend needs the secretstorage package (a Linux "
            "dependency of keyring): reinstall the project with `scripts/setup`.",
            pytrace=False,
        )


def run_step(step: str, root: Path) -> dict[str, Any]:
    """Runs one scenario step in a fresh ``dbus-run-session``; returns its report."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_SESSION}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        PYTHON_KEYRING_BACKEND="keyring.backends.SecretService.Keyring",
    )
    command = ["dbus-run-session", "--", sys.executable, str(SCENARIO), step, str(root)]
    # A session of its own: on a timeout the whole group (bus, daemon, step) is ended.
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _out, err = process.communicate(timeout=STEP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _out, err = process.communicate()
        pytest.fail(f"the {step} step did not finish in {STEP_TIMEOUT_S} s:\n{err}")
    report_path = root / f"{step}.json"
    assert report_path.exists(), f"the {step} step wrote no report:\n{err}"
    report: dict[str, Any] = json.loads(report_path.read_text())
    hung = [
        key
        for key, value in report.items()
        if isinstance(value, dict) and value.get("outcome") == "hung"
    ]
    if process.returncode == EXIT_HUNG or hung:
        pytest.fail(f"keychain unlock ({', '.join(hung)}) did not answer in {UNLOCK_BOUND_S} s")
    assert process.returncode == 0, f"the {step} step failed:\n{err}"
    assert report["backend"] == "keyring.backends.SecretService.Keyring"
    assert all(report["daemon_is_ours"]), "another Secret Service answered on the bus"
    assert_no_password_in(report)
    return report


def assert_no_password_in(report: dict[str, Any]) -> None:
    """The reports are plain files: they must hold no password."""
    text = json.dumps(report)
    assert ACCOUNT_PASSWORD not in text
    assert KEYRING_PASSWORD not in text


def test_keychain_unlock_round_trip_through_gnome_keyring(tmp_path: Path) -> None:
    report = run_step("round-trip", tmp_path)
    entry_name = report["entry_name"]

    # Opting in stores one item in the Secret Service, under the app's service and entry name.
    assert report["enabled_after_opt_in"]
    stored = report["items_after_opt_in"]
    assert stored["count"] == 1
    assert stored["attributes"]["service"] == KEYRING_SERVICE
    assert stored["attributes"]["username"] == entry_name
    assert stored["lookup_found"]
    assert stored["secret_length"] == KEY_BYTES

    # The keychain alone (no password) opened the profile with its data.
    assert report["keychain_unlock"]["outcome"] == "opened", report["keychain_unlock"]
    assert report["unlocked_username"] == USERNAME
    assert report["read_back"] == [TEXT]

    # Opting out removes the item, and the keychain can no longer unlock.
    assert not report["enabled_after_opt_out"]
    assert report["items_after_opt_out"]["count"] == 0
    assert not report["items_after_opt_out"]["lookup_found"]
    assert report["unlock_after_opt_out"]["outcome"] == "KeychainUnavailable"
    assert report["unlock_after_opt_out"]["problem"] == "not_enabled"

    # An item deleted behind the app's back (a keyring app) is reported as missing.
    assert report["items_after_second_opt_in"]["count"] == 1
    assert report["cleared_with_secret_tool"]
    assert report["unlock_after_item_deleted"]["outcome"] == "KeychainUnavailable"
    assert report["unlock_after_item_deleted"]["problem"] == "secret_missing"
    assert report["password_read_back"] == [TEXT]  # the password always works


def test_a_locked_keyring_refuses_keychain_unlock_without_hanging(tmp_path: Path) -> None:
    # Opted in under an unlocked keyring, then the daemon restarts without the password.
    report = run_step("locked", tmp_path)
    assert report["enabled_after_opt_in"]
    assert len(report["daemon_is_ours"]) == 2
    outcome = report["locked_unlock"]
    assert outcome["outcome"] == "KeychainUnavailable", outcome
    assert outcome["problem"] == "locked"
    assert "use the password" in outcome["message"]  # what the unlock screen can show
    assert report["password_read_back"] == [TEXT]
