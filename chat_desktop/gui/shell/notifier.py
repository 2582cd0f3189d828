"""What shows a desktop notification, as the parts that notify see it.

Its own module, apart from :mod:`chat_desktop.gui.shell.notifications` (the desktop's service, the
policy, the message notifications of one window): the device notices notify too, and the
notification centre imports the main window, which reaches the device notices through the
settings window; with the type in ``notifications`` those modules imported each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Notifier(Protocol):
    """Shows one notification; calls ``on_clicked`` (on the event loop) if it is clicked."""

    async def notify(
        self, title: str, body: str, on_clicked: Callable[[], None], *, sound: bool = False
    ) -> None:
        """Shows ``title`` and ``body`` (with the desktop's message sound if ``sound``);
        never raises (a failure is only logged)."""
        ...
