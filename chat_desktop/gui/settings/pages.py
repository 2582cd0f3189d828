"""The Privacy and Appearance pages of the settings window, and how they save.

Every control saves as soon as it changes (there is no OK button). Saves run one after
another through a :class:`SaveQueue`, in the order the user made them, each building on the
last saved value; a refused save puts its control back to that value and says why.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.notices import show_notice
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.common.translation import AUTONYMS
from chat_desktop.gui.common.wrapping_check_box import WrappingCheckBox
from chat_desktop.gui.conversation.speller import spelling_hub
from chat_desktop.gui.settings.auto_download_setting import auto_download_label, auto_download_spin
from chat_desktop.gui.settings.blocked_contacts import BlockedContactsDialog
from chat_desktop.gui.settings.dialogs import settings_error_text
from chat_desktop.gui.settings.link_preview_setting import link_previews_box
from chat_desktop.services.client import ChatClient
from chat_desktop.services.preferences import Appearance, Preferences
from chat_desktop.services.telemetry import configured_dsn

logger = logging.getLogger(__name__)

#: The text sizes offered, in percent of the system's (a value saved elsewhere is added).
TEXT_SCALE_STEPS = (80, 90, 100, 110, 125, 150, 175, 200)
#: Language names are autonyms, never translated: someone who cannot read the current
#: language must still recognise their own.
LANGUAGE_AUTONYMS = tuple(AUTONYMS.items())
NOTIFICATION_CHOICES = (
    ("full", QT_TRANSLATE_NOOP("PrivacyPage", "Sender and message text")),
    ("sender", QT_TRANSLATE_NOOP("PrivacyPage", "Only \u201cNew message\u201d")),
    ("none", QT_TRANSLATE_NOOP("PrivacyPage", "No notifications")),
)
THEME_CHOICES = (
    ("system", QT_TRANSLATE_NOOP("AppearancePage", "Follow the system")),
    ("light", QT_TRANSLATE_NOOP("AppearancePage", "Light")),
    ("dark", QT_TRANSLATE_NOOP("AppearancePage", "Dark")),
)
_PAGE_MARGINS = (20, 16, 20, 16)
#: How far a check box's text starts from its left edge (hints line up with it).
_CHECK_BOX_INDENT = 22


class SaveQueue:
    """Runs the settings window's saves one at a time, in the order they were asked for.

    Attributes:
        pending: Saves asked for and not finished yet (tests wait for 0).
    """

    def __init__(self, parent: QWidget) -> None:
        """Errors are shown over ``parent`` (the settings window)."""
        self._parent = parent
        self._lock = asyncio.Lock()
        self.pending = 0

    def run(
        self, work: Callable[[], Awaitable[None]], what: str, revert: Callable[[], None]
    ) -> None:
        """Queues ``work``; if it fails, ``revert`` restores the control and the error shows.

        Args:
            work: Saves through the engine (and emits what the controller must apply).
            what: A content-free label for the log.
            revert: Puts the control back to the last saved value.
        """
        self.pending += 1
        spawn(self._run(work, what, revert), what)

    async def _run(
        self, work: Callable[[], Awaitable[None]], what: str, revert: Callable[[], None]
    ) -> None:
        try:
            async with self._lock:
                try:
                    await work()
                except Exception as error:  # every failure reverts; the log gets the type only
                    logger.warning("%s failed: %s", what, type(error).__name__)
                    revert()
                    show_notice(
                        self._parent,
                        QCoreApplication.translate("SettingsWindow", "Setting not saved"),
                        settings_error_text(error),
                    )
        finally:
            self.pending -= 1


def page_layout(page: QWidget, title: str) -> tuple[QVBoxLayout, QFormLayout]:
    """Gives ``page`` a bold title over a form; returns the page's layout and the form."""
    heading = QLabel(title)
    heading.setObjectName("settingsPageTitle")
    heading.setProperty("heading", True)  # sized by the style sheet: follows the text size
    layout = QVBoxLayout(page)
    layout.setContentsMargins(*_PAGE_MARGINS)
    layout.setSpacing(10)
    layout.addWidget(heading)
    form = QFormLayout()
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    form.setVerticalSpacing(8)
    layout.addLayout(form)
    return layout, form


