"""``EmojiPicker``: the popup that offers every emoji (search, recent ones, skin tones).

Opened from the composer's emoji button and from the reaction picker's "+". A search field
filters by name (English, and Indonesian too when the app speaks Indonesian); the "Recent"
grid (kept in the encrypted settings through ``client.preferences``) comes before all the
emoji; six buttons choose the skin tone for the emoji that have one. The grids are item views
over small models (never a widget per emoji), so the popup opens at once.

Keyboard: typing searches, Down (or Tab) moves into the grids, the arrows move between emoji,
Enter picks, Esc closes. Each cell's accessible name is the emoji's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.popup_place import show_above
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.common.theme import current_colors
from chat_desktop.gui.common.translation import current_language
from chat_desktop.gui.conversation.emoji_data import SKIN_TONES, emoji_catalogue

#: The colour emoji font (package fonts-noto-color-emoji).
EMOJI_FONT_FAMILY = "Noto Color Emoji"
#: Emoji per row of the grids.
COLUMNS = 9
#: Rows of the main grid shown at once (it scrolls).
VISIBLE_ROWS = 7
#: The role holding a cell's emoji (tone applied), what a pick inserts.
EMOJI_ROLE = Qt.ItemDataRole.UserRole + 1
#: The raised hand, shown in each skin tone on the tone buttons.
_TONE_SAMPLE = chr(0x270B)
#: What a screen reader says for each tone button (default first, then lightest to darkest).
TONE_NAMES: tuple[str, ...] = (
    str(QT_TRANSLATE_NOOP("EmojiPicker", "Default skin tone")),
    str(QT_TRANSLATE_NOOP("EmojiPicker", "Light skin tone")),
    str(QT_TRANSLATE_NOOP("EmojiPicker", "Medium-light skin tone")),
    str(QT_TRANSLATE_NOOP("EmojiPicker", "Medium skin tone")),
    str(QT_TRANSLATE_NOOP("EmojiPicker", "Medium-dark skin tone")),
    str(QT_TRANSLATE_NOOP("EmojiPicker", "Dark skin tone")),
)


def emoji_font(base: QFont, scale: float = 1.5) -> QFont:
    """``base`` with the colour emoji font first (the text font for anything it lacks)."""
    font = QFont(base)
    font.setFamilies([EMOJI_FONT_FAMILY, *base.families()])
    size = base.pointSizeF()
    if size > 0:
        font.setPointSizeF(size * scale)
    return font


class RecentEmojiSource(Protocol):
    """Where recent emoji and the skin tone are kept: ``client.preferences`` (anything with
    these methods)."""

    async def recent_emoji(self) -> list[str]:
        """The emoji used lately, most recent first."""
        ...

    async def note_emoji_used(self, emoji: str) -> None:
        """Remembers that ``emoji`` was just used."""
        ...

    async def skin_tone(self) -> str | None:
        """The skin tone chosen last (None: the default yellow)."""
        ...

    async def set_skin_tone(self, tone: str | None) -> None:
        """Remembers the skin tone chosen."""
        ...


class EmojiListModel(QAbstractListModel):
    """A list of emoji for a grid: the emoji (with the chosen tone) and its name per row."""

    def __init__(self, parent: QObject | None = None) -> None:
        """An empty list."""
        super().__init__(parent)
        self._emoji: list[str] = []
        self._tone: str | None = None
        self._language = "en"

    def set_emoji(self, emoji: list[str]) -> None:
        """Shows ``emoji`` (untoned: the chosen tone is applied where it exists)."""
        self.beginResetModel()
        self._emoji = emoji
        self.endResetModel()

    def set_tone(self, tone: str | None) -> None:
        """Applies skin tone ``tone`` (None: the default yellow) to the emoji that have it."""
        self._tone = tone
        if self._emoji:
            self.dataChanged.emit(self.index(0), self.index(len(self._emoji) - 1))

    def set_language(self, language: str) -> None:
        """The language of the names (accessible names and tooltips)."""
        self._language = language

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """How many emoji are listed."""
        return 0 if parent.isValid() else len(self._emoji)

    def emoji_at(self, row: int) -> str:
        """The emoji of ``row`` as a pick gives it (the chosen tone applied)."""
        return emoji_catalogue().with_tone(self._emoji[row], self._tone)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        """The emoji (display, pick) and its name (accessible text, tooltip)."""
        if not index.isValid() or not 0 <= index.row() < len(self._emoji):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, EMOJI_ROLE):
            return self.emoji_at(index.row())
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return emoji_catalogue().name_of(self.emoji_at(index.row()), self._language)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        return None


class EmojiGrid(QListView):
    """A grid of emoji cells; Enter or a click picks, arrows past an edge leave it.

    Signals:
        picked(str): The emoji of the current cell was chosen.
        leftTop(): Up was pressed on the first row.
        leftBottom(): Down was pressed on the last row.
    """

    picked = Signal(str)
    leftTop = Signal()  # noqa: N815
    leftBottom = Signal()  # noqa: N815

    def __init__(self, model: EmojiListModel, cell: int, parent: QWidget | None = None) -> None:
        """A grid over ``model`` with square cells of ``cell`` pixels."""
        super().__init__(parent)
        self.setModel(model)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setWrapping(True)
        self.setGridSize(QSize(cell, cell))
        self.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.clicked.connect(lambda index: self.picked.emit(index.data(EMOJI_ROLE)))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Enter or Space picks; Up/Down past the first/last row leave the grid."""
        key = event.key()
        current = self.currentIndex()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and current.isValid():
            self.picked.emit(current.data(EMOJI_ROLE))
            return
        before = current.row()
        super().keyPressEvent(event)
        if self.currentIndex().row() == before:
            if key == Qt.Key.Key_Up:
                self.leftTop.emit()
            elif key == Qt.Key.Key_Down:
                self.leftBottom.emit()

    def enter(self) -> None:
        """Focuses the grid with its first cell current (if it has cells)."""
        if self.model().rowCount() == 0:
            return
        if not self.currentIndex().isValid():
            self.setCurrentIndex(self.model().index(0, 0))
        self.setFocus()


