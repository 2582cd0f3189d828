"""The conversation pane's new dialogs and bars, walked for accessible names and untranslated
strings, and grabbed in the light and dark themes (``CHAT_DESKTOP_GRABS=folder`` keeps them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conversation_helpers import open_pair
from gui_helpers import wait_for
from PIL import Image
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from ui_walk import problems

from chat_desktop.gui.common.theme import Theme, apply_theme
from chat_desktop.gui.conversation.attachment_preview import AttachmentPreviewDialog
from chat_desktop.gui.conversation.image_viewer import ImageViewer
from chat_desktop.gui.conversation.message_details import MessageDetailsDialog
from chat_desktop.gui.conversation.reaction_picker import ReactionPicker

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture
def restore_look() -> Iterator[QApplication]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    try:
        yield app
    finally:
        apply_theme(app, "light")


def grab(widget: QWidget, name: str, theme: Theme) -> None:
    image = widget.grab().toImage()
    assert not image.isNull() and image.width() > 0
    folder = os.environ.get("CHAT_DESKTOP_GRABS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        image.save(str(Path(folder) / f"{name}-{theme}.png"))


async def test_every_new_dialog_passes_the_walk_in_light_and_dark(
    tmp_path: Path, qtbot: QtBot, restore_look: QApplication
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        pane = pair.pane
        picture = tmp_path / "sunset.png"
        Image.new("RGB", (900, 600), (230, 110, 60)).save(picture)
        image_id = await pair.bob.attachments.send_file("alice", picture, caption="the sunset")
        text_id = await pair.from_bob("shall we meet at the harbour tomorrow morning?")
        await wait_for(lambda: pair.shown(image_id) is not None)
        await wait_for(lambda: pair.shown(image_id).attachment.local_status == "done")  # type: ignore[union-attr]
        await pair.alice.messages.react("bob", text_id, "\N{THUMBS UP SIGN}")
        await pair.model.refresh_message("bob", text_id)

        found: dict[str, list[str]] = {}
        themes: tuple[Theme, ...] = ("light", "dark")
        for theme in themes:
            apply_theme(restore_look, theme)
            # The reply bar in the composer.
            pair.view.replyRequested.emit(text_id)
            await wait_for(lambda: pane.composer.context_bar.isVisible())
            found[f"{theme} pane with reply bar"] = problems(pane, "en")
            grab(pair.window, "reply-bar", theme)
            pane.composer.cancel_context()
            pair.view.editRequested.emit(text_id)
            grab(pane.composer, "edit-bar", theme)
            pane.composer.cancel_context()

            pane.offer_files([picture, Path(__file__)])
            await wait_for(
                lambda: (
                    isinstance(pane.preview_dialog, AttachmentPreviewDialog)
                    and pane.preview_dialog.isVisible()
                )
            )
            dialog = pane.preview_dialog
            assert dialog is not None
            thumbnail = dialog.thumbnails[picture]
            await wait_for(lambda: thumbnail.pixmap().width() == 120)  # noqa: B023
            found[f"{theme} preview"] = problems(dialog, "en")
            grab(dialog, "preview", theme)
            dialog.cancel_button.click()

            pair.view.reactRequested.emit(text_id, pair.view.mapToGlobal(QPoint(80, 80)))
            await wait_for(lambda: isinstance(pane.reaction_picker, ReactionPicker))
            picker = pane.reaction_picker
            assert picker is not None and picker.remove_button is not None
            found[f"{theme} reaction picker"] = problems(picker, "en")
            grab(picker, "reaction-picker", theme)
            picker.close()

            pair.view.detailsRequested.emit(text_id)
            await wait_for(lambda: isinstance(pane.details_dialog, MessageDetailsDialog))
            details = pane.details_dialog
            assert details is not None
            found[f"{theme} details"] = problems(details, "en")
            grab(details, "details", theme)
            details.close()
            pane.details_dialog = None

            pair.view.imageActivated.emit(image_id)
            await wait_for(lambda: isinstance(pane.image_viewer, ImageViewer))
            viewer = pane.image_viewer
            assert viewer is not None
            save_button = viewer.save_button
            await wait_for(lambda: save_button.isEnabled())  # noqa: B023
            viewer.resize(700, 520)
            found[f"{theme} image viewer"] = problems(viewer, "en")
            grab(viewer, "image-viewer", theme)
            viewer.close()
            pane.image_viewer = None

        listed = [f"{where}: {problem}" for where, some in found.items() for problem in some]
        assert not listed, "\n".join(listed)
