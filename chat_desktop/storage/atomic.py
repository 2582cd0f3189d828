"""Durable file replacement: write a new file, fsync it, rename it over the old one."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_directory(directory: Path) -> None:
    """Make a rename or creation inside ``directory`` durable (no-op where unsupported)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Flush a file's data to the disk."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file.

    The data goes to a temporary file beside the target, is fsynced, renamed over the target,
    and the folder is fsynced so the rename itself survives a power cut.
    """
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync_directory(path.parent)


PRIVATE_FILE_MODE = 0o600


def ensure_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it is missing, and make an existing one 0600.

    SQLite creates a database with the process umask (usually 0644) and gives its ``-wal`` and
    ``-shm`` files the mode of the database. Creating the empty file first with 0600 keeps the
    database and its companions private from the start, before any data is written.
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        if hasattr(os, "fchmod"):  # not on Windows, where the mode bits mean little
            os.fchmod(descriptor, PRIVATE_FILE_MODE)
    finally:
        os.close(descriptor)


def make_private(path: Path) -> None:
    """Set an existing file to mode 0600 (no-op if it does not exist)."""
    try:
        os.chmod(path, PRIVATE_FILE_MODE)
    except FileNotFoundError:
        return
