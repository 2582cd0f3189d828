"""``build.py windows``: the Windows installer, an NSIS ``.exe`` for a per-user install.

Steps (the first needs Windows: PyInstaller freezes for the OS it runs on; the others run
anywhere, which is how the unit tests compile the script with Debian's ``makensis``):

1. :func:`freeze.freeze` makes and self-tests the one-dir bundle.
2. :func:`write_icon` turns the app icon's rendered PNGs into a multi-size ``.ico`` (Pillow).
3. :func:`write_file_lists` writes an NSIS include listing every file of the bundle, once to
   install and once to uninstall, so the uninstaller removes exactly what it installed.
4. :func:`compile_installer` runs ``makensis`` on ``windows/installer.nsi``.

``python packaging/windows.py --bundle DIR --out DIR [--version X.Y.Z]`` runs steps 2-4 alone
against any folder (a stand-in bundle in the tests).
"""

# ruff: noqa: S603 (a build script: it runs makensis found on PATH)
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path, PureWindowsPath

from PIL import Image

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
SCRIPT = PACKAGING / "windows" / "installer.nsi"
ICONS = ROOT / "chat_desktop" / "gui" / "resources" / "icons"
#: The sizes Windows asks an .ico for (Explorer, Start menu, taskbar, Add/Remove Programs).
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
WORK = ROOT / "build" / "windows"


class WindowsBuildError(RuntimeError):
    """A step of the Windows build failed; the message names the step and what to do."""


def vi_version(version: str) -> str:
    """The version as Windows' four numbers (``0.1.0`` -> ``0.1.0.0``).

    Raises:
        WindowsBuildError: The version has no numeric ``X.Y.Z`` core (e.g. ``main``).
    """
    core = version.split("+")[0].split("-")[0]
    for marker in ("a", "b", "rc", ".dev", ".post"):
        core = core.split(marker)[0]
    parts = core.split(".")
    if not 1 <= len(parts) <= 4 or not all(part.isdigit() for part in parts):
        raise WindowsBuildError(f"version {version!r} is not X.Y.Z: fix pyproject.toml")
    return ".".join([*parts, "0", "0", "0"][:4])


def write_icon(target: Path) -> Path:
    """Writes ``chat-desktop.ico`` holding every size of :data:`ICO_SIZES`.

    Each size is the PNG rendered from the SVG for it (``scripts/render_app_icon.py``), not a
    downscale of the largest, so the small sizes stay crisp.

    Raises:
        WindowsBuildError: A rendered PNG is missing.
    """
    images = []
    for side in ICO_SIZES:
        png = ICONS / f"chat-desktop-{side}.png"
        if not png.exists():
            raise WindowsBuildError(f"{png.name} missing: run scripts/render_app_icon.py")
        with Image.open(png) as image:
            images.append(image.convert("RGBA"))
    target.parent.mkdir(parents=True, exist_ok=True)
    largest = images[-1]
    largest.save(
        target,
        format="ICO",
        sizes=[(side, side) for side in ICO_SIZES],
        append_images=images[:-1],
    )
    return target


def _checked(text: str) -> str:
    """``text`` for a double-quoted NSIS string; refuses the characters NSIS would expand."""
    if any(char in text for char in '"$`\n'):
        raise WindowsBuildError(f"path {text!r} has a character NSIS cannot quote: rename it")
    return text


def _inst(relative: Path) -> str:
    """``relative`` (a path inside the bundle) as an NSIS path under ``$INSTDIR``."""
    return str(PureWindowsPath("$INSTDIR", *(_checked(part) for part in relative.parts)))


