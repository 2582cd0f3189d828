"""Where each file of a profile lives, in one place."""

from __future__ import annotations

from pathlib import Path

import msgspec


class ProfilePaths(msgspec.Struct, frozen=True):
    """The files and folders of one profile (one account on one device).

    Attributes:
        root: The profile folder.
    """

    root: Path

    @property
    def vault(self) -> Path:
        """The vault header: salt, Argon2id parameters, wrapped master keys (no clear secret)."""
        return self.root / "vault.json"

    @property
    def backoff(self) -> Path:
        """Failed-unlock counter, kept apart so a wrong password never rewrites the vault."""
        return self.root / "unlock_backoff.json"

    @property
    def database(self) -> Path:
        """The SQLCipher database (with ``-wal`` and ``-shm`` beside it)."""
        return self.root / "store.db"

    @property
    def running_marker(self) -> Path:
        """Present while the database is open: found at open time means an unclean shutdown."""
        return self.root / "store.running"

    @property
    def snapshots(self) -> Path:
        """Rolling encrypted snapshots and pre-migration copies."""
        return self.root / "snapshots"

    @property
    def quarantine(self) -> Path:
        """Damaged databases set aside when a snapshot is restored (never deleted)."""
        return self.root / "damaged"

    @property
    def attachments(self) -> Path:
        """Attachment files, each encrypted at rest with its own key."""
        return self.root / "attachments"
