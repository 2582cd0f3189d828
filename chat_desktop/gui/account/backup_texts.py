"""What the user reads when a backup or a restore did not work (translated, no secrets).

The engine's backup errors are typed (:mod:`chat_desktop.services.backup_format`,
:mod:`chat_desktop.services.backup_restore`); each gets one sentence saying what happened and
that nothing was made, so a refused backup never looks half done.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from chat_desktop.gui.common.notices import user_message
from chat_desktop.services.backup_format import (
    BackupDamaged,
    BackupError,
    BackupUnsupported,
    BackupWrongPassphrase,
)
from chat_desktop.services.backup_restore import BackupCancelled, BackupTargetExists

#: ``translate("BackupTexts", …)`` spelled so that ``pyside6-lupdate`` finds every text.
translate = QCoreApplication.translate


def backup_error_text(error: BaseException) -> str:
    """The sentence shown for ``error`` in the backup and restore dialogs."""
    if isinstance(error, BackupWrongPassphrase):
        return translate(
            "BackupTexts", "That passphrase does not open this backup. Nothing was restored."
        )
    if isinstance(error, BackupDamaged):
        return translate(
            "BackupTexts",
            "This file is not a complete, unaltered backup: it was damaged, cut short or "
            "changed. Nothing was restored.",
        )
    if isinstance(error, BackupUnsupported):
        return translate(
            "BackupTexts",
            "This backup was made by another version of the app and cannot be read here. "
            "Nothing was restored.",
        )
    if isinstance(error, BackupTargetExists):
        return translate(
            "BackupTexts",
            "This computer already has a profile; a backup is restored only into a new one.",
        )
    if isinstance(error, BackupCancelled):
        return translate("BackupTexts", "The restore was cancelled. Nothing was restored.")
    if isinstance(error, BackupError):
        return translate(
            "BackupTexts",
            "Some of your messages or files could not be read, so no backup was made. "
            "Try again; if it persists, restart the app.",
        )
    if isinstance(error, OSError):
        return translate(
            "BackupTexts", "The file could not be read or written (%1). Nothing was changed."
        ).replace("%1", error.strerror or type(error).__name__)
    return user_message(error)
