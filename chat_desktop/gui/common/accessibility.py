"""Accessible names for controls: what a screen reader says for each button, field and list.

Every interactive widget of the GUI gets a name through :func:`name_controls` (translated by
the caller), so a screen-reader user hears "Send message" instead of "button". The GUI tests
walk every window and fail on a control left without one.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QWidget


def name_controls(*controls: tuple[QWidget, str]) -> None:
    """Gives each ``(widget, name)`` pair its accessible name (the name is already translated)."""
    for widget, name in controls:
        widget.setAccessibleName(name)


#: Marks a widget whose text is the user's data (names, keys, file names), not the app's words.
DATA_PROPERTY = "chatDesktopShowsData"


def mark_as_data(*widgets: QWidget) -> None:
    """Declares that ``widgets`` show data, so their text is not translated (names, numbers)."""
    for widget in widgets:
        widget.setProperty(DATA_PROPERTY, True)


def step_through(results: QListWidget, key: int) -> bool:
    """Up/Down typed in a filter field move the current row of ``results`` (wrapping round),
    so a list of matches is used without leaving the field. True if the key was used."""
    if key not in (Qt.Key.Key_Down, Qt.Key.Key_Up) or not results.count():
        return False
    step = 1 if key == Qt.Key.Key_Down else -1
    results.setCurrentRow((results.currentRow() + step) % results.count())
    return True
