"""Indonesian reaches the texts Qt itself shows (issue 19, item 14).

Qt ships no Indonesian catalogue, so the app's own carries them: a text box's context menu
(the composer's "Salin"/"Tempel"), the file dialog's labels, buttons and columns. A desktop's
native file dialog would speak the desktop's language, never the app's: when the two differ,
Qt's own dialog is used. Sizes follow the language's number format ("5,0 MiB").
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QToolButton, QTreeView
from pytestqt.qtbot import QtBot

from chat_desktop.gui.common.data_size import format_size
from chat_desktop.gui.common.save_dialog import choose_save_path
from chat_desktop.gui.common.translation import apply_language, system_language
from chat_desktop.gui.conversation.composer import Composer

pytestmark = [pytest.mark.gui]


@pytest.fixture
def indonesian(qapp: QApplication) -> Iterator[None]:
    """Indonesian chosen in Settings (English again afterwards, as the other tests expect)."""
    assert apply_language("id") == "id"
    try:
        yield
    finally:
        apply_language("en")


@pytest.mark.usefixtures("indonesian")
def test_the_composers_context_menu_speaks_indonesian(qtbot: QtBot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.show()
    composer.edit.setPlainText("halo")
    composer.edit.selectAll()
    menu = composer.edit.createStandardContextMenu()
    try:
        words = [action.text().split("\t")[0] for action in menu.actions() if action.text()]
    finally:
        menu.deleteLater()
    for english, indonesian in (
        ("&Undo", "&Urungkan"),
        ("&Redo", "Ulang&i"),
        ("Cu&t", "Po&tong"),
        ("&Copy", "&Salin"),
        ("&Paste", "T&empel"),
        ("Delete", "Hapus"),
        ("Select All", "Pilih Semua"),
    ):
        assert indonesian in words, (english, words)
        assert english not in words


@pytest.mark.usefixtures("indonesian")
def test_the_file_dialog_speaks_indonesian() -> None:
    if system_language() != "id":  # the desktop's own dialog would not: Qt's is used
        assert QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
    dialog = choose_save_path(None, "Simpan berkas", "foto.jpg", lambda _path: None)
    try:
        labels = {label.objectName(): label.text() for label in dialog.findChildren(QLabel)}
        assert labels["lookInLabel"] == "&Cari di:"
        assert labels["fileNameLabel"] == "&Nama berkas:"
        assert labels["fileTypeLabel"] == "&Jenis berkas:"
        tips = {
            button.objectName(): button.toolTip() for button in dialog.findChildren(QToolButton)
        }
        assert tips["backButton"] == "Kembali"
        assert tips["toParentButton"] == "Folder Induk"
        assert tips["newFolderButton"] == "Buat Folder Baru"
        buttons = {button.text() for button in dialog.findChildren(QPushButton)}
        assert {"&Simpan", "Batal"} <= buttons, buttons
        tree = dialog.findChild(QTreeView, "treeView")
        assert tree is not None
        model = tree.model()
        columns = [
            model.headerData(column, Qt.Orientation.Horizontal)
            for column in range(model.columnCount())
        ]
        assert columns == ["Nama", "Ukuran", "Jenis", "Tanggal Diubah"]
    finally:
        dialog.close()  # deletes itself (WA_DeleteOnClose)


@pytest.mark.usefixtures("indonesian")
def test_sizes_read_with_a_decimal_comma_in_indonesian() -> None:
    assert QLocale().language() == QLocale.Language.Indonesian
    assert format_size(5 * 1024 * 1024) == "5,0 MiB"
    assert format_size(1536) == "1,5 KiB"
    apply_language("en")
    assert format_size(5 * 1024 * 1024) == "5.0 MiB"
