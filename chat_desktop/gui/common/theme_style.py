"""``ThemeStyle``: Fusion with the parts it cannot take from a palette drawn in the theme's colours.

Fusion derives a check box's edge from the window colour (darker by 40 %), which on a dark
window is a near-black line on a near-black background: an unchecked box disappears. Its
standard icons (the clear button of a search box, "Close" on dialog buttons) are fixed dark
pictures, dark on a dark theme. And its icon sizes are fixed pixels, so at a 200 % text size
icons stay small beside doubled text. This proxy draws check boxes and radio buttons from the
theme's :attr:`~chat_desktop.gui.common.theme.ThemeColors.control_border` (a WCAG 3:1 edge on both
themes), answers the close-like standard icons with the app's own SVG (drawn in the palette's
text colour at paint time), and grows icon and indicator sizes with the text size.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleFactory, QStyleOption, QWidget

from chat_desktop.gui.common.icons import icon


class IndicatorColors(Protocol):
    """The colours the style draws with (a :class:`~chat_desktop.gui.common.theme.ThemeColors`)."""

    @property
    def base(self) -> str:
        """Inside an unchecked indicator."""

    @property
    def text(self) -> str:
        """Main text colour."""

    @property
    def hover(self) -> str:
        """A pressed, unchecked indicator."""

    @property
    def accent(self) -> str:
        """A checked indicator, and the edge under the mouse or the keyboard focus."""

    @property
    def accent_hover(self) -> str:
        """A pressed, checked indicator."""

    @property
    def accent_text(self) -> str:
        """The check mark."""

    @property
    def control_border(self) -> str:
        """The edge of an unchecked indicator."""


_Metric = QStyle.PixelMetric
#: Sizes that grow with the text size (icons beside text, check box and radio indicators).
SCALED_METRICS = (
    _Metric.PM_SmallIconSize,
    _Metric.PM_ButtonIconSize,
    _Metric.PM_ToolBarIconSize,
    _Metric.PM_ListViewIconSize,
    _Metric.PM_TabBarIconSize,
    _Metric.PM_MessageBoxIconSize,
    _Metric.PM_IndicatorWidth,
    _Metric.PM_IndicatorHeight,
    _Metric.PM_ExclusiveIndicatorWidth,
    _Metric.PM_ExclusiveIndicatorHeight,
)
_Pixmap = QStyle.StandardPixmap
#: Fusion's close-like pictures, answered with the app's themed "close" icon.
CLOSE_ICONS = (
    _Pixmap.SP_LineEditClearButton,
    _Pixmap.SP_DialogCloseButton,
    _Pixmap.SP_DialogCancelButton,
    _Pixmap.SP_TitleBarCloseButton,
    _Pixmap.SP_DockWidgetCloseButton,
    _Pixmap.SP_TabCloseButton,
)
_Element = QStyle.PrimitiveElement
_State = QStyle.StateFlag


class ThemeStyle(QProxyStyle):
    """Fusion, with indicators, close icons and icon sizes that follow the theme and text size."""

    def __init__(self, colors: IndicatorColors, text_scale_percent: int = 100) -> None:
        """Wraps a new Fusion style, drawing with ``colors`` at ``text_scale_percent``."""
        super().__init__(QStyleFactory.create("Fusion"))
        self.colors = colors
        self.text_scale_percent = text_scale_percent

    def set_look(self, colors: IndicatorColors, text_scale_percent: int) -> None:
        """Takes the colours and text size applied now (the app repolishes afterwards)."""
        self.colors = colors
        self.text_scale_percent = text_scale_percent

    def pixelMetric(  # noqa: N802
        self,
        metric: QStyle.PixelMetric,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
    ) -> int:
        """Fusion's metric, icon and indicator sizes grown with the text size."""
        value = super().pixelMetric(metric, option, widget)
        if metric in SCALED_METRICS:
            return max(1, round(value * self.text_scale_percent / 100))
        return value

    def standardIcon(  # noqa: N802
        self,
        standard_icon: QStyle.StandardPixmap,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
    ) -> QIcon:
        """The app's "close" icon (theme-coloured) for close-like pictures; Fusion's otherwise."""
        if standard_icon in CLOSE_ICONS:
            return icon("close")
        return super().standardIcon(standard_icon, option, widget)

    def drawPrimitive(  # noqa: N802
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        """Check boxes and radio buttons in the theme's colours; everything else Fusion's."""
        if element in (_Element.PE_IndicatorCheckBox, _Element.PE_IndicatorItemViewItemCheck):
            self._draw_check_box(option, painter)
            return
        if element == _Element.PE_IndicatorRadioButton:
            self._draw_radio_button(option, painter)
            return
        super().drawPrimitive(element, option, painter, widget)

    # ---- indicators -----------------------------------------------------------------------

    def _indicator_colors(self, option: QStyleOption) -> tuple[QColor, QColor, QColor, bool]:
        """(edge, fill, mark, marked) for the indicator's state."""
        colors = self.colors
        state = option.state
        enabled = bool(state & _State.State_Enabled)
        marked = bool(state & (_State.State_On | _State.State_NoChange))
        if marked:
            edge = fill = QColor(colors.accent)
            mark = QColor(colors.accent_text)
        else:
            edge = QColor(colors.control_border)
            fill = QColor(colors.base)
            mark = QColor(colors.text)
        if state & _State.State_Sunken:
            fill = QColor(colors.hover) if not marked else QColor(colors.accent_hover)
        elif state & (_State.State_MouseOver | _State.State_HasFocus) and enabled:
            edge = QColor(colors.accent)
        if not enabled:
            for color in (edge, fill, mark):
                color.setAlphaF(color.alphaF() * 0.45)
        return edge, fill, mark, marked

    def _draw_check_box(self, option: QStyleOption, painter: QPainter) -> None:
        edge, fill, mark, marked = self._indicator_colors(option)
        box = QRectF(option.rect).adjusted(1, 1, -1, -1)
        side = min(box.width(), box.height())
        box = QRectF(box.center().x() - side / 2, box.center().y() - side / 2, side, side)
        pen_width = max(1.0, side / 13)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(edge, pen_width))
        painter.setBrush(fill)
        inner = box.adjusted(pen_width / 2, pen_width / 2, -pen_width / 2, -pen_width / 2)
        painter.drawRoundedRect(inner, side / 6, side / 6)
        if marked:
            pen = QPen(mark, max(1.5, side / 7))
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            x, y, s = box.left(), box.top(), side
            if option.state & _State.State_NoChange:
                painter.drawLine(QPointF(x + s * 0.27, y + s / 2), QPointF(x + s * 0.73, y + s / 2))
            else:
                path = QPainterPath(QPointF(x + s * 0.25, y + s * 0.52))
                path.lineTo(QPointF(x + s * 0.43, y + s * 0.7))
                path.lineTo(QPointF(x + s * 0.76, y + s * 0.32))
                painter.drawPath(path)
        painter.restore()

    def _draw_radio_button(self, option: QStyleOption, painter: QPainter) -> None:
        edge, fill, mark, marked = self._indicator_colors(option)
        box = QRectF(option.rect).adjusted(1, 1, -1, -1)
        side = min(box.width(), box.height())
        center = box.center()
        pen_width = max(1.0, side / 13)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(edge, pen_width))
        painter.setBrush(fill)
        radius = (side - pen_width) / 2
        painter.drawEllipse(center, radius, radius)
        if marked:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(mark)
            painter.drawEllipse(center, side * 0.2, side * 0.2)
        painter.restore()
