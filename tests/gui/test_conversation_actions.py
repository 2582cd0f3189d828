"""Replies, reactions, edits, deletes and files, from the message list's signals to the other
side, with two real clients on a real relay (Alice in the real window, Bob headless)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conversation_helpers import Pair, eventually, open_pair, top_message_box
from gui_helpers import wait_for
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from chat_desktop.gui.conversation.attachment_preview import AttachmentPreviewDialog
from chat_desktop.gui.conversation.image_viewer import ImageViewer
from chat_desktop.gui.conversation.message_details import UNKNOWN_TIME, MessageDetailsDialog
from chat_desktop.gui.conversation.reaction_picker import COMMON_REACTIONS, ReactionPicker
from chat_desktop.storage.models import Message

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

THUMBS_UP = COMMON_REACTIONS[0][0]
HEART = COMMON_REACTIONS[1][0]


def request(pair: Pair, signal: str, *args: object) -> None:
    """Emits one of the message list's action signals, as its menu or a click does."""
    getattr(pair.view, signal).emit(*args)


async def preview(pair: Pair) -> AttachmentPreviewDialog:
    await wait_for(
        lambda: (
            isinstance(pair.pane.preview_dialog, AttachmentPreviewDialog)
            and pair.pane.preview_dialog.isVisible()
        )
    )
    dialog = pair.pane.preview_dialog
    assert dialog is not None
    return dialog


