"""``GroupPictureRow``: a group's picture on its members page, and an admin's way to change it.

Shows the picture (round, as profile pictures are) or nothing; an admin chooses a new one
("Choose picture…", a non-blocking file chooser) or removes it. The engine makes the
picture a metadata-free square JPEG and uploads it before the change goes to the members
(``client.groups.set_avatar``); a member's device fetches it when first asked
(``client.groups.avatar``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.avatars import round_avatar
from chat_desktop.gui.common.notices import choose_file
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.services.client import ChatClient

#: The side of the picture shown on the page, in pixels.
PICTURE_SIDE = 64


class GroupPictureRow(QWidget):
    """The group's picture and, for admins, "Choose picture…" and "Remove picture"."""

    def __init__(
        self,
        client: ChatClient,
        conversation_id: str,
        on_error: Callable[[BaseException], None],
        parent: QWidget | None = None,
    ) -> None:
        """Shows the picture of ``conversation_id``; refusals go to ``on_error``."""
        super().__init__(parent)
        self._client = client
        self._conversation_id = conversation_id
        self._on_error = on_error
        #: The last file chooser opened (tests look at it).
        self.chooser: QFileDialog | None = None
        #: The picture's bytes as last read (None: the group has none here).
        self.picture: bytes | None = None
        self.picture_label = QLabel()
        self.picture_label.setObjectName("groupPicture")
        self.picture_label.setFixedSize(PICTURE_SIDE, PICTURE_SIDE)
        self.picture_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.choose_button = QPushButton(self.tr("Choose picture…"))
        self.choose_button.setObjectName("chooseGroupPicture")
        self.remove_button = QPushButton(self.tr("Remove picture"))
        self.remove_button.setObjectName("removeGroupPicture")
        for button in (self.choose_button, self.remove_button):
            button.setAutoDefault(False)
        name_controls(
            (self.picture_label, self.tr("Group picture")),
            (self.choose_button, self.tr("Choose a picture for the group")),
            (self.remove_button, self.tr("Remove the group's picture")),
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picture_label)
        layout.addWidget(self.choose_button)
        layout.addWidget(self.remove_button)
        layout.addStretch(1)
        self.choose_button.clicked.connect(self.choose_picture)
        self.remove_button.clicked.connect(self.remove_picture)
        self.set_admin(False)

    def set_admin(self, admin: bool) -> None:
        """Offers the changes only to an admin."""
        self.choose_button.setVisible(admin)
        self.remove_button.setVisible(admin)
        self.remove_button.setEnabled(self.picture is not None)

    def reload(self) -> None:
        """Reads the group's picture again (fetched by the engine if this device lacks it)."""
        spawn(self.reload_now(), "read group picture", self._on_error)

    async def reload_now(self) -> None:
        """:meth:`reload`, awaited."""
        self.show_picture(await self._client.groups.avatar(self._conversation_id))

    def show_picture(self, data: bytes | None) -> None:
        """Shows ``data`` (JPEG or PNG) round, or an empty frame."""
        self.picture = data
        pixmap = round_avatar(data, PICTURE_SIDE)
        if pixmap is None:
            self.picture_label.clear()
            self.picture_label.setText("")
        else:
            self.picture_label.setPixmap(pixmap)
        self.remove_button.setEnabled(data is not None)

    def choose_picture(self) -> None:
        """Opens a file chooser; the picture picked becomes the group's."""
        self.chooser = choose_file(self, self.tr("Choose a group picture"), self.use_picture)

    def use_picture(self, path: Path) -> None:
        """Sets the group's picture from ``path`` (in the background), then shows it."""
        spawn(self._change(path), "set group picture", self._on_error)

    def remove_picture(self) -> None:
        """Removes the group's picture."""
        spawn(self._change(None), "remove group picture", self._on_error)

    async def _change(self, path: Path | None) -> None:
        await self._client.groups.set_avatar(self._conversation_id, path)
        await self.reload_now()
