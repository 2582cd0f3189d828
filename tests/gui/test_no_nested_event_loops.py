"""No code path of the GUI may start a nested Qt event loop (the one rule of asyncio under qasync).

Under qasync a nested loop (``QDialog.exec()``, ``QMessageBox.warning()``, ``QMenu.exec()``,
``QEventLoop.exec()``, ``processEvents()``) started while a coroutine runs re-enters the asyncio
loop: every other task that wakes meanwhile dies with "Cannot enter into task … while another
task … is being executed", and the outbox stops for good. Two nets catch it: a scan of the
source, and a runtime guard that turns such a call inside a task into a loud error.
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import QEventLoop, QPoint
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMenu, QMessageBox

import chat_desktop
from chat_desktop.gui.common import notices

PACKAGE = Path(chat_desktop.__file__).parent
SCANNED = [*sorted((PACKAGE / "gui").rglob("*.py")), PACKAGE / "app.py"]

#: Blocking static helpers: each one runs ``exec()`` inside Qt.
BLOCKING_STATICS = {
    "QMessageBox": {"warning", "information", "critical", "question", "about", "aboutQt"},
    "QInputDialog": {"getText", "getInt", "getDouble", "getItem", "getMultiLineText"},
    "QFileDialog": {
        "getOpenFileName",
        "getOpenFileNames",
        "getSaveFileName",
        "getExistingDirectory",
        "getOpenFileUrl",
        "getOpenFileUrls",
        "getSaveFileUrl",
        "getExistingDirectoryUrl",
    },
    "QColorDialog": {"getColor"},
    "QFontDialog": {"getFont"},
}
#: The one function allowed to name these things: it installs the runtime guard over them.
GUARD_FUNCTION = "install_nested_loop_guard"


def _guard_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == GUARD_FUNCTION:
            skipped.update(id(child) for child in ast.walk(node))
    return skipped


def nested_loop_calls(source: str, filename: str = "<source>") -> list[str]:
    """Every place in ``source`` that may start a nested event loop, as ``file:line what``."""
    tree = ast.parse(source, filename)
    skipped = _guard_nodes(tree)
    found: list[str] = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{getattr(node, 'lineno', 0)} {what}")

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("PySide6"):
            for alias in node.names:
                if alias.name == "QEventLoop":
                    report(node, "imports QEventLoop")
        elif isinstance(node, ast.Name) and node.id == "QEventLoop":
            report(node, "uses QEventLoop")
        elif isinstance(node, ast.Attribute):
            receiver = node.value
            receiver_name = receiver.id if isinstance(receiver, ast.Name) else None
            if node.attr == "QEventLoop" and receiver_name != "qasync":
                report(node, "uses QEventLoop")
            elif node.attr == "processEvents":
                report(node, "calls processEvents")
            elif node.attr in ("exec", "exec_"):
                report(node, f".{node.attr}(")
            elif receiver_name in BLOCKING_STATICS and node.attr in BLOCKING_STATICS[receiver_name]:
                report(node, f"{receiver_name}.{node.attr}(")
    return found


@pytest.mark.unit
def test_the_scan_recognises_every_blocking_form() -> None:
    source = (
        "from PySide6.QtCore import QEventLoop\n"
        "import qasync\n"
        "loop = qasync.QEventLoop(app)\n"  # the app's one loop: allowed
        "dialog.exec()\n"
        "menu.exec_(pos)\n"
        "QMessageBox.warning(None, 'a', 'b')\n"
        "QInputDialog.getText(None, 'a', 'b')\n"
        "QtCore.QEventLoop()\n"
        "app.processEvents()\n"
        "def install_nested_loop_guard():\n"
        "    QDialog.exec\n"
    )
    found = nested_loop_calls(source)
    assert [line.split(" ", 1)[0] for line in found] == [
        "<source>:1",
        "<source>:4",
        "<source>:5",
        "<source>:6",
        "<source>:7",
        "<source>:8",
        "<source>:9",
    ]


@pytest.mark.unit
def test_no_gui_code_starts_a_nested_event_loop() -> None:
    found: list[str] = []
    for path in SCANNED:
        found += nested_loop_calls(path.read_text("utf-8"), str(path.relative_to(PACKAGE)))
    assert not found, "nested event loops (use chat_desktop.gui.common.notices):\n" + "\n".join(
        found
    )


@pytest.mark.gui
async def test_the_runtime_guard_refuses_a_nested_loop_inside_a_task() -> None:
    notices.install_nested_loop_guard()
    attempts = [
        lambda: QDialog().exec(),
        lambda: QMessageBox().exec(),
        lambda: QMenu.exec([], QPoint(0, 0)),  # (Shiboken binds ``menu.exec()`` out of reach:
        # the source scan covers that form.)
        lambda: QEventLoop().exec(),
        lambda: QMessageBox.warning(None, "t", "x"),
        lambda: QMessageBox.question(None, "t", "x"),
        lambda: QInputDialog.getText(None, "t", "x"),
        lambda: QFileDialog.getOpenFileName(None, "t"),
    ]
    for attempt in attempts:
        with pytest.raises(notices.NestedEventLoopError):
            attempt()

    # Outside any task (plain Qt slot), nothing changes: the guard only stops the killer case.
    def outside() -> bool:
        return notices.in_asyncio_task()

    assert not await asyncio.get_running_loop().run_in_executor(None, outside)
