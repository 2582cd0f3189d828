"""Every error the engine lets its callers see and name, in one place.

The GUI words each of these for the user (``gui/common/error_text.py``); their texts were
written for people and carry no content, keys or passwords. The classes live where they are
raised (the vault and store, the relay link, the engine); this module re-exports them so the
GUI needs no import below the engine.
"""

from __future__ import annotations

from chat_desktop.net.errors import HttpFailure
from chat_desktop.services.call_errors import CallBusy, CallDeviceError, CallNotAllowed, UnknownCall
from chat_desktop.services.capabilities.profile import InvalidProfileName
from chat_desktop.services.client_errors import (
    ClientError,
    DeleteNotAllowed,
    EditNotAllowed,
    InvalidLinkCode,
    InvalidPeer,
    LinkFailed,
    UnknownMessage,
    UnknownPeer,
    UnknownUser,
)
from chat_desktop.services.forwarding import ForwardRefused
from chat_desktop.services.image_processing import ImageRejected
from chat_desktop.services.link_preview_fetch import LinkPreviewUnavailable
from chat_desktop.storage.errors import (
    AttachmentCorrupt,
    DatabaseCorrupt,
    KeychainProblem,
    KeychainUnavailable,
    PasswordTooShort,
    ProfileInUse,
    StorageError,
    UnlockBackoff,
    WeakPassword,
    WrongPassword,
    WrongRecoveryKey,
)

__all__ = [
    "AttachmentCorrupt",
    "CallBusy",
    "CallDeviceError",
    "CallNotAllowed",
    "ClientError",
    "DatabaseCorrupt",
    "DeleteNotAllowed",
    "EditNotAllowed",
    "ForwardRefused",
    "HttpFailure",
    "ImageRejected",
    "InvalidLinkCode",
    "InvalidPeer",
    "InvalidProfileName",
    "KeychainProblem",
    "KeychainUnavailable",
    "LinkFailed",
    "LinkPreviewUnavailable",
    "PasswordTooShort",
    "ProfileInUse",
    "StorageError",
    "UnknownCall",
    "UnknownMessage",
    "UnknownPeer",
    "UnknownUser",
    "UnlockBackoff",
    "WeakPassword",
    "WrongPassword",
    "WrongRecoveryKey",
]
