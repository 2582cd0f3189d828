"""``appearance.json``: the look of the app, readable before the profile is unlocked.

The unlock dialog already needs the theme, text size and language, so these few choices live
in a plain JSON file in the profile folder rather than in the encrypted store. They are not
secret (mode 0600 all the same, like every file of a profile). What a damaged, hostile or
future file holds is the caller's to validate: this module only promises a JSON object or
nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from chat_desktop.storage.atomic import write_atomically

APPEARANCE_FILE_NAME: Final = "appearance.json"
#: A real file is well under 200 bytes; anything bigger is not ours and is not read.
MAX_APPEARANCE_FILE_SIZE: Final = 16 * 1024


def appearance_path(profile_dir: Path) -> Path:
    """The appearance file of a profile."""
    return profile_dir / APPEARANCE_FILE_NAME


def read_appearance_document(profile_dir: Path) -> dict[str, Any]:
    """The stored JSON object; empty when the file is missing, too big or not a JSON object."""
    path = appearance_path(profile_dir)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_APPEARANCE_FILE_SIZE + 1)
    except OSError:
        return {}
    if len(data) > MAX_APPEARANCE_FILE_SIZE:
        return {}
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return document if isinstance(document, dict) else {}


def write_appearance_document(profile_dir: Path, document: dict[str, Any]) -> None:
    """Replaces the file atomically (a crash leaves the old or the new one), mode 0600.

    Creates the profile folder (mode 0700) if it does not exist yet.
    """
    if not profile_dir.exists():
        profile_dir.mkdir(parents=True, mode=0o700)
    path = appearance_path(profile_dir)
    temporary = path.with_name(f".{path.name}.tmp")
    # A leftover temporary file (crash) would keep its old mode: the new one is made 0600.
    temporary.unlink(missing_ok=True)
    write_atomically(path, json.dumps(document, sort_keys=True).encode("utf-8"))