class EmojiPicker(QFrame):
    """The popup of every emoji; picking one emits :attr:`picked` and closes it.

    Signals:
        picked(str): The emoji chosen (skin tone applied).
        closed(): The popup closed (after a pick or not).
    """

    picked = Signal(str)
    closed = Signal()

    def __init__(
        self,
        recent: RecentEmojiSource | None = None,
        parent: QWidget | None = None,
        accepts: Callable[[str], bool] | None = None,
    ) -> None:
        """Builds the popup.

        Args:
            recent: Where recent emoji are read and noted (None: no "Recent" grid).
            parent: The widget it belongs to.
            accepts: Only emoji it accepts are offered (the reaction bounds, say).
        """
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("emojiPicker")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setAccessibleName(self.tr("Emoji"))
        self._recent_source = recent
        self._accepts = accepts
        self._language = current_language()
        self._catalogue = emoji_catalogue()
        font = emoji_font(self.font())
        cell = round(self.fontMetrics().height() * 2.2)

        self.search = QLineEdit(self)
        self.search.setObjectName("emojiSearch")
        self.search.setPlaceholderText(self.tr("Search emoji"))
        self.search.setAccessibleName(self.tr("Search emoji"))
        self.search.setClearButtonEnabled(True)

        self.tone_buttons: list[QToolButton] = []
        self._tone_group = QButtonGroup(self)
        tones_row = QHBoxLayout()
        tones_row.setSpacing(2)
        tones_label = QLabel(self.tr("Skin tone"), self)
        tones_row.addWidget(tones_label)
        tones_row.addStretch(1)
        for number, (tone, name) in enumerate(zip((None, *SKIN_TONES), TONE_NAMES, strict=True)):
            button = QToolButton(self)
            button.setObjectName("emojiTone")
            button.setText(_TONE_SAMPLE + (tone or ""))
            button.setFont(emoji_font(self.font(), 1.0))
            button.setCheckable(True)
            button.setChecked(tone is None)
            button.setAutoRaise(True)
            button.setAccessibleName(self.tr(name))
            button.setToolTip(self.tr(name))
            self._tone_group.addButton(button, number)
            tones_row.addWidget(button)
            self.tone_buttons.append(button)
        self._tone_group.idClicked.connect(self._tone_chosen)

        self.recent_label = QLabel(self.tr("Recent"), self)
        self.recent_model = EmojiListModel(self)
        self.recent_grid = EmojiGrid(self.recent_model, cell, self)
        self.recent_grid.setObjectName("emojiRecent")
        self.recent_grid.setAccessibleName(self.tr("Recent emoji"))
        self.all_label = QLabel(self.tr("All emoji"), self)
        self.model = EmojiListModel(self)
        self.grid = EmojiGrid(self.model, cell, self)
        self.grid.setObjectName("emojiGrid")
        self.grid.setAccessibleName(self.tr("All emoji"))
        self.empty_label = QLabel(self.tr("No emoji found"), self)
        self.empty_label.hide()
        for model in (self.recent_model, self.model):
            model.set_language(self._language)
        for grid in (self.recent_grid, self.grid):
            grid.setFont(font)
            scroll_bar = grid.verticalScrollBar().sizeHint().width()
            grid.setFixedWidth(cell * COLUMNS + scroll_bar + 2 * grid.frameWidth() + 8)
            grid.picked.connect(self._pick)
        self.recent_grid.setFixedHeight(cell + 4)
        self.grid.setFixedHeight(cell * VISIBLE_ROWS + 4)
        self.recent_label.hide()
        self.recent_grid.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addLayout(tones_row)
        layout.addWidget(self.recent_label)
        layout.addWidget(self.recent_grid)
        layout.addWidget(self.all_label)
        layout.addWidget(self.grid)
        layout.addWidget(self.empty_label)

        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._pick_first)
        self.search.installEventFilter(self)
        self.recent_grid.leftTop.connect(self.search.setFocus)
        self.recent_grid.leftBottom.connect(self.grid.enter)
        self.grid.leftTop.connect(self._up_from_grid)
        self._recent: list[str] = []
        self._filter("")
        self._apply_colors()
        if recent is not None:
            spawn(self._load_recent(recent), "load recent emoji")

    # ---- showing -----------------------------------------------------------------------------

    def popup_at(self, global_pos: QPoint) -> None:
        """Shows the popup above ``global_pos`` (kept on the screen), the search focused."""
        show_above(self, global_pos)
        self.search.setFocus()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Tells the opener that the popup is gone."""
        self.closed.emit()
        super().closeEvent(event)

    # ---- content -----------------------------------------------------------------------------

    async def _load_recent(self, source: RecentEmojiSource) -> None:
        tone = await source.skin_tone()
        if tone in SKIN_TONES:
            number = SKIN_TONES.index(tone) + 1
            self.tone_buttons[number].setChecked(True)
            self.model.set_tone(tone)
        recent = await source.recent_emoji()
        self._recent = [e for e in recent if self._accepts is None or self._accepts(e)]
        self._show_recent()

    def _show_recent(self) -> None:
        shown = bool(self._recent) and not self.search.text().strip()
        self.recent_model.set_emoji(list(self._recent))
        self.recent_label.setVisible(shown)
        self.recent_grid.setVisible(shown)

    def _filter(self, query: str) -> None:
        found = self._catalogue.search(query, self._language)
        if self._accepts is not None:
            accepts = self._accepts
            found = [e for e in found if accepts(e)]
        self.model.set_emoji(found)
        self.all_label.setText(self.tr("Results") if query.strip() else self.tr("All emoji"))
        self.empty_label.setVisible(not found)
        self._show_recent()

    def _tone_chosen(self, number: int) -> None:
        tone = None if number == 0 else SKIN_TONES[number - 1]
        self.model.set_tone(tone)
        if self._recent_source is not None:  # the next picker opens with it
            spawn(self._recent_source.set_skin_tone(tone), "remember skin tone")

    # ---- keyboard ----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: Any) -> bool:  # noqa: N802
        """Down or Tab in the search field moves into the grids."""
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Tab)
        ):
            self._into_grids()
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Esc closes the popup."""
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

    def _into_grids(self) -> None:
        if self.recent_grid.isVisible() and self.recent_model.rowCount():
            self.recent_grid.enter()
        else:
            self.grid.enter()

    def _up_from_grid(self) -> None:
        if self.recent_grid.isVisible():
            self.recent_grid.enter()
        else:
            self.search.setFocus()

    # ---- picking -----------------------------------------------------------------------------

    def _pick_first(self) -> None:
        if self.model.rowCount():
            self._pick(self.model.emoji_at(0))

    def _pick(self, emoji: str) -> None:
        if self._recent_source is not None:
            spawn(self._recent_source.note_emoji_used(emoji), "note emoji used")
        self.picked.emit(emoji)
        self.close()

    def _apply_colors(self) -> None:
        colors = current_colors()
        self.setStyleSheet(
            f"QFrame#emojiPicker {{ background: {colors.base};"
            f" border: 1px solid {colors.border}; border-radius: 8px; }}"
            " QToolButton#emojiTone { border: 2px solid transparent; border-radius: 6px; }"
            f" QToolButton#emojiTone:checked {{ background: {colors.selection_background}; }}"
            f" QToolButton#emojiTone:focus {{ border-color: {colors.accent}; }}"
        )
