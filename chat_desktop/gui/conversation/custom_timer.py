"""``CustomTimerDialog``: a disappearing timer the menu does not offer, as a number and a unit.

The number is bounded for each unit so the timer never passes the protocol's maximum (one
year, docs/protocol.md §4: ``expire_timer`` 0 … 31,536,000 s): 52 weeks, 365 days, 8,760
hours… A value typed past the bound is held at it. The dialog is opened with ``open()``
(never ``exec()``, see :mod:`chat_desktop.gui.common.notices`); :func:`ask_custom_timer` awaits it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.notices import finished
from chat_desktop.services.conversation_actions import LONGEST_TIMER_SECONDS

#: The units offered, largest first: seconds per unit and the unit's name (the number is
#: in its own box, so the name is the plural form).
TIMER_UNITS: tuple[tuple[int, str], ...] = (
    (7 * 86_400, str(QT_TRANSLATE_NOOP("CustomTimerDialog", "weeks"))),
    (86_400, str(QT_TRANSLATE_NOOP("CustomTimerDialog", "days"))),
    (3_600, str(QT_TRANSLATE_NOOP("CustomTimerDialog", "hours"))),
    (60, str(QT_TRANSLATE_NOOP("CustomTimerDialog", "minutes"))),
    (1, str(QT_TRANSLATE_NOOP("CustomTimerDialog", "seconds"))),
)


def split_timer(seconds: int) -> tuple[int, int]:
    """``seconds`` as (number, seconds per unit) in its largest whole unit (0 → 1 day)."""
    if seconds <= 0:
        return 1, 86_400
    unit = next(u for u, _name in TIMER_UNITS if seconds % u == 0)
    return seconds // unit, unit


class CustomTimerDialog(QDialog):
    """Asks for a disappearing timer as a number and a unit (at most one year).

    Attributes:
        number_box: How many units (1 … the unit's bound).
        unit_box: The unit (its item data: seconds per unit).
        ok_button: "Set" (the default: Enter sets the timer shown).
    """

    def __init__(self, current: int, parent: QWidget | None = None) -> None:
        """Builds the dialog showing ``current`` seconds (or 1 day while the timer is off)."""
        super().__init__(parent)
        self.setObjectName("customTimerDialog")
        self.setWindowTitle(self.tr("Disappearing messages"))
        intro = QLabel(self.tr("New messages in this conversation disappear after:"))
        intro.setWordWrap(True)
        self.number_box = QSpinBox()
        self.number_box.setObjectName("customTimerNumber")
        self.number_box.setAccessibleName(self.tr("Number"))
        self.unit_box = QComboBox()
        self.unit_box.setObjectName("customTimerUnit")
        self.unit_box.setAccessibleName(self.tr("Unit"))
        for unit, name in TIMER_UNITS:
            self.unit_box.addItem(self.tr(name), unit)
        bound = QLabel(self.tr("At most one year."))
        bound.setObjectName("customTimerBound")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert isinstance(ok, QPushButton)
        ok.setText(self.tr("Set"))
        ok.setDefault(True)
        self.ok_button = ok
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.number_box)
        row.addWidget(self.unit_box, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(bound)
        layout.addWidget(buttons)
        number, unit = split_timer(current)
        self.unit_box.currentIndexChanged.connect(self._bound_number)
        self.unit_box.setCurrentIndex(self.unit_box.findData(unit))
        self._bound_number()
        self.number_box.setValue(number)
        self.number_box.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def seconds(self) -> int:
        """The timer shown, in seconds (1 … one year)."""
        return min(
            LONGEST_TIMER_SECONDS, self.number_box.value() * int(self.unit_box.currentData())
        )

    def _bound_number(self) -> None:
        """Keeps the number within what the unit allows (a year's worth at most)."""
        unit = int(self.unit_box.currentData())
        self.number_box.setRange(1, LONGEST_TIMER_SECONDS // unit)


async def ask_custom_timer(
    parent: QWidget,
    current: int,
    opened: Callable[[CustomTimerDialog], None] = lambda _dialog: None,
) -> int | None:
    """Opens the dialog showing ``current``; the seconds chosen, or None if cancelled."""
    dialog = CustomTimerDialog(current, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    chosen: list[int] = []
    dialog.accepted.connect(lambda: chosen.append(dialog.seconds))  # before it is deleted
    dialog.open()
    opened(dialog)
    if await finished(dialog) != QDialog.DialogCode.Accepted or not chosen:
        return None
    return chosen[0]
