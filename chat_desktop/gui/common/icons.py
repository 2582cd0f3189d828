"""The app's own icons: small SVG line drawings shipped with the app, crisp at any scale.

Fonts may lack symbol glyphs (✓, 📎, 🔒), so nothing in the GUI draws symbols as text:
it asks :func:`icon` for a ``QIcon``. The SVGs draw with ``currentColor``; an icon from
:func:`icon` renders it in the palette's text colour at paint time, so it follows a
theme switch without being created again. :func:`tinted_icon` fixes the colour instead
(status marks in the meta or accent colour). Rendering goes through ``QtSvg`` directly,
so it does not depend on Qt's SVG icon-engine plugin being deployed.
"""

from __future__ import annotations

import functools
from importlib import resources

from PySide6.QtCore import QByteArray, QEvent, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QImage,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSizePolicy, QWidget

#: Every icon the app ships (file ``resources/icons/<name>.svg``).
ICON_NAMES: tuple[str, ...] = (
    "lock",
    "timer",
    "warning",
    "info",
    "verified",
    "attach",
    "send",
    "settings",
    "search",
    "new-chat",
    "app",
    "status-pending",
    "status-sent",
    "status-delivered",
    "status-read",
    "status-failed",
    "close",
    "reply",
    "download",
    "file",
    "archive",
    "hourglass",
    "muted",
    "pinned",
    "arrow-down",
    "arrow-up",
    "more",
    "emoji",
    "mic",
    "play",
    "pause",
    "call",
    "video",
    "video-off",
    "mic-off",
    "hang-up",
)
#: The full-colour application icon (``resources/icons/<name>.svg``, PNGs beside it).
APP_ICON_NAME = "chat-desktop"
#: The sizes of the PNG renderings of the application icon (scripts/render_app_icon.py).
APP_ICON_PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
_ENGINE_KEY = "chat_desktop_svg"
#: Rendered pixmaps kept per icon (sizes × modes × colours in use stay far below this).
_MAX_CACHED_PIXMAPS = 32


class UnknownIconError(KeyError):
    """The GUI asked for an icon the app does not ship (a programming error)."""

    def __init__(self, name: str) -> None:
        """Names the missing icon and the known ones."""
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        """A readable message (``KeyError`` would only quote the name)."""
        return f"No icon named {self.name!r}; the app ships: {', '.join(ICON_NAMES)}."


def icon_path(name: str) -> str:
    """The file of icon ``name`` (an SVG of the package's resources)."""
    if name not in ICON_NAMES and name != APP_ICON_NAME:
        raise UnknownIconError(name)
    return str(resources.files("chat_desktop.gui") / "resources" / "icons" / f"{name}.svg")


@functools.cache
def _svg_text(name: str) -> str:
    with open(icon_path(name), encoding="utf-8") as file:
        return file.read()


