"""Damaging a profile's database the way a bad sector or a bad copy would, for restore tests."""

from __future__ import annotations

from pathlib import Path


def damage_database(database: Path) -> None:
    """Zeroes 64 bytes in the middle of the file, where a message page lies."""
    data = bytearray(database.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    database.write_bytes(bytes(data))