def write_file_lists(bundle: Path, target: Path) -> Path:
    """Writes the NSIS include with the macros ``InstallFiles`` and ``UninstallFiles``.

    ``InstallFiles`` has a ``SetOutPath`` per folder and a ``File`` per file of ``bundle``;
    ``UninstallFiles`` deletes those files, then their folders deepest first with a plain
    ``RMDir`` (which keeps a folder that is not empty).

    Raises:
        WindowsBuildError: ``bundle`` holds no executable ``chat-desktop.exe``.
    """
    if not (bundle / "chat-desktop.exe").is_file():
        raise WindowsBuildError(f"{bundle} has no chat-desktop.exe: build the frozen app first")
    files = sorted(path for path in bundle.rglob("*") if path.is_file())
    folders = sorted({path.parent.relative_to(bundle) for path in files})
    install = ["!macro InstallFiles"]
    for folder in folders:
        install.append(f'  SetOutPath "{_inst(folder)}"')
        for path in files:
            if path.parent.relative_to(bundle) == folder:
                install.append(f'  File "{_checked(str(path.resolve()))}"')
    install.append("!macroend")
    uninstall = ["!macro UninstallFiles"]
    uninstall += [f'  Delete "{_inst(path.relative_to(bundle))}"' for path in files]
    nested = {parent for folder in folders for parent in (folder, *folder.parents)}
    for folder in sorted(nested, key=lambda item: len(item.parts), reverse=True):
        if folder.parts:
            uninstall.append(f'  RMDir "{_inst(folder)}"')
    uninstall.append("!macroend")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join([*install, *uninstall]) + "\n", encoding="utf-8")
    return target


def makensis() -> str:
    """The ``makensis`` command: on PATH, or where the NSIS installer puts it on Windows.

    Raises:
        WindowsBuildError: NSIS is not installed.
    """
    found = shutil.which("makensis")
    if found:
        return found
    for base in (Path("C:/Program Files (x86)/NSIS"), Path("C:/Program Files/NSIS")):
        if (base / "makensis.exe").exists():
            return str(base / "makensis.exe")
    raise WindowsBuildError(
        "makensis not found: install NSIS (Debian: apt-get install nsis; "
        "Windows: choco install nsis)"
    )


def compile_installer(bundle: Path, version: str, out: Path, work: Path = WORK) -> Path:
    """Compiles the installer for ``bundle`` into ``out``; returns the ``.exe``.

    Raises:
        WindowsBuildError: The icon, the file list or makensis failed.
    """
    icon = write_icon(work / "chat-desktop.ico")
    files = write_file_lists(bundle, work / "files.nsh")
    out.mkdir(parents=True, exist_ok=True)
    installer = out / f"chat-desktop-{version}-windows-x64-setup.exe"
    defines = {
        "VERSION": version,
        "VI_VERSION": vi_version(version),
        "FILES_NSH": str(files.resolve()),
        "ICON": str(icon.resolve()),
        "OUTFILE": str(installer.resolve()),
    }
    command = [makensis(), "-NOCD", "-V2", "-WX"]
    command += [f"-D{name}={value}" for name, value in defines.items()]
    command.append(str(SCRIPT))
    print("+ " + " ".join(command), flush=True)
    result = subprocess.run(command, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise WindowsBuildError(f"makensis failed (exit {result.returncode}), output above")
    return installer


def build(version: str, dist: Path) -> list[Path]:
    """The ``build.py windows`` target: the frozen app, then its installer in ``dist``.

    Raises:
        freeze.BuildError: Any step failed (a :class:`WindowsBuildError` is re-raised as one,
            which ``build.py`` reports).
    """
    from freeze import BuildError, freeze

    if platform.system() != "Windows":
        raise BuildError("the Windows installer is built on Windows (the release workflow)")
    try:
        # The spec gives chat-desktop.exe this icon (CHAT_DESKTOP_ICO), so make it first.
        os.environ["CHAT_DESKTOP_ICO"] = str(write_icon(WORK / "chat-desktop.ico").resolve())
        bundle = freeze()
        return [compile_installer(bundle, version, dist)]
    except WindowsBuildError as error:
        raise BuildError(str(error)) from error


def _project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def main(argv: list[str] | None = None) -> int:
    """Compiles the installer for an existing bundle folder; 0 on success."""
    parser = argparse.ArgumentParser(prog="packaging/windows.py", description=__doc__)
    parser.add_argument("--bundle", type=Path, required=True, help="the one-dir bundle folder")
    parser.add_argument("--out", type=Path, required=True, help="folder for the installer")
    parser.add_argument("--version", default=None, help="default: pyproject.toml's")
    parser.add_argument("--work", type=Path, default=WORK, help="folder for the icon and list")
    args = parser.parse_args(argv)
    try:
        installer = compile_installer(
            args.bundle, args.version or _project_version(), args.out, args.work
        )
    except WindowsBuildError as error:
        print(f"windows: FAILED: {error}", file=sys.stderr)
        return 1
    print(f"built {installer}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
