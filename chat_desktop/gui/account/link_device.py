"""``LinkDeviceDialog``: this computer joins an account the user already has on another device.

Three steps in one window, so that nothing is lost between them:

1. This computer's name and its own password (checked like at sign-up: too short is refused,
   easy to guess is warned about and may be used anyway).
2. The link code, as a QR code and as text to copy, while the app waits (up to the code's ten
   minutes) for the other device to send the account.
3. "Join <username>'s account?" with what comes along; only after the user confirms is this
   computer's profile made (its own password and recovery key) and the device registered.

Every engine call is awaited on the qasync loop (no nested event loop); the password lives
only in the line edits and the awaited calls and is never logged.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFontDatabase, QGuiApplication, QTextOption
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.account.account_dialogs import AccountChoice
from chat_desktop.gui.common.accessibility import mark_as_data, name_controls
from chat_desktop.gui.common.error_text import joining_error_text
from chat_desktop.gui.common.form_parts import busy_bar, error_label
from chat_desktop.gui.common.notices import user_message
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.conversation.safety_number import qr_pixmap
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.services.account import check_new_password
from chat_desktop.services.client import ChatClient
from chat_desktop.services.client_errors import LinkFailed
from chat_desktop.services.errors import PasswordTooShort, WeakPassword
from chat_desktop.services.linking import LinkOffer, PendingLink
from chat_desktop.services.registration import default_device_name
from chat_desktop.services.types import Argon2Params

logger = logging.getLogger(__name__)

#: The longest device name the protocol carries (docs/protocol.md §6.11).
MAX_DEVICE_NAME = 64
#: ``finished`` result of the dialog when the user chose to create a new account instead.
CREATE_INSTEAD = 2
#: Each module of the link code's QR, in pixels.
_QR_SCALE = 4


def join_error_text(error: BaseException) -> str:
    """What the user reads when making the code, waiting or joining failed."""
    return joining_error_text(error) or user_message(error)


def join_details(offer: LinkOffer) -> str:
    """What comes along with the account: "Contacts: 12 · message history included".

    Worded without a plural (the English catalogue of plural forms is not loaded while the
    app speaks English), so one contact reads as well as many.
    """
    if offer.has_history:
        text = QCoreApplication.translate(
            "LinkDeviceDialog", "Contacts: %1 \u00b7 message history included"
        )
    else:
        text = QCoreApplication.translate(
            "LinkDeviceDialog", "Contacts: %1 \u00b7 no message history"
        )
    return text.replace("%1", QLocale().toString(offer.contact_count))


class LinkDeviceDialog(QDialog):
    """Links this computer to an existing account (the new device's side of §6.11).

    Signals:
        linked(object, str): The unlocked, not yet connected ``ChatClient`` and this
            computer's recovery key (show it once, as after sign-up).
        createRequested(): The user wants to create a new account instead.
    """

    linked = Signal(object, str)
    createRequested = Signal()  # noqa: N815

    def __init__(
        self,
        profile_dir: Path,
        relay_url: str,
        *,
        kdf_params: Argon2Params | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Builds the three steps; ``kdf_params`` fixes Argon2id's cost (tests)."""
        super().__init__(parent)
        self.setObjectName("linkDeviceDialog")
        self.setWindowTitle(self.tr("Link to an existing account"))
        self._profile_dir = profile_dir
        self._kdf_params = kdf_params
        self._relay_url = relay_url
        self._allow_weak = False
        self._busy = False
        #: The open provisioning channel, from the code shown until joined or cancelled.
        self.pending: PendingLink[ChatClient] | None = None
        #: What the other device sent, once it arrived.
        self.offer: LinkOffer | None = None
        self._waiting: asyncio.Future[None] | None = None
        self.error_label = error_label()
        self.busy_bar = busy_bar()
        self.choice = AccountChoice("link")
        self.choice.chosen.connect(lambda _way: self._create_instead())
        self.form_page = self._build_form()
        self.code_page = self._build_code_page()
        self.confirm_page = self._build_confirm_page()
        #: The step shown (one of the three pages).
        self.step: QWidget = self.form_page
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(self.choice)
        layout.addSpacing(4)
        # The steps share one place; only the current one is visible (a QStackedWidget
        # would keep the tallest step's height, the QR code's, for all three).
        for page in (self.form_page, self.code_page, self.confirm_page):
            layout.addWidget(page)
        layout.addWidget(self.error_label)
        layout.addWidget(self.busy_bar)
        layout.addStretch(1)
        # One row of buttons under the error, showing the current step's.
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (
            self.use_anyway_button,
            self.continue_button,
            self.code_cancel_button,
            self.join_cancel_button,
            self.join_button,
        ):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self._step_buttons = {
            self.form_page: (self.continue_button,),
            self.code_page: (self.code_cancel_button,),
            self.confirm_page: (self.join_cancel_button, self.join_button),
        }
        self.show_step(self.form_page)
        self.setMinimumWidth(520)
        self.name_edit.setFocus()

    def show_step(self, page: QWidget) -> None:
        """Shows ``page`` with its buttons; the window takes that step's size."""
        self.step = page
        for step in (self.form_page, self.code_page, self.confirm_page):
            step.setVisible(step is page)
        # Once a code is out, the way back is Cancel (which closes the link), not the choice.
        self.choice.setVisible(page is self.form_page)
        for step, buttons in self._step_buttons.items():
            for button in buttons:
                button.setVisible(step is page)
        if page is not self.form_page:
            self.use_anyway_button.hide()
        self._fit_soon()

    def _fit_soon(self) -> None:
        """Sizes the window to what it shows, once Qt has laid out the change."""
        QTimer.singleShot(0, self.adjustSize)

    # ---- step 1: name and password ----------------------------------------------------------

    def _build_form(self) -> QWidget:
        page = QWidget()
        intro = QLabel(
            self.tr(
                "Use the account you already have on another computer here too. Choose a name "
                "for this computer and the password that opens your messages on it; your "
                "other device keeps its own password."
            )
        )
        intro.setWordWrap(True)
        self.name_edit = QLineEdit(default_device_name())
        self.name_edit.setObjectName("deviceNameEdit")
        self.name_edit.setMaxLength(MAX_DEVICE_NAME)
        self.relay_edit = QLineEdit(self._relay_url)
        self.relay_edit.setObjectName("linkRelayEdit")
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("linkPasswordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setObjectName("linkConfirmEdit")
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.use_anyway_button = QPushButton(self.tr("Use this password anyway"))
        self.use_anyway_button.setObjectName("linkUseAnywayButton")
        self.use_anyway_button.hide()
        self.continue_button = QPushButton(self.tr("Show the link code"))
        self.continue_button.setObjectName("showLinkCodeButton")
        self.continue_button.setDefault(True)
        form = QFormLayout()
        form.addRow(self.tr("This computer's name"), self.name_edit)
        form.addRow(self.tr("Relay"), self.relay_edit)
        form.addRow(self.tr("Password"), self.password_edit)
        form.addRow(self.tr("Confirm password"), self.confirm_edit)
        name_controls(
            (self.name_edit, self.tr("This computer's name")),
            (self.relay_edit, self.tr("Relay address")),
            (self.password_edit, self.tr("Password")),
            (self.confirm_edit, self.tr("Confirm password")),
            (self.use_anyway_button, self.tr("Use this password anyway")),
            (self.continue_button, self.tr("Show the link code")),
        )
        self.name_edit.setAccessibleDescription(
            self.tr("Shown in your account's list of devices, encrypted so the relay can't read it")
        )
        self.relay_edit.setAccessibleDescription(
            self.tr("The relay your other device uses: the link code only works there")
        )
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addStretch(1)
        self.continue_button.clicked.connect(lambda: self.submit(allow_weak=False))
        self.use_anyway_button.clicked.connect(lambda: self.submit(allow_weak=True))
        self.password_edit.textChanged.connect(self.use_anyway_button.hide)
        for edit in (self.name_edit, self.relay_edit, self.password_edit, self.confirm_edit):
            edit.returnPressed.connect(lambda: self.submit(allow_weak=False))
        return page

    def _create_instead(self) -> None:
        if self._busy:
            self.choice.link_button.setChecked(True)
            return
        self._drop_pending()
        self.createRequested.emit()
        self.done(CREATE_INSTEAD)

    def submit(self, *, allow_weak: bool = False) -> None:
        """Checks the form, then opens the link (or, with an offer already here, goes back to
        the question: the password was the only thing to change)."""
        if self._busy:
            return
        name = self.name_edit.text().strip()
        relay_url = self.relay_edit.text().strip()
        password = self.password_edit.text()
        if not name or not relay_url:
            self.show_error(self.tr("Enter a name for this computer and the relay's address."))
            return
        if password != self.confirm_edit.text():
            self.show_error(self.tr("The two passwords differ."))
            return
        spawn(self._start(name, relay_url, password, allow_weak), "start link")

    async def _start(self, name: str, relay_url: str, password: str, allow_weak: bool) -> None:
        self._set_busy(True)
        retype: QLineEdit | None = None  # where the user goes on after a refusal
        try:
            # The policy is checked before the code is shown: the account must not arrive
            # only to find that the password was refused.
            known = (self.offer.username,) if self.offer is not None else ()
            await asyncio.to_thread(
                check_new_password, password, allow_weak=allow_weak, user_inputs=known
            )
            self._allow_weak = allow_weak
            if self.offer is not None and self.pending is not None:
                self._show_offer(self.offer)
                return
            pending = await ChatClient.begin_link(relay_url, name)
        except PasswordTooShort as error:
            self.show_error(join_error_text(error))
            retype = self.password_edit
        except WeakPassword as error:
            self.show_error(join_error_text(error))
            self.use_anyway_button.show()
            retype = self.password_edit
        except ValueError:  # the engine's check of the device name
            self.show_error(
                self.tr("Choose a name of up to 64 characters, without line breaks or tabs.")
            )
            retype = self.name_edit
        except Exception as error:  # shown in the user's words; the log gets the type only
            logger.warning("opening a link failed: %s", type(error).__name__)
            self.show_error(join_error_text(error))
        else:
            self._show_code(pending)
        finally:
            self._set_busy(False)
        if retype is not None:
            retype.setFocus()
            retype.selectAll()

    # ---- step 2: the code -------------------------------------------------------------------

    def _build_code_page(self) -> QWidget:
        page = QWidget()
        heading = QLabel(self.tr("Your link code"))
        heading.setObjectName("linkCodeTitle")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        heading.setFont(font)
        steps = QLabel(
            self.tr(
                "On the computer where you already use chat_desktop, open Settings, go to "
                "Devices, choose \u201cLink a new device\u2026\u201d and paste this code."
            )
        )
        steps.setWordWrap(True)
        self.qr_label = QLabel()
        self.qr_label.setObjectName("linkCodeQr")
        self.qr_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_edit = QPlainTextEdit()
        self.code_edit.setObjectName("linkCodeText")
        self.code_edit.setReadOnly(True)
        self.code_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.code_edit.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self.code_edit.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.code_edit.setFont(mono)
        lines = 4
        self.code_edit.setFixedHeight(
            self.code_edit.fontMetrics().lineSpacing() * lines
            + 2 * int(self.code_edit.document().documentMargin())
            + 2 * self.code_edit.frameWidth()
        )
        mark_as_data(self.code_edit)
        self.copy_button = QPushButton(self.tr("Copy code"))
        self.copy_button.setObjectName("copyLinkCodeButton")
        self.waiting_label = QLabel(
            self.tr("Waiting for your other device\u2026 The code works for 10 minutes.")
        )
        self.waiting_label.setObjectName("linkWaitingLabel")
        self.waiting_label.setWordWrap(True)
        self.waiting_bar = QProgressBar()
        self.waiting_bar.setRange(0, 0)
        self.waiting_bar.setTextVisible(False)
        self.waiting_bar.setMaximumHeight(6)
        self.code_cancel_button = QPushButton(self.tr("Cancel"))
        self.code_cancel_button.setObjectName("linkCodeCancelButton")
        name_controls(
            (self.qr_label, self.tr("Link code as a QR code")),
            (self.code_edit, self.tr("Link code")),
            (self.copy_button, self.tr("Copy the link code")),
            (self.code_cancel_button, self.tr("Cancel linking")),
        )
        copy_row = QHBoxLayout()
        copy_row.addStretch(1)
        copy_row.addWidget(self.copy_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        for widget in (heading, steps, self.qr_label, self.code_edit):
            layout.addWidget(widget)
        layout.addLayout(copy_row)
        layout.addWidget(self.waiting_label)
        layout.addWidget(self.waiting_bar)
        layout.addStretch(1)
        self.copy_button.clicked.connect(self.copy_code)
        self.code_cancel_button.clicked.connect(self.cancel)
        return page

    @property
    def code(self) -> str:
        """The link code shown (empty before one was made)."""
        return self.code_edit.toPlainText()

    def _show_code(self, pending: PendingLink[ChatClient]) -> None:
        self.pending = pending
        self.offer = None
        self.error_label.hide()
        self.code_edit.setPlainText(pending.code)
        self.qr_label.setPixmap(qr_pixmap(pending.code, scale=_QR_SCALE))
        self.copy_button.setText(self.tr("Copy code"))
        self.show_step(self.code_page)
        self.copy_button.setFocus()
        self._waiting = spawn(self._wait_for_offer(pending), "wait for link")

    def copy_code(self) -> None:
        """Puts the link code on the clipboard."""
        QGuiApplication.clipboard().setText(self.code)
        self.copy_button.setText(self.tr("Copied"))

    async def _wait_for_offer(self, pending: PendingLink[ChatClient]) -> None:
        try:
            offer = await pending.wait_for_offer()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # expired, or what arrived does not open
            logger.warning("waiting for the link failed: %s", type(error).__name__)
            if pending is self.pending:
                self.pending = None
                self._back_to_form(join_error_text(error))
            return
        if pending is self.pending:
            self.offer = offer
            self._show_offer(offer)

    def cancel(self) -> None:
        """Closes the provisioning channel and goes back to the first step."""
        self._drop_pending()
        self._back_to_form(None)

    def _drop_pending(self) -> None:
        """Forgets the open channel (and tells the engine to close it, in the background)."""
        pending, self.pending = self.pending, None
        self.offer = None
        waiting, self._waiting = self._waiting, None
        if waiting is not None and not waiting.done():
            waiting.cancel()
        if pending is not None:
            spawn(pending.cancel(), "cancel link")

    def _back_to_form(self, error: str | None) -> None:
        self.code_edit.clear()
        self.qr_label.clear()
        self.show_step(self.form_page)
        if error is None:
            self.error_label.hide()
        else:
            self.show_error(error)
        self.continue_button.setFocus()

    # ---- step 3: join? ----------------------------------------------------------------------

    def _build_confirm_page(self) -> QWidget:
        page = QWidget()
        self.join_title = QLabel()
        self.join_title.setObjectName("joinTitle")
        self.join_title.setWordWrap(True)
        font = self.join_title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.join_title.setFont(font)
        self.join_details = QLabel()
        self.join_details.setObjectName("joinDetails")
        self.join_warning = QLabel(
            self.tr(
                "This computer will read and send messages as this account. Join only if you "
                "started this link on your own device just now."
            )
        )
        self.join_warning.setWordWrap(True)
        self.join_cancel_button = QPushButton(self.tr("Cancel"))
        self.join_cancel_button.setObjectName("joinCancelButton")
        self.join_button = QPushButton(self.tr("Join"))
        self.join_button.setObjectName("joinButton")
        self.join_button.setDefault(True)
        name_controls(
            (self.join_cancel_button, self.tr("Cancel linking")),
            (self.join_button, self.tr("Join the account")),
        )
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        for widget in (self.join_title, self.join_details, self.join_warning):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.join_cancel_button.clicked.connect(self.cancel)
        self.join_button.clicked.connect(self.join)
        return page

    def _show_offer(self, offer: LinkOffer) -> None:
        self.join_title.setText(self.tr("Join %1's account?").replace("%1", offer.username))
        self.join_details.setText(join_details(offer))
        self.error_label.hide()
        self.show_step(self.confirm_page)
        self.join_button.setFocus()

    def join(self) -> None:
        """Makes this computer's profile and registers it as a device of the account."""
        if self._busy or self.pending is None:
            return
        spawn(self._join(self.pending, self.password_edit.text()), "join account")

    async def _join(self, pending: PendingLink[ChatClient], password: str) -> None:
        self._set_busy(True)
        try:
            client, recovery_key = await pending.accept(
                self._profile_dir,
                password,
                allow_weak_password=self._allow_weak,
                kdf_params=self._kdf_params,
            )
        except (PasswordTooShort, WeakPassword) as error:
            # The account's name made the password guessable: choose again, the link waits.
            self.show_step(self.form_page)
            self.show_error(join_error_text(error))
            self.use_anyway_button.setVisible(isinstance(error, WeakPassword))
        except Exception as error:  # shown in the user's words; the log gets the type only
            logger.warning("joining the account failed: %s", type(error).__name__)
            if _needs_new_code(error):
                self._drop_pending()
                self._back_to_form(join_error_text(error))
            else:
                self.show_error(join_error_text(error))
        else:
            self.pending = None
            self.password_edit.clear()
            self.confirm_edit.clear()
            self.error_label.hide()
            self.linked.emit(client, recovery_key)
            self.accept()
        finally:
            self._set_busy(False)

    # ---- common -----------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        """Shows ``text`` under the current step (the window grows to show all of it)."""
        self.error_label.setText(text)
        self.error_label.show()
        self._fit_soon()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        for widget in (
            self.name_edit,
            self.relay_edit,
            self.password_edit,
            self.confirm_edit,
            self.continue_button,
            self.use_anyway_button,
            self.choice,
            self.join_button,
            self.join_cancel_button,
        ):
            widget.setEnabled(not busy)

    def reject(self) -> None:
        """Escape closes the dialog (closing the open link), except while joining."""
        if self._busy:
            return
        self._drop_pending()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """The window cannot be closed while this computer's profile is being made."""
        if self._busy:
            event.ignore()
            return
        super().closeEvent(event)


def _needs_new_code(error: BaseException) -> bool:
    """Whether ``error`` used up the link, so only a new code can help."""
    if isinstance(error, LinkFailed):
        return True
    return isinstance(error, ProtocolError) and error.code in (
        ErrorCode.TOO_LARGE,
        ErrorCode.UNAUTHORIZED,
    )
