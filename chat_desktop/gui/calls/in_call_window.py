"""``InCallWindow``: the call in progress: the peer's video large, our preview small, the
clock, Mute, Camera and Hang up.

A window of its own (not modal). It follows the engine's :class:`CallInfo` through
:meth:`InCallWindow.show_info` (state, mute, camera) and counts the time from
``connected_at_ms`` once a second. Its buttons only ask (signals); what the engine then
reports is what the buttons show. Closing the window hangs up (Ctrl+W too). A voice call has
no pictures: the peer's name stands in the video's place.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.calls.call_words import state_text
from chat_desktop.gui.calls.video_view import VideoView
from chat_desktop.gui.common.accessibility import mark_as_data, name_controls
from chat_desktop.gui.common.icons import icon, tinted_icon
from chat_desktop.gui.common.theme import current_colors
from chat_desktop.gui.conversation.call_notes import call_length

if TYPE_CHECKING:
    from chat_desktop.services.events import CallInfo

#: The preview's share of the window's width.
PREVIEW_SHARE = 0.28
#: The preview's distance from the video's bottom-right corner.
PREVIEW_MARGIN = 12


class InCallWindow(QWidget):
    """The window of the current call.

    Signals:
        muteRequested(bool): Mute (True) or unmute the microphone.
        cameraRequested(bool): Turn the camera on (True) or off.
        hangUpRequested(): Hang up (the button, Ctrl+W, or closing the window).

    Attributes:
        call_id: The call it shows.
        remote_view: The peer's video.
        local_view: Our camera's preview (over the peer's video, bottom right).
    """

    muteRequested = Signal(bool)  # noqa: N815
    cameraRequested = Signal(bool)  # noqa: N815
    hangUpRequested = Signal()  # noqa: N815

    def __init__(self, info: CallInfo, name: str, parent: QWidget | None = None) -> None:
        """Builds the window for ``info``'s call with ``name`` (profile name, else username)."""
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("inCallWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.call_id = info.call_id
        self._info = info
        self._ended = False
        self.setWindowTitle(self.tr("Call with %1").replace("%1", name))
        self.name_label = QLabel(name)
        self.name_label.setObjectName("callPeerName")
        self.name_label.setProperty("heading", True)
        mark_as_data(self.name_label)
        self.status_label = QLabel()
        self.status_label.setObjectName("callStatus")
        self.remote_view = VideoView()
        self.remote_view.setObjectName("remoteVideo")
        self.remote_view.setAccessibleName(self.tr("%1's video").replace("%1", name))
        self.remote_view.set_placeholder(name)
        self.local_view = VideoView(self.remote_view)  # floats over the peer's video
        self.local_view.setObjectName("localPreview")
        self.local_view.setAccessibleName(self.tr("Your camera"))
        self.local_view.set_placeholder(self.tr("Camera off"))
        self.local_view.framed = True
        self.mute_button = QPushButton()
        self.mute_button.setObjectName("muteButton")
        self.mute_button.setCheckable(True)
        self.camera_button = QPushButton()
        self.camera_button.setObjectName("cameraButton")
        self.camera_button.setCheckable(True)
        colors = current_colors()
        self.hang_up_button = QPushButton(
            tinted_icon("hang-up", colors.accent_text), self.tr("Hang up")
        )
        self.hang_up_button.setObjectName("hangUpButton")
        self.hang_up_button.setStyleSheet(
            f"QPushButton#hangUpButton {{ background: {colors.danger};"
            f" color: {colors.accent_text}; border: 1px solid {colors.danger}; }}"
        )
        name_controls(
            (self.mute_button, self.tr("Mute the microphone")),
            (self.camera_button, self.tr("Camera")),
            (self.hang_up_button, self.tr("Hang up")),
        )
        self.mute_button.toggled.connect(self.muteRequested.emit)
        self.camera_button.toggled.connect(self.cameraRequested.emit)
        self.hang_up_button.clicked.connect(self._hang_up)
        top = QVBoxLayout()
        top.setSpacing(0)
        top.addWidget(self.name_label)
        top.addWidget(self.status_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.mute_button)
        buttons.addWidget(self.camera_button)
        buttons.addWidget(self.hang_up_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.addLayout(top)
        layout.addWidget(self.remote_view, 1)
        layout.addLayout(buttons)
        QWidget.setTabOrder(self.mute_button, self.camera_button)
        QWidget.setTabOrder(self.camera_button, self.hang_up_button)
        QShortcut(QKeySequence("Ctrl+W"), self, self._hang_up)
        self._clock = QTimer(self)
        self._clock.setInterval(1_000)
        self._clock.timeout.connect(self._tick)
        if info.video:
            self.resize(720, 560)
        else:
            self.resize(420, 360)
        self.show_info(info)

    @property
    def info(self) -> CallInfo:
        """The call as last shown."""
        return self._info

    def show_info(self, info: CallInfo) -> None:
        """Shows the call's state, mute and camera as the engine reports them."""
        self._info = info
        with QSignalBlocker(self.mute_button):
            self.mute_button.setChecked(info.muted)
        self.mute_button.setIcon(icon("mic-off" if info.muted else "mic"))
        self.mute_button.setText(self.tr("Unmute") if info.muted else self.tr("Mute"))
        with QSignalBlocker(self.camera_button):
            self.camera_button.setChecked(info.camera_on)
        self.camera_button.setVisible(info.video)
        self.camera_button.setIcon(icon("video" if info.camera_on else "video-off"))
        self.camera_button.setText(
            self.tr("Stop camera") if info.camera_on else self.tr("Start camera")
        )
        self.camera_button.setAccessibleName(
            self.tr("Turn the camera off") if info.camera_on else self.tr("Turn the camera on")
        )
        self.local_view.setVisible(info.video)
        if not info.camera_on:
            self.local_view.clear()
        if info.state == "connected" and info.connected_at_ms is not None:
            if not self._clock.isActive():
                self._clock.start()
            self._tick()
        else:
            self._clock.stop()
            self.status_label.setText(state_text(info.state, info.outgoing))
        self._place_preview()

    def _tick(self) -> None:
        connected = self._info.connected_at_ms
        if connected is None:
            return
        seconds = int(time.time() - connected / 1000)
        self.status_label.setText(call_length(seconds))

    @property
    def clock(self) -> str:
        """The status line (the clock once connected)."""
        return self.status_label.text()

    def show_local_frame_allowed(self) -> bool:
        """Whether our preview takes frames now (a video call with the camera on)."""
        return self._info.video and self._info.camera_on

    def _hang_up(self) -> None:
        if not self._ended:
            self._ended = True
            self.hangUpRequested.emit()
        self.close()

    def end(self) -> None:
        """Closes the window: the call is over (no hang-up asked)."""
        self._ended = True
        self._clock.stop()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Closing the window hangs up (once)."""
        if not self._ended:
            self._ended = True
            self.hangUpRequested.emit()
        self._clock.stop()
        super().closeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        """Keeps the preview in the video's corner."""
        super().resizeEvent(event)
        self._place_preview()

    def _place_preview(self) -> None:
        area = self.remote_view.rect()
        width = max(96, int(area.width() * PREVIEW_SHARE))
        height = width * 3 // 4
        self.local_view.setGeometry(
            area.right() - width - PREVIEW_MARGIN,
            area.bottom() - height - PREVIEW_MARGIN,
            width,
            height,
        )
        self.local_view.raise_()
