"""The persisted wrong-password backoff (1 s, 2 s, 4 s … capped at 5 min).

It lives in its own small file so that a wrong password never rewrites the vault header:
the header and the database stay byte-identical whatever is typed.
"""

from __future__ import annotations

import json
from pathlib import Path

import msgspec

from chat_desktop.crypto.vault import backoff_delay
from chat_desktop.storage.atomic import fsync_directory, write_atomically


class BackoffState(msgspec.Struct, frozen=True):
    """Consecutive wrong passwords and when the last one happened (epoch seconds).

    Attributes:
        failures: Wrong passwords since the last successful unlock.
        last_failure_at: Wall-clock time of the last wrong password.
    """

    failures: int = 0
    last_failure_at: float = 0.0

    def retry_after(self, now: float) -> float:
        """Seconds still to wait before the next attempt (0 when one is allowed).

        A clock that went backwards past the last failure does not lock the user out for good.
        """
        if self.failures == 0 or now < self.last_failure_at:
            return 0.0
        return max(0.0, self.last_failure_at + backoff_delay(self.failures) - now)


def read_backoff(path: Path) -> BackoffState:
    """The stored state; a missing or unreadable file means no recent failures."""
    try:
        document = json.loads(path.read_text("utf-8"))
        return BackoffState(
            failures=int(document["failures"]), last_failure_at=float(document["last_failure_at"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return BackoffState()


def record_failure(path: Path, now: float) -> BackoffState:
    """Count one more wrong password and persist it durably."""
    state = BackoffState(failures=read_backoff(path).failures + 1, last_failure_at=now)
    document = {"failures": state.failures, "last_failure_at": state.last_failure_at}
    write_atomically(path, json.dumps(document).encode("utf-8"))
    return state


def clear_backoff(path: Path) -> None:
    """Forget the failures after a successful unlock."""
    if path.exists():
        path.unlink()
        fsync_directory(path.parent)
