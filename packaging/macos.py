"""``build.py macos``: the macOS app (``chat_desktop.app``) in a disk image, built on macOS.

Steps:

1. :func:`write_icns` makes ``chat-desktop.icns`` from the app icon's rendered PNGs (Pillow);
   the spec's ``BUNDLE`` takes it from ``CHAT_DESKTOP_ICNS``.
2. :func:`freeze.freeze` makes and self-tests the one-dir bundle; on macOS the spec also wraps
   it into ``chat_desktop.app`` with the Info.plist keys the app needs.
3. ``macos/sign-and-notarize.sh sign``: codesign with the hardened runtime and
   ``macos/entitlements.plist`` (skipped, the build staying unsigned, without the secrets).
4. ``dmgbuild`` (pinned in the release workflow) with ``macos/dmg_settings.py``.
5. ``macos/sign-and-notarize.sh notarize``: sign the image, ``notarytool``, ``stapler``
   (skipped without the secrets).
"""

# ruff: noqa: S603 (a build script: it runs dmgbuild and the signing script)
from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

from PIL import Image

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
ICONS = ROOT / "chat_desktop" / "gui" / "resources" / "icons"
SETTINGS = PACKAGING / "macos" / "dmg_settings.py"
SIGN = PACKAGING / "macos" / "sign-and-notarize.sh"
WORK = ROOT / "build" / "macos"
APP_NAME = "chat_desktop.app"


class MacBuildError(RuntimeError):
    """A step of the macOS build failed; the message names the step and what to do."""


def write_icns(target: Path) -> Path:
    """Writes the app icon as ``.icns`` from the 512 px PNG (Pillow makes the smaller sizes).

    Raises:
        MacBuildError: The rendered PNG is missing.
    """
    png = ICONS / "chat-desktop-512.png"
    if not png.exists():
        raise MacBuildError(f"{png.name} missing: run scripts/render_app_icon.py")
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(png) as image:
        image.convert("RGBA").save(target, format="ICNS")
    return target


def _run(command: list[str]) -> None:
    print("+ " + " ".join(command), flush=True)
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        raise MacBuildError(f"{Path(command[0]).name} failed (exit {result.returncode})")


def make_dmg(app: Path, icon: Path, version: str, dist: Path) -> Path:
    """Builds ``chat-desktop-<version>-macos.dmg`` holding ``app`` with dmgbuild.

    Raises:
        MacBuildError: dmgbuild failed or is not installed.
    """
    dmg = dist / f"chat-desktop-{version}-macos.dmg"
    _run(
        [
            sys.executable,
            "-m",
            "dmgbuild",
            "-s",
            str(SETTINGS),
            "-D",
            f"app={app}",
            "-D",
            f"icon={icon}",
            f"chat_desktop {version}",
            str(dmg),
        ]
    )
    return dmg


def build(version: str, dist: Path) -> list[Path]:
    """The ``build.py macos`` target: the signed (when possible) app in a ``.dmg`` in ``dist``.

    Raises:
        freeze.BuildError: Any step failed (a :class:`MacBuildError` is re-raised as one).
    """
    from freeze import DIST, BuildError, freeze

    if platform.system() != "Darwin":
        raise BuildError("the macOS disk image is built on macOS (the release workflow)")
    try:
        icon = write_icns(WORK / "chat-desktop.icns")
        os.environ["CHAT_DESKTOP_ICNS"] = str(icon.resolve())
        freeze()
        app = DIST / APP_NAME
        if not app.is_dir():
            raise MacBuildError(f"{app} missing: the spec's BUNDLE step did not run")
        _run(["bash", str(SIGN), "sign", str(app)])
        dmg = make_dmg(app, icon, version, dist)
        _run(["bash", str(SIGN), "notarize", str(dmg)])
    except MacBuildError as error:
        raise BuildError(str(error)) from error
    return [dmg]
