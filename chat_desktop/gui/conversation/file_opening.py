"""What "Open" may hand to the desktop, and the notice shown when it may not.

The engine already refuses files that could run a program, from their name and their magic
bytes (:mod:`chat_desktop.services.file_types`). Here the desktop's own MIME database
(``QMimeDatabase``, the freedesktop.org shared-mime-info rules) has a say as well, from the
copy's content and from its name: a type it knows as a program, a script, a launcher or an
installer is refused too. A refused file is offered for "Save as…" instead, with a sentence
saying why, in a box opened without a nested event loop (``open()``, see
:mod:`chat_desktop.gui.common.notices`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QMimeDatabase, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from chat_desktop.services.file_types import UnsafeToOpen

_CONTEXT = "FileOpening"
#: What the notice says (English; shown translated).
UNSAFE_FILE_TEXT: Final = str(
    QT_TRANSLATE_NOOP(
        "FileOpening",
        "This file could run a program on your computer, so chat_desktop won't open it. "
        "Save it and open it yourself only if you trust it.",
    )
)
#: MIME types (and aliases) of programs, scripts, launchers, installers and shortcuts.
EXECUTABLE_MIME_TYPES: Final = frozenset(
    {
        "application/x-executable",
        "application/x-pie-executable",
        "application/x-sharedlib",
        "application/x-shellscript",
        "application/x-csh",
        "application/x-desktop",
        "application/x-ms-dos-executable",
        "application/x-ms-ne-executable",
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-dosexec",
        "application/vnd.microsoft.portable-executable",
        "application/x-msi",
        "application/x-ms-shortcut",
        "application/x-ms-application",
        "application/x-bat",
        "application/x-mach-binary",
        "application/x-mach-o-executable",
        "application/x-java-archive",
        "application/java-archive",
        "application/x-java",
        "application/x-java-jnlp-file",
        "application/vnd.appimage",
        "application/x-iso9660-appimage",
        "application/x-perl",
        "application/x-ruby",
        "application/x-php",
        "application/x-awk",
        "text/x-python",
        "text/x-python3",
        "text/x-lua",
        "application/javascript",
        "application/x-javascript",
        "text/javascript",
        "application/ecmascript",
        "text/vbscript",
        "text/x-vbscript",
        "application/hta",
        "application/x-powershell",
        "application/vnd.debian.binary-package",
        "application/x-deb",
        "application/x-rpm",
        "application/x-redhat-package-manager",
        "application/vnd.flatpak",
        "application/vnd.flatpak.ref",
        "application/vnd.snap",
    }
)
#: Types whose descendants are all programs. (``application/x-executable`` itself is not one:
#: the database makes JSON a descendant of it, through JavaScript.)
_EXECUTABLE_ANCESTORS: Final = frozenset(
    {
        "application/x-shellscript",
        "application/x-sharedlib",
        "application/x-ms-dos-executable",
        "application/x-desktop",
        "application/x-java-archive",
    }
)


def runs_programs(path: Path) -> bool:
    """Whether the desktop's MIME database types the file at ``path`` as something that runs.

    Both its content alone and its name alone are asked, so neither can hide the other.
    Reads the start of the file (call it off the event loop).
    """
    database = QMimeDatabase()
    for mode in (QMimeDatabase.MatchMode.MatchContent, QMimeDatabase.MatchMode.MatchExtension):
        mime = database.mimeTypeForFile(str(path), mode)
        names = {mime.name(), *mime.aliases()}
        if names & EXECUTABLE_MIME_TYPES or set(mime.allAncestors()) & _EXECUTABLE_ANCESTORS:
            return True
    return False


def refuse_programs(path: Path) -> None:
    """Removes the copy at ``path`` and raises :class:`UnsafeToOpen` if it could run.

    Blocking (it reads the file): run it in a thread.
    """
    if runs_programs(path):
        path.unlink(missing_ok=True)
        raise UnsafeToOpen("this file could run a program on your computer, so it is not opened")


def show_unsafe_file_notice(parent: QWidget | None, on_save: Callable[[], None]) -> QMessageBox:
    """Says why the file is not opened and offers "Save as…" (``on_save``); returns at once."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        QCoreApplication.translate(_CONTEXT, "Open"),
        QCoreApplication.translate(_CONTEXT, UNSAFE_FILE_TEXT),
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setObjectName("unsafeFileNotice")
    save = box.addButton(
        QCoreApplication.translate(_CONTEXT, "Save as…"), QMessageBox.ButtonRole.AcceptRole
    )
    save.setObjectName("saveAsButton")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    save.clicked.connect(on_save)
    box.open()
    return box
