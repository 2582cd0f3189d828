"""First-run account creation, the one-time recovery key, and the unlock dialog.

The first run offers two ways in (:class:`AccountChoice`): a new account, or one already used
on another device (linking: :mod:`chat_desktop.gui.account.link_device`); the sign-up also
offers restoring a backup (:mod:`chat_desktop.gui.account.restore_backup_dialog`).

Creating or unlocking runs Argon2id (about a second) in the engine's worker threads: the
dialogs await it on the qasync loop and show a busy state meanwhile, never blocking Qt, and
start it once however often Enter is pressed. Passwords live only in the line edits and the
awaited call; they are never logged.

The one-time recovery key view and the new-password dialog live in their own modules and are
re-exported here (:class:`RecoveryKeyDialog`, :class:`NewPasswordDialog`).
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.account.new_password_dialog import NewPasswordDialog
from chat_desktop.gui.account.recovery_key_dialog import RecoveryKeyDialog
from chat_desktop.gui.account.restore import RestoreOfferDialog
from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.form_parts import busy_bar, error_label
from chat_desktop.gui.common.icons import icon
from chat_desktop.gui.common.notices import user_message
from chat_desktop.gui.common.password_meter import PasswordMeter
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import (
    ClientError,
    DatabaseCorrupt,
    HttpFailure,
    KeychainUnavailable,
    PasswordTooShort,
    ProfileInUse,
    StorageError,
    UnlockBackoff,
    WeakPassword,
    WrongPassword,
    WrongRecoveryKey,
)
from chat_desktop.services.types import Argon2Params

__all__ = [
    "LINK_INSTEAD",
    "AccountChoice",
    "CreateAccountDialog",
    "NewPasswordDialog",
    "RecoveryKeyDialog",
    "UnlockDialog",
]

#: ``finished`` result of the sign-up dialog when the user chose to link an existing account.
LINK_INSTEAD = 2
#: ``finished`` result of the sign-up dialog when the user chose to restore a backup.
RESTORE_INSTEAD = 3


class AccountChoice(QWidget):
    """The first run's two ways in, side by side: a new account, or an existing one.

    Shown at the top of the sign-up and of the link dialog, the current one checked.

    Signals:
        chosen(str): "create" or "link": the user picked the other way.
    """

    chosen = Signal(str)

    def __init__(self, current: str, parent: QWidget | None = None) -> None:
        """Builds the two buttons with ``current`` ("create" or "link") checked."""
        super().__init__(parent)
        self.setObjectName("accountChoice")
        self._current = current
        self.create_button = QPushButton(self.tr("Create a new account"))
        self.create_button.setObjectName("chooseCreateButton")
        self.link_button = QPushButton(self.tr("Link to an existing account"))
        self.link_button.setObjectName("chooseLinkButton")
        name_controls(
            (self.create_button, self.tr("Create a new account")),
            (self.link_button, self.tr("Link to an existing account")),
        )
        self.link_button.setAccessibleDescription(
            self.tr("Use the account you already have on another computer here too")
        )
        # The theme has no look for a checked button: the chosen way takes the selection's.
        self.setStyleSheet(
            "QPushButton:checked, QPushButton:checked:hover {"
            " background: palette(highlight); color: palette(highlighted-text);"
            " border-color: palette(highlight); }"
        )
        group = QButtonGroup(self)
        group.setExclusive(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for button, way in ((self.create_button, "create"), (self.link_button, "link")):
            button.setCheckable(True)
            button.setChecked(way == current)
            button.setAutoDefault(False)
            group.addButton(button)
            layout.addWidget(button, 1)
            button.clicked.connect(lambda _checked=False, way=way: self._pick(way))

    def _pick(self, way: str) -> None:
        if way != self._current:
            self.chosen.emit(way)


class CreateAccountDialog(QDialog):
    """Asks for a username, relay and password, then creates and registers the account.

    Signals:
        created(object, str): The unlocked ``ChatClient`` and the recovery key to show once.
        linkRequested(): The user chose to link an existing account instead (the dialog
            closes with :data:`LINK_INSTEAD`).
        restoreRequested(): The user chose to restore a backup instead (the dialog closes
            with :data:`RESTORE_INSTEAD`).
    """

    created = Signal(object, str)
    linkRequested = Signal()  # noqa: N815
    restoreRequested = Signal()  # noqa: N815

    def __init__(
        self,
        profile_dir: Path,
        relay_url: str,
        *,
        kdf_params: Argon2Params | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Builds the form; ``kdf_params`` fixes Argon2id's cost (tests), else calibrated."""
        super().__init__(parent)
        self.setObjectName("createAccountDialog")
        self.setWindowTitle(self.tr("Create your account"))
        self._profile_dir = profile_dir
        self._kdf_params = kdf_params
        self._busy = False
        self.choice = AccountChoice("create")
        self.username_edit = QLineEdit()
        self.username_edit.setPlaceholderText(self.tr("3–32 of a-z, 0-9, _ and ."))
        # Said before it happens: the name is stored (and shown to others) in lower case.
        self.username_note = QLabel()
        self.username_note.setObjectName("usernameNote")
        self.username_note.setFixedHeight(QFontMetrics(self.username_note.font()).lineSpacing())
        self.relay_edit = QLineEdit(relay_url)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.meter = PasswordMeter()
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = error_label()
        self.busy_bar = busy_bar()
        # Hidden or shown, the error (two lines) and the busy bar keep their room: the
        # form does not jump when either appears.
        lines = QFontMetrics(self.error_label.font()).lineSpacing()
        self.error_label.setMinimumHeight(lines * 2)
        for reserved in (self.error_label, self.busy_bar):
            policy = reserved.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            reserved.setSizePolicy(policy)
        self.use_anyway_button = QPushButton(self.tr("Use this password anyway"))
        self.use_anyway_button.setAutoDefault(False)
        policy = self.use_anyway_button.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.use_anyway_button.setSizePolicy(policy)
        self.use_anyway_button.hide()
        self.create_button = QPushButton(self.tr("Create account"))
        self.create_button.setDefault(True)
        self.restore_button = QPushButton(self.tr("Restore from a backup\u2026"))
        self.restore_button.setObjectName("restoreBackupButton")
        self.restore_button.setAutoDefault(False)
        self.restore_button.setAccessibleName(self.tr("Restore from a backup"))
        intro = QLabel(
            self.tr(
                "Your messages are encrypted on this computer with a key protected by this "
                "password. Nobody, not even the relay, can reset it for you."
            )
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Username"), self.username_edit)
        form.addRow("", self.username_note)
        form.addRow(self.tr("Relay"), self.relay_edit)
        form.addRow(self.tr("Password"), self.password_edit)
        form.addRow("", self.meter)
        form.addRow(self.tr("Confirm password"), self.confirm_edit)
        name_controls(
            (self.username_edit, self.tr("Username")),
            (self.relay_edit, self.tr("Relay address")),
            (self.password_edit, self.tr("Password")),
            (self.confirm_edit, self.tr("Confirm password")),
            (self.use_anyway_button, self.tr("Use this password anyway")),
            (self.create_button, self.tr("Create account")),
        )
        self.relay_edit.setAccessibleDescription(
            self.tr("The address of the relay that passes on your encrypted messages")
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_anyway_button)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(self.choice)
        layout.addWidget(self.restore_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addSpacing(4)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.busy_bar)
        layout.addLayout(buttons)
        self.setMinimumWidth(460)
        self.username_edit.setFocus()  # the choice above is one Shift+Tab away
        self.choice.chosen.connect(lambda _way: self._link_instead())
        self.restore_button.clicked.connect(self._restore_instead)
        self.create_button.clicked.connect(lambda: self.submit(allow_weak=False))
        self.use_anyway_button.clicked.connect(lambda: self.submit(allow_weak=True))
        self.password_edit.textChanged.connect(self.use_anyway_button.hide)
        self.password_edit.textChanged.connect(self._rate_password)
        self.username_edit.textChanged.connect(self._username_edited)

    def _username_edited(self, text: str) -> None:
        typed = text.strip()
        if typed != typed.lower():
            self.username_note.setText(
                self.tr("Usernames are stored in lower case: %1").replace("%1", typed.lower())
            )
        else:
            self.username_note.setText("")
        self._rate_password(self.password_edit.text())  # a name in the password is weak

    def _rate_password(self, password: str) -> None:
        inputs = [self.username_edit.text().strip().lower(), self.relay_edit.text().strip()]
        self.meter.rate(password, [word for word in inputs if word])

    def _link_instead(self) -> None:
        if self._busy:
            self.choice.create_button.setChecked(True)
            return
        self.linkRequested.emit()
        self.done(LINK_INSTEAD)

    def _restore_instead(self) -> None:
        if not self._busy:
            self.restoreRequested.emit()
            self.done(RESTORE_INSTEAD)

    def submit(self, *, allow_weak: bool = False) -> None:
        """Checks the form and starts creating the account (once: refused while busy)."""
        if self._busy:
            return
        username = self.username_edit.text().strip().lower()
        relay_url = self.relay_edit.text().strip()
        password = self.password_edit.text()
        if not username or not relay_url:
            self.show_error(self.tr("Enter a username and the relay's address."))
            return
        if password != self.confirm_edit.text():
            self.show_error(self.tr("The two passwords differ."))
            return
        self.error_label.hide()
        self._set_busy(True)  # at once: a second Enter before the work starts is refused
        spawn(self._create(username, relay_url, password, allow_weak), "create account")

    async def _create(self, username: str, relay_url: str, password: str, allow_weak: bool) -> None:
        try:
            client, recovery_key = await ChatClient.create(
                self._profile_dir,
                relay_url,
                username,
                password,
                kdf_params=self._kdf_params,
                allow_weak_password=allow_weak,
            )
        except PasswordTooShort as error:
            self.show_error(user_message(error))
        except WeakPassword:  # the meter above says why, in one translated line
            self.show_error(
                self.tr("This password is easy to guess. Choose another, or use it anyway.")
            )
            self.use_anyway_button.show()
        except ProtocolError as error:
            if error.code is ErrorCode.CONFLICT:
                self.show_error(self.tr("This username is taken: choose another."))
            elif error.code is ErrorCode.RATE_LIMITED:
                self.show_error(self.tr("The relay is busy: try again in a minute."))
            else:
                self.show_error(
                    self.tr("The relay refused the account (%1).").replace("%1", error.code.value)
                )
        except HttpFailure:
            self.show_error(
                self.tr("The relay could not be reached. Check its address and your network.")
            )
        except (ClientError, StorageError) as error:
            self.show_error(user_message(error))
        else:
            self.error_label.hide()
            self.password_edit.clear()
            self.confirm_edit.clear()
            self.created.emit(client, recovery_key)
            self.accept()
        finally:
            self._set_busy(False)

    def show_error(self, text: str) -> None:
        """Shows ``text`` under the form."""
        self.error_label.setText(text)
        self.error_label.show()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        for widget in (
            self.choice,
            self.username_edit,
            self.relay_edit,
            self.password_edit,
            self.confirm_edit,
            self.create_button,
            self.use_anyway_button,
            self.restore_button,
        ):
            widget.setEnabled(not busy)


class UnlockDialog(QDialog):
    """Asks for the password and unlocks the profile.

    A damaged database found while opening is met with an offer to restore a snapshot
    (:class:`RestoreOfferDialog`), with the password just typed.

    Signals:
        unlocked(object): The unlocked ``ChatClient``.
        profileInUse(str): Another chat_desktop process has this profile open (the message).
    """

    unlocked = Signal(object)
    profileInUse = Signal(str)  # noqa: N815

    def __init__(self, profile_dir: Path, parent: QWidget | None = None) -> None:
        """Builds the dialog for the profile in ``profile_dir``."""
        super().__init__(parent)
        self.setObjectName("unlockDialog")
        self._profile_dir = profile_dir
        account = ChatClient.account_name(profile_dir)
        self.setWindowTitle(
            self.tr("Unlock %1 — chat_desktop").replace("%1", account)
            if account
            else self.tr("Unlock chat_desktop")
        )
        title = QLabel(
            self.tr("%1's messages are locked").replace("%1", account)
            if account
            else self.tr("Your messages are locked")
        )
        title.setObjectName("unlockTitle")
        lock_icon = QLabel()
        lock_icon.setObjectName("unlockIcon")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        lock_size = QFontMetrics(font).height()
        lock_icon.setPixmap(icon("lock").pixmap(lock_size, lock_size))
        hint = QLabel(
            self.tr("Enter your password to open your encrypted messages on this computer.")
        )
        hint.setWordWrap(True)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("passwordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("Password"))
        self.error_label = error_label()
        self.busy_bar = busy_bar()
        self.unlock_button = QPushButton(self.tr("Unlock"))
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.setDefault(True)
        self.recovery_button = QPushButton(self.tr("Forgot your password? Use your recovery key"))
        self.recovery_button.setObjectName("useRecoveryKeyButton")
        self.recovery_button.setFlat(True)
        self.recovery_button.setCheckable(True)
        self._hint = hint
        name_controls(
            (self.password_edit, self.tr("Password")),
            (self.unlock_button, self.tr("Unlock")),
            (self.recovery_button, self.tr("Use the recovery key instead of the password")),
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        heading = QHBoxLayout()
        heading.addWidget(lock_icon)
        heading.addWidget(title, 1)
        layout.addLayout(heading)
        layout.addWidget(hint)
        layout.addWidget(self.password_edit)
        layout.addWidget(self.error_label)
        layout.addWidget(self.busy_bar)
        buttons = QHBoxLayout()
        buttons.addWidget(self.recovery_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        layout.addLayout(buttons)
        self.setMinimumWidth(440)
        self._countdown = QTimer(self)
        self._countdown.setInterval(250)
        self._countdown.timeout.connect(self._tick)
        self._remaining = 0.0
        self._busy = False
        self.unlock_button.clicked.connect(self.submit)
        self.recovery_button.toggled.connect(self._use_recovery_key)
        self.new_password_dialog: NewPasswordDialog | None = None
        self.restore_dialog: RestoreOfferDialog | None = None
        if ChatClient.keychain_unlock_enabled(profile_dir):
            # The user opted in: try the keychain first; the password stays available.
            QTimer.singleShot(0, lambda: spawn(self._unlock_with_keychain(), "keychain unlock"))

    async def _unlock_with_keychain(self) -> None:
        self._set_busy(True)
        try:
            client = await ChatClient.unlock_with_keychain(self._profile_dir)
        except KeychainUnavailable as error:
            self.show_error(
                self.tr("The system keychain could not unlock (%1). Enter your password.").replace(
                    "%1", error.problem.value
                )
            )
        except ProfileInUse as error:
            self._in_use(error)
        except (StorageError, ClientError) as error:
            self.show_error(user_message(error))
        else:
            self._finish(client)
        finally:
            self._set_busy(False)

    @property
    def using_recovery_key(self) -> bool:
        """Whether the field takes the recovery key instead of the password."""
        return self.recovery_button.isChecked()

    def _use_recovery_key(self, on: bool) -> None:
        self.password_edit.clear()
        self.error_label.hide()
        if on:
            self._hint.setText(
                self.tr(
                    "Enter the recovery key you wrote down when you created this account. "
                    "You will then choose a new password."
                )
            )
            self.password_edit.setEchoMode(QLineEdit.EchoMode.Normal)
            self.password_edit.setPlaceholderText(self.tr("XXXX-XXXX-XXXX-…"))
            self.recovery_button.setText(self.tr("Use my password instead"))
            self.password_edit.setAccessibleName(self.tr("Recovery key"))
        else:
            self._hint.setText(
                self.tr("Enter your password to open your encrypted messages on this computer.")
            )
            self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
            self.password_edit.setPlaceholderText(self.tr("Password"))
            self.password_edit.setAccessibleName(self.tr("Password"))
            self.recovery_button.setText(self.tr("Forgot your password? Use your recovery key"))
        self.password_edit.setFocus()

    def submit(self) -> None:
        """Starts unlocking with the typed password."""
        password = self.password_edit.text()
        if not password or self._remaining > 0 or self._busy:
            return
        self._set_busy(True)  # at once: a second Enter before the work starts is refused
        spawn(self._unlock(password), "unlock")

    async def _unlock(self, secret: str) -> None:
        try:
            if self.using_recovery_key:
                client = await ChatClient.unlock_with_recovery_key(self._profile_dir, secret)
            else:
                client = await ChatClient.unlock(self._profile_dir, secret)
        except WrongRecoveryKey:
            self.show_error(self.tr("That recovery key does not open this profile."))
        except WrongPassword as error:
            self._start_wait(self.tr("Wrong password."), error.retry_after)
        except UnlockBackoff as error:
            self._start_wait(self.tr("Too many wrong passwords."), error.retry_after)
        except DatabaseCorrupt as error:
            self.show_error(self.tr("The message database is damaged."))
            if not self.using_recovery_key:
                self._offer_restore(secret, error.snapshots)
        except ProfileInUse as error:
            self._in_use(error)
        except (StorageError, ClientError) as error:
            self.show_error(user_message(error))
        else:
            self.password_edit.clear()
            self.error_label.hide()
            if self.using_recovery_key:
                # The old password is forgotten: the user picks a new one before going on.
                self.new_password_dialog = NewPasswordDialog(client, self)
                self.new_password_dialog.finished.connect(lambda _result: self._finish(client))
                self.new_password_dialog.open()
            else:
                self._finish(client)
        finally:
            self._set_busy(False)

    def _finish(self, client: ChatClient) -> None:
        self.unlocked.emit(client)
        self.accept()

    def _in_use(self, error: StorageError) -> None:
        self.show_error(user_message(error))
        self.unlock_button.setEnabled(False)
        self.profileInUse.emit(user_message(error))

    def _offer_restore(self, password: str, snapshots: tuple[Path, ...]) -> None:
        dialog = RestoreOfferDialog(snapshots, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.restoreChosen.connect(
            lambda snapshot: spawn(self._restore(password, snapshot), "restore snapshot")
        )
        self.restore_dialog = dialog
        dialog.open()

    async def _restore(self, password: str, snapshot: Path) -> None:
        self._set_busy(True)
        try:
            client = await ChatClient.restore_and_unlock(self._profile_dir, password, snapshot)
        except (StorageError, ClientError) as error:
            self.show_error(user_message(error))
        else:
            self.password_edit.clear()
            self.error_label.hide()
            self._finish(client)
        finally:
            self._set_busy(False)

    def show_error(self, text: str) -> None:
        """Shows ``text`` under the password."""
        self.error_label.setText(text)
        self.error_label.show()

    def _start_wait(self, reason: str, seconds: float) -> None:
        self._reason = reason
        self._remaining = max(0.0, seconds)
        self.password_edit.selectAll()
        self._tick(step=0.0)
        if self._remaining > 0:
            self._countdown.start()

    def _tick(self, step: float = 0.25) -> None:
        self._remaining = max(0.0, self._remaining - step)
        if self._remaining > 0:
            self.show_error(
                self.tr("%1 Try again in %2 s.")
                .replace("%1", self._reason)
                .replace("%2", str(math.ceil(self._remaining)))
            )
            self.unlock_button.setEnabled(False)
        else:
            self._countdown.stop()
            self.show_error(self.tr("%1 Try again.").replace("%1", self._reason))
            self.unlock_button.setEnabled(True)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        self.password_edit.setEnabled(not busy)
        self.unlock_button.setEnabled(not busy and self._remaining <= 0)
        if not busy:
            self.password_edit.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Enter unlocks (never closes the dialog with an empty password)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
            return
        super().keyPressEvent(event)
