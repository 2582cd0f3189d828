"""An exclusive OS lock on a profile, held while it is unlocked.

Two processes on one profile (two app windows, the app and a bot) would both send on the
same ratchet chains, reusing message keys. The lock is an advisory ``flock`` (POSIX) or a
``msvcrt`` byte lock (Windows) on a small file in the profile folder: the OS drops it when the
holder's file descriptor closes, including when the process is killed, so a crash never
leaves the profile locked. The descriptor is not inherited by child processes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from chat_desktop.storage.atomic import PRIVATE_FILE_MODE
from chat_desktop.storage.errors import ProfileInUse

LOCK_FILE_NAME = "profile.lock"


def _try_lock(descriptor: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError: held by another open file (this process or another)
        return False
    return True


class ProfileLock:
    """The held lock of one profile; :meth:`release` (idempotent) lets others open it."""

    def __init__(self, descriptor: int) -> None:
        self._descriptor: int | None = descriptor

    @classmethod
    def acquire(cls, profile_dir: Path) -> ProfileLock:
        """Take the profile's lock without waiting.

        Creates the lock file (mode 0600, empty) if needed; an existing one is not changed.

        Raises:
            ProfileInUse: Another process, or another unlocked vault in this process, holds it.
        """
        descriptor = os.open(
            profile_dir / LOCK_FILE_NAME, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE
        )
        if not _try_lock(descriptor):
            os.close(descriptor)
            raise ProfileInUse
        return cls(descriptor)

    @property
    def held(self) -> bool:
        """Whether this object still holds the lock."""
        return self._descriptor is not None

    def release(self) -> None:
        """Release the lock (closing the descriptor releases it on every OS)."""
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is None:
            return
        if sys.platform == "win32":
            import msvcrt

            try:
                os.lseek(descriptor, 0, os.SEEK_SET)
                msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)
            except OSError:
                pass  # closing below releases it anyway
        os.close(descriptor)

    def __del__(self) -> None:
        # A vault dropped without lock() must not keep the profile locked for the process life.
        self.release()
