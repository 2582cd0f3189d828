"""``RestoreOfferDialog``: the message database is damaged; offer to restore a snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QDateTime, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import mark_as_data, name_controls

SNAPSHOT_ROLE = Qt.ItemDataRole.UserRole + 1

DAMAGED_TEXT = str(
    QT_TRANSLATE_NOOP(
        "RestoreOfferDialog",
        "The message database on this computer is damaged. Nothing was deleted. You can go "
        "back to a snapshot the app made earlier: messages received after it are lost on this "
        "computer.",
    )
)
NO_SNAPSHOT_TEXT = str(
    QT_TRANSLATE_NOOP(
        "RestoreOfferDialog",
        "The message database on this computer is damaged, and there is no snapshot to restore "
        "from. Nothing was deleted. Keep a copy of the profile folder before trying anything else.",
    )
)


def snapshot_label(path: Path) -> str:
    """How a snapshot is listed: when it was taken (from the file's time)."""
    try:
        stamp = QDateTime.fromSecsSinceEpoch(int(path.stat().st_mtime))
    except OSError:
        return path.name
    return QLocale().toString(stamp, QLocale.FormatType.LongFormat)


class RestoreOfferDialog(QDialog):
    """Lists the snapshots (newest first) and lets the user pick one. Never blocks.

    Signals:
        restoreChosen(object): The user chose to restore this snapshot (a ``Path``).
    """

    restoreChosen = Signal(object)  # noqa: N815

    def __init__(self, snapshots: Sequence[Path], parent: QWidget | None = None) -> None:
        """Builds the offer for ``snapshots`` (newest first; may be empty)."""
        super().__init__(parent)
        self.setObjectName("restoreOfferDialog")
        self.setWindowTitle(self.tr("Damaged message database"))
        explanation = QLabel(self.tr(DAMAGED_TEXT if snapshots else NO_SNAPSHOT_TEXT))
        explanation.setObjectName("restoreExplanation")
        explanation.setWordWrap(True)
        self.explanation = explanation
        self.snapshot_list = QListWidget()
        self.snapshot_list.setObjectName("snapshotList")
        mark_as_data(self.snapshot_list)  # dates (and a file name when the date is unreadable)
        for path in snapshots:
            item = QListWidgetItem(snapshot_label(path))
            item.setData(SNAPSHOT_ROLE, str(path))
            self.snapshot_list.addItem(item)
        if snapshots:
            self.snapshot_list.setCurrentRow(0)
        self.snapshot_list.setVisible(bool(snapshots))
        buttons = QDialogButtonBox()
        self.restore_button = QPushButton(self.tr("Restore this snapshot"))
        self.restore_button.setObjectName("restoreButton")
        self.restore_button.setVisible(bool(snapshots))
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        close = buttons.addButton(
            self.tr("Not now") if snapshots else self.tr("Close"),
            QDialogButtonBox.ButtonRole.RejectRole,
        )
        close.setObjectName("notNowButton")
        name_controls(
            (self.snapshot_list, self.tr("Snapshots, newest first")),
            (self.restore_button, self.tr("Restore this snapshot")),
            (close, close.text()),
        )
        buttons.accepted.connect(self._restore)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.snapshot_list)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    @property
    def chosen(self) -> Path | None:
        """The selected snapshot, if any."""
        item = self.snapshot_list.currentItem()
        return None if item is None else Path(str(item.data(SNAPSHOT_ROLE)))

    def _restore(self) -> None:
        chosen = self.chosen
        if chosen is not None:
            self.restoreChosen.emit(chosen)
            self.accept()
