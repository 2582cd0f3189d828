"""The release recipes and the relay's deployment files are checked here, on Linux.

Real tools where the machine has them: ``actionlint`` lints the release workflow, Debian's
``makensis`` compiles the Windows installer script against a stand-in one-dir bundle, and
``systemd-analyze verify`` checks the relay's unit. The others (dmgbuild settings, the
Flatpak manifest, the Containerfile) are parsed and their required parts asserted.
"""

from __future__ import annotations

import configparser
import json
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
WORKFLOW = REPO / ".github" / "workflows" / "release.yml"
APP_ID = "io.github.chat_desktop.ChatDesktop"


def _tool(name: str) -> str:
    """The tool's path; missing tools fail (they are installed by the setup), never skip."""
    venv_tool = REPO / ".venv" / "bin" / name
    found = str(venv_tool) if venv_tool.exists() else shutil.which(name)
    assert found, f"{name} is not installed: see the report of the release files' change"
    return found


def test_release_workflow_passes_actionlint() -> None:
    result = subprocess.run(
        [_tool("actionlint"), str(WORKFLOW)], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_release_workflow_pins_every_action_to_a_commit() -> None:
    uses = [
        line.split("uses:", 1)[1].strip()
        for line in WORKFLOW.read_text().splitlines()
        if "uses:" in line
    ]
    assert uses
    for use in uses:
        reference, _, comment = use.partition("#")
        _, _, sha = reference.strip().partition("@")
        assert len(sha) == 40 and all(c in "0123456789abcdef" for c in sha), use
        assert comment.strip().startswith("v"), f"{use}: name the version in a comment"
    text = WORKFLOW.read_text()
    for pin in ("nsis --version=3.10", "dmgbuild==1.6.7", "--require-hashes"):
        assert pin in text


def _stand_in_bundle(root: Path) -> Path:
    bundle = root / "bundle"
    (bundle / "_internal" / "PySide6" / "plugins" / "platforms").mkdir(parents=True)
    (bundle / "chat-desktop.exe").write_bytes(b"MZ stand-in")
    (bundle / "_internal" / "python311.dll").write_bytes(b"stand-in")
    (bundle / "_internal" / "PySide6" / "plugins" / "platforms" / "qwindows.dll").write_bytes(
        b"stand-in"
    )
    return bundle


def _windows(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PACKAGING / "windows.py"), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
    )


def test_makensis_compiles_the_windows_installer(tmp_path: Path) -> None:
    _tool("makensis")
    bundle = _stand_in_bundle(tmp_path)
    result = _windows(
        "--bundle", str(bundle), "--out", str(tmp_path / "out"), "--work", str(tmp_path / "w")
    )
    assert result.returncode == 0, result.stdout + result.stderr
    installer = tmp_path / "out" / "chat-desktop-0.1.0-windows-x64-setup.exe"
    assert installer.read_bytes()[:2] == b"MZ"
    listing = (tmp_path / "w" / "files.nsh").read_text()
    # The uninstaller deletes each installed file by name, never the whole folder.
    assert 'Delete "$INSTDIR\\_internal\\PySide6\\plugins\\platforms\\qwindows.dll"' in listing
    assert "RMDir /r" not in listing + (PACKAGING / "windows" / "installer.nsi").read_text()


def test_windows_script_installs_per_user_with_an_uninstall_entry() -> None:
    script = (PACKAGING / "windows" / "installer.nsi").read_text()
    assert "RequestExecutionLevel user" in script
    assert 'InstallDir "$LOCALAPPDATA\\Programs\\' in script
    assert "$SMPROGRAMS" in script and "WriteUninstaller" in script
    assert 'WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString"' in script
    assert "HKLM" not in script


def test_windows_icon_holds_every_size(tmp_path: Path) -> None:
    from PIL import Image

    result = _windows(
        "--bundle",
        str(_stand_in_bundle(tmp_path)),
        "--out",
        str(tmp_path / "o"),
        "--work",
        str(tmp_path / "w"),
    )
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "w" / "chat-desktop.ico") as icon:
        assert {16, 32, 48, 256} <= {side for side, _ in icon.info["sizes"]}


