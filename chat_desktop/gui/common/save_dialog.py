"""A "Save as" file chooser that never blocks (the engine keeps running while it is open)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import QFileDialog, QWidget


def default_save_folder() -> Path:
    """The user's Downloads folder, made if the desktop names one that does not exist yet.

    A chooser pointed at a missing folder silently starts in the program's working folder
    instead; home is the fallback when the desktop names none or it cannot be made.
    """
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
    if not location:
        return Path.home()
    folder = Path(location)
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    return folder if folder.is_dir() else Path.home()


def choose_save_path(
    parent: QWidget | None,
    title: str,
    suggested_name: str,
    on_chosen: Callable[[Path], None],
) -> QFileDialog:
    """Opens a save chooser with ``open()``; calls ``on_chosen`` with the path picked.

    It starts in :func:`default_save_folder` with ``suggested_name`` filled in, and asks
    before replacing an existing file (Qt's own question). Opening it never starts a nested
    event loop (see :mod:`chat_desktop.gui.common.notices`).
    """
    folder = default_save_folder()
    dialog = QFileDialog(parent, title)
    dialog.setObjectName("saveChooser")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setDirectory(str(folder))
    if suggested_name:
        dialog.selectFile(str(folder / suggested_name))

    def chosen(path: str) -> None:
        if path:
            on_chosen(Path(path))

    dialog.fileSelected.connect(chosen)
    dialog.open()
    return dialog
