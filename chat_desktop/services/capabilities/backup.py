"""``client.backup``: export the whole profile's history to one passphrase-encrypted file.

The file (docs/protocol.md §12) holds the account, settings, contacts, conversations and
every message with its edits, reactions, reply and file, not sessions and not prekeys.
Restoring needs no unlocked client: :func:`chat_desktop.services.backup_restore.
restore_backup` makes a new profile from it (the start screen's "Restore from a backup").

The store is read a page at a time on its own thread while the previous page is sealed and
written on another, so messages keep flowing during a long export and memory stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Generator
from pathlib import Path

import msgspec

from chat_desktop.crypto.vault import Argon2Params
from chat_desktop.services.backup_export import ExportCounts, export_batches
from chat_desktop.services.backup_format import DEFAULT_PARAMS, BackupWriter
from chat_desktop.services.context import EngineContext
from chat_desktop.storage.password_policy import check_new_password

#: ``progress(done, total)``: messages written so far, of about ``total`` (loop thread).
Progress = Callable[[int, int], None]


class BackupSummary(msgspec.Struct, frozen=True):
    """A finished backup.

    Attributes:
        path: The file.
        size: Its size in bytes.
        messages: Messages in it.
        files: Files in it.
    """

    path: Path
    size: int
    messages: int
    files: int


class BackupService:
    """Writes encrypted backups of this profile."""

    def __init__(self, context: EngineContext) -> None:
        """Built by the client; reads through ``context``'s store thread."""
        self._context = context

    async def export(
        self,
        path: Path,
        passphrase: str,
        progress: Progress | None = None,
        *,
        allow_weak_passphrase: bool = False,
        kdf_params: Argon2Params = DEFAULT_PARAMS,
    ) -> BackupSummary:
        """Writes the backup to ``path`` (replacing a file there only once it is complete).

        Cancelling stops it between pages; nothing is left at ``path`` then.

        Raises:
            PasswordTooShort, WeakPassword: The passphrase is refused (a weak one is accepted
                with ``allow_weak_passphrase``, after the user saw the warning).
            BackupError: The profile could not be read whole (a damaged file); no backup.
            OSError: The file could not be written; nothing is left at ``path``.
        """
        check_new_password(
            passphrase, allow_weak=allow_weak_passphrase, user_inputs=(self._context.username,)
        )
        making = asyncio.ensure_future(
            asyncio.to_thread(BackupWriter, path, passphrase, params=kdf_params)
        )
        try:
            writer = await asyncio.shield(making)
        except asyncio.CancelledError:  # during the derivation: drop the file it then starts
            making.add_done_callback(_abort_made)
            raise
        worker = self._context.worker
        counts = ExportCounts(0)
        batches = export_batches(worker.store, counts)
        pending: asyncio.Future[bytes | None] | None = None
        try:
            pending = asyncio.ensure_future(worker.run(_next, batches))
            while (batch := await pending) is not None:
                pending = asyncio.ensure_future(worker.run(_next, batches))
                await asyncio.to_thread(writer.write, batch)
                if progress is not None:
                    progress(counts.messages, counts.total)
            pending = None
            size = await asyncio.to_thread(writer.finish)
        except BaseException:
            if pending is not None:
                with contextlib.suppress(BaseException):
                    await asyncio.shield(pending)
            await asyncio.shield(worker.run(batches.close))
            writer.abort()
            raise
        if progress is not None:
            progress(counts.messages, max(counts.total, counts.messages))
        return BackupSummary(path=path, size=size, messages=counts.messages, files=counts.files)


def _abort_made(making: asyncio.Future[BackupWriter]) -> None:
    """Removes the unfinished file of a writer made after its export was cancelled."""
    if not making.cancelled() and making.exception() is None:
        making.result().abort()


def _next(batches: Generator[bytes, None, None]) -> bytes | None:
    """The next batch (store thread), or None at the end."""
    return next(batches, None)
