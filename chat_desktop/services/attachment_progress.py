"""Events telling the GUI how far an attachment transfer got and how it ended.

Progress is throttled (every 1 % or :data:`PROGRESS_STEP` bytes, whichever comes first) so
a 100 MiB transfer sends a few hundred events, not one per network chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from chat_desktop.services.context import EngineContext
from chat_desktop.services.events import StatusChanged, TransferFinished, TransferProgress
from chat_desktop.storage.models import MessageKey

#: Progress events come at least this often (in bytes), and at least every 1 %.
PROGRESS_STEP: Final = 256 * 1024

#: Called with the bytes done so far and the total, as a transfer goes on.
Progress = Callable[[int, int], None]


def throttled(report: Progress) -> Progress:
    """Passes on progress at least every 1 % or :data:`PROGRESS_STEP` bytes, and the end.

    Bytes arrive in chunks of at most half a step (``net.http.CHUNK_SIZE``); passing on
    every half step keeps two events at most one step apart, without an event per chunk.
    """
    last = -1

    def progress(done: int, total: int) -> None:
        nonlocal last
        half_step = max(1, min(PROGRESS_STEP, total // 100) // 2)
        if done >= total or last < 0 or done - last >= half_step:
            last = done
            report(done, total)

    return progress


def progress_reporter(context: EngineContext, key: MessageKey, direction: str) -> Progress:
    """A callback publishing throttled :class:`TransferProgress` events for one transfer.

    Args:
        context: The engine, whose event stream gets the events.
        key: The message whose attachment moves.
        direction: ``"up"`` or ``"down"``.
    """

    def report(done: int, total: int) -> None:
        context.events.publish(
            TransferProgress(
                peer=key.conversation_id,
                message_id=key.message_id,
                direction=direction,
                done=done,
                total=total,
            )
        )

    return throttled(report)


def publish_finished(
    context: EngineContext, key: MessageKey, direction: str, *, ok: bool, cancelled: bool
) -> None:
    """Publishes :class:`TransferFinished`: the transfer ended (done, failed or cancelled)."""
    context.events.publish(
        TransferFinished(
            peer=key.conversation_id,
            message_id=key.message_id,
            direction=direction,
            ok=ok,
            cancelled=cancelled,
        )
    )


def publish_failed(context: EngineContext, key: MessageKey) -> None:
    """Publishes that the message is now failed (its upload ended); retry sends it again."""
    context.events.publish(
        StatusChanged(peer=key.conversation_id, message_id=key.message_id, status="failed")
    )
