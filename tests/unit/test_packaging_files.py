"""The installers' static files: desktop entry, AppStream metainfo, the PyInstaller spec, locks.

These are checked on every test run, so a broken desktop file or metainfo fails before anyone
builds a package. The validators (``desktop-file-validate``, ``appstreamcli``) come from
``scripts/install-system-deps``; without ``desktop-file-validate`` the entry is only parsed.
"""

from __future__ import annotations

import ast
import configparser
import fnmatch
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

import chat_desktop
from chat_desktop.gui.common.icons import APP_ICON_NAME, APP_ICON_PNG_SIZES, ICON_NAMES

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
LINUX = PACKAGING / "linux"
PACKAGE_DIR = Path(chat_desktop.__file__).parent
DESKTOP = LINUX / "chat-desktop.desktop"
METAINFO = LINUX / "io.github.chat_desktop.ChatDesktop.metainfo.xml"
SPEC = PACKAGING / "pyinstaller" / "chat-desktop.spec"


def _spec_constant(name: str) -> object:
    """A literal constant assigned at the top level of the spec."""
    tree = ast.parse(SPEC.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in {SPEC.name}")


def test_desktop_entry_is_valid() -> None:
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(
            ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True
        )
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DESKTOP, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "chat-desktop"
    assert entry["Icon"] == APP_ICON_NAME
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")
    assert "InstantMessaging" in entry["Categories"].split(";")
    # Wayland matches the window to the entry by the name the app gives Qt.
    app_source = (PACKAGE_DIR / "app.py").read_text()
    assert f'setDesktopFileName("{DESKTOP.stem}")' in app_source


def test_metainfo_is_valid_and_names_the_desktop_entry() -> None:
    text = METAINFO.read_text()
    component_id = re.search(r"<id>([^<]+)</id>", text)
    assert component_id is not None and f"{component_id.group(1)}.metainfo.xml" == METAINFO.name
    assert f'<launchable type="desktop-id">{DESKTOP.name}</launchable>' in text
    assert shutil.which("appstreamcli"), "appstreamcli is missing: run scripts/install-system-deps"
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_spec_bundles_every_data_file_the_app_loads() -> None:
    patterns = _spec_constant("DATA_FILES")
    assert isinstance(patterns, tuple)
    bundled = {
        str(path.relative_to(PACKAGE_DIR))
        for pattern, _target in patterns
        for path in PACKAGE_DIR.glob(pattern)
    }
    icons = {f"gui/resources/icons/{name}.svg" for name in (*ICON_NAMES, APP_ICON_NAME)}
    pngs = {f"gui/resources/icons/{APP_ICON_NAME}-{size}.png" for size in APP_ICON_PNG_SIZES}
    catalogues = {
        str(path.relative_to(PACKAGE_DIR)) for path in (PACKAGE_DIR / "gui" / "i18n").glob("*.qm")
    }
    assert catalogues >= {"gui/i18n/chat_desktop_id.qm"}
    assert icons | pngs | catalogues <= bundled
    for pattern, target in patterns:
        assert target == str(Path("chat_desktop", pattern).parent)


def test_spec_keeps_the_qt_plugins_the_app_needs() -> None:
    kept = _spec_constant("QT_PLUGINS")
    dropped = _spec_constant("QT_PLUGINS_DROPPED")
    assert isinstance(kept, tuple) and isinstance(dropped, tuple)

    def keeps(plugin: str) -> bool:
        return not any(fnmatch.fnmatch(plugin, pattern) for pattern in dropped) and any(
            fnmatch.fnmatch(plugin, pattern) for pattern in kept
        )

    for plugin in (
        "platforms/libqxcb.so",
        "platforms/libqwayland.so",
        "platforms/libqoffscreen.so",
        "imageformats/libqjpeg.so",
        "imageformats/libqgif.so",
        "imageformats/libqwebp.so",
        "imageformats/libqsvg.so",
        "iconengines/libqsvgicon.so",
        "platformthemes/libqgtk3.so",
        "xcbglintegrations/libqxcb-glx-integration.so",
    ):
        assert keeps(plugin), plugin
    for plugin in ("platforms/libqvnc.so", "imageformats/libqtiff.so", "sqldrivers/libqsqlite.so"):
        assert not keeps(plugin), plugin


def _locked_names(lock: Path) -> set[str]:
    names = set()
    for line in lock.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line)
        if match:
            names.add(match.group(1).lower().replace("_", "-"))
    return names


def test_lock_files_pin_every_package_with_hashes() -> None:
    for lock in (PACKAGING / "requirements-lock.txt", PACKAGING / "build-requirements.txt"):
        text = lock.read_text()
        requirements = re.findall(r"^[A-Za-z0-9][^\n]*", text, flags=re.MULTILINE)
        assert requirements, lock
        for requirement in requirements:
            assert "==" in requirement and requirement.rstrip().endswith("\\"), requirement
        assert text.count("--hash=sha256:") >= len(requirements)
    runtime = _locked_names(PACKAGING / "requirements-lock.txt")
    assert {"pyside6-essentials", "sqlcipher3", "cryptography", "qasync"} <= runtime
    # Runtime only: no test or dev tool is frozen into the app.
    assert not runtime & {"pytest", "mypy", "ruff", "hypothesis", "pyinstaller"}
    assert "pyinstaller" in _locked_names(PACKAGING / "build-requirements.txt")


def test_every_runtime_dependency_is_in_the_lock() -> None:
    """The installers install exactly the lock: a dependency missing there is missing from
    every built app (only when its feature is used, so no start-up check would see it)."""
    project = tomllib.loads((PACKAGING.parent / "pyproject.toml").read_text())
    declared = {
        re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        for requirement in project["project"]["dependencies"]
    }
    missing = declared - _locked_names(PACKAGING / "requirements-lock.txt")
    assert not missing, f"not in packaging/requirements-lock.txt: {sorted(missing)}"


def test_the_bundle_carries_pyside6s_support_files_and_its_build_checks_they_are_used() -> None:
    """The frozen app loads PySide6's support modules from files with their bytecode, as a
    source checkout does after scripts/setup; the build fails on a bundle that does not."""
    from chat_desktop.self_test import QUICK_PYSIDE_STARTUP

    spec = SPEC.read_text()
    assert '"shiboken6/files.dir"' in spec
    assert "pyside_support_files()" in spec
    assert '"rthook_pyside_startup.py"' in spec
    freeze = (PACKAGING / "freeze.py").read_text()
    assert f'QUICK_PYSIDE_STARTUP = "{QUICK_PYSIDE_STARTUP}"' in freeze
    assert '"pyside-support-files"' in freeze
