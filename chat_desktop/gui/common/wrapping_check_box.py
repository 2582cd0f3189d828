"""``WrappingCheckBox``: a check box whose text wraps onto more lines instead of widening its page.

A ``QCheckBox`` is at least as wide as its whole text on one line. At a 200 % text size, or in
a longer language, "Keep running in the tray when the window is closed" then made the Settings
page wider than its window and the page scrolled sideways. This check box asks for the room of
its longest word only and wraps the rest below, its box lined up with the first line. It is
still a ``QCheckBox`` (the same signals, ``text()``, accessible name and keyboard use), only
its size and its painting differ.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStyleOptionFocusRect,
    QStylePainter,
    QWidget,
)

_TEXT_FLAGS = Qt.TextFlag.TextWordWrap | Qt.TextFlag.TextShowMnemonic
#: Far more height than any text needs: the text's own height is measured inside it.
_UNBOUNDED = 1_000_000


class WrappingCheckBox(QCheckBox):
    """A ``QCheckBox`` whose text wraps to the width it is given (height follows width)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        """A check box showing ``text``, wrapped when the width is shorter than the text."""
        super().__init__(text, parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    # ---- size -------------------------------------------------------------------------------

    def _option(self) -> QStyleOptionButton:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        return option

    def _chrome(self) -> QSize:
        """The size of the box and its spacing without text (what the style adds to it)."""
        option = self._option()
        option.text = ""
        return self.style().sizeFromContents(
            QStyle.ContentsType.CT_CheckBox, option, QSize(0, 0), self
        )

    def _one_line_height(self) -> int:
        """The height of the check box with its text on one line."""
        size = QSize(0, self.fontMetrics().height())
        return (
            self.style()
            .sizeFromContents(QStyle.ContentsType.CT_CheckBox, self._option(), size, self)
            .height()
        )

    def _text_size(self, text_width: int) -> QSize:
        """The size the text takes wrapped to ``text_width`` pixels."""
        bounds = QRect(0, 0, max(1, text_width), _UNBOUNDED)
        return self.fontMetrics().boundingRect(bounds, int(_TEXT_FLAGS), self.text()).size()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        """As narrow as the longest word (never split inside a word), one line high."""
        metrics = self.fontMetrics()
        longest = max((metrics.horizontalAdvance(word) for word in self.text().split()), default=0)
        return QSize(self._chrome().width() + longest, self._one_line_height())

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        """Yes: fewer pixels across means more lines."""
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        """The height the text needs wrapped inside ``width`` pixels."""
        text = self._text_size(width - self._chrome().width())
        return max(
            self._one_line_height(),
            self.style()
            .sizeFromContents(QStyle.ContentsType.CT_CheckBox, self._option(), text, self)
            .height(),
        )

    # ---- painting and clicks ------------------------------------------------------------------

    def _parts(self) -> tuple[QStyleOptionButton, QRect, QRect]:
        """(the style option, the box's rectangle, the wrapped text's rectangle)."""
        option = self._option()
        style = self.style()
        first_line = QStyleOptionButton(option)  # the box sits beside the first line
        first_line.rect = QRect(0, 0, self.width(), self._one_line_height())
        box = style.subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, first_line, self)
        contents = style.subElementRect(QStyle.SubElement.SE_CheckBoxContents, option, self)
        top = max(0, (self._one_line_height() - self.fontMetrics().height()) // 2)
        room = QRect(contents.left(), top, contents.width(), self.height() - top)
        alignment = QStyle.visualAlignment(
            self.layoutDirection(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        )
        text = self.fontMetrics().boundingRect(room, int(alignment) | int(_TEXT_FLAGS), self.text())
        return option, box, text.intersected(room)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        """The style's box beside the first line, the text wrapped, the focus frame around it."""
        painter = QStylePainter(self)
        option, box, text = self._parts()
        indicator = QStyleOptionButton(option)
        indicator.rect = box
        painter.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorCheckBox, indicator)
        alignment = QStyle.visualAlignment(
            self.layoutDirection(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        )
        self.style().drawItemText(
            painter,
            text,
            int(alignment) | int(_TEXT_FLAGS),
            self.palette(),
            self.isEnabled(),
            self.text(),
            QPalette.ColorRole.WindowText,
        )
        if option.state & QStyle.StateFlag.State_HasFocus:
            focus = QStyleOptionFocusRect()
            focus.initFrom(self)
            focus.rect = text.adjusted(-2, -1, 2, 1).intersected(self.rect())
            painter.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus)

    def hitButton(self, pos: QPoint) -> bool:  # noqa: N802
        """A click on the box or on any line of its text toggles it."""
        _option, box, text = self._parts()
        return box.united(text).contains(pos)
