"""The one entry point of the installers: ``python packaging/build.py <target>``.

Targets, each in its own module imported only when asked for (a Linux build never imports the
Windows code and the other way round):

- ``linux``: the frozen app (:mod:`freeze`), then ``dist/chat-desktop_<version>_amd64.deb`` and
  ``dist/chat-desktop-<version>-linux-x86_64.tar.gz`` (:mod:`linux_deb`).
- ``windows``: :mod:`windows` (the NSIS installer), built on Windows by the release workflow.
- ``macos``: :mod:`macos` (the ``.app`` in a ``.dmg``), built on macOS by the release workflow.
- ``freeze``: only the one-dir bundle in ``build/freeze/dist`` and its self-test.

Every target module has ``build(version: str, dist: Path) -> list[Path]`` returning the files it
made. Run it with any Python 3.11+; the app is frozen from a locked virtualenv of its own.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import tomllib
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
DIST = ROOT / "dist"
#: target name -> module under packaging/ that builds it.
TARGETS = {"linux": "linux_deb", "windows": "windows", "macos": "macos", "freeze": "freeze_only"}


def project_version() -> str:
    """The app's version, from pyproject.toml (the one place it is written)."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def main(argv: list[str] | None = None) -> int:
    """Builds the target named on the command line; 0 on success, 1 naming the failed step."""
    parser = argparse.ArgumentParser(prog="packaging/build.py", description=__doc__)
    parser.add_argument("target", choices=sorted(TARGETS))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(PACKAGING))
    started = time.monotonic()
    module = importlib.import_module(TARGETS[args.target])
    from freeze import BuildError

    DIST.mkdir(exist_ok=True)
    try:
        made = module.build(project_version(), DIST)
    except BuildError as error:
        print(f"build {args.target}: FAILED: {error}", file=sys.stderr)
        return 1
    for path in made:
        print(f"built {path.relative_to(ROOT)} ({path.stat().st_size / 2**20:.1f} MiB)")
    print(f"build {args.target}: done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
