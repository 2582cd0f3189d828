"""GUI-tier fixtures.

Async tests of this folder run on a qasync loop, so Qt events and asyncio tasks share the
one thread exactly as in the app: awaiting lets Qt paint and deliver signals, and Qt slots
can schedule coroutines. ``wait_for`` waits on a condition, never on a fixed delay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, seed_messages
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication
from qasync_loop import new_gui_loop

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.notices import install_nested_loop_guard
from chat_desktop.gui.common.theme import apply_theme
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import Vault

# As in the app: a blocking dialog started inside a coroutine raises instead of nesting a loop.
install_nested_loop_guard()


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Every async test of this folder runs on a qasync loop (Qt events flow while awaiting)."""
    return {"qasync": new_gui_loop}


@pytest.fixture
def seeded_store(tmp_path: Path) -> Iterator[MessageStore]:
    """A real encrypted store holding 5,000 messages with ``PEER``."""
    vault, _recovery = Vault.create(tmp_path / "profile", PASSWORD, kdf_params=FLOOR_PARAMS)
    store = vault.open_store()
    seed_messages(store, 5_000)
    try:
        yield store
    finally:
        vault.lock()


@pytest.fixture
def restore_look() -> Iterator[QApplication]:
    """Leaves the shared QApplication as it found it (other tests expect its defaults)."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    style = app.style().name() if app.style() is not None else "fusion"
    sheet, palette, font = app.styleSheet(), QPalette(app.palette()), QFont(app.font())
    try:
        yield app
    finally:
        apply_theme(app, "light")
        app.setStyleSheet(sheet)
        app.setStyle(style)
        app.setPalette(palette)
        app.setFont(font)