async def answer(pair: Pair, button: QMessageBox.StandardButton) -> str:
    """Presses ``button`` in the question shown; returns the question's text."""
    await wait_for(lambda: top_message_box(pair.pane) is not None)
    box = top_message_box(pair.pane)
    assert box is not None
    text = box.text()
    clicked = box.button(button)
    assert clicked is not None
    clicked.click()
    return text


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_reply_is_sent_with_its_quote_and_esc_cancels_a_reply(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        question = await pair.from_bob("are you coming tonight?")
        composer = pair.pane.composer
        # Esc drops a reply set up by mistake.
        request(pair, "replyRequested", question)
        assert composer.context_bar.isVisible()
        assert composer.context_bar.title_label.text() == "Replying to bob"
        assert composer.context_bar.excerpt_label.text() == "are you coming tonight?"
        qtbot.keyClick(composer.edit, Qt.Key.Key_Escape)
        assert not composer.context_bar.isVisible() and composer.reply_to is None

        request(pair, "replyRequested", question)
        qtbot.keyClicks(composer.edit, "yes, at eight")
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
        assert not composer.context_bar.isVisible()

        def reply_on_bobs_side() -> Message | None:
            for row in range(pair.bob_model.rowCount()):
                message = pair.bob_model.message_at(row)
                if message.body == "yes, at eight":
                    return message
            return None

        await wait_for(lambda: reply_on_bobs_side() is not None)
        reply = reply_on_bobs_side()
        assert reply is not None and reply.quote is not None
        assert reply.quote.target_id == question
        assert reply.quote.author == "bob"
        assert reply.quote.excerpt == "are you coming tonight?"


async def test_a_reaction_from_the_picker_shows_on_the_other_side_and_a_chip_click_removes_it(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        message_id = await pair.from_bob("I passed the exam")
        await wait_for(lambda: pair.bob_shown(message_id) is not None)
        request(pair, "reactRequested", message_id, pair.view.mapToGlobal(QPoint(50, 50)))
        await wait_for(lambda: isinstance(pair.pane.reaction_picker, ReactionPicker))
        picker = pair.pane.reaction_picker
        assert picker is not None and picker.remove_button is None  # no reaction of ours yet
        await wait_for(lambda: picker.buttons[0].hasFocus())
        # The keyboard, as in a menu: right to the heart, Enter picks it.
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
        assert picker.buttons[1].hasFocus()
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

        def bob_sees(emoji: str | None) -> bool:
            message = pair.bob_shown(message_id)
            if message is None:
                return False
            ours = [r.emoji for r in message.reactions if r.reactor == "alice"]
            return ours == ([] if emoji is None else [emoji])

        await wait_for(lambda: bob_sees(HEART))
        await wait_for(lambda: [r.emoji for r in pair.shown(message_id).reactions] == [HEART])  # type: ignore[union-attr]
        # Bob reacts too: two reactions on Alice's side.
        await pair.bob.messages.react("alice", message_id, THUMBS_UP)
        await wait_for(
            lambda: len(pair.shown(message_id).reactions) == 2  # type: ignore[union-attr]
        )
        # A click on our own chip takes our reaction back.
        request(pair, "reactionToggled", message_id, HEART)
        await wait_for(lambda: bob_sees(None))
        # A click on Bob's chip makes that emoji ours too.
        request(pair, "reactionToggled", message_id, THUMBS_UP)
        await wait_for(lambda: bob_sees(THUMBS_UP))
        assert sum(1 for r in pair.bob_shown(message_id).reactions if r.emoji == THUMBS_UP) == 2  # type: ignore[union-attr]


async def test_edit_then_delete_for_everyone_on_both_sides(tmp_path: Path, qtbot: QtBot) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        composer = pair.pane.composer
        qtbot.keyClicks(composer.edit, "see you at nine")
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
        await wait_for(lambda: pair.model.rowCount() == 1)
        mine = pair.model.message_at(0).id
        await wait_for(lambda: pair.bob_shown(mine) is not None)

        qtbot.keyClicks(composer.edit, "a draft")
        request(pair, "editRequested", mine)
        assert composer.editing == mine
        assert composer.edit.toPlainText() == "see you at nine"
        assert composer.context_bar.title_label.text() == "Editing message"
        composer.edit.selectAll()
        qtbot.keyClicks(composer.edit, "see you at ten")
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
        assert composer.edit.toPlainText() == "a draft"  # the draft comes back
        await wait_for(
            lambda: (
                (m := pair.bob_shown(mine)) is not None
                and m.body == "see you at ten"
                and m.edited_at is not None
            )
        )
        await wait_for(lambda: pair.shown(mine).body == "see you at ten")  # type: ignore[union-attr]

        # Bob's message cannot be edited: the engine refuses and the user is told why.
        theirs = await pair.from_bob("my message")
        request(pair, "editRequested", theirs)
        composer.edit.selectAll()
        qtbot.keyClicks(composer.edit, "your message")
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
        text = await answer(pair, QMessageBox.StandardButton.Ok)
        assert "edit" in text.lower()
        assert pair.shown(theirs).body == "my message"  # type: ignore[union-attr]

        # Delete for everyone: asked first; "No" keeps it.
        request(pair, "deleteRequested", mine, True)
        await answer(pair, QMessageBox.StandardButton.No)
        request(pair, "deleteRequested", mine, True)
        await answer(pair, QMessageBox.StandardButton.Yes)
        await wait_for(lambda: (m := pair.bob_shown(mine)) is not None and m.deleted)
        await wait_for(lambda: pair.shown(mine).deleted)  # type: ignore[union-attr]

        # Delete for me: gone from Alice's list, still at Bob's.
        request(pair, "deleteRequested", theirs, False)
        await answer(pair, QMessageBox.StandardButton.Yes)
        await wait_for(lambda: pair.shown(theirs) is None)
        assert await pair.alice.messages.get("bob", theirs) is None
        assert await pair.bob.messages.get("alice", theirs) is not None


async def test_an_image_dropped_on_the_pane_goes_through_the_preview_with_its_caption(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        picture = tmp_path / "beach.png"
        Image.new("RGB", (640, 480), (200, 120, 40)).save(picture)
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(picture))])
        buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        # As a real drag does: enter (the pane accepts files), then drop.
        enter = QDragEnterEvent(QPoint(200, 200), Qt.DropAction.CopyAction, mime, buttons, keys)
        QApplication.sendEvent(pair.pane, enter)
        assert enter.isAccepted()
        drop = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime, buttons, keys)
        QApplication.sendEvent(pair.pane, drop)
        assert drop.isAccepted()
        dialog = await preview(pair)
        # The thumbnail is the image, decoded in a thread.
        thumb = dialog.thumbnails[picture]
        await wait_for(lambda: thumb.pixmap().width() == 120)
        assert thumb.pixmap().toImage().pixelColor(60, 60) == QColor(200, 120, 40)
        qtbot.keyClicks(dialog.caption_edit, "the beach today")
        dialog.send_button.click()

        async def bob_has_it() -> bool:
            for message in await pair.bob.messages.history("alice"):
                info = message.attachment
                if info is not None and message.body == "the beach today":
                    return (info.width, info.height) == (640, 480)
            return False

        await eventually(bob_has_it)


