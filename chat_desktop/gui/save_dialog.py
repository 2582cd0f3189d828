"""A "Save as" file chooser that never blocks (the engine keeps running while it is open)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import QFileDialog, QWidget


def default_save_folder() -> Path:
    """The user's downloads folder (home when the desktop names none)."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
    return Path(location) if location else Path.home()


def choose_save_path(
    parent: QWidget | None,
    title: str,
    suggested_name: str,
    on_chosen: Callable[[Path], None],
) -> QFileDialog:
    """Opens a save chooser with ``open()``; calls ``on_chosen`` with the path picked.

    The chooser asks before replacing an existing file (Qt's own question). Opening it
    never starts a nested event loop (see :mod:`chat_desktop.gui.notices`).
    """
    dialog = QFileDialog(parent, title)
    dialog.setObjectName("saveChooser")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setDirectory(str(default_save_folder()))
    if suggested_name:
        dialog.selectFile(suggested_name)

    def chosen(path: str) -> None:
        if path:
            on_chosen(Path(path))

    dialog.fileSelected.connect(chosen)
    dialog.open()
    return dialog