class _SvgIconEngine(QIconEngine):
    """Renders one SVG at any size, ``currentColor`` replaced by a colour.

    With ``color`` None the colour comes from the application palette at paint time
    (text; disabled text for a disabled control; highlighted text when selected).
    """

    def __init__(self, name: str, color: QColor | None, recolor: bool = True) -> None:
        super().__init__()
        self._name = name
        self._color = QColor(color) if color is not None else None
        self._recolor = recolor
        self._renderers: dict[str, QSvgRenderer] = {}
        self._pixmaps: dict[tuple[int, int, str, int], QPixmap] = {}

    def _color_for(self, mode: QIcon.Mode) -> str:
        if self._color is not None:
            color = QColor(self._color)
            if mode == QIcon.Mode.Disabled:
                color.setAlphaF(color.alphaF() * 0.45)
            return color.name(QColor.NameFormat.HexArgb)
        palette = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
        if mode == QIcon.Mode.Selected:
            return palette.color(QPalette.ColorRole.HighlightedText).name()
        return palette.color(QPalette.ColorRole.WindowText).name()

    def _renderer(self, color: str) -> QSvgRenderer:
        renderer = self._renderers.get(color)
        if renderer is None:
            text = _svg_text(self._name)
            if self._recolor:
                fill = QColor(color)
                # SVG colours carry no alpha: the opacity goes into its own attribute.
                text = text.replace("currentColor", fill.name()).replace(
                    "<svg ", f'<svg opacity="{fill.alphaF():.3f}" ', 1
                )
            renderer = QSvgRenderer(QByteArray(text.encode("utf-8")))
            self._renderers[color] = renderer
        return renderer

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        """Draws the icon into ``rect`` (vector: sharp at the painter's scale)."""
        self._renderer(self._color_for(mode)).render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        """The icon rendered at ``size`` device pixels."""
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(  # noqa: N802
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        """The icon rendered for a ``scale`` screen (``size`` in device-independent pixels)."""
        color = self._color_for(mode)
        width = max(1, round(size.width() * scale))
        height = max(1, round(size.height() * scale))
        key = (width, height, color, round(scale * 100))
        cached = self._pixmaps.get(key)
        if cached is not None:
            return QPixmap(cached)
        image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer(color).render(painter, QRectF(0, 0, width, height))
        painter.end()
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(scale)
        if len(self._pixmaps) >= _MAX_CACHED_PIXMAPS:
            self._pixmaps.clear()
        self._pixmaps[key] = pixmap
        return QPixmap(pixmap)

    def actualSize(  # noqa: N802
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State
    ) -> QSize:
        """Any size asked for: a vector icon fills it."""
        return QSize(size)

    def clone(self) -> QIconEngine:
        """A copy for a detached ``QIcon``."""
        engine = _SvgIconEngine(self._name, self._color, self._recolor)
        _engines.append(engine)
        return engine

    def key(self) -> str:
        """Identifies the engine's kind to Qt."""
        return _ENGINE_KEY

    def iconName(self) -> str:  # noqa: N802
        """The icon's name (as given to :func:`icon`)."""
        return self._name

    def isNull(self) -> bool:  # noqa: N802
        """Never null: the SVG is shipped with the app."""
        return False


#: Engines made by ``clone``: Qt takes no ownership of a clone returned from Python, so it is
#: kept here (without this, the clone is freed while its QIcon still uses it). Rare: Qt
#: clones only when a shared icon is modified.
_engines: list[_SvgIconEngine] = []


def _make_icon(name: str, color: QColor | None, recolor: bool = True) -> QIcon:
    _svg_text(name)  # fails now, not when painted, if the file is missing
    return QIcon(_SvgIconEngine(name, color, recolor))  # QIcon takes ownership


@functools.cache
def icon(name: str) -> QIcon:
    """The icon ``name`` drawn in the palette's text colour (follows theme switches).

    Raises:
        UnknownIconError: ``name`` is not one of :data:`ICON_NAMES`.
    """
    if name not in ICON_NAMES:
        raise UnknownIconError(name)
    return _make_icon(name, None)


def tinted_icon(name: str, color: QColor | str) -> QIcon:
    """The icon ``name`` drawn in ``color`` whatever the palette (status marks, badges).

    Raises:
        UnknownIconError: ``name`` is not one of :data:`ICON_NAMES`.
    """
    return _tinted_icon(name, QColor(color).rgba())


@functools.lru_cache(maxsize=128)
def _tinted_icon(name: str, rgba: int) -> QIcon:
    if name not in ICON_NAMES:
        raise UnknownIconError(name)
    return _make_icon(name, QColor.fromRgba(rgba))


@functools.cache
def app_icon() -> QIcon:
    """The application's full-colour icon (window, taskbar, about box)."""
    return _make_icon(APP_ICON_NAME, None, recolor=False)


class IconLabel(QWidget):
    """Shows one of the app's icons, drawn at paint time, one line of its font high.

    A ``QLabel`` holding ``icon(...).pixmap(...)`` keeps the colours and the size of the moment
    it was made: after a theme switch it is pale on a light window (or dark on a dark one),
    and a larger text size leaves it small. This widget paints the icon whenever it is drawn,
    so it always has the palette's colours (or ``color``'s, when fixed) and its font's size.
    """

    def __init__(
        self,
        name: str,
        parent: QWidget | None = None,
        *,
        color: QColor | str | None = None,
        lines: float = 1.0,
    ) -> None:
        """An icon ``name`` (``color``: a fixed tint; None: the palette's text colour).

        Raises:
            UnknownIconError: ``name`` is not one of :data:`ICON_NAMES`.
        """
        super().__init__(parent)
        self._lines = lines
        self._name = name
        self._color: QColor | None = None
        self._icon = QIcon()
        self.set_icon(name, color)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    @property
    def icon_name(self) -> str:
        """The icon shown."""
        return self._name

    def set_icon(self, name: str, color: QColor | str | None = None) -> None:
        """Shows icon ``name`` instead (``color`` as in the constructor)."""
        self._name = name
        self._color = None if color is None else QColor(color)
        self._icon = icon(name) if self._color is None else tinted_icon(name, self._color)
        self.update()

    def side(self) -> int:
        """The icon's side in pixels: :attr:`lines` lines of the widget's font."""
        return max(8, round(self.fontMetrics().height() * self._lines))

    def sizeHint(self) -> QSize:  # noqa: N802
        """A square of :meth:`side`."""
        return QSize(self.side(), self.side())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        """As large as :meth:`sizeHint` (an icon does not squeeze)."""
        return self.sizeHint()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """A new font (text size) changes the size; a new palette only needs a repaint."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        """Draws the icon, centred, in the colours of now."""
        side = min(self.side(), self.width(), self.height())
        rect = QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)
        painter = QPainter(self)
        mode = QIcon.Mode.Normal if self.isEnabled() else QIcon.Mode.Disabled
        self._icon.paint(painter, rect, Qt.AlignmentFlag.AlignCenter, mode)
        painter.end()
