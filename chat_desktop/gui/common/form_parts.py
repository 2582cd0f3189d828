"""Small parts every form dialog shares: the error line, the busy bar, the running work.

One definition each, so the theme's ``#errorLabel`` style and the bar's look are the same in
sign-up, unlock, linking, settings prompts and new chat, and so every password dialog
submits once and cancels at once (:class:`DialogWork`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtWidgets import QDialog, QLabel, QProgressBar
from shiboken6 import isValid

from chat_desktop.gui.common.tasks import spawn


def error_label() -> QLabel:
    """A hidden, word-wrapped label for a form's error (styled by ``#errorLabel``)."""
    label = QLabel()
    label.setObjectName("errorLabel")
    label.setWordWrap(True)
    label.hide()
    return label


def busy_bar() -> QProgressBar:
    """A hidden, thin, indeterminate bar for work that reports no progress (Argon2id, relay)."""
    bar = QProgressBar()
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setMaximumHeight(6)
    bar.hide()
    return bar


class DialogWork:
    """The one piece of engine work a form dialog runs at a time, and how it is cancelled.

    A second start while one runs is refused: Enter pressed twice, or caught by both a field
    and the default button, must not start two Argon2id derivations. Cancel, Escape and the
    close button call :meth:`abandon`: the dialog disappears at once and the work's task is
    cancelled. The engine's calls are cancellable up to the point where they write (see
    ``chat_desktop.services.commit_point``); past it, the change goes through and the work
    still reports success, so the dialog then finishes as *accepted* and its follow-up (the
    "password changed" notice, the new recovery key) tells the user what happened.
    """

    def __init__(self, dialog: QDialog, on_busy: Callable[[bool], None]) -> None:
        """Runs work for ``dialog``; ``on_busy(True/False)`` greys its form out and back."""
        self._dialog = dialog
        self._on_busy = on_busy
        self._task: asyncio.Future[bool] | None = None
        self._abandoned = False

    @property
    def busy(self) -> bool:
        """Whether work is under way (also after :meth:`abandon`, until its task has ended)."""
        return self._task is not None

    def start(self, work: Coroutine[Any, Any, bool], what: str) -> bool:
        """Starts ``work`` (True when the dialog's job is done); refused while busy.

        Args:
            work: The coroutine; it shows its own errors and returns False after one.
            what: A content-free label for the log.

        Returns:
            Whether it started (False: other work runs; ``work`` is closed unstarted).
        """
        if self._task is not None:
            work.close()
            return False
        self._abandoned = False
        self._task = spawn(work, what)
        self._task.add_done_callback(self._ended)
        self._on_busy(True)  # after: the form reads ``busy`` to grey its buttons out
        return True

    def abandon(self) -> None:
        """Hides the dialog now and cancels the work; the dialog finishes when the task ends."""
        if self._task is None:
            return
        self._abandoned = True
        self._dialog.hide()
        self._task.cancel()

    def _ended(self, task: asyncio.Future[bool]) -> None:
        self._task = None
        if not isValid(self._dialog):  # the dialog was deleted meanwhile
            return
        self._on_busy(False)
        done = not task.cancelled() and task.exception() is None and task.result()
        if done:
            self._dialog.done(QDialog.DialogCode.Accepted)
        elif self._abandoned:
            self._dialog.done(QDialog.DialogCode.Rejected)
