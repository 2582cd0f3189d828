"""``ConversationHeader``: the bar above the open conversation's messages.

It shows the peer's profile picture and name with a "verified" badge, their presence
("online", "typing…") under it, the voice and video call buttons (a 1:1 chat with a contact
one may call: not a group, the Note to Self, a message request or a blocked contact), the
disappearing-messages menu and the "Safety number" button. The pane
(:class:`~chat_desktop.gui.conversation.conversation_view.ConversationView`) fills it in and
acts on its controls; its strings stay in the pane's translation context.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
)

from chat_desktop.gui.common.accessibility import mark_as_data, name_controls
from chat_desktop.gui.common.icons import IconLabel, icon
from chat_desktop.gui.conversation.message_words import duration_text

#: The disappearing-timer choices offered (label, seconds), then "Custom…".
TIMER_CHOICES = (
    (str(QT_TRANSLATE_NOOP("ConversationView", "Off")), 0),
    (str(QT_TRANSLATE_NOOP("ConversationView", "30 seconds")), 30),
    (str(QT_TRANSLATE_NOOP("ConversationView", "5 minutes")), 300),
    (str(QT_TRANSLATE_NOOP("ConversationView", "1 hour")), 3_600),
    (str(QT_TRANSLATE_NOOP("ConversationView", "8 hours")), 8 * 3_600),
    (str(QT_TRANSLATE_NOOP("ConversationView", "1 day")), 86_400),
    (str(QT_TRANSLATE_NOOP("ConversationView", "1 week")), 7 * 86_400),
    (str(QT_TRANSLATE_NOOP("ConversationView", "4 weeks")), 28 * 86_400),
)
#: The timer menu's last item: a number and a unit (:class:`CustomTimerDialog`).
CUSTOM_TIMER = -1


class ConversationHeader(QFrame):
    """The peer's name, badge and presence, the timer menu and the safety-number button.

    Signals:
        callRequested(bool): A call button was pressed: video (True) or voice.

    Attributes:
        timer_seconds: The timer the menu shows (what a cancelled choice goes back to).
    """

    callRequested = Signal(bool)  # noqa: N815

    def __init__(self) -> None:
        """Builds the header with no peer shown and the timer off."""
        super().__init__()
        self.setObjectName("conversationHeader")
        #: The contact's round profile picture (hidden when it has none).
        self.avatar_label = QLabel()
        self.avatar_label.setObjectName("peerAvatar")
        self.avatar_label.hide()
        self.peer_label = QLabel()
        self.peer_label.setObjectName("peerName")
        mark_as_data(self.peer_label)
        self.verified_badge = IconLabel("verified", lines=1.2)  # follows theme and text size
        self.verified_badge.setObjectName("verifiedBadge")
        self.verified_badge.setToolTip(
            QCoreApplication.translate(
                "ConversationView", "Verified: you compared the safety number with this contact"
            )
        )
        self.verified_badge.setAccessibleName(
            QCoreApplication.translate("ConversationView", "Verified contact")
        )
        self.verified_badge.hide()
        self.presence_label = QLabel()
        self.presence_label.setObjectName("presenceLabel")
        self.timer_box = QComboBox()
        self.timer_box.setObjectName("timerBox")
        self.timer_box.setToolTip(
            QCoreApplication.translate("ConversationView", "Disappearing messages")
        )
        for label, seconds in TIMER_CHOICES:
            self.timer_box.addItem(
                icon("timer"), QCoreApplication.translate("ConversationView", label), seconds
            )
        self.timer_box.addItem(
            icon("timer"), QCoreApplication.translate("ConversationView", "Custom…"), CUSTOM_TIMER
        )
        self.timer_seconds = 0
        self.safety_button = QPushButton(
            QCoreApplication.translate("ConversationView", "Safety number")
        )
        self.safety_button.setObjectName("safetyButton")
        self.find_button = QToolButton()
        self.find_button.setObjectName("findButton")
        self.find_button.setIcon(icon("search"))
        self.find_button.setAutoRaise(True)
        self.find_button.setToolTip(
            QCoreApplication.translate("ConversationView", "Find in this chat (Ctrl+Shift+F)")
        )
        self.safety_button.setIcon(icon("verified"))
        #: A group's "Members" page (shown for groups only, instead of the safety number).
        self.members_button = QPushButton(QCoreApplication.translate("ConversationView", "Members"))
        self.members_button.setObjectName("membersButton")
        self.members_button.setAccessibleName(
            QCoreApplication.translate("ConversationView", "Group members")
        )
        self.members_button.hide()
        #: Voice and video calls (disabled where no call is possible: :meth:`allow_calls`).
        self.voice_call_button = QToolButton()
        self.voice_call_button.setObjectName("voiceCallButton")
        self.voice_call_button.setIcon(icon("call"))
        self.voice_call_button.setAutoRaise(True)
        self.voice_call_button.setToolTip(
            QCoreApplication.translate("ConversationView", "Voice call")
        )
        self.video_call_button = QToolButton()
        self.video_call_button.setObjectName("videoCallButton")
        self.video_call_button.setIcon(icon("video"))
        self.video_call_button.setAutoRaise(True)
        self.video_call_button.setToolTip(
            QCoreApplication.translate("ConversationView", "Video call")
        )
        self.voice_call_button.clicked.connect(lambda: self.callRequested.emit(False))
        self.video_call_button.clicked.connect(lambda: self.callRequested.emit(True))
        self.allow_calls(False)
        name_controls(
            (self.voice_call_button, QCoreApplication.translate("ConversationView", "Voice call")),
            (self.video_call_button, QCoreApplication.translate("ConversationView", "Video call")),
        )
        name_controls(
            (
                self.timer_box,
                QCoreApplication.translate("ConversationView", "Disappearing messages"),
            ),
            (self.safety_button, QCoreApplication.translate("ConversationView", "Safety number")),
            (self.find_button, QCoreApplication.translate("ConversationView", "Find in this chat")),
        )
        self.timer_box.setAccessibleDescription(
            QCoreApplication.translate(
                "ConversationView",
                "How long new messages in this conversation stay before they disappear",
            )
        )
        header_layout = QHBoxLayout(self)
        header_layout.addWidget(self.avatar_label)
        names = QVBoxLayout()
        names.setSpacing(0)
        name_row = QHBoxLayout()
        name_row.setSpacing(6)
        name_row.addWidget(self.peer_label)
        name_row.addWidget(self.verified_badge)
        name_row.addStretch(1)
        names.addLayout(name_row)
        names.addWidget(self.presence_label)
        header_layout.addLayout(names, 1)
        # The two call buttons side by side with no gap: the window still fits 640 px wide
        # (two demo windows on a 1280 px screen) with them.
        calls = QHBoxLayout()
        calls.setSpacing(0)
        calls.addWidget(self.voice_call_button)
        calls.addWidget(self.video_call_button)
        header_layout.addLayout(calls)
        header_layout.addWidget(self.find_button)
        header_layout.addWidget(self.timer_box)
        header_layout.addWidget(self.safety_button)
        header_layout.addWidget(self.members_button)

    def allow_calls(self, allowed: bool) -> None:
        """Enables the call buttons for a contact one may call, disables them otherwise."""
        for button in (self.voice_call_button, self.video_call_button):
            button.setEnabled(allowed)

    def show_avatar(self, avatar: QPixmap | None) -> None:
        """Shows the contact's round picture (at two lines of text high), or hides it."""
        if avatar is None:
            self.avatar_label.clear()
            self.avatar_label.hide()
            return
        side = self.peer_label.fontMetrics().height() * 2
        ratio = self.devicePixelRatioF()
        scaled = avatar.scaled(
            round(side * ratio),
            round(side * ratio),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        scaled.setDevicePixelRatio(ratio)
        self.avatar_label.setPixmap(scaled)
        self.avatar_label.setFixedSize(side, side)
        self.avatar_label.show()

    def select_timer(self, seconds: int) -> None:
        """Shows ``seconds`` in the timer menu; a value it lacks is listed above "Custom…"."""
        self.timer_seconds = seconds
        index = self.timer_box.findData(seconds)
        if index < 0:
            index = self.timer_box.findData(CUSTOM_TIMER)
            self.timer_box.insertItem(index, icon("timer"), duration_text(seconds), seconds)
        self.timer_box.setCurrentIndex(index)
