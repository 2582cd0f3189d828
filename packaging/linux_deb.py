"""``build.py linux``: the frozen app as a ``.deb`` and a ``.tar.gz``.

The ``.deb`` (``dpkg-deb --build --root-owner-group``) installs:

- the one-dir bundle in ``/opt/chat-desktop/`` and a launcher ``/usr/bin/chat-desktop``;
- the desktop entry, the AppStream metainfo and the hicolor icons (PNG 16-512 and SVG);
- ``/usr/share/doc/chat-desktop/copyright`` (machine-readable) and ``changelog.Debian.gz``;
- the lintian overrides (each says why), and ``DEBIAN/md5sums``.

``Depends`` is derived, not hand-kept: every ELF file of the bundle names the libraries it
needs (``objdump -p``); those the bundle does not carry are found on this machine
(``ldconfig -p``) and mapped to their packages (``dpkg -S``). A library that is not installed
here fails the build with its name (install the build list of ``scripts/install-system-deps``).
"""

# ruff: noqa: S603, S607 (a build script: it runs the build tools found on PATH)
from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import stat
import subprocess
import tarfile
from email.utils import formatdate
from pathlib import Path

from freeze import ROOT, BuildError, folder_size, freeze, run

LINUX = Path(__file__).resolve().parent / "linux"
PACKAGE = "chat-desktop"
#: The desktop entry's name: the same as the app's ``setDesktopFileName`` (Wayland app id).
DESKTOP_ID = "chat-desktop"
#: The AppStream component id (reverse DNS), its metainfo file named after it.
APPSTREAM_ID = "io.github.chat_desktop.ChatDesktop"
ICONS = ROOT / "chat_desktop" / "gui" / "resources" / "icons"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
STAGE = ROOT / "build" / "deb"
#: Recommended, not required: colour emoji in messages (the app's own symbols are SVGs), and
#: the composer's spell-check: libenchant (loaded by pyenchant at run time, so no ELF file
#: names it for the derived Depends) and the hunspell dictionaries of the app's languages.
#: Without them the app runs; the composer's menu says what spell-check needs. Voice notes'
#: PortAudio too (loaded by sounddevice at run time; without it: "No microphone found").
RECOMMENDS = (
    "fonts-noto-color-emoji",
    "libenchant-2-2",
    "hunspell-en-us",
    "hunspell-id",
    "libportaudio2",
)
_ELF_MAGIC = b"\x7fELF"


