"""The "Open" action never hands a program to the desktop; names show their real extension.

Two real clients on a real relay (Alice in the real window). ``QDesktopServices.openUrl``
is the boundary with the operating system: it is replaced by a recorder before the window
is built, so any path from "Open" to the desktop would show up in it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conversation_helpers import Pair, open_pair, top_message_box
from gui_helpers import wait_for
from PIL import Image
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from chat_desktop.gui.conversation.file_opening import UNSAFE_FILE_TEXT, runs_programs
from chat_desktop.gui.conversation.message_layout import file_name
from chat_desktop.gui.conversation_list.panel import message_preview
from chat_desktop.storage.models import AttachmentInfo, Direction, Message

pytestmark = pytest.mark.gui


def record_open_url(monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    """Replaces the desktop's opener by a recorder (before the window takes it)."""
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(open_url))
    return opened


async def received_file(pair: Pair, path: Path) -> str:
    """Bob sends ``path``; returns its id once Alice has downloaded it."""
    message_id = await pair.bob.attachments.send_file("alice", path)
    await wait_for(lambda: pair.shown(message_id) is not None)
    await pair.alice.attachments.download("bob", message_id)
    await wait_for(lambda: pair.shown(message_id).attachment.local_status == "done")  # type: ignore[union-attr]
    return message_id


async def refused_notice(pair: Pair) -> QMessageBox:
    await wait_for(lambda: top_message_box(pair.pane) is not None)
    box = top_message_box(pair.pane)
    assert box is not None and box.objectName() == "unsafeFileNotice"
    return box


def button(box: QMessageBox, text: str) -> Callable[[], None]:
    (found,) = [b for b in box.buttons() if b.text() == text]
    return found.click


async def refused_then_saved(pair: Pair, path: Path, destination: Path) -> None:
    """Alice opens ``path`` received from Bob: refused, she saves it through the notice."""
    message_id = await received_file(pair, path)
    pair.view.openRequested.emit(message_id)
    box = await refused_notice(pair)
    assert box.text() == UNSAFE_FILE_TEXT
    button(box, "Save as…")()  # the way out: save it, open it yourself
    await wait_for(lambda: isinstance(pair.pane.save_chooser, QFileDialog))
    chooser = pair.pane.save_chooser
    assert isinstance(chooser, QFileDialog) and chooser.isVisible()
    destination.parent.mkdir(exist_ok=True)
    chooser.selectFile(str(destination))
    chooser.accept()
    await wait_for(lambda: destination.is_file() and destination.stat().st_size > 0)
    await wait_for(lambda: destination.read_bytes() == path.read_bytes())


@pytest.mark.asyncio(loop_scope="session")
async def test_open_refuses_programs_offers_save_as_and_still_opens_documents(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = record_open_url(monkeypatch)
    async with open_pair(tmp_path, qtbot) as pair:
        sent = tmp_path / "sent"
        sent.mkdir()
        program = sent / "a.pdf"  # a Windows program dressed as a document
        program.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00" + bytes(500))
        script = sent / "x.sh"
        script.write_bytes(b"#!/bin/sh\necho hello\n")
        for path in (program, script):
            await refused_then_saved(pair, path, tmp_path / "saved" / path.name)
            assert opened == []

        document = sent / "report.pdf"
        document.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
        picture = sent / "photo.png"
        Image.new("RGB", (16, 16), (10, 120, 200)).save(picture)
        for path in (document, picture):
            message_id = await received_file(pair, path)
            pair.view.openRequested.emit(message_id)
            await wait_for(lambda: len(opened) == 1)
            assert Path(opened[0].toLocalFile()).read_bytes() == path.read_bytes()
            opened.clear()


def test_the_desktops_mime_database_judges_by_content(tmp_path: Path) -> None:
    cases = {
        "a.pdf": (b"MZ\x90\x00\x03\x00" + bytes(100), True),
        "elf.dat": (b"\x7fELF\x02\x01\x01\x00" + bytes(100), True),
        "launcher.txt": (b"[Desktop Entry]\nType=Application\nExec=x\n", True),
        "s.txt": (b"#!/bin/sh\necho\n", True),
        "report.pdf": (b"%PDF-1.4\n%\xe2\xe3\n", False),
        "data.json": (b'{"a": 1}\n', False),
        "notes.txt": (b"plain words\n", False),
    }
    for name, (data, unsafe) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert runs_programs(path) is unsafe, name


def _file_message(name: str) -> Message:
    return Message(
        id="0190f5a4-7c3e-7b2a-9f00-0123456789ab",
        conversation_id="bob",
        sender="bob",
        direction=Direction.INCOMING,
        kind="attachment",
        body=None,
        sent_at=1,
        received_at=1,
        sort_key=1,
        attachment=AttachmentInfo(mime="application/octet-stream", file_name=name, size=10),
    )


def test_rows_and_previews_show_the_real_extension() -> None:
    stored = _file_message("invoice_2024_\u202efdp.exe")  # stored before the schema refused it
    assert file_name(stored) == "invoice_2024_fdp.exe"
    assert message_preview(stored) == "invoice_2024_fdp.exe"
    long = _file_message("invoice_" + "x" * 200 + ".pdf.exe")
    preview = message_preview(long)
    assert preview.endswith(".pdf.exe") and "…" in preview and len(preview) < 100
