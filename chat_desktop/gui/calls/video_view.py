"""``VideoView``: shows a call's video (the peer's, or our own preview).

Frames arrive as PyAV ``VideoFrame``s on whatever thread decoded them (the camera's reader,
the media's frame thread). :meth:`VideoView.post` turns one into a ``QImage`` right there,
then hands the picture to the GUI thread through a queued signal: the GUI thread only
paints. numpy is not needed: the frame is reformatted to packed RGB, scaled down to at most
:data:`MAX_WIDTH` pixels wide on the way, and its plane's bytes are read with their line size.

The picture is drawn whole (letterboxed) on a black backdrop, the convention of video
everywhere, whatever the theme; with no picture the view shows a line of text
(:meth:`VideoView.set_placeholder`: "Camera off", the peer's name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

if TYPE_CHECKING:
    import av

#: Frames wider than this are scaled down before they reach the GUI thread.
MAX_WIDTH = 960
#: The backdrop and the placeholder's text: video's own colours, the same in both themes.
BACKDROP = QColor(0, 0, 0)
PLACEHOLDER_TEXT = QColor(235, 235, 235)


def frame_to_image(frame: av.VideoFrame) -> QImage:
    """``frame`` as a ``QImage`` of its own (RGB, at most :data:`MAX_WIDTH` wide)."""
    width, height = frame.width, frame.height
    if width > MAX_WIDTH:
        height = max(2, round(height * MAX_WIDTH / width) // 2 * 2)
        width = MAX_WIDTH
    rgb = frame.reformat(width=width, height=height, format="rgb24")
    plane = rgb.planes[0]
    image = QImage(
        bytes(plane), rgb.width, rgb.height, plane.line_size, QImage.Format.Format_RGB888
    )
    return image.copy()  # its own pixels: the plane's bytes go with the frame


class VideoView(QWidget):
    """One video picture, letterboxed on black.

    Signals:
        imageArrived(QImage): A converted frame (emitted from any thread, delivered queued).
    """

    imageArrived = Signal(QImage)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty view (the placeholder shows until the first frame)."""
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self._placeholder = ""
        #: Drawn with an edge (the preview over the peer's video, both black otherwise).
        self.framed = False
        #: How many frames were shown (tests wait for one).
        self.frames_shown = 0
        self.imageArrived.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def post(self, frame: av.VideoFrame) -> None:
        """Converts ``frame`` on the calling thread and sends it to the GUI thread."""
        self.imageArrived.emit(frame_to_image(frame))

    def _show(self, image: QImage) -> None:
        self.show_image(image)

    def show_image(self, image: QImage) -> None:
        """Shows ``image`` (on the GUI thread)."""
        self._image = image
        self.frames_shown += 1
        self.update()

    def clear(self) -> None:
        """Drops the picture (the placeholder shows again)."""
        self._image = None
        self.update()

    @property
    def image(self) -> QImage | None:
        """The picture shown, if any."""
        return self._image

    def set_placeholder(self, text: str) -> None:
        """The line shown while there is no picture."""
        self._placeholder = text
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        """A 4:3 picture of a useful size."""
        return QSize(640, 480)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        """The picture, whole and centred, on black; else the placeholder."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKDROP)
        image = self._image
        if image is not None and not image.isNull():
            size = image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(self.rect().center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, image)
        elif self._placeholder:
            painter.setPen(PLACEHOLDER_TEXT)
            painter.drawText(
                self.rect().adjusted(8, 8, -8, -8),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self._placeholder,
            )
        if self.framed:
            painter.setPen(PLACEHOLDER_TEXT)
            painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.end()