def hint_label(text: str) -> QLabel:
    """A short grey explanation under a control."""
    label = QLabel(text)
    label.setObjectName("settingsHint")
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # the theme's muted text
    return label


def indented(widget: QWidget) -> QWidget:
    """``widget`` lined up with the text of the check box above it."""
    widget.setContentsMargins(_CHECK_BOX_INDENT, 0, 0, 0)
    return widget


def select_data(combo: QComboBox, value: object) -> None:
    """Selects the item whose data is ``value`` without emitting (loading, reverting)."""
    with QSignalBlocker(combo):
        combo.setCurrentIndex(max(0, combo.findData(value)))


class PrivacyPage(QWidget):
    """Locking, the keychain, what contacts see of us, notifications, crash reports, spelling.

    Signals:
        idleLockChanged(int): The idle minutes before the app locks (0: never), saved.
        crashReportsChanged(bool): The crash-report choice, saved.
        closeToTrayChanged(bool): "Keep running in the tray when the window is closed", saved.
    """

    idleLockChanged = Signal(int)  # noqa: N815
    crashReportsChanged = Signal(bool)  # noqa: N815
    closeToTrayChanged = Signal(bool)  # noqa: N815
    doubleClickReplyChanged = Signal(bool)  # noqa: N815

    def __init__(self, client: ChatClient, saves: SaveQueue) -> None:
        """Builds the controls; they stay disabled until :meth:`load` has read the values."""
        super().__init__()
        self.setObjectName("privacyPage")
        self._client = client
        self._saves = saves
        self._saved = Preferences()
        self._crash_reports = False
        layout, form = page_layout(self, self.tr("Privacy"))
        self.idle_lock_spin = QSpinBox()
        self.idle_lock_spin.setObjectName("idleLockSpin")
        self.idle_lock_spin.setRange(0, 1440)
        self.idle_lock_spin.setSuffix(self.tr(" min"))
        self.idle_lock_spin.setSpecialValueText(self.tr("Never"))
        self.idle_lock_spin.setKeyboardTracking(False)  # save the number typed, not each digit
        self.keychain_box = WrappingCheckBox(self.tr("Unlock with the system keychain"))
        self.keychain_box.setObjectName("keychainBox")
        self.show_online_box = WrappingCheckBox(self.tr("Show contacts when I\u2019m online"))
        self.show_online_box.setObjectName("showOnlineBox")
        self.read_receipts_box = WrappingCheckBox(self.tr("Send read receipts"))
        self.read_receipts_box.setObjectName("readReceiptsBox")
        self.typing_box = WrappingCheckBox(self.tr("Send typing indicators"))
        self.typing_box.setObjectName("typingIndicatorsBox")
        self.link_previews_box = link_previews_box()
        self.notification_combo = QComboBox()
        self.notification_combo.setObjectName("notificationCombo")
        for value, text in NOTIFICATION_CHOICES:
            self.notification_combo.addItem(self.tr(str(text)), value)
        self.crash_reports_box = WrappingCheckBox(self.tr("Send crash reports"))
        self.crash_reports_box.setObjectName("crashReportsBox")
        self.auto_download_spin = auto_download_spin()
        self.sound_box = WrappingCheckBox(self.tr("Play a sound with notifications"))
        self.sound_box.setObjectName("notificationSoundBox")
        self.close_to_tray_box = WrappingCheckBox(
            self.tr("Keep running in the tray when the window is closed")
        )
        self.close_to_tray_box.setObjectName("closeToTrayBox")
        self.spell_check_box = WrappingCheckBox(self.tr("Check spelling while typing"))
        self.spell_check_box.setObjectName("spellCheckBox")
        self.spell_check_box.setAccessibleName(self.tr("Check spelling while typing"))
        self.spell_check_box.setAccessibleDescription(
            self.tr("Misspelled words in the message box are underlined in red")
        )
        self.blocked_button = QPushButton(self.tr("Blocked contacts…"))
        self.blocked_button.setObjectName("blockedContactsButton")
        self.blocked_button.setAccessibleName(self.tr("Blocked contacts"))
        self.blocked_button.clicked.connect(self.show_blocked_contacts)
        #: The blocked-contacts dialog last opened (tests look at it).
        self.blocked_dialog: BlockedContactsDialog | None = None
        self.double_click_box = WrappingCheckBox(self.tr("Double-click a message to reply"))
        self.double_click_box.setObjectName("doubleClickReplyBox")
        self.double_click_box.setAccessibleName(self.tr("Double-click a message to reply"))
        self.double_click_box.setAccessibleDescription(
            self.tr("Otherwise a double click selects the word under the mouse")
        )
        name_controls(
            (self.sound_box, self.tr("Play a sound with notifications")),
            (
                self.close_to_tray_box,
                self.tr("Keep running in the tray when the window is closed"),
            ),
        )
        self.close_to_tray_box.setAccessibleDescription(
            self.tr("Where the desktop has a tray. Quit in the tray's menu or Ctrl+Q still quits.")
        )
        name_controls(
            (self.idle_lock_spin, self.tr("Lock after this many idle minutes")),
            (self.keychain_box, self.tr("Unlock with the system keychain")),
            (self.show_online_box, self.tr("Show contacts when I\u2019m online")),
            (self.read_receipts_box, self.tr("Send read receipts")),
            (self.typing_box, self.tr("Send typing indicators")),
            (self.notification_combo, self.tr("Notification content")),
            (self.crash_reports_box, self.tr("Send crash reports")),
        )
        self.idle_lock_spin.setAccessibleDescription(self.tr("0 means never lock by itself"))
        keychain_hint = self.tr(
            "The app opens without asking for your password while you are signed in to "
            "this computer."
        )
        self.keychain_box.setAccessibleDescription(keychain_hint)
        crash_hint = self.tr(
            "Reports hold the kind of error and where in the code it happened, never your "
            "messages, contacts, file names or keys."
        )
        if configured_dsn() is None:
            crash_hint = self.tr(
                "Reports hold the kind of error and where in the code it happened, never your "
                "messages, contacts, file names or keys. This copy of the app has no "
                "crash-report server, so nothing is sent for now."
            )
        self.crash_reports_box.setAccessibleDescription(crash_hint)
        form.addRow(self.tr("Lock after"), self.idle_lock_spin)
        form.addRow(self.tr("Notifications"), self.notification_combo)
        form.addRow(auto_download_label(), self.auto_download_spin)
        for widget in (
            self.sound_box,
            self.close_to_tray_box,
            self.spell_check_box,
            self.double_click_box,
            self.keychain_box,
            indented(hint_label(keychain_hint)),
            self.show_online_box,
            self.read_receipts_box,
            self.typing_box,
            self.link_previews_box,
            self.crash_reports_box,
            indented(hint_label(crash_hint)),
            self.blocked_button,
        ):
            layout.addWidget(widget)
        layout.addStretch(1)
        chain = (
            self.idle_lock_spin,
            self.notification_combo,
            self.auto_download_spin,
            self.sound_box,
            self.close_to_tray_box,
            self.spell_check_box,
            self.double_click_box,
            self.keychain_box,
            self.show_online_box,
            self.read_receipts_box,
            self.typing_box,
            self.link_previews_box,
            self.crash_reports_box,
            self.blocked_button,
        )
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)  # the order they are seen in
        self._setters: dict[str, Callable[[Any], None]] = {
            "idle_lock_minutes": self.idle_lock_spin.setValue,
            "auto_download_mib": self.auto_download_spin.setValue,
            "show_online": self.show_online_box.setChecked,
            "read_receipts": self.read_receipts_box.setChecked,
            "typing_indicators": self.typing_box.setChecked,
            "notification_content": lambda value: select_data(self.notification_combo, value),
            "notification_sound": self.sound_box.setChecked,
            "close_to_tray": self.close_to_tray_box.setChecked,
            "spell_check": self.spell_check_box.setChecked,
            "double_click_reply": self.double_click_box.setChecked,
            "link_previews": self.link_previews_box.setChecked,
        }
        self.setEnabled(False)
        self.idle_lock_spin.valueChanged.connect(lambda v: self.save("idle_lock_minutes", v))
        self.auto_download_spin.valueChanged.connect(lambda v: self.save("auto_download_mib", v))
        self.show_online_box.toggled.connect(lambda on: self.save("show_online", on))
        self.read_receipts_box.toggled.connect(lambda on: self.save("read_receipts", on))
        self.typing_box.toggled.connect(lambda on: self.save("typing_indicators", on))
        self.notification_combo.currentIndexChanged.connect(
            lambda _i: self.save("notification_content", self.notification_combo.currentData())
        )
        self.sound_box.toggled.connect(lambda on: self.save("notification_sound", on))
        self.close_to_tray_box.toggled.connect(lambda on: self.save("close_to_tray", on))
        self.spell_check_box.toggled.connect(lambda on: self.save("spell_check", on))
        self.double_click_box.toggled.connect(lambda on: self.save("double_click_reply", on))
        self.link_previews_box.toggled.connect(lambda on: self.save("link_previews", on))
        self.keychain_box.toggled.connect(self._save_keychain)
        self.crash_reports_box.toggled.connect(self._save_crash_reports)

    def show_blocked_contacts(self) -> None:
        """Opens the list of blocked contacts (Unblock)."""
        dialog = BlockedContactsDialog(self._client, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.blocked_dialog = dialog
        dialog.open()

    async def load(self) -> None:
        """Reads the saved values into the controls, then enables them."""
        self._saved = await self._client.preferences.load()
        self._crash_reports = await self._client.preferences.crash_reports()
        for field, setter in self._setters.items():
            self._show(field, setter)
        keychain = ChatClient.keychain_unlock_enabled(self._client.store.paths.root)
        for box, on in (
            (self.keychain_box, keychain),
            (self.crash_reports_box, self._crash_reports),
        ):
            with QSignalBlocker(box):
                box.setChecked(on)
        self.setEnabled(True)

    def _show(self, field: str, setter: Callable[[Any], None] | None = None) -> None:
        """Shows the saved value of ``field`` in its control, without saving it again."""
        control = {
            "idle_lock_minutes": self.idle_lock_spin,
            "auto_download_mib": self.auto_download_spin,
            "show_online": self.show_online_box,
            "read_receipts": self.read_receipts_box,
            "typing_indicators": self.typing_box,
            "notification_content": self.notification_combo,
            "notification_sound": self.sound_box,
            "close_to_tray": self.close_to_tray_box,
            "spell_check": self.spell_check_box,
            "double_click_reply": self.double_click_box,
            "link_previews": self.link_previews_box,
        }[field]
        with QSignalBlocker(control):
            (setter or self._setters[field])(getattr(self._saved, field))

    def save(self, field: str, value: Any) -> None:
        """Saves one field of the preferences (queued after any earlier save)."""

        async def work() -> None:
            wanted = msgspec.structs.replace(self._saved, **{field: value})
            await self._client.preferences.save(wanted)
            self._saved = wanted
            if field == "idle_lock_minutes":
                self.idleLockChanged.emit(wanted.idle_lock_minutes)
            elif field == "close_to_tray":
                self.closeToTrayChanged.emit(wanted.close_to_tray)
            elif field == "spell_check":
                spelling_hub().enabledChanged.emit(wanted.spell_check)
            elif field == "double_click_reply":
                self.doubleClickReplyChanged.emit(wanted.double_click_reply)

        self._saves.run(work, f"save {field}", lambda: self._show(field))

    def _save_keychain(self, on: bool) -> None:
        def revert() -> None:
            with QSignalBlocker(self.keychain_box):
                self.keychain_box.setChecked(not on)

        self._saves.run(
            lambda: self._client.account.set_keychain_unlock(on), "keychain unlock", revert
        )

    def _save_crash_reports(self, on: bool) -> None:
        async def work() -> None:
            await self._client.preferences.set_crash_reports(on)
            self._crash_reports = on
            self.crashReportsChanged.emit(on)

        def revert() -> None:
            with QSignalBlocker(self.crash_reports_box):
                self.crash_reports_box.setChecked(self._crash_reports)

        self._saves.run(work, "crash reports", revert)


class AppearancePage(QWidget):
    """Theme, text size and language: kept outside the encrypted store (needed to unlock).

    Signals:
        themeChanged(str): "system", "light" or "dark", saved.
        textScaleChanged(int): The text size in percent, saved.
        languageChanged(str): "system", "en" or "id", saved.
    """

    themeChanged = Signal(str)  # noqa: N815
    textScaleChanged = Signal(int)  # noqa: N815
    languageChanged = Signal(str)  # noqa: N815

    def __init__(self, profile_dir: Path, saves: SaveQueue) -> None:
        """Builds the controls and shows the saved appearance (a plain file: read at once)."""
        super().__init__()
        self.setObjectName("appearancePage")
        self._profile_dir = profile_dir
        self._saves = saves
        self._saved = ChatClient.appearance(profile_dir)
        _layout, form = page_layout(self, self.tr("Appearance"))
        self.theme_combo = QComboBox()
        self.theme_combo.setObjectName("themeCombo")
        for value, text in THEME_CHOICES:
            self.theme_combo.addItem(self.tr(str(text)), value)
        self.text_scale_combo = QComboBox()
        self.text_scale_combo.setObjectName("textScaleCombo")
        steps = sorted({*TEXT_SCALE_STEPS, self._saved.text_scale_percent})
        for percent in steps:
            self.text_scale_combo.addItem(self.tr("%1 %").replace("%1", str(percent)), percent)
        self.language_combo = QComboBox()
        self.language_combo.setObjectName("languageCombo")
        self.language_combo.addItem(self.tr("Follow the system"), "system")
        for code, autonym in LANGUAGE_AUTONYMS:
            self.language_combo.addItem(autonym, code)
        name_controls(
            (self.theme_combo, self.tr("Theme")),
            (self.text_scale_combo, self.tr("Text size")),
            (self.language_combo, self.tr("Language")),
        )
        form.addRow(self.tr("Theme"), self.theme_combo)
        form.addRow(self.tr("Text size"), self.text_scale_combo)
        form.addRow(self.tr("Language"), self.language_combo)
        _layout.addWidget(hint_label(self.tr("Changes apply at once, to the unlock window too.")))
        _layout.addStretch(1)
        for combo in (self.theme_combo, self.text_scale_combo, self.language_combo):
            combo.setMinimumContentsLength(16)  # one tidy column, whatever the language
        self._combos = {
            "theme": self.theme_combo,
            "text_scale_percent": self.text_scale_combo,
            "language": self.language_combo,
        }
        for field, combo in self._combos.items():
            self._show(field)
            combo.currentIndexChanged.connect(
                lambda _i, field=field, combo=combo: self.save(field, combo.currentData())
            )

    def _show(self, field: str) -> None:
        select_data(self._combos[field], getattr(self._saved, field))

    def save(self, field: str, value: Any) -> None:
        """Saves one field of the appearance and tells the controller to apply it."""

        async def work() -> None:
            wanted: Appearance = msgspec.structs.replace(self._saved, **{field: value})
            await asyncio.to_thread(ChatClient.set_appearance, self._profile_dir, wanted)
            self._saved = wanted
            if field == "theme":
                self.themeChanged.emit(wanted.theme)
            elif field == "text_scale_percent":
                self.textScaleChanged.emit(wanted.text_scale_percent)
            else:
                self.languageChanged.emit(wanted.language)

        self._saves.run(work, f"save {field}", lambda: self._show(field))
