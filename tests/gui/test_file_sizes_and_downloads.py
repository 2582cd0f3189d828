"""Files: one size format everywhere, "Save as" in the Downloads folder, small files come alone.

The sizes are read from the real widgets (preview dialog, details dialog) and from the
functions the delegate paints with; the downloads go through two real clients on a real
relay, with Alice in the real window and her limit set in the real settings control.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conversation_helpers import Pair, open_pair
from gui_helpers import wait_for
from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QFileDialog, QLabel
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.attachment import blob_size_for
from chat_desktop.gui.conversation.attachment_preview import AttachmentPreviewDialog
from chat_desktop.gui.conversation.message_delegate import attachment_label, file_meta_text
from chat_desktop.gui.conversation.message_details import MessageDetailsDialog
from chat_desktop.gui.conversation.message_layout import file_size_label, transfer_state
from chat_desktop.gui.settings.window import SettingsWindow
from chat_desktop.storage.models import (
    AttachmentInfo,
    Direction,
    Message,
    MessageDetails,
    MessageStatus,
)

pytestmark = pytest.mark.gui

MIB = 1024 * 1024
SHOTS = Path("/tmp/shots/view")


def file_message(size: int, name: str = "report.pdf") -> Message:
    at = QDateTime.currentMSecsSinceEpoch()
    return Message(
        id="f1",
        conversation_id="bob",
        sender="bob",
        direction=Direction.INCOMING,
        sort_key=at,
        seq=1,
        kind="attachment",
        body=None,
        status=MessageStatus.READ,
        sent_at=at,
        attachment=AttachmentInfo(blob_id="b", size=size, mime="application/pdf", file_name=name),
    )


def sized_file(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


async def test_one_size_format_in_preview_bubble_details_and_refusal(
    qtbot: QtBot, tmp_path: Path
) -> None:
    # Async: the preview starts its thumbnail task on the running (qasync) loop.
    five = sized_file(tmp_path / "report.pdf", 5 * MIB)
    preview = AttachmentPreviewDialog([five])
    qtbot.addWidget(preview)
    preview_size = preview.findChild(QLabel, "attachmentSize")
    assert preview_size is not None and preview_size.text() == "5.0 MiB"
    refusing = AttachmentPreviewDialog([five], max_size=4 * MIB)
    qtbot.addWidget(refusing)
    refusal = refusing.findChild(QLabel, "attachmentRefused")
    assert refusal is not None
    assert (
        refusal.text() == "5.0 MiB: too large to send (the limit is 4.0 MiB); it will not be sent."
    )

    message = file_message(5 * MIB)
    assert file_size_label(message) == "5.0 MiB"
    assert attachment_label(message) == "report.pdf (5.0 MiB)"
    assert file_meta_text(message, "download", None) == "5.0 MiB"
    # Half of the blob moved: half of the file, counted in the file's own size.
    blob = blob_size_for(5 * MIB)
    assert file_meta_text(message, "transfer", (blob // 2, blob)) == "2.5 MiB of 5.0 MiB"
    assert file_meta_text(message, "transfer", None) == "0 bytes of 5.0 MiB"

    details = MessageDetailsDialog(message, MessageDetails(message.sent_at, None, None, None))
    qtbot.addWidget(details)
    size_label = details.findChild(QLabel, "fileSize")
    assert size_label is not None and size_label.text() == "5.0 MiB"
    details.show()
    SHOTS.mkdir(parents=True, exist_ok=True)
    details.grab().save(str(SHOTS / "details-size.png"))
    preview.show()
    preview.grab().save(str(SHOTS / "preview-size.png"))


async def sent_by_bob(pair: Pair, path: Path) -> str:
    message_id = await pair.bob.attachments.send_file("alice", path)
    await wait_for(lambda: pair.shown(message_id) is not None)
    return message_id


def status_of(pair: Pair, message_id: str) -> Callable[[], str | None]:
    def status() -> str | None:
        shown = pair.shown(message_id)
        return None if shown is None or shown.attachment is None else shown.attachment.local_status

    return status


@pytest.mark.asyncio(loop_scope="session")
async def test_small_files_download_alone_within_the_limit_and_save_as_starts_in_downloads(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"  # a home without a Downloads folder yet, as on a fresh account
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    outside = tmp_path / "outside"
    async with open_pair(tmp_path, qtbot) as pair:
        # The default limit (10 MiB): a small file downloads without a click; a program not.
        program = await sent_by_bob(pair, sized_file(outside / "setup.exe", 4096))
        notes = await sent_by_bob(pair, sized_file(outside / "notes.txt", 1 * MIB))
        await wait_for(lambda: status_of(pair, notes)() == "done")
        assert status_of(pair, program)() in (None, "none")
        shown = pair.shown(notes)
        assert shown is not None and transfer_state(shown, None) == "ready"

        # Saving starts in the Downloads folder, under the file's own name.
        pair.pane.save_attachment(notes)
        chooser = pair.pane.save_chooser
        assert isinstance(chooser, QFileDialog)
        downloads = home / "Downloads"
        assert Path(chooser.directory().absolutePath()) == downloads
        assert chooser.selectedFiles() == [str(downloads / "notes.txt")]
        chooser.reject()

        # The limit is the user's: 1 MiB in the settings window, then 0 (never).
        settings = SettingsWindow(pair.alice)
        qtbot.addWidget(settings)
        settings.show()
        await settings.loading
        spin = settings.privacy_page.auto_download_spin
        assert spin.value() == 10
        assert spin.accessibleName()
        spin.setValue(1)
        await wait_for(lambda: not settings.saving)
        assert (await pair.alice.preferences.load()).auto_download_mib == 1
        settings.privacy_page.grab().save(str(SHOTS / "auto-download-setting.png"))
        big = await sent_by_bob(pair, sized_file(outside / "big.pdf", 2 * MIB))
        small = await sent_by_bob(pair, sized_file(outside / "small.pdf", MIB // 2))
        await wait_for(lambda: status_of(pair, small)() == "done")
        assert status_of(pair, big)() in (None, "none")
        spin.setValue(0)
        assert spin.text() == "Never"
        await wait_for(lambda: not settings.saving)
        assert (await pair.alice.preferences.load()).auto_download_mib == 0
        tiny = await sent_by_bob(pair, sized_file(outside / "tiny.txt", 10))
        marker = await sent_by_bob(pair, sized_file(outside / "marker.txt", 20))
        # Nothing comes alone any more; a click still downloads.
        await pair.alice.attachments.download("bob", marker)
        await wait_for(lambda: status_of(pair, marker)() == "done")
        assert status_of(pair, tiny)() in (None, "none")
        settings.close()
