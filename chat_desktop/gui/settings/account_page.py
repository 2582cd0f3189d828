"""The Account page of the settings window: profile, relay, password, recovery key, backup,
deletion."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.account.account_dialogs import NewPasswordDialog, RecoveryKeyDialog
from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.notices import show_notice
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.settings.backup_dialog import BackupDialog
from chat_desktop.gui.settings.dialogs import PasswordPromptDialog
from chat_desktop.gui.settings.pages import SaveQueue, hint_label, page_layout
from chat_desktop.gui.settings.profile_section import ProfileSection
from chat_desktop.services.client import ChatClient
from chat_desktop.services.preferences import normalise_relay_url


class AccountPage(QWidget):
    """Who we are, which relay we use, and the grave changes behind a password.

    Signals:
        accountDeleted(): The account and this computer's data are gone (the client is closed).
    """

    accountDeleted = Signal()  # noqa: N815

    def __init__(self, client: ChatClient, saves: SaveQueue) -> None:
        """Builds the page for the unlocked ``client``."""
        super().__init__()
        self.setObjectName("accountPage")
        self._client = client
        self._saves = saves
        self._saved_relay = client.relay_url
        layout, form = page_layout(self, self.tr("Account"))
        self.username_edit = QLineEdit(client.username)
        self.username_edit.setObjectName("usernameEdit")
        self.username_edit.setReadOnly(True)
        self.relay_edit = QLineEdit(client.relay_url)
        self.relay_edit.setObjectName("relayEdit")
        self.relay_edit.setPlaceholderText(self.tr("https://relay.example.org"))
        self.relay_edit.setCursorPosition(0)  # a long address shows its start, not its end
        self.relay_save_button = QPushButton(self.tr("Save"))
        self.relay_save_button.setObjectName("relaySaveButton")
        self.relay_save_button.setEnabled(False)
        self.relay_note = hint_label(self.tr("A new relay address is used from the next unlock."))
        self.relay_note.setObjectName("relayNote")
        relay_row = QHBoxLayout()
        relay_row.addWidget(self.relay_edit, 1)
        relay_row.addWidget(self.relay_save_button)
        form.addRow(self.tr("Username"), self.username_edit)
        form.addRow(self.tr("Relay"), relay_row)
        form.addRow("", self.relay_note)
        #: Our name and picture, as contacts see them (``profile_section.py``).
        self.profile_section = ProfileSection(client)
        layout.addWidget(self.profile_section)
        self.profile_loading = spawn(self.profile_section.load(), "load profile")
        self.change_password_button = QPushButton(self.tr("Change password\u2026"))
        self.change_password_button.setObjectName("changePasswordButton")
        self.recovery_key_button = QPushButton(self.tr("New recovery key\u2026"))
        self.recovery_key_button.setObjectName("newRecoveryKeyButton")
        self.delete_button = QPushButton(self.tr("Delete account and data\u2026"))
        self.delete_button.setObjectName("deleteAccountButton")
        self.backup_button = QPushButton(self.tr("Back up\u2026"))
        self.backup_button.setObjectName("backupButton")
        name_controls(
            (self.username_edit, self.tr("Username")),
            (self.relay_edit, self.tr("Relay address")),
            (self.relay_save_button, self.tr("Save the relay address")),
            (self.change_password_button, self.tr("Change password")),
            (self.recovery_key_button, self.tr("New recovery key")),
            (self.delete_button, self.tr("Delete account and data")),
            (self.backup_button, self.tr("Back up your messages")),
        )
        self.relay_edit.setAccessibleDescription(
            self.tr("The relay that passes on your encrypted messages; used from the next unlock")
        )
        self.recovery_key_button.setAccessibleDescription(
            self.tr("Makes a new recovery key; the old one stops working")
        )
        # Each button with its explanation below it: beside it, the explanation was squeezed
        # to a word a line at a large text size (the buttons keep their whole text).
        actions = QVBoxLayout()
        actions.setSpacing(4)
        for row, (button, hint) in enumerate(
            (
                (
                    self.change_password_button,
                    self.tr("The password that opens your messages on this computer."),
                ),
                (
                    self.recovery_key_button,
                    self.tr(
                        "The key that opens your account if you forget the password. The app "
                        "never keeps it, so it can only make a new one: the old key stops working."
                    ),
                ),
                (
                    self.backup_button,
                    self.tr(
                        "Saves every message, file and contact into one file encrypted with a "
                        "passphrase, to restore on a new computer."
                    ),
                ),
                (
                    self.delete_button,
                    self.tr(
                        "Deletes your account on the relay and every message on this computer, "
                        "for good."
                    ),
                ),
            )
        ):
            if row:
                actions.addSpacing(12)
            actions.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
            actions.addWidget(hint_label(hint))
        layout.addSpacing(6)
        layout.addLayout(actions)
        layout.addStretch(1)
        self.current_password_prompt: PasswordPromptDialog | None = None
        self.password_dialog: NewPasswordDialog | None = None
        self.recovery_prompt: PasswordPromptDialog | None = None
        self.recovery_key_dialog: RecoveryKeyDialog | None = None
        self.delete_prompt: PasswordPromptDialog | None = None
        self.backup_dialog: BackupDialog | None = None
        self.relay_edit.textChanged.connect(self._relay_edited)
        self.relay_edit.returnPressed.connect(self.save_relay)
        self.relay_save_button.clicked.connect(self.save_relay)
        self.change_password_button.clicked.connect(self.change_password)
        self.recovery_key_button.clicked.connect(self.new_recovery_key)
        self.delete_button.clicked.connect(self.delete_account)
        self.backup_button.clicked.connect(self.back_up)

    # ---- relay ------------------------------------------------------------------------------

    def _relay_edited(self, text: str) -> None:
        self.relay_save_button.setEnabled(text.strip() != self._saved_relay)

    def save_relay(self) -> None:
        """Saves the typed relay address (used from the next unlock)."""
        url = self.relay_edit.text().strip()
        if url == self._saved_relay:
            return

        async def work() -> None:
            await self._client.account.set_relay_url(url)
            self._saved_relay = normalise_relay_url(url)  # as the engine saved it
            if self.relay_edit.text().strip() == url:
                self.relay_edit.setText(self._saved_relay)
            self._relay_edited(self.relay_edit.text())
            self.relay_note.setText(self.tr("Saved. The app uses this relay from the next unlock."))

        def revert() -> None:
            self.relay_edit.setText(self._saved_relay)

        self._saves.run(work, "save relay", revert)

    # ---- password, recovery key -------------------------------------------------------------

    def change_password(self) -> None:
        """Asks for the current password, then for the new one (weak: warned, then allowed).

        The current password first: whoever sits at an unlocked, unattended computer must
        not be able to lock its owner out.
        """
        prompt = PasswordPromptDialog(
            self.tr("Change password"),
            self.tr("Enter your current password first."),
            self.tr("Continue"),
            self._client.account.verify_password,
            parent=self,
        )
        prompt.accepted.connect(self._ask_new_password)
        self.current_password_prompt = prompt
        prompt.open()

    def _ask_new_password(self) -> None:
        dialog = NewPasswordDialog(self._client, self)
        dialog.accepted.connect(
            lambda: show_notice(
                self,
                self.tr("Password changed"),
                self.tr("Your new password opens this profile from now on."),
                QMessageBox.Icon.Information,
            )
        )
        self.password_dialog = dialog
        dialog.open()

    def new_recovery_key(self) -> None:
        """Asks for the password, then makes a new recovery key and shows it once."""
        made: list[str] = []

        async def rotate(password: str) -> None:
            made.append(await self._client.account.rotate_recovery_key(password))

        prompt = PasswordPromptDialog(
            self.tr("New recovery key"),
            self.tr(
                "Enter your password to make a new recovery key. Your current recovery key "
                "stops working."
            ),
            self.tr("Make a new key"),
            rotate,
            parent=self,
        )
        prompt.accepted.connect(lambda: self._show_recovery_key(made[-1]))
        self.recovery_prompt = prompt
        prompt.open()

    def _show_recovery_key(self, key: str) -> None:
        dialog = RecoveryKeyDialog(key, self)
        self.recovery_key_dialog = dialog
        dialog.open()

    # ---- backup -----------------------------------------------------------------------------

    def back_up(self) -> None:
        """Opens the backup dialog; says where the file went once it is saved."""
        dialog = BackupDialog(self._client, self)
        dialog.accepted.connect(
            lambda: show_notice(
                self, self.tr("Backup saved"), dialog.saved_text(), QMessageBox.Icon.Information
            )
        )
        self.backup_dialog = dialog
        dialog.open()

    # ---- deletion ---------------------------------------------------------------------------

    def delete_account(self) -> None:
        """Asks for the password and an explicit yes, then deletes the account everywhere."""
        prompt = PasswordPromptDialog(
            self.tr("Delete account and data"),
            self.tr(
                "This deletes your account on the relay and every message, contact and key on "
                "this computer. It cannot be undone. If the relay cannot be reached, nothing "
                "is deleted."
            ),
            self.tr("Delete for good"),
            self._client.account.delete_account,
            confirm_text=self.tr("I understand that my account and messages are deleted for good"),
            parent=self,
        )
        prompt.accepted.connect(self.accountDeleted.emit)
        self.delete_prompt = prompt
        prompt.open()
