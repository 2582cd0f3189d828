"""Typed errors of the crypto layer.

Every error the crypto layer raises is a subclass of :class:`CryptoError`, so callers can
catch the whole family at once or one case precisely. Messages describe what went wrong in
terms a caller can act on; they never contain key bytes, plaintext or other secrets.
"""

from __future__ import annotations


class CryptoError(Exception):
    """Base class of every error raised by ``chat_desktop.crypto``."""


class InvalidSignature(CryptoError):
    """A signature does not verify, or the key it should verify under is unusable."""


class InvalidKey(CryptoError):
    """A public key is malformed, non-canonical or of low order, or a DH output is all zero."""


class InvalidMessage(CryptoError):
    """A message is malformed, has a bad authentication tag, a wrong version, and so on."""


class DuplicateMessage(InvalidMessage):
    """The message was already decrypted once; the application drops it silently."""


class MessageKeyLost(InvalidMessage):
    """The message arrived after its stored key was discarded, so it can never be decrypted.

    Its skipped message key expired (after 30 days) or was evicted (too many messages were
    missing at once). Unlike :class:`DuplicateMessage`, the user never saw this message: the
    application should tell them one message from this contact could not be decrypted.
    """


class TooManySkippedMessages(InvalidMessage):
    """A message would require skipping more message keys than the protocol allows."""


class UntrustedIdentity(CryptoError):
    """A peer's identity key is not the one this session or contact is bound to."""


class BundleRejected(CryptoError):
    """A prekey bundle is unacceptable, e.g. it lacks a post-quantum prekey."""


class AttachmentRejected(CryptoError):
    """An encrypted attachment failed its digest or MAC check, or breaks a size limit."""


class InvalidState(CryptoError):
    """Crypto state is unusable: malformed, of an unknown version, or not ready for the call.

    For example a responder's session cannot encrypt before it decrypted the first message.
    """


class UnknownSenderKey(InvalidMessage):
    """A group message names a sender key (key id) we do not hold for its sender device.

    The sender's distribution has not arrived yet, or the sender replaced its sender key and
    did not give us the new one (as after our removal from the group). Nothing changed.
    """


class MessageBeforeSenderKey(InvalidMessage):
    """A group message's iteration lies before the first one of the sender key we were given.

    It was sent before the sender handed us its key (for example before we joined the
    group), so it was never readable by us; the application drops it. Nothing changed.
    """
