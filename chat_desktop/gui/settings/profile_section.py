"""The Profile section of the Account page: our name and picture, as contacts see them.

The name is saved with its own button (or Enter); the picture is chosen in a file chooser
that never blocks the event loop (``choose_file``), made by the engine (metadata removed,
at most 512 × 512) and shown round, as contacts see it in their list; "Remove picture"
takes it away. What is saved goes, end to end encrypted, to the contacts we write to
(``client.profile``, docs/protocol.md §13). The username stays the address.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.avatars import round_avatar
from chat_desktop.gui.common.notices import choose_file, show_error, show_notice
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import ImageRejected, InvalidProfileName

#: The preview's side, in average character widths (it grows with the text size).
_PREVIEW_CHARS = 8


class ProfileSection(QWidget):
    """Name field, picture preview, "Choose picture…" and "Remove picture"."""

    def __init__(self, client: ChatClient) -> None:
        """Builds the section; :meth:`load` fills it from ``client.profile``."""
        super().__init__()
        self.setObjectName("profileSection")
        self._client = client
        self._saved_name = ""
        #: The open file chooser, if any.
        self.chooser: QFileDialog | None = None
        self.preview = QLabel()
        self.preview.setObjectName("profilePicture")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        side = self.fontMetrics().averageCharWidth() * _PREVIEW_CHARS
        self.preview.setFixedSize(side, side)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("profileNameEdit")
        self.name_edit.setMaxLength(128)
        self.name_edit.setPlaceholderText(self.tr("Your name, as your contacts see it"))
        self.name_save_button = QPushButton(self.tr("Save name"))
        self.name_save_button.setObjectName("profileNameSaveButton")
        self.name_save_button.setEnabled(False)
        self.choose_button = QPushButton(self.tr("Choose picture\u2026"))
        self.choose_button.setObjectName("profilePictureButton")
        self.remove_button = QPushButton(self.tr("Remove picture"))
        self.remove_button.setObjectName("profilePictureRemoveButton")
        self.remove_button.setEnabled(False)
        name_controls(
            (self.name_edit, self.tr("Profile name")),
            (self.name_save_button, self.tr("Save the profile name")),
            (self.choose_button, self.tr("Choose a profile picture")),
            (self.remove_button, self.tr("Remove the profile picture")),
        )
        self.preview.setAccessibleName(self.tr("Profile picture"))
        name_row = QHBoxLayout()
        name_row.addWidget(self.name_edit, 1)
        name_row.addWidget(self.name_save_button)
        # The picture beside its two buttons stacked: narrow enough for 200 % text (no
        # sideways scrolling) and low enough for the page to fit 760 x 520 at 100 %.
        buttons = QVBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.remove_button)
        picture_row = QHBoxLayout()
        picture_row.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        picture_row.addLayout(buttons)
        picture_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(name_row)
        layout.addLayout(picture_row)
        # Said in the tooltip, not in a line of its own: the Account page must fit 760 x 520.
        why = self.tr(
            "Your name and picture go end to end encrypted to the contacts you write "
            "to; the relay cannot see them. Your username stays your address."
        )
        for widget in (self, self.name_edit):
            widget.setToolTip(why)
        self.name_edit.setAccessibleDescription(why)
        self.name_edit.textChanged.connect(self._name_edited)
        self.name_edit.returnPressed.connect(self.save_name)
        self.name_save_button.clicked.connect(self.save_name)
        self.choose_button.clicked.connect(self.choose_picture)
        self.remove_button.clicked.connect(self.remove_picture)

    async def load(self) -> None:
        """Shows our stored profile."""
        profile = await self._client.profile.mine()
        self._saved_name = profile.name
        self.name_edit.setText(profile.name)
        self._show_picture(profile.avatar)

    def _show_picture(self, avatar: bytes | None) -> None:
        pixmap = round_avatar(avatar, self.preview.width())
        if pixmap is None:
            self.preview.clear()
            self.preview.setText(self.tr("No picture"))
        else:
            self.preview.setPixmap(pixmap)
        self.remove_button.setEnabled(pixmap is not None)

    def _name_edited(self, text: str) -> None:
        self.name_save_button.setEnabled(text.strip() != self._saved_name)

    def save_name(self) -> None:
        """Saves the name typed (contacts get it with our next profile)."""
        spawn(self._save_name(self.name_edit.text()), "save profile name", self._failed)

    async def _save_name(self, name: str) -> None:
        await self._client.profile.set_name(name)
        self._saved_name = name.strip()
        self._name_edited(self.name_edit.text())

    def choose_picture(self) -> None:
        """Opens a file chooser; the picture picked becomes ours."""
        self.chooser = choose_file(self, self.tr("Choose a profile picture"), self.use_picture)

    def use_picture(self, path: Path) -> None:
        """Makes our picture from ``path`` (in the background) and shows it."""
        spawn(self._use_picture(path), "set profile picture", self._failed)

    async def _use_picture(self, path: Path) -> None:
        await self._client.profile.set_avatar(path)
        self._show_picture((await self._client.profile.mine()).avatar)

    def remove_picture(self) -> None:
        """Removes our picture."""
        spawn(self._remove_picture(), "remove profile picture", self._failed)

    async def _remove_picture(self) -> None:
        await self._client.profile.remove_avatar()
        self._show_picture(None)

    def _failed(self, error: BaseException) -> None:
        title = self.tr("Profile not saved")
        if isinstance(error, InvalidProfileName):
            show_notice(
                self,
                title,
                self.tr(
                    "A name is one line of at most 128 characters, without control characters."
                ),
            )
        elif isinstance(error, ImageRejected):
            show_notice(
                self,
                title,
                self.tr("This picture cannot be used. Choose a JPEG, PNG, WebP or GIF image."),
            )
        else:
            show_error(self, error, title)
