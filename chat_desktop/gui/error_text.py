"""The user's language for the engine's typed errors.

The engine's errors carry an English message written for the user (and free of content, keys
and passwords). The GUI shows the translated text for the errors people meet, picking the
values it needs from the error's fields; an error not listed here shows its English message.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication

from chat_desktop.net.errors import HttpFailure
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.services.account import AccountDeletionFailed, ProfileNotErased
from chat_desktop.services.client import UnknownUser
from chat_desktop.storage.errors import (
    AttachmentCorrupt,
    DatabaseCorrupt,
    KeychainProblem,
    KeychainUnavailable,
    PasswordTooShort,
    ProfileInUse,
    UnlockBackoff,
    WeakPassword,
    WrongPassword,
    WrongRecoveryKey,
)

#: ``translate("ErrorText", …)`` spelled so that ``pyside6-lupdate`` finds every text.
translate = QCoreApplication.translate


def _keychain_problem(problem: KeychainProblem) -> str:
    texts = {
        KeychainProblem.NOT_ENABLED: translate("ErrorText", "it is not turned on"),
        KeychainProblem.UNAVAILABLE: translate("ErrorText", "no system keychain is available"),
        KeychainProblem.LOCKED: translate("ErrorText", "the keychain is locked"),
        KeychainProblem.SECRET_MISSING: translate(
            "ErrorText", "the keychain no longer holds the key"
        ),
        KeychainProblem.SECRET_CHANGED: translate(
            "ErrorText", "the key in the keychain was changed"
        ),
    }
    return texts[problem]


def _protocol_text(error: ProtocolError) -> str | None:
    texts = {
        ErrorCode.RATE_LIMITED: translate("ErrorText", "The relay is busy: try again in a minute."),
        ErrorCode.CONFLICT: translate("ErrorText", "This username is taken: choose another."),
        ErrorCode.TOO_LARGE: translate("ErrorText", "This is too large for the relay."),
        ErrorCode.NOT_FOUND: translate("ErrorText", "The relay does not know this."),
    }
    return texts.get(error.code)


def translated_error(error: BaseException) -> str | None:
    """The translated explanation of ``error``, or None when the error is not one listed here."""
    if isinstance(error, WrongPassword):
        return translate("ErrorText", "Wrong password. Try again in %1 s.").replace(
            "%1", str(math.ceil(error.retry_after))
        )
    if isinstance(error, UnlockBackoff):
        return translate("ErrorText", "Too many wrong passwords. Try again in %1 s.").replace(
            "%1", str(math.ceil(error.retry_after))
        )
    if isinstance(error, WrongRecoveryKey):
        return translate("ErrorText", "That recovery key does not open this profile.")
    if isinstance(error, PasswordTooShort):
        return translate("ErrorText", "The password needs at least %1 characters.").replace(
            "%1", str(error.minimum)
        )
    if isinstance(error, WeakPassword):
        return translate(
            "ErrorText", "This password is easy to guess (%1). Choose another, or use it anyway."
        ).replace("%1", "; ".join(error.reasons))
    if isinstance(error, KeychainUnavailable):
        return translate(
            "ErrorText", "System keychain unlock is not possible (%1); use the password."
        ).replace("%1", _keychain_problem(error.problem))
    if isinstance(error, DatabaseCorrupt):
        return translate("ErrorText", "The message database is damaged. Nothing was deleted.")
    if isinstance(error, ProfileInUse):
        return translate("ErrorText", "This profile is already open in another window or program.")
    if isinstance(error, AttachmentCorrupt):
        return translate(
            "ErrorText", "This file was damaged on this computer and cannot be opened."
        )
    if isinstance(error, UnknownUser):
        return translate("ErrorText", "The relay has no user of that name. Check the spelling.")
    if isinstance(error, AccountDeletionFailed):
        return translate(
            "ErrorText",
            "The relay did not delete the account, so nothing was deleted on this computer "
            "either. Check your connection and try again.",
        )
    if isinstance(error, ProfileNotErased):
        return translate(
            "ErrorText",
            "The account is deleted, but some files of the profile folder stayed behind: "
            "delete the folder by hand.",
        )
    if isinstance(error, HttpFailure):
        return translate(
            "ErrorText", "The relay could not be reached. Check its address and your network."
        )
    if isinstance(error, ProtocolError):
        return _protocol_text(error)
    return None
