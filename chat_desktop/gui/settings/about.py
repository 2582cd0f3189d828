"""The About page of the settings window: the app's version and its components' licences."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.settings.licences import app_version, runtime_components
from chat_desktop.gui.settings.pages import hint_label, page_layout

logger = logging.getLogger(__name__)


class AboutPage(QWidget):
    """The app's name and version, and every component it runs on with its licence."""

    def __init__(self) -> None:
        """Builds the page from the installed distributions' metadata."""
        super().__init__()
        self.setObjectName("aboutPage")
        layout, form = page_layout(self, "chat_desktop")
        version = app_version()
        self.version_label = QLabel(version or self.tr("development copy"))
        self.version_label.setObjectName("appVersion")
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.tr("Version"), self.version_label)
        intro = hint_label(
            self.tr("End-to-end encrypted chat. This copy runs on these components:")
        )
        layout.addWidget(intro)
        self.components_table = QTableWidget(0, 3)
        self.components_table.setObjectName("componentsTable")
        self.components_table.setHorizontalHeaderLabels(
            [self.tr("Component"), self.tr("Version"), self.tr("Licence")]
        )
        rows = self.components_table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.components_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.components_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.components_table.setAlternatingRowColors(True)
        self.components_table.setWordWrap(False)
        header = self.components_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        name_controls((self.components_table, self.tr("Components and their licences")))
        self._fill_components()
        layout.addWidget(self.components_table, 1)
        notice = hint_label(
            self.tr(
                "Qt is used under the GNU Lesser General Public License version 3, and "
                "SQLCipher under its BSD licence; every component keeps its own licence, "
                "as listed above."
            )
        )
        notice.setObjectName("licenceNotice")
        layout.addWidget(notice)

    def _fill_components(self) -> None:
        try:
            components = runtime_components()
        except Exception as error:  # a build without package metadata: say so, don't fail
            logger.warning("no component list: %s", type(error).__name__)
            components = []
        table = self.components_table
        table.setRowCount(len(components))
        for row, component in enumerate(components):
            version = component.version
            if component.name == "Qt":
                version = qVersion()
            if component.bundled_in:
                version = (
                    self.tr("%1 (in %2)").replace("%1", version).replace("%2", component.bundled_in)
                    if version
                    else self.tr("in %1").replace("%1", component.bundled_in)
                )
            licence = component.licence or self.tr("not stated")
            for column, text in enumerate((component.name, version, licence)):
                table.setItem(row, column, QTableWidgetItem(text))
