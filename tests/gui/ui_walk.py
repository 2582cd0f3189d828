"""Walks every widget of a window and lists what a screen-reader user or a translator would miss.

- A control (button, field, list, combo, spin box, slider) whose accessible name, as the
  accessibility API reports it to a screen reader, is empty.
- A visible string (label, button, placeholder, tooltip, window title, menu, combo item, list
  item, table header) that is not one of the catalogue's texts in the language in use: it was
  written outside the translation system. Texts with placeholders (%1) match any value there.
  Widgets marked as showing data (:func:`chat_desktop.gui.common.accessibility.mark_as_data`: names,
  keys, numbers) and strings without a letter are not the app's words and are skipped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtGui import QAccessible, QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QScrollBar,
    QTableWidget,
    QTextEdit,
    QWidget,
)

from chat_desktop.gui.common.accessibility import DATA_PROPERTY
from chat_desktop.gui.common.translation import APP_NAME, AUTONYMS, I18N_DIR

CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,
    QAbstractSlider,
)
_PLACEHOLDER = re.compile(r"%(?:\d+|n)")
_TAG = re.compile(r"<[^>]+>")


def catalogue_patterns(language: str) -> list[re.Pattern[str]]:
    """One pattern per text of the catalogue in ``language`` (English: the source texts)."""
    root = ET.parse(Path(I18N_DIR) / "chat_desktop_id.ts").getroot()
    texts: set[str] = set()
    for message in root.iter("message"):
        if language == "en":
            texts.add(message.findtext("source") or "")
        else:
            translation = message.find("translation")
            assert translation is not None
            forms = [form.text or "" for form in translation.iter("numerusform")]
            texts.update(forms or [translation.text or ""])
    if language == "en":  # the English catalogue holds the plural forms ("1 message found")
        english = ET.parse(Path(I18N_DIR) / "chat_desktop_en.ts").getroot()
        texts.update(form.text or "" for form in english.iter("numerusform"))
    texts.update([APP_NAME, *AUTONYMS.values()])  # the same in every language
    patterns = []
    for text in texts:
        if text:
            pieces = [re.escape(piece) for piece in _PLACEHOLDER.split(_clean(text))]
            patterns.append(re.compile("(?s)" + ".*".join(pieces)))
    return patterns


def _clean(text: str) -> str:
    """The text as compared: mnemonics (&) and shortcuts after a tab removed, spaces trimmed."""
    text = text.split("\t")[0].replace("&&", "\0").replace("&", "").replace("\0", "&")
    return text.strip()


def _is_data(widget: QWidget) -> bool:
    current: QWidget | None = widget
    while current is not None:
        if current.property(DATA_PROPERTY):
            return True
        current = current.parentWidget()
    return False


def _is_internal(widget: QWidget) -> bool:
    """Parts Qt builds inside a composite control (a combo's view, a spin box's editor)."""
    if widget.objectName().startswith("qt_") or isinstance(widget, QScrollBar):
        return True
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, (QComboBox, QAbstractSpinBox, QLineEdit, QAbstractItemView)):
            return True  # a field's clear button, a table's headers
        if isinstance(parent, QMenu) or type(parent).__name__ == "QComboBoxPrivateContainer":
            return True
        parent = parent.parentWidget()
    return False


def _strings(widget: QWidget) -> Iterable[str]:
    if isinstance(widget, QLabel) and widget.pixmap().isNull():
        yield widget.text()
    if isinstance(widget, QAbstractButton):
        yield widget.text()
    if isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit)):
        yield widget.placeholderText()
    if isinstance(widget, QComboBox):
        yield from (widget.itemText(index) for index in range(widget.count()))
    if isinstance(widget, QGroupBox):
        yield widget.title()
    if isinstance(widget, QMessageBox):  # its labels are Qt's own parts (qt_msgbox_…)
        yield widget.text()
        yield widget.informativeText()
    if isinstance(widget, QListWidget):
        yield from (widget.item(row).text() for row in range(widget.count()))
    if isinstance(widget, QTableWidget):
        for column in range(widget.columnCount()):
            header = widget.horizontalHeaderItem(column)
            if header is not None:
                yield header.text()
    yield widget.toolTip()
    yield widget.accessibleDescription()
    if widget.isWindow():
        yield widget.windowTitle()


def _action_strings(actions: Iterable[QAction]) -> Iterable[tuple[str, str]]:
    for action in actions:
        if action.isSeparator():
            continue
        yield f"action {action.text()!r}", action.text()
        if _clean(action.toolTip()) not in (_clean(action.text()), _clean(action.text())[:-1]):
            yield f"action {action.text()!r} tooltip", action.toolTip()  # (Qt's default: text)
        menu = action.menu()
        if isinstance(menu, QMenu):
            yield from _action_strings(menu.actions())


def problems(window: QWidget, language: str) -> list[str]:
    """Every control without an accessible name and every untranslated string in ``window``."""
    patterns = catalogue_patterns(language)
    found: list[str] = []

    def check_text(where: str, text: str) -> None:
        cleaned = _clean(_TAG.sub("", text)) if text else ""
        if not re.search(r"[^\W\d_]", cleaned):
            return  # empty, numbers, punctuation
        candidates = (_clean(text), cleaned)
        if not any(p.fullmatch(c) for p in patterns for c in candidates):
            found.append(f"untranslated in {where}: {text!r}")

    for widget in [window, *window.findChildren(QWidget)]:
        if _is_internal(widget) or isinstance(widget, QMenu):
            continue
        where = f"{type(widget).__name__} {widget.objectName() or '(unnamed)'}"
        if isinstance(widget, CONTROLS):
            interface = QAccessible.queryAccessibleInterface(widget)
            name = interface.text(QAccessible.Text.Name) if interface is not None else ""
            if isinstance(widget, (QComboBox, QAbstractItemView, QAbstractSpinBox)):
                name = widget.accessibleName()  # Qt would say the current item: not a name
            if not name.strip():
                found.append(f"no accessible name: {where}")
        if _is_data(widget):
            continue
        for text in _strings(widget):
            check_text(where, text)
    if isinstance(window, QMainWindow):
        for where, text in _action_strings(window.menuBar().actions()):
            check_text(where, text)
    return found
