"""The user's language for the engine's typed errors.

The engine's errors carry an English message written for the user (and free of content, keys
and passwords). The GUI shows the translated text for the errors people meet, picking the
values it needs from the error's fields; an error not listed here shows its English message.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication

from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.services.account import AccountDeletionFailed, ProfileNotErased
from chat_desktop.services.client_errors import InvalidLinkCode, LinkFailed
from chat_desktop.services.errors import (
    AttachmentCorrupt,
    DatabaseCorrupt,
    HttpFailure,
    KeychainProblem,
    KeychainUnavailable,
    PasswordTooShort,
    ProfileInUse,
    UnknownUser,
    UnlockBackoff,
    WeakPassword,
    WrongPassword,
    WrongRecoveryKey,
)

#: ``translate("ErrorText", …)`` spelled so that ``pyside6-lupdate`` finds every text.
translate = QCoreApplication.translate
#: The most devices an account may have (the relay's default, docs/protocol.md §6.11).
ACCOUNT_DEVICE_LIMIT = 5


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
    if isinstance(error, InvalidLinkCode):
        return translate(
            "ErrorText",
            "This is not a link code for your relay. Copy the whole code the new computer "
            "shows; both computers must use the same relay.",
        )
    if isinstance(error, LinkFailed):
        return translate(
            "ErrorText",
            "The link code expired, or what arrived for it could not be opened. Make a new "
            "code and try again.",
        )
    if isinstance(error, HttpFailure):
        return translate(
            "ErrorText", "The relay could not be reached. Check its address and your network."
        )
    if isinstance(error, ProtocolError):
        return _protocol_text(error)
    return None


def joining_error_text(error: BaseException) -> str | None:
    """The translated explanation of an error met while this computer joins an account
    (the new device's side of linking), or None when :func:`translated_error` applies."""
    if isinstance(error, ProtocolError):
        if error.code is ErrorCode.TOO_LARGE:
            return translate(
                "ErrorText",
                "This account has the most devices allowed (%1). Unlink one on your other "
                "device (in Settings, under Devices), then make a new code.",
            ).replace("%1", str(ACCOUNT_DEVICE_LIMIT))
        if error.code is ErrorCode.UNAUTHORIZED:
            return translate(
                "ErrorText", "The relay refused this link: it is too old. Make a new code."
            )
    return translated_error(error)


def linking_error_text(error: BaseException) -> str | None:
    """The translated explanation of an error met while sending the account to a new device
    (the existing device's side of linking), or None when nothing specific applies."""
    if isinstance(error, ProtocolError):
        if error.code is ErrorCode.NOT_FOUND:
            return translate(
                "ErrorText", "This link code has expired. Make a new one on the new computer."
            )
        if error.code is ErrorCode.CONFLICT:
            return translate(
                "ErrorText",
                "This link code was used already. Make a new one on the new computer.",
            )
        if error.code is ErrorCode.TOO_LARGE:
            return translate(
                "ErrorText",
                "Your message history is too large to send. Link without it, or delete "
                "large files first.",
            )
    return translated_error(error)


def unlinking_error_text(error: BaseException) -> str | None:
    """The translated explanation of an error met while unlinking a device, or None."""
    if isinstance(error, ProtocolError):
        if error.code is ErrorCode.BAD_REQUEST:
            return translate(
                "ErrorText",
                "This is your account's only device. To remove it, delete the account instead "
                "(in Settings, under Account).",
            )
        if error.code is ErrorCode.NOT_FOUND:
            return translate("ErrorText", "This device was unlinked already.")
    return translated_error(error)
