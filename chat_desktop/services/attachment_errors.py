"""What an attachment transfer raises to the engine's callers when a file cannot go on.

The sending, fetching and at-rest parts of :mod:`~chat_desktop.services.attachments` all raise
these, so they live apart from each; every one says what happened to the file and what is
left of it (nothing partial is ever kept).
"""

from __future__ import annotations

from chat_desktop.net.errors import ConnectionFailure


class AttachmentTooLarge(Exception):
    """The file is over the protocol's 100 MiB limit; nothing was sent."""


class CaptionTooLong(Exception):
    """The caption is longer than a text message may be; nothing was sent."""


class AttachmentUnavailable(Exception):
    """The message has no attachment, or it is not downloaded (yet)."""


class AttachmentTooLargeToRead(AttachmentUnavailable):
    """The file is too large to be handed over in memory: save or open it instead."""


class TransferCancelled(Exception):
    """The user cancelled the transfer; nothing partial was kept (it can be started again)."""


class UploadAborted(ConnectionFailure):
    """An attachment's upload ended (cancelled or refused); its message is now failed.

    A :class:`ConnectionFailure` so that the outbox sender treats it as "this round is over":
    it looks at the outbox again, where the entry is failed and no longer pending.
    """
