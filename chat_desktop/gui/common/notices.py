"""Every message box, question, file chooser and context menu of the GUI, without nested loops.

Under qasync one rule holds: never start a nested Qt event loop from a coroutine.
``QDialog.exec()``, ``QMessageBox.warning()``, ``QMenu.exec()`` and friends re-enter the asyncio
loop while a task runs; every other task that wakes meanwhile dies ("Cannot enter into task …
while another task … is being executed"), the outbox stops and the app never exits. So the GUI
opens every dialog here, with ``open()`` / ``show()`` / ``popup()``, and continues from its
signals or by awaiting a future the dialog's ``finished`` signal resolves.

:func:`install_nested_loop_guard` turns any remaining blocking call made inside a task into a
loud :class:`NestedEventLoopError` instead of a silent massacre of the other tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QMessageBox, QWidget

from chat_desktop.gui.common.error_text import translated_error
from chat_desktop.protocol.errors import ProtocolError
from chat_desktop.services.account import AccountError
from chat_desktop.services.errors import ClientError, HttpFailure, StorageError

#: Errors whose text was written for the user (no content, keys or passwords in it).
_TYPED_ERRORS: tuple[type[BaseException], ...] = (
    ClientError,
    AccountError,
    StorageError,
    ProtocolError,
    HttpFailure,
)
StandardButton = QMessageBox.StandardButton


class NestedEventLoopError(RuntimeError):
    """A blocking dialog or event loop was started inside a coroutine (a programming error)."""


def user_message(error: BaseException) -> str:
    """The explanation shown for ``error``.

    Typed errors of the engine carry a message written for the user, free of content, keys
    and passwords: the translated text for it (:mod:`chat_desktop.gui.common.error_text`), else its
    English message, is shown (never the bare class name). Anything else is a bug
    whose text may hold anything, so only its kind is shown.
    """
    translated = translated_error(error)
    if translated is not None:
        return translated
    if isinstance(error, _TYPED_ERRORS) and str(error):
        text = str(error)
        return text[:1].upper() + text[1:]
    return QCoreApplication.translate(
        "Notices", "Something went wrong (%1). Try again; if it persists, restart."
    ).replace("%1", type(error).__name__)


def show_notice(
    parent: QWidget | None,
    title: str,
    text: str,
    icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
) -> QMessageBox:
    """Shows a message with an OK button and returns at once (the box deletes itself)."""
    box = QMessageBox(icon, title, text, StandardButton.Ok, parent)
    box.setObjectName("notice")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def show_error(parent: QWidget | None, error: BaseException, title: str = "chat_desktop") -> None:
    """Shows :func:`user_message` of ``error`` in a non-blocking box (``title``: translated)."""
    show_notice(parent, title, user_message(error))


async def finished(dialog: QDialog) -> int:
    """Waits until ``dialog`` closes and returns its result code.

    The dialog must already be open (``open()`` / ``show()``). If it is destroyed without
    finishing (its parent went away), the wait is cancelled.
    """
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def done(result: int) -> None:
        if not future.done():
            future.set_result(result)

    def gone(*_args: object) -> None:
        if not future.done():
            future.cancel()

    dialog.finished.connect(done)
    dialog.destroyed.connect(gone)
    return await future


async def ask(
    parent: QWidget | None,
    title: str,
    text: str,
    buttons: StandardButton = StandardButton.Yes | StandardButton.No,
    default: StandardButton = StandardButton.No,
) -> StandardButton:
    """Asks a question without blocking; returns the button pressed (Escape: the default)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, parent)
    box.setObjectName("question")
    box.setDefaultButton(default)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    answer: list[StandardButton] = []
    box.buttonClicked.connect(lambda button: answer.append(box.standardButton(button)))
    box.open()
    await finished(box)
    return answer[0] if answer else default


def choose_file(
    parent: QWidget | None, title: str, on_chosen: Callable[[Path], None]
) -> QFileDialog:
    """Opens a file chooser without blocking; calls ``on_chosen`` with the file picked."""
    dialog = QFileDialog(parent, title)
    dialog.setObjectName("fileChooser")
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def chosen(path: str) -> None:
        if path:
            on_chosen(Path(path))

    dialog.fileSelected.connect(chosen)
    dialog.open()
    return dialog


def popup_menu(menu: QMenu, global_pos: QPoint) -> None:
    """Shows a context menu without blocking (its actions fire through their signals)."""
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    menu.popup(global_pos)


def in_asyncio_task() -> bool:
    """Whether the caller runs inside an asyncio task (where nested loops kill other tasks)."""
    try:
        return asyncio.current_task() is not None
    except RuntimeError:  # no running loop in this thread
        return False


def _refuse_in_task(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if in_asyncio_task():
            raise NestedEventLoopError(
                f"{name} would start a nested event loop inside a coroutine, which kills the "
                "other tasks; open the dialog with chat_desktop.gui.common.notices instead"
            )
        return original(*args, **kwargs)

    # Not functools.wraps: reading a Qt method's ``__doc__`` makes shiboken parse the
    # signatures of its whole class, about 0.1 s of the app's start for these 35 methods.
    guarded.__name__ = guarded.__qualname__ = name
    guarded.__wrapped__ = original  # type: ignore[attr-defined]
    guarded.__nested_loop_guard__ = True  # type: ignore[attr-defined]
    return guarded


def install_nested_loop_guard() -> None:
    """Makes every blocking dialog / nested loop started inside a task raise (idempotent).

    Qt's static helpers (``QMessageBox.warning`` …) call ``exec()`` in C++, out of Python's
    reach, so they are guarded one by one besides every class's own ``exec``. Shiboken binds
    ``QMenu().exec()`` (a class with a static overload) past the class attribute: that form
    is left to the source scan in the tests.
    """
    from PySide6 import QtCore, QtGui, QtWidgets

    targets: list[tuple[type, str]] = []
    for module in (QtCore, QtGui, QtWidgets):
        for cls in vars(module).values():
            if not isinstance(cls, type):
                continue
            for name in ("exec", "exec_"):
                if name in vars(cls):
                    targets.append((cls, name))
    statics = {
        QtWidgets.QMessageBox: (
            "warning",
            "information",
            "critical",
            "question",
            "about",
            "aboutQt",
        ),
        QtWidgets.QInputDialog: ("getText", "getInt", "getDouble", "getItem", "getMultiLineText"),
        QtWidgets.QFileDialog: (
            "getOpenFileName",
            "getOpenFileNames",
            "getSaveFileName",
            "getExistingDirectory",
            "getOpenFileUrl",
            "getOpenFileUrls",
            "getSaveFileUrl",
            "getExistingDirectoryUrl",
        ),
        QtWidgets.QColorDialog: ("getColor",),
        QtWidgets.QFontDialog: ("getFont",),
        # Not a dialog, but the same re-entry: a task woken inside it is lost for good.
        QtCore.QCoreApplication: ("processEvents",),
    }
    for cls, names in statics.items():
        targets += [(cls, name) for name in names if name in vars(cls)]
    for cls, name in targets:
        original = vars(cls)[name]
        if getattr(original, "__nested_loop_guard__", False):
            continue
        guarded = _refuse_in_task(f"{cls.__name__}.{name}()", original)
        wrapper: Any = staticmethod(guarded) if isinstance(original, staticmethod) else guarded
        with contextlib.suppress(TypeError, AttributeError):  # a type Qt made immutable
            setattr(cls, name, wrapper)