async def test_a_pasted_image_is_sent_from_a_private_temporary_png_then_removed(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        image = QImage(320, 200, QImage.Format.Format_RGB32)
        image.fill(QColor(10, 160, 90))
        QGuiApplication.clipboard().setImage(image)
        composer = pair.pane.composer
        composer.edit.setFocus()
        composer.edit.paste()
        dialog = await preview(pair)
        (pasted,) = [entry.path for entry in dialog.entries]
        folder = tmp_path / "alice" / "pasted"
        assert pasted.parent == folder and pasted.is_file()
        assert folder.stat().st_mode & 0o777 == 0o700
        assert composer.edit.toPlainText() == ""  # nothing was inserted as text
        qtbot.keyClicks(dialog.caption_edit, "a green square")
        qtbot.keyClick(dialog.caption_edit, Qt.Key.Key_Return)  # Enter sends

        async def bob_has_it() -> bool:
            return any(
                m.attachment is not None and m.body == "a green square"
                for m in await pair.bob.messages.history("alice")
            )

        await eventually(bob_has_it)
        await wait_for(lambda: not pasted.exists())
        # Cancel also removes the temporary file, and sends nothing.
        composer.edit.paste()
        dialog = await preview(pair)
        (cancelled,) = [entry.path for entry in dialog.entries]
        assert cancelled != pasted
        dialog.cancel_button.click()
        await wait_for(lambda: not cancelled.exists())
        assert len(await pair.bob.messages.history("alice")) == 1


async def test_save_as_open_and_the_image_viewer(tmp_path: Path, qtbot: QtBot) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        picture = tmp_path / "from-bob.png"
        Image.new("RGB", (1200, 900), (90, 30, 160)).save(picture)
        message_id = await pair.bob.attachments.send_file("alice", picture, caption="for you")
        await wait_for(lambda: pair.shown(message_id) is not None)
        await wait_for(lambda: pair.shown(message_id).attachment.local_status == "done")  # type: ignore[union-attr]
        sent = await pair.bob.messages.get("alice", message_id)
        assert sent is not None and sent.attachment is not None
        bobs_copy = tmp_path / "bobs-copy.png"
        await pair.bob.attachments.save("alice", message_id, bobs_copy)

        # Save as: a non-blocking chooser, then the engine writes the file.
        request(pair, "saveRequested", message_id)
        chooser = pair.pane.save_chooser
        assert isinstance(chooser, QFileDialog) and chooser.isVisible()
        assert chooser.acceptMode() is QFileDialog.AcceptMode.AcceptSave
        destination = tmp_path / "saved" / "photo.png"
        destination.parent.mkdir()
        chooser.selectFile(str(destination))
        chooser.accept()
        await wait_for(lambda: destination.is_file() and destination.stat().st_size > 0)
        await wait_for(lambda: sha256(destination) == sha256(bobs_copy))

        # Open: a decrypted copy handed to the desktop's opener.
        opened: list[QUrl] = []

        def opener(url: QUrl) -> bool:
            opened.append(url)
            return True

        pair.pane.url_opener = opener
        request(pair, "openRequested", message_id)
        await wait_for(lambda: bool(opened))
        assert sha256(Path(opened[0].toLocalFile())) == sha256(bobs_copy)

        # The viewer: fitted first, + zooms, Esc closes.
        request(pair, "imageActivated", message_id)
        await wait_for(lambda: isinstance(pair.pane.image_viewer, ImageViewer))
        viewer = pair.pane.image_viewer
        assert viewer is not None
        await wait_for(lambda: viewer.save_button.isEnabled())
        fitted = viewer.zoom
        assert fitted < 1.0
        qtbot.keyClick(viewer, Qt.Key.Key_Plus)
        assert viewer.zoom == pytest.approx(fitted * 1.25)
        qtbot.keyClick(viewer, Qt.Key.Key_0)
        assert viewer.zoom == pytest.approx(fitted)
        qtbot.keyClick(viewer, Qt.Key.Key_Escape)
        await wait_for(lambda: not viewer.isVisible())


async def test_details_show_times_and_the_edit_history(tmp_path: Path, qtbot: QtBot) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        message_id = await pair.alice.messages.send_text("bob", "first words")
        await pair.model.add_message("bob", message_id)
        await eventually(lambda: _delivered(pair, message_id))
        await pair.alice.messages.edit("bob", message_id, "second words")
        request(pair, "detailsRequested", message_id)
        await wait_for(lambda: isinstance(pair.pane.details_dialog, MessageDetailsDialog))
        dialog = pair.pane.details_dialog
        assert dialog is not None
        assert dialog.time_labels["sent"].text() != UNKNOWN_TIME
        assert dialog.time_labels["delivered"].text() != UNKNOWN_TIME
        assert dialog.time_labels["read"].text() == UNKNOWN_TIME  # Bob never opened it
        assert dialog.history_list is not None
        assert dialog.history_list.count() == 1
        assert dialog.history_list.item(0).text().endswith("first words")
        dialog.close()


async def _delivered(pair: Pair, message_id: str) -> bool:
    details = await pair.alice.messages.details("bob", message_id)
    return details.delivered_at is not None


async def test_header_verified_badge_presence_and_the_peers_timer(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        await pair.from_bob("so you know my key")
        pane = pair.pane
        assert not pane.verified_badge.isVisible()
        pane.safety_button.click()
        await wait_for(lambda: getattr(pane, "safety_dialog", None) is not None)
        pane.safety_dialog.verify_button.click()
        await wait_for(lambda: pane.verified_badge.isVisible())
        assert pane.verified_badge.toolTip()
        pane.safety_dialog.verify_button.click()  # cleared again
        await wait_for(lambda: not pane.verified_badge.isVisible())
        pane.safety_dialog.close()

        # The peer's timer change shows in the combo, also a value the menu lacks.
        await pair.bob.conversations.set_disappearing_timer("alice", 3_600)
        await wait_for(lambda: pane.timer_box.currentData() == 3_600)
        assert pane.timer_box.currentText() == "1 hour"
        await pair.bob.conversations.set_disappearing_timer("alice", 2 * 86_400)
        await wait_for(lambda: pane.timer_box.currentData() == 2 * 86_400)
        assert pane.timer_box.currentText() == "2 days"

        # Presence: online, then no longer once Bob leaves.
        await wait_for(lambda: pane.presence_label.text() == "online")
        await pair.bob.close()
        await wait_for(lambda: pane.presence_label.text().startswith("last seen"))


async def test_presence_is_not_shown_as_online_while_our_link_is_down(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        pane = pair.pane
        await wait_for(lambda: pane.presence_label.text() == "online")
        # Our own link drops: the relay can no longer tell us when Bob leaves.
        await pair.relay.stop()
        await wait_for(lambda: not pair.alice.connected)
        await wait_for(lambda: pane.presence_label.text() != "online")


async def test_oversize_files_are_refused_in_the_preview(tmp_path: Path, qtbot: QtBot) -> None:
    big = tmp_path / "huge.bin"
    with big.open("wb") as sparse:
        sparse.truncate(100 * 1024 * 1024 + 1)
    small = tmp_path / "notes.txt"
    small.write_text("a few notes")
    dialog = AttachmentPreviewDialog([big, small])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.refused == [big]
    assert dialog.send_button.isEnabled()
    dialog.send_button.click()
    assert dialog.files_to_send == [small]
    only_big = AttachmentPreviewDialog([big])
    qtbot.addWidget(only_big)
    only_big.show()
    assert not only_big.send_button.isEnabled()
    only_big.accept()
    assert only_big.files_to_send == [] and only_big.isVisible()
