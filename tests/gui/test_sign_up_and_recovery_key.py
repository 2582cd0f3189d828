"""Sign-up rates the password while typing and warns about capitals; the recovery key view
offers Copy and Save and a Continue that looks disabled until ticked (issue 19, item 11).

Real widgets offscreen, the real zxcvbn, the real theme; nothing is mocked.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from gui_helpers import wait_for
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.account.account_dialogs import CreateAccountDialog, RecoveryKeyDialog
from chat_desktop.gui.common.theme import DARK, LIGHT, apply_theme

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

KEY = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567-ABCD-EFGH-IJKL-MNOP"


def top(widget: QWidget, dialog: QWidget) -> int:
    """Where ``widget`` sits in ``dialog`` (y of its top edge)."""
    return widget.mapTo(dialog, QPoint(0, 0)).y()


async def shown_sign_up(qtbot: QtBot, tmp_path: Path) -> CreateAccountDialog:
    dialog = CreateAccountDialog(
        tmp_path / "profile", "http://127.0.0.1:1", kdf_params=FLOOR_PARAMS
    )
    qtbot.addWidget(dialog)
    dialog.show()
    await wait_for(dialog.isVisible)
    return dialog


async def test_the_meter_rates_each_keystroke_in_one_translated_line_and_the_form_stays_put(
    qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = await shown_sign_up(qtbot, tmp_path)
    before = (top(dialog.confirm_edit, dialog), top(dialog.create_button, dialog), dialog.height())
    assert dialog.meter.label.text() == ""  # nothing typed, nothing said (the room is kept)

    qtbot.keyClicks(dialog.password_edit, "passwor")
    assert dialog.meter.label.text() == "Too short: use at least 10 characters."
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_D)  # one more key: rated again
    assert dialog.meter.bar.value() == 0  # "password": zxcvbn's top-10
    assert dialog.meter.label.text() == "Too short: use at least 10 characters."
    qtbot.keyClicks(dialog.password_edit, "123")
    line = dialog.meter.label.text()
    assert line.startswith("Very weak: ") and line.count(".") == 1  # one sentence, not a list
    assert ";" not in line

    qtbot.keyClicks(dialog.password_edit, " plum kettle orbit")
    assert dialog.meter.bar.value() == 4
    assert dialog.meter.label.text() == "Very strong: Very hard to guess."
    assert (
        top(dialog.confirm_edit, dialog),
        top(dialog.create_button, dialog),
        dialog.height(),
    ) == before

    # A weak password refused at submit: the warning takes its reserved room, no jump.
    dialog.username_edit.setText("carol")
    dialog.password_edit.setText("password123")
    dialog.confirm_edit.setText("password123")
    dialog.submit()
    await wait_for(lambda: "easy to guess" in dialog.error_label.text())
    assert ";" not in dialog.error_label.text()
    assert dialog.use_anyway_button.isVisible()
    assert (top(dialog.create_button, dialog), dialog.height()) == before[1:]
    dialog.grab().save("/tmp/shots/password/sign-up-weak.png")


async def test_capitals_in_the_username_are_announced_before_sign_up(
    qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = await shown_sign_up(qtbot, tmp_path)
    below = top(dialog.relay_edit, dialog)
    qtbot.keyClicks(dialog.username_edit, "Alice")
    assert dialog.username_note.text() == "Usernames are stored in lower case: alice"
    assert top(dialog.relay_edit, dialog) == below  # the note has its line already
    dialog.username_edit.setText("alice")
    assert dialog.username_note.text() == ""


async def test_the_recovery_key_can_be_copied_and_saved_and_continue_waits_for_the_tick(
    qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = RecoveryKeyDialog(KEY)
    qtbot.addWidget(dialog)
    dialog.show()
    await wait_for(dialog.isVisible)

    QGuiApplication.clipboard().clear()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == KEY

    dialog.save_button.click()
    chooser = dialog.save_chooser
    assert chooser is not None
    await wait_for(chooser.isVisible)  # opened with open(): the loop kept running
    assert chooser.acceptMode() is QFileDialog.AcceptMode.AcceptSave
    target = tmp_path / "my key.txt"
    # What the chooser says when a file is picked. (Left open: rejecting a file chooser in
    # this test process ends in a bus error inside Qt, outside this app's code.)
    chooser.fileSelected.emit(str(target))
    assert KEY in target.read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "Saved" in dialog.status_label.text()

    assert not dialog.continue_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()  # not before the key is kept safe
    dialog.confirm_box.setChecked(True)
    assert dialog.continue_button.isEnabled()
    dialog.continue_button.click()
    assert not dialog.isVisible()


def _background(button: QPushButton) -> QColor:
    """The colour just inside the button's left edge, halfway down (no text there)."""
    image = button.grab().toImage()
    return image.pixelColor(6, image.height() // 2)


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_a_disabled_continue_looks_disabled(
    qtbot: QtBot, restore_look: QApplication, theme: str
) -> None:
    apply_theme(restore_look, theme)  # type: ignore[arg-type]  # "light" | "dark"
    colors = LIGHT if theme == "light" else DARK
    dialog = RecoveryKeyDialog(KEY)
    qtbot.addWidget(dialog)
    dialog.show()
    disabled = _background(dialog.continue_button)
    dialog.confirm_box.setChecked(True)
    enabled = _background(dialog.continue_button)
    assert disabled != enabled
    assert disabled != QColor(colors.accent)  # not the look of the button to press
    dialog.confirm_box.setChecked(False)
    dialog.grab().save(f"/tmp/shots/password/recovery-key-{theme}-unticked.png")
