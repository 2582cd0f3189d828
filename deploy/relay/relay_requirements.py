"""Prints the relay's part of the app's hashed lock file, for the relay's container image.

The lock (``packaging/requirements-lock.txt``) pins the whole client, Qt included; the relay
needs only its web stack. This keeps the lock's blocks (``name==version`` line, hashes, ``# via``
comments) of :data:`RELAY_PACKAGES` and drops the rest, so the image installs the very same
versions and hashes with ``pip install --require-hashes`` (pip refuses the install if a
dependency were missing from the list, so a new dependency cannot slip in unpinned).

    python deploy/relay/relay_requirements.py packaging/requirements-lock.txt > relay-lock.txt
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

#: The relay's runtime dependencies and theirs (aiohttp, python-socketio, msgspec, sentry-sdk,
#: cryptography for token signatures), by their normalized names.
RELAY_PACKAGES = frozenset(
    {
        "aiohappyeyeballs",
        "aiohttp",
        "aiosignal",
        "attrs",
        "bidict",
        "certifi",
        "cffi",
        "cryptography",
        "frozenlist",
        "h11",
        "idna",
        "msgspec",
        "multidict",
        "propcache",
        "pycparser",
        "python-engineio",
        "python-socketio",
        "sentry-sdk",
        "simple-websocket",
        "typing-extensions",
        "urllib3",
        "wsproto",
        "yarl",
    }
)
_START = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==")


def relay_lock(lock_text: str) -> str:
    """The blocks of ``lock_text`` whose package is in :data:`RELAY_PACKAGES`."""
    kept: list[str] = []
    keep = False
    for line in lock_text.splitlines():
        start = _START.match(line)
        if start:
            keep = re.sub(r"[._]+", "-", start[1].lower()) in RELAY_PACKAGES
        elif not line.startswith(" "):
            keep = False
        if keep:
            kept.append(line)
    return "\n".join(kept) + "\n"


def main() -> int:
    """Prints the relay's lock for the lock file named on the command line."""
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} REQUIREMENTS_LOCK", file=sys.stderr)
        return 2
    sys.stdout.write(relay_lock(Path(sys.argv[1]).read_text(encoding="utf-8")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
