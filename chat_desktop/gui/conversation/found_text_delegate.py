"""``FoundTextDelegate``: a search result's lines with the words that matched highlighted.

The search panel lists each result as plain text ("alice · 3 May\\n…excerpt…"); this delegate
draws the item as the style does (background, selection, focus) and then its text line by line,
with the search's matched words (:func:`~chat_desktop.gui.conversation.match_ranges.match_ranges`,
the rule the store matched them by) on the highlight colour.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette, QTextCharFormat, QTextLayout
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from chat_desktop.gui.conversation.match_ranges import match_ranges

#: Space above the first line and below the last (px).
LINE_MARGIN = 2


class FoundTextDelegate(QStyledItemDelegate):
    """Draws list items whose words matching :attr:`query` are highlighted.

    Attributes:
        query: The words searched for ("" highlights nothing).
    """

    query = ""

    def sizeHint(  # noqa: N802
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """Tall enough for every line of the item's text."""
        size = super().sizeHint(option, index)
        lines = str(index.data(Qt.ItemDataRole.DisplayRole) or "").count("\n") + 1
        height = lines * QFontMetrics(option.font).lineSpacing() + 2 * LINE_MARGIN
        return QSize(size.width(), max(size.height(), height))

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """The item's background as the style draws it, then its lines with the matches."""
        styled = QStyleOptionViewItem(option)
        self.initStyleOption(styled, index)
        text = styled.text
        styled.text = ""
        widget = styled.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, styled, painter, widget)
        area = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, styled, widget)
        selected = bool(styled.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = styled.palette
        pen = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        found = QTextCharFormat()
        found.setFontWeight(700)
        if not selected:
            found.setBackground(palette.color(QPalette.ColorRole.Highlight))
            found.setForeground(palette.color(QPalette.ColorRole.HighlightedText))
        painter.save()
        painter.setPen(QColor(pen))
        font = styled.font
        y = float(area.top() + LINE_MARGIN)
        # The style option carries line breaks as U+2028 (Qt's line separator).
        for line in str(text).replace("\u2028", "\n").split("\n"):
            layout = QTextLayout(line, font)
            ranges = []
            for start, length in match_ranges(line, self.query):
                format_range = QTextLayout.FormatRange()
                format_range.start, format_range.length, format_range.format = start, length, found
                ranges.append(format_range)
            layout.setFormats(ranges)
            layout.beginLayout()
            text_line = layout.createLine()
            text_line.setLineWidth(area.width())
            layout.endLayout()
            layout.draw(painter, QPointF(area.left(), y))
            y += text_line.height()
        painter.restore()
