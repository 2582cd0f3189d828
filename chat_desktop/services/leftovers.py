"""Files that must not outlive the run that made them, swept when a profile is opened.

Two kinds of file could hold plaintext outside the encrypted store after a crash or a kill:
a pasted image waiting in ``<profile>/pasted/`` to be sent, and the history archive of a
device link, which versions before this one wrote in plaintext to a folder of the system's
temporary directory (``chat-desktop-history-*``, on both devices). The history now goes
straight from memory into the attachment encryption; only the encrypted blob waits on disk,
in ``<profile>/linking/``. All three places are emptied at every unlock, before anything can
be writing there (one app instance per profile).
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Final

logger = logging.getLogger(__name__)

#: The profile's private folder (0700) where a pasted image waits, as a PNG, to be sent
#: (the conversation view saves pasted images there).
PASTE_FOLDER: Final = "pasted"
#: The profile's private folder (0700) where a link's encrypted history blob waits.
LINKING_FOLDER: Final = "linking"
#: The temporary folders in which earlier versions wrote the plaintext history archive.
OLD_HISTORY_TEMP_PREFIX: Final = "chat-desktop-history-"


def private_folder(profile_root: Path, name: str) -> Path:
    """Returns ``profile_root/name``, created if needed and readable by us only (0700)."""
    folder = profile_root / name
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def sweep_at_start(profile_root: Path, temp_dir: Path | None = None) -> int:
    """Removes the leftovers described in the module docstring; returns how many went.

    ``temp_dir`` is the system's temporary folder (``tempfile.gettempdir()`` by default).
    Only folders of the old name pattern that are ours (same owner, not links) are removed
    there. Failures are logged by type and never stop the unlock.
    """
    removed = 0
    for name in (PASTE_FOLDER, LINKING_FOLDER):
        folder = profile_root / name
        if folder.is_dir() and not folder.is_symlink():
            for path in folder.iterdir():
                removed += _remove(path)
    temp = Path(tempfile.gettempdir()) if temp_dir is None else temp_dir
    try:
        candidates = [p for p in temp.iterdir() if p.name.startswith(OLD_HISTORY_TEMP_PREFIX)]
    except OSError as error:
        logger.info("the temporary folder could not be listed: %s", type(error).__name__)
        candidates = []
    for path in candidates:
        try:
            info = path.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and _ours(info):
            removed += _remove(path)
    return removed


def _ours(info: os.stat_result) -> bool:
    """Whether a file belongs to this user (Windows' temporary folder is per user anyway)."""
    getuid = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()


def _remove(path: Path) -> int:
    """Removes a file or a folder tree (without following links); 1 if it went, else 0."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    except OSError as error:
        logger.warning("a leftover file could not be removed: %s", type(error).__name__)
        return 0
    return 1
