"""Integrity checks of the encrypted database."""

from __future__ import annotations

from typing import Any

import sqlcipher3


def page_authentication_problem(connection: Any) -> str | None:
    """Check every page's HMAC (``PRAGMA cipher_integrity_check``): fast, catches bit flips.

    Returns:
        None when every page authenticates, else a short description (no content).
    """
    try:
        rows = connection.execute("PRAGMA cipher_integrity_check").fetchall()
    except sqlcipher3.DatabaseError:
        return "page authentication could not run"
    return None if not rows else f"{len(rows)} page(s) fail authentication"


def structure_problem(connection: Any) -> str | None:
    """Walk every b-tree and index (``PRAGMA integrity_check``): slower, run after a crash.

    Returns:
        None when the check says "ok", else a short description (no content).
    """
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlcipher3.DatabaseError:
        return "the structure check could not run"
    if rows == [("ok",)]:
        return None
    return f"{len(rows)} structural problem(s)"


def database_problem(connection: Any, *, full: bool) -> str | None:
    """Page authentication always; the structure walk too when ``full``."""
    problem = page_authentication_problem(connection)
    if problem is None and full:
        problem = structure_problem(connection)
    return problem
