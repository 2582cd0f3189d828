"""``MessageDetailsDialog``: when a message was sent, delivered and read, its edits, and
the name and size of its file."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QDateTime, QLocale, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import mark_as_data
from chat_desktop.gui.common.data_size import format_size
from chat_desktop.services.file_types import display_file_name
from chat_desktop.services.types import Direction, Message, MessageDetails

#: Shown for a time that is not known (never delivered, no read receipts).
UNKNOWN_TIME = "\N{EM DASH}"


def format_time(ms: int | None) -> str:
    """``ms`` in the locale's long date and time format, or :data:`UNKNOWN_TIME`."""
    if ms is None:
        return UNKNOWN_TIME
    return QLocale().toString(QDateTime.fromMSecsSinceEpoch(ms), QLocale.FormatType.LongFormat)


class MessageDetailsDialog(QDialog):
    """The times of one message (sent, received, delivered, read), its earlier texts, and
    its file's name and size (in the app's one size format, as its bubble says it)."""

    def __init__(
        self,
        message: Message,
        details: MessageDetails,
        history: Sequence[tuple[int, str]] = (),
        parent: QWidget | None = None,
    ) -> None:
        """Builds the dialog.

        Args:
            message: The message (its direction decides which times are shown).
            details: Its times, from ``client.messages.details``.
            history: ``(edited_at ms, earlier text)`` per edit, oldest first.
            parent: The conversation pane.
        """
        super().__init__(parent)
        self.setObjectName("messageDetailsDialog")
        self.setWindowTitle(self.tr("Message details"))
        form = QFormLayout()
        self.time_labels: dict[str, QLabel] = {}

        def row(key: str, label: str, ms: int | None) -> None:
            value = QLabel(format_time(ms))
            value.setObjectName(f"{key}Time")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            mark_as_data(value)
            form.addRow(label, value)
            self.time_labels[key] = value

        row("sent", self.tr("Sent"), details.sent_at)
        if message.direction is Direction.INCOMING:
            row("received", self.tr("Received"), details.received_at)
            row("read", self.tr("Read by you"), details.read_at)
        else:
            row("delivered", self.tr("Delivered"), details.delivered_at)
            row("read", self.tr("Read"), details.read_at)
        if message.edited_at is not None:
            row("edited", self.tr("Last edited"), message.edited_at)
        info = None if message.deleted else message.attachment
        if info is not None:
            for key, label, text in (
                ("fileName", self.tr("File"), display_file_name(info.file_name)),
                ("fileSize", self.tr("Size"), "" if info.size is None else format_size(info.size)),
            ):
                if text:
                    value = QLabel(text)
                    value.setObjectName(key)
                    value.setTextFormat(Qt.TextFormat.PlainText)
                    value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                    mark_as_data(value)
                    form.addRow(label, value)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addLayout(form)
        self.history_list: QListWidget | None = None
        if history:
            heading = QLabel(self.tr("Earlier versions"))
            heading.setObjectName("editHistoryHeading")
            history_list = QListWidget()
            history_list.setObjectName("editHistory")
            history_list.setAccessibleName(self.tr("Earlier versions"))
            history_list.setAccessibleDescription(
                self.tr("The text of the message before each edit, oldest first")
            )
            history_list.setWordWrap(True)
            mark_as_data(history_list)
            for edited_at, text in history:
                history_list.addItem(f"{format_time(edited_at)}\n{text}")
            heading.setBuddy(history_list)
            layout.addSpacing(8)
            layout.addWidget(heading)
            layout.addWidget(history_list, 1)
            self.history_list = history_list
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName(self.tr("Close"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)