def _is_elf(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as file:
        return file.read(4) == _ELF_MAGIC


def needed_libraries(bundle: Path) -> tuple[set[str], set[str]]:
    """(sonames some bundled ELF file needs, file names the bundle carries)."""
    needed: set[str] = set()
    carried: set[str] = set()
    for path in bundle.rglob("*"):
        carried.add(path.name)
        if not _is_elf(path):
            continue
        dump = subprocess.run(
            ["objdump", "-p", str(path)], capture_output=True, text=True, check=True
        ).stdout
        needed.update(re.findall(r"^\s+NEEDED\s+(\S+)$", dump, flags=re.MULTILINE))
    return needed, carried


def _system_library_paths() -> dict[str, str]:
    """soname -> path of this machine's x86-64 libraries (``ldconfig -p``)."""
    found: dict[str, str] = {}
    listing = subprocess.run(
        ["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=True
    ).stdout
    for line in listing.splitlines():
        match = re.match(r"\s+(\S+) \((.*)\) => (\S+)", line)
        if match and "x86-64" in match.group(2):
            found.setdefault(match.group(1), match.group(3))
    return found


def _owning_package(path: str) -> str | None:
    real = os.path.realpath(path)
    candidates = {path, real}
    for item in list(candidates):  # merged /usr: dpkg may know either spelling
        if item.startswith("/usr/lib/"):
            candidates.add(item.removeprefix("/usr"))
        elif item.startswith("/lib/"):
            candidates.add("/usr" + item)
    for candidate in sorted(candidates):
        result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].strip()
    return None


def system_dependencies(bundle: Path) -> list[str]:
    """The Debian packages of the libraries the bundle needs but does not carry."""
    needed, carried = needed_libraries(bundle)
    system = _system_library_paths()
    packages: set[str] = set()
    missing: list[str] = []
    for soname in sorted(needed - carried):
        path = system.get(soname)
        package = _owning_package(path) if path else None
        if package is None:
            missing.append(soname)
        else:
            packages.add(package)
    if missing:
        raise BuildError(
            "these libraries the bundle needs are not installed here, so their packages are "
            "unknown: " + ", ".join(missing) + " (run scripts/install-system-deps --build)"
        )
    return sorted(packages)


def _copy(source: Path, target: Path, mode: int = 0o644) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(mode)


def _normalise_modes(root: Path) -> None:
    """Directories and programs (ELF executables, the launcher script) 0755, all else 0644.

    Shared objects are loaded, not run, and wheels' licence files sometimes arrive with an
    executable bit: both become 0644.
    """
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
            continue
        library = path.suffix == ".so" or ".so." in path.name
        with path.open("rb") as file:
            head = file.read(4)
        program = not library and (head == _ELF_MAGIC or head.startswith(b"#!"))
        path.chmod(0o755 if program and path.stat().st_mode & stat.S_IXUSR else 0o644)


def _write_gzip(text: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as file,
    ):
        file.write(text.encode("utf-8"))
    target.chmod(0o644)


def stage_tree(bundle: Path, version: str) -> Path:
    """Lays out the package's files under ``build/deb/root`` (without DEBIAN/)."""
    root = STAGE / "root"
    if STAGE.exists():
        shutil.rmtree(STAGE)
    shutil.copytree(bundle, root / "opt" / PACKAGE, symlinks=True)
    # Bytecode caches never ship (lintian: package-installs-python-pycache-dir); PyAV's
    # dist-info carries a licence as .py, which something compiles in the bundle.
    for cache in sorted((root / "opt").rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache)
    usr = root / "usr"
    launcher = usr / "bin" / PACKAGE
    launcher.parent.mkdir(parents=True)
    launcher.write_text(f'#!/bin/sh\nexec /opt/{PACKAGE}/chat-desktop "$@"\n')
    launcher.chmod(0o755)
    share = usr / "share"
    _copy(LINUX / f"{DESKTOP_ID}.desktop", share / "applications" / f"{DESKTOP_ID}.desktop")
    _copy(
        LINUX / f"{APPSTREAM_ID}.metainfo.xml",
        share / "metainfo" / f"{APPSTREAM_ID}.metainfo.xml",
    )
    hicolor = share / "icons" / "hicolor"
    for size in ICON_SIZES:
        _copy(
            ICONS / f"chat-desktop-{size}.png",
            hicolor / f"{size}x{size}" / "apps" / "chat-desktop.png",
        )
    _copy(ICONS / "chat-desktop.svg", hicolor / "scalable" / "apps" / "chat-desktop.svg")
    doc = share / "doc" / PACKAGE
    _copy(LINUX / "copyright", doc / "copyright")
    changelog = (
        (LINUX / "changelog.Debian")
        .read_text()
        .format(version=version, date=formatdate(localtime=False))
    )
    _write_gzip(changelog, doc / "changelog.Debian.gz")
    _copy(LINUX / "lintian-overrides", share / "lintian" / "overrides" / PACKAGE)
    _normalise_modes(root)
    return root


def installed_size_kib(root: Path) -> int:
    """``Installed-Size``: the files' sizes in KiB, each rounded up (as dpkg-gencontrol does)."""
    total = 0
    for path in root.rglob("*"):
        if path.is_symlink() or path.is_file():
            total += -(-path.lstat().st_size // 1024)
        elif path.is_dir():
            total += 1
    return total


def write_control(root: Path, version: str, depends: list[str]) -> None:
    """DEBIAN/control from the template, and DEBIAN/md5sums of every file."""
    debian = root / "DEBIAN"
    debian.mkdir(mode=0o755)
    sums = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and debian not in path.parents:
            digest = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
            sums.append(f"{digest}  {path.relative_to(root)}\n")
    (debian / "md5sums").write_text("".join(sums))
    (debian / "md5sums").chmod(0o644)
    control = (
        (LINUX / "control.in")
        .read_text()
        .format(
            package=PACKAGE,
            version=f"{version}-1",
            installed_size=installed_size_kib(root),
            depends=", ".join(depends),
            recommends=", ".join(RECOMMENDS),
        )
    )
    (debian / "control").write_text(control)
    (debian / "control").chmod(0o644)


def build_deb(bundle: Path, version: str, dist: Path) -> Path:
    """The ``.deb`` of ``bundle``; fails if lintian finds an error."""
    root = stage_tree(bundle, version)
    depends = system_dependencies(bundle)
    print("linux: Depends: " + ", ".join(depends), flush=True)
    write_control(root, version, depends)
    deb = dist / f"{PACKAGE}_{version}-1_amd64.deb"
    deb.unlink(missing_ok=True)
    run(["dpkg-deb", "--build", "--root-owner-group", "-Zxz", str(root), str(deb)])
    return deb


def check_deb(deb: Path) -> None:
    """lintian (no errors, no warnings that are not overridden) and AppStream validation."""
    if shutil.which("lintian"):
        run(["lintian", "--fail-on", "error,warning", "--tag-display-limit", "0", str(deb)])
    else:
        print("linux: lintian not installed: skipped (scripts/install-system-deps --build)")
    metainfo = LINUX / f"{APPSTREAM_ID}.metainfo.xml"
    if shutil.which("appstreamcli"):
        run(["appstreamcli", "validate", "--no-net", str(metainfo)])
    if shutil.which("desktop-file-validate"):
        run(["desktop-file-validate", str(LINUX / f"{DESKTOP_ID}.desktop")])


def build_tarball(bundle: Path, version: str, dist: Path) -> Path:
    """``chat-desktop-<version>-linux-x86_64.tar.gz``: the bundle in one top folder."""
    target = dist / f"{PACKAGE}-{version}-linux-x86_64.tar.gz"
    top = f"{PACKAGE}-{version}"

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(target, "w:gz", compresslevel=9) as archive:
        archive.add(bundle, arcname=top, filter=owned_by_root)
    return target


def build(version: str, dist: Path) -> list[Path]:
    """Freezes the app, then packages it as ``.deb`` and ``.tar.gz`` in ``dist``."""
    bundle = freeze()
    deb = build_deb(bundle, version, dist)
    check_deb(deb)
    tarball = build_tarball(bundle, version, dist)
    bundle_mib = folder_size(bundle) / 2**20
    deb_mib = deb.stat().st_size / 2**20
    installed_mib = installed_size_kib(STAGE / "root") / 1024
    print(
        f"linux: bundle {bundle_mib:.1f} MiB, .deb {deb_mib:.1f} MiB,"
        f" installed {installed_mib:.1f} MiB",
        flush=True,
    )
    return [deb, tarball]