def test_windows_build_refuses_a_folder_without_the_app(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = _windows("--bundle", str(tmp_path / "empty"), "--out", str(tmp_path / "o"))
    assert result.returncode == 1
    assert "no chat-desktop.exe" in result.stderr


def test_dmgbuild_settings_define_the_required_names() -> None:
    settings = runpy.run_path(
        str(PACKAGING / "macos" / "dmg_settings.py"),
        init_globals={"defines": {"app": "dist/chat_desktop.app", "icon": "x.icns"}},
    )
    assert settings["files"] == ["dist/chat_desktop.app"]
    assert settings["symlinks"] == {"Applications": "/Applications"}
    assert settings["format"] == "UDZO"
    assert set(settings["icon_locations"]) == {"chat_desktop.app", "Applications"}
    assert settings["badge_icon"] == "x.icns"


def test_macos_entitlements_enable_only_what_python_needs() -> None:
    import plistlib

    entitlements = plistlib.loads((PACKAGING / "macos" / "entitlements.plist").read_bytes())
    assert entitlements["com.apple.security.cs.allow-unsigned-executable-memory"] is True
    assert "com.apple.security.app-sandbox" not in entitlements


def test_macos_signing_is_skipped_without_the_certificate(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MACOS_")}
    result = subprocess.run(
        ["bash", str(PACKAGING / "macos" / "sign-and-notarize.sh"), "sign", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0
    assert "unsigned" in result.stdout


def test_flatpak_manifest_parses_and_installs_the_desktop_files() -> None:
    manifest = json.loads((PACKAGING / "flatpak" / f"{APP_ID}.json").read_text())
    assert manifest["id"] == APP_ID
    assert manifest["command"] == "chat-desktop"
    assert manifest["modules"][0] == "python-deps.json"
    commands = "\n".join(manifest["modules"][1]["build-commands"])
    for installed in ("share/applications", "share/metainfo", "share/icons/hicolor"):
        assert installed in commands
    assert "--share=network" in manifest["finish-args"]


def test_appimage_recipe_runs_the_bundle() -> None:
    app_run = PACKAGING / "appimage" / "AppRun"
    assert os.access(app_run, os.X_OK)
    assert 'exec "$HERE/usr/lib/chat-desktop/chat-desktop" "$@"' in app_run.read_text()
    assert os.access(PACKAGING / "appimage" / "build-appimage.sh", os.X_OK)


def test_containerfile_runs_the_relay_as_non_root_with_a_health_check() -> None:
    lines = (REPO / "deploy" / "relay" / "Containerfile").read_text().splitlines()
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and all(not user.startswith(("root", "0")) for user in users)
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    assert "/health" in "\n".join(lines)
    assert 'VOLUME ["/data"]' in lines
    entry = next(line for line in lines if line.startswith("ENTRYPOINT"))
    assert json.loads(entry.removeprefix("ENTRYPOINT")) == [
        "chat-relay",
        "--host",
        "0.0.0.0",
        "--port",
        "8765",
        "--data-dir",
        "/data",
    ]


def test_relay_lock_keeps_the_relay_stack_and_drops_qt() -> None:
    script = runpy.run_path(str(REPO / "deploy" / "relay" / "relay_requirements.py"))
    lock = script["relay_lock"]((PACKAGING / "requirements-lock.txt").read_text())
    names = {line.split("==")[0] for line in lock.splitlines() if "==" in line}
    assert {"aiohttp", "python-socketio", "msgspec", "sentry-sdk", "cryptography"} <= names
    assert not names & {"pyside6-essentials", "shiboken6", "keyring", "pillow"}
    assert lock.count("--hash=sha256:") >= len(names)


def _unit() -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(REPO / "deploy" / "relay" / "chat-relay.service")
    return unit


def test_relay_unit_has_the_sandboxing_keys() -> None:
    service = _unit()["Service"]
    expected = {
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "NoNewPrivileges": "yes",
        "MemoryDenyWriteExecute": "yes",
        "DynamicUser": "yes",
        "StateDirectory": "chat-relay",
    }
    for key, value in expected.items():
        assert service.get(key) == value, key
    assert service["RestrictAddressFamilies"] == "AF_INET AF_INET6 AF_UNIX"
    assert "--data-dir ${STATE_DIRECTORY}" in service["ExecStart"]


def test_relay_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = _tool("systemd-analyze")
    text = (REPO / "deploy" / "relay" / "chat-relay.service").read_text()
    # verify checks that ExecStart exists: point it at this checkout's chat-relay.
    relay = REPO / ".venv" / "bin" / "chat-relay"
    unit = tmp_path / "chat-relay.service"
    unit.write_text(text.replace("/opt/chat-relay/bin/chat-relay", str(relay)))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == ""
