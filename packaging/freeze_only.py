"""``build.py freeze``: only the one-dir bundle and its self-test (no package)."""

from __future__ import annotations

from pathlib import Path

from freeze import freeze


def build(version: str, dist: Path) -> list[Path]:
    """Freezes the app; nothing is written to ``dist``."""
    del version, dist
    freeze()
    return []
