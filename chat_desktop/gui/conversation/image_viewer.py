"""``ImageViewer``: a received or sent image at full size, in a window of its own.

It opens scaled to fit the window; Ctrl+wheel or the + and - keys zoom, 0 fits again,
"Save as…" writes the original file (the conversation does it through the engine), Esc
closes. The image is decoded in a worker thread with an allocation limit, since a peer's
file can claim any dimensions.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QKeyEvent, QPixmap, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.icons import icon

#: Qt refuses to decode an image needing more than this many MiB.
VIEWER_ALLOCATION_LIMIT_MB = 512
ZOOM_STEP = 1.25
MIN_ZOOM = 0.05
MAX_ZOOM = 16.0


def decode_full(data: bytes) -> QImage:
    """Decodes image bytes at full size (worker thread); a null image when refused."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAllocationLimit(VIEWER_ALLOCATION_LIMIT_MB)
    reader.setAutoTransform(True)
    return reader.read()


class _ZoomArea(QScrollArea):
    """The scroll area: Ctrl+wheel zooms instead of scrolling."""

    zoomed = Signal(int)  # +1 in, -1 out

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        """Ctrl+wheel zooms; the plain wheel scrolls."""
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self.zoomed.emit(1 if delta > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)


class ImageViewer(QWidget):
    """A window showing one image, fitted first, zoomable.

    Signals:
        saveRequested(): The user pressed "Save as…" (the owner asks where and saves).
    """

    saveRequested = Signal()  # noqa: N815

    def __init__(self, file_name: str, parent: QWidget | None = None) -> None:
        """Builds an empty viewer for the image called ``file_name`` (may be empty)."""
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("imageViewer")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(
            self.tr("Image: %1").replace("%1", file_name) if file_name else self.tr("Image")
        )
        self._image = QImage()
        self._zoom = 1.0
        self._fit = True
        self.picture = QLabel()
        self.picture.setObjectName("viewerImage")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setText(self.tr("Loading…"))
        self.area = _ZoomArea()
        self.area.setObjectName("viewerArea")
        self.area.setAccessibleName(self.tr("Image"))
        self.area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.area.setWidget(self.picture)
        self.area.setWidgetResizable(False)
        self.area.zoomed.connect(lambda step: self.zoom_by(ZOOM_STEP**step))

        self.zoom_out_button = QToolButton()
        self.zoom_out_button.setText(self.tr("Zoom out"))
        self.zoom_in_button = QToolButton()
        self.zoom_in_button.setText(self.tr("Zoom in"))
        self.fit_button = QToolButton()
        self.fit_button.setText(self.tr("Fit to window"))
        self.save_button = QPushButton(icon("download"), self.tr("Save as…"))
        self.save_button.setObjectName("viewerSaveButton")
        self.close_button = QPushButton(icon("close"), self.tr("Close"))
        for button, name, tip in (
            (self.zoom_out_button, self.tr("Zoom out"), self.tr("Zoom out (-)")),
            (self.zoom_in_button, self.tr("Zoom in"), self.tr("Zoom in (+)")),
            (self.fit_button, self.tr("Fit to window"), self.tr("Fit to window (0)")),
            (self.save_button, self.tr("Save as…"), self.tr("Save the original file")),
            (self.close_button, self.tr("Close"), self.tr("Close (Esc)")),
        ):
            button.setAccessibleName(name)
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.zoom_out_button.clicked.connect(lambda: self.zoom_by(1 / ZOOM_STEP))
        self.zoom_in_button.clicked.connect(lambda: self.zoom_by(ZOOM_STEP))
        self.fit_button.clicked.connect(self.fit)
        self.save_button.clicked.connect(self.saveRequested.emit)
        self.close_button.clicked.connect(self.close)
        self.save_button.setEnabled(False)
        bar = QHBoxLayout()
        bar.addWidget(self.zoom_out_button)
        bar.addWidget(self.zoom_in_button)
        bar.addWidget(self.fit_button)
        bar.addStretch(1)
        bar.addWidget(self.save_button)
        bar.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.area, 1)
        layout.addLayout(bar)
        self.resize(900, 680)

    @property
    def zoom(self) -> float:
        """The scale the image is shown at (1.0: one image pixel per logical pixel)."""
        return self._zoom

    def set_image(self, image: QImage) -> None:
        """Shows ``image`` fitted to the window (a null image: "could not be shown")."""
        self._image = image
        if image.isNull():
            self.picture.setText(self.tr("This image cannot be shown."))
            self.picture.adjustSize()
            return
        self.picture.setText("")
        self.save_button.setEnabled(True)
        self.fit()

    def fit(self) -> None:
        """Scales the image to fit the window (never above its own size)."""
        self._fit = True
        self._show_scaled(self._fit_zoom())

    def zoom_by(self, factor: float) -> None:
        """Zooms in (factor > 1) or out from the current scale."""
        if self._image.isNull():
            return
        self._fit = False
        self._show_scaled(max(MIN_ZOOM, min(MAX_ZOOM, self._zoom * factor)))

    def _fit_zoom(self) -> float:
        if self._image.isNull():
            return 1.0
        room = self.area.viewport().size() - QSize(2, 2)
        return min(
            1.0,
            room.width() / max(1, self._image.width()),
            room.height() / max(1, self._image.height()),
        )

    def _show_scaled(self, zoom: float) -> None:
        if self._image.isNull():
            return
        self._zoom = zoom
        ratio = self.devicePixelRatioF()
        size = self._image.size() * zoom
        scaled = self._image.scaled(
            size * ratio,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        pixmap = QPixmap.fromImage(scaled)
        pixmap.setDevicePixelRatio(ratio)
        self.picture.setPixmap(pixmap)
        self.picture.resize(size)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        """Stays fitted while in fit mode."""
        super().resizeEvent(event)
        if self._fit:
            self._show_scaled(self._fit_zoom())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """+ / - zoom, 0 fits, Esc closes."""
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(ZOOM_STEP)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_by(1 / ZOOM_STEP)
        elif key == Qt.Key.Key_0:
            self.fit()
        elif key == Qt.Key.Key_Escape:
            self.close()
        else:
            super().keyPressEvent(event)
