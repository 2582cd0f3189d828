"""Small widgets every form dialog shares: the error line and the busy bar.

One definition each, so the theme's ``#errorLabel`` style and the bar's look are the same in
sign-up, unlock, linking, settings prompts and new chat.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar


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
