"""Restoring a backup into a new profile, whole or not at all (no unlocked client needed).

:func:`restore_backup` checks the passphrase, then reads the file once, start to end, into a
fresh profile made in a staging folder beside the target (``<target>.restoring``): every
chunk is authenticated before its records are used, each record is bounded, and the records
must come in the order of docs/protocol.md §12.3 with the counts the End record gives. Only
when all of it went in is the store closed and the staging folder renamed to the target.
On any refusal (damaged, cut short, reordered, wrong passphrase) or error the staging folder
is removed: a tampered backup is refused whole and leaves no profile.

Resuming: a restore that was killed leaves only its staging folder (never a profile that
looks usable); running the restore again removes it and starts over from the beginning of
the file (restart from scratch: a 100,000-message restore takes well under a minute, so a
journal to continue mid-file would add risk for little). A staging folder another running
restore holds (its profile lock) is left alone: :class:`~chat_desktop.storage.errors.
ProfileInUse`.

The restored profile is the same account and device (identity key, device id and key), so
contacts see no key change. It has no sessions and no prekeys: at its first connect it
uploads a new signed prekey and last-resort PQ prekey (the key upkeep finds none), and every
conversation continues on a new session, as after a snapshot restore.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

import msgspec

from chat_desktop.crypto.vault import Argon2Params
from chat_desktop.services.backup_format import BackupError, BackupReader
from chat_desktop.services.backup_import import BackupImporter
from chat_desktop.services.backup_records import records
from chat_desktop.storage.atomic import fsync_directory
from chat_desktop.storage.password_policy import check_new_password
from chat_desktop.storage.profile import ProfilePaths
from chat_desktop.storage.profile_lock import LOCK_FILE_NAME, ProfileLock
from chat_desktop.storage.vault_file import UnlockedVault, Vault

#: ``progress(done, total)``: bytes of the backup file read so far, of its size.
Progress = Callable[[int, int], None]
STAGING_SUFFIX: Final = ".restoring"
#: Records written per transaction (the whole restore is thrown away on failure anyway).
_BATCH: Final = 4000


class BackupTargetExists(BackupError):
    """The folder to restore into already holds a profile (it is never overwritten)."""


class BackupCancelled(BackupError):
    """The restore was cancelled; its staging folder was removed."""


class RestoredProfile(msgspec.Struct, frozen=True):
    """What a finished restore made.

    Attributes:
        profile_dir: The new profile (unlock it with the password given to the restore).
        username: The account it belongs to.
        recovery_key: The new profile's recovery key: show it to the user once.
        messages: Messages restored.
        files: Files restored.
    """

    profile_dir: Path
    username: str
    recovery_key: str
    messages: int
    files: int


def staging_folder(profile_dir: Path) -> Path:
    """Where a restore into ``profile_dir`` builds the profile before it takes the name."""
    return profile_dir.with_name(profile_dir.name + STAGING_SUFFIX)


def interrupted_restore(profile_dir: Path) -> bool:
    """Whether a restore into ``profile_dir`` was interrupted (running it again completes)."""
    return staging_folder(profile_dir).exists()


async def restore_backup(
    backup_path: Path,
    passphrase: str,
    profile_dir: Path,
    password: str,
    *,
    allow_weak_password: bool = False,
    kdf_params: Argon2Params | None = None,
    progress: Progress | None = None,
) -> RestoredProfile:
    """Restores the backup at ``backup_path`` into the new profile ``profile_dir``.

    ``password`` protects the new profile (as at sign-up); ``passphrase`` is the backup's.
    ``progress`` is called from a worker thread. Runs in a worker thread; cancelling the
    caller stops it at the next chunk and waits until its staging folder is removed (a
    restore that had already finished keeps its profile).

    Raises:
        BackupWrongPassphrase: The passphrase does not open the backup; nothing was made.
        BackupDamaged: The file is altered, cut short or not a backup; nothing was made.
        BackupUnsupported: Another format version or out-of-bounds settings.
        BackupTargetExists: ``profile_dir`` already holds a profile (a folder without one,
            e.g. the start screen's with only its appearance, is filled).
        PasswordTooShort, WeakPassword: The new profile's password is refused.
        ProfileInUse: Another restore into the same folder is running.
        OSError: The file can't be read or the folder written; nothing was made.
    """
    stop = threading.Event()
    work = asyncio.ensure_future(
        asyncio.to_thread(
            restore_backup_sync,
            backup_path,
            passphrase,
            profile_dir,
            password,
            allow_weak_password=allow_weak_password,
            kdf_params=kdf_params,
            progress=progress,
            stop=stop,
        )
    )
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        stop.set()
        while not work.done():  # until the staging folder is gone, however often cancelled
            with contextlib.suppress(BaseException):
                await asyncio.shield(work)
        raise


def restore_backup_sync(
    backup_path: Path,
    passphrase: str,
    profile_dir: Path,
    password: str,
    *,
    allow_weak_password: bool = False,
    kdf_params: Argon2Params | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> RestoredProfile:
    """:func:`restore_backup` on the calling thread (tools, benchmarks, subprocesses).

    Raises:
        BackupCancelled: ``stop`` was set; nothing was made.
    """
    if Vault.exists(profile_dir) or ProfilePaths(profile_dir).database.exists():
        raise BackupTargetExists("that folder already holds a profile; choose a new one")
    check_new_password(password, allow_weak=allow_weak_password)
    staging = staging_folder(profile_dir)
    _remove_interrupted(staging)
    total = backup_path.stat().st_size
    with open(backup_path, "rb") as source:
        reader = BackupReader(source, passphrase)  # refuses before anything is made
        vault, recovery_key = Vault.create(
            staging, password, allow_weak=allow_weak_password, kdf_params=kdf_params
        )
        try:
            importer = _import(vault, reader, total, progress, stop)
            username = importer.username
            vault.set_account_label(username)
        except BaseException:
            with contextlib.suppress(Exception):
                vault.lock()
            shutil.rmtree(staging, ignore_errors=True)
            raise
    vault.lock()
    _move_into_place(staging, profile_dir)
    fsync_directory(profile_dir.parent)
    return RestoredProfile(
        profile_dir=profile_dir,
        username=username,
        recovery_key=recovery_key,
        messages=importer.messages,
        files=importer.files,
    )


def _move_into_place(staging: Path, profile_dir: Path) -> None:
    """Gives the finished profile its name: the folder at once when there is none yet, else
    (a start screen's folder holding only its appearance) file by file, the vault last, so
    the folder holds a profile only once everything else is there."""
    if not profile_dir.exists():
        os.replace(staging, profile_dir)
        return
    vault = ProfilePaths(staging).vault
    for entry in staging.iterdir():
        if entry != vault and entry.name != LOCK_FILE_NAME:
            target = profile_dir / entry.name
            if target.is_dir():
                shutil.rmtree(target)
            os.replace(entry, target)
    os.replace(vault, ProfilePaths(profile_dir).vault)
    shutil.rmtree(staging)


def _remove_interrupted(staging: Path) -> None:
    """Removes what a killed restore left, unless a running one holds it."""
    if not staging.exists():
        return
    lock = ProfileLock.acquire(staging)  # ProfileInUse: another restore is running
    lock.release()
    shutil.rmtree(staging)


def _import(
    vault: UnlockedVault,
    reader: BackupReader,
    total: int,
    progress: Progress | None,
    stop: threading.Event | None,
) -> BackupImporter:
    store = vault.open_store()
    importer = BackupImporter(store, vault.paths.root)
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(store.transaction())
            chunks = _reporting(reader, total, progress, stop)
            for written, record in enumerate(records(chunks), 1):
                importer.take(record)
                if written % _BATCH == 0:
                    stack.close()
                    stack.enter_context(store.transaction())
        importer.check_finished()
    finally:
        importer.discard_open_file()
    return importer


def _reporting(
    reader: BackupReader, total: int, progress: Progress | None, stop: threading.Event | None
) -> Iterator[bytes]:
    for chunk in reader.chunks():
        if stop is not None and stop.is_set():
            raise BackupCancelled("the restore was cancelled; nothing was made")
        yield chunk
        if progress is not None:
            progress(reader.position, total)
