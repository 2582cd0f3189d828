"""``SettingsWindow``: the app's settings, one section at a time, each saved as it changes.

A non-modal window (the app never runs a nested event loop): sections on the left, their page
on the right. Nothing waits for an OK button: every control saves through the engine when it
changes, and what the running app must apply at once (theme, text size, language, idle lock,
crash reports, a deleted account) is announced by a signal for the controller.

Sections are known by a fixed number (``*_SECTION``, what :meth:`SettingsWindow.show_section`
takes), whatever the order they are listed in: Devices came last but is listed second.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QListWidget,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.notices import show_error
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.settings.about import AboutPage
from chat_desktop.gui.settings.account_page import AccountPage
from chat_desktop.gui.settings.call_devices_setting import CallsPage
from chat_desktop.gui.settings.devices_page import DevicesPage
from chat_desktop.gui.settings.pages import AppearancePage, PrivacyPage, SaveQueue
from chat_desktop.services.client import ChatClient

#: The window's size when it first opens (everything fits at 100 % text size).
DEFAULT_SIZE = (760, 520)
#: The sections' numbers, as :meth:`SettingsWindow.show_section` takes them.
ACCOUNT_SECTION, PRIVACY_SECTION, APPEARANCE_SECTION, ABOUT_SECTION, DEVICES_SECTION = range(5)
CALLS_SECTION = 5
#: The order the sections are listed in.
SECTION_ORDER = (
    ACCOUNT_SECTION,
    DEVICES_SECTION,
    PRIVACY_SECTION,
    CALLS_SECTION,
    APPEARANCE_SECTION,
    ABOUT_SECTION,
)
#: The section list's narrowest width (at 100 % text size every name fits in it).
_SECTIONS_WIDTH = 170


class SettingsWindow(QWidget):
    """The settings of one unlocked account.

    Signals:
        themeChanged(str): "system", "light" or "dark" (saved; apply it now).
        textScaleChanged(int): Text size in percent, 80..200 (saved; apply it now).
        languageChanged(str): "system", "en" or "id" (saved; apply it now).
        idleLockChanged(int): Idle minutes before locking, 0 for never (saved; apply it now).
        crashReportsChanged(bool): The crash-report choice (saved; apply it now).
        accountDeleted(): The account is deleted and the client closed: go back to sign-up.
    """

    themeChanged = Signal(str)  # noqa: N815
    textScaleChanged = Signal(int)  # noqa: N815
    languageChanged = Signal(str)  # noqa: N815
    idleLockChanged = Signal(int)  # noqa: N815
    crashReportsChanged = Signal(bool)  # noqa: N815
    accountDeleted = Signal()  # noqa: N815

    def __init__(self, client: ChatClient, parent: QWidget | None = None) -> None:
        """Builds the window; the stored values are read in the background (:attr:`loading`)."""
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("settingsWindow")
        self.setWindowTitle(self.tr("Settings"))
        self.saves = SaveQueue(self)
        self.sections = QListWidget()
        self.sections.setObjectName("settingsSections")
        # As wide as the longest section name (it grows with the text size), never scrolled.
        self.sections.setMinimumWidth(_SECTIONS_WIDTH)
        self.sections.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustToContents)
        self.sections.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.sections.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sections.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.sections.setFrameShape(QFrame.Shape.NoFrame)
        # Room around each section's name; the colours stay the theme's (palette references).
        self.sections.setStyleSheet(
            "QListWidget#settingsSections { outline: 0; }"
            "QListWidget#settingsSections::item { padding: 7px 14px; border: none; }"
            "QListWidget#settingsSections::item:selected {"
            " background: palette(highlight); color: palette(highlighted-text); }"
        )
        name_controls((self.sections, self.tr("Settings sections")))
        self.account_page = AccountPage(client, self.saves)
        self.privacy_page = PrivacyPage(client, self.saves)
        self.appearance_page = AppearancePage(client.store.paths.root, self.saves)
        self.about_page = AboutPage()
        self.devices_page = DevicesPage(client)
        self.calls_page = CallsPage(client, self.saves)
        self.pages = QStackedWidget()
        self.pages.setObjectName("settingsPages")
        sections: dict[int, tuple[str, QWidget]] = {
            ACCOUNT_SECTION: (self.tr("Account"), self.account_page),
            PRIVACY_SECTION: (self.tr("Privacy"), self.privacy_page),
            APPEARANCE_SECTION: (self.tr("Appearance"), self.appearance_page),
            ABOUT_SECTION: (self.tr("About"), self.about_page),
            DEVICES_SECTION: (self.tr("Devices"), self.devices_page),
            CALLS_SECTION: (self.tr("Calls"), self.calls_page),
        }
        for title, page in (sections[section] for section in SECTION_ORDER):
            self.sections.addItem(title)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(page)
            self.pages.addWidget(scroll)
        self.sections.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.sections.setCurrentRow(0)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sections)
        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.VLine)
        separator.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(separator)
        layout.addWidget(self.pages, 1)
        self.resize(*DEFAULT_SIZE)
        for keys in (QKeySequence(Qt.Key.Key_Escape), QKeySequence("Ctrl+W")):
            QShortcut(keys, self, self.close)
        account, privacy, appearance = self.account_page, self.privacy_page, self.appearance_page
        account.accountDeleted.connect(self._account_deleted)
        privacy.idleLockChanged.connect(self.idleLockChanged)
        privacy.crashReportsChanged.connect(self.crashReportsChanged)
        appearance.themeChanged.connect(self.themeChanged)
        appearance.textScaleChanged.connect(self.textScaleChanged)
        appearance.languageChanged.connect(self.languageChanged)
        #: Reading the stored values; the Privacy page is enabled once it is done.
        self.loading: asyncio.Future[None] = spawn(
            self.privacy_page.load(), "load settings", lambda error: show_error(self, error)
        )
        spawn(self.calls_page.load(), "list call devices", lambda error: show_error(self, error))

    @property
    def saving(self) -> bool:
        """Whether a change is still being saved."""
        return self.saves.pending > 0

    def show_section(self, section: int) -> None:
        """Opens ``section`` (0 Account, 1 Privacy, 2 Appearance, 3 About, 4 Devices, 5 Calls)."""
        self.sections.setCurrentRow(SECTION_ORDER.index(section))

    def _account_deleted(self) -> None:
        self.accountDeleted.emit()
        self.close()
