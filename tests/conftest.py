"""Test configuration shared by every tier.

Qt must never look for a display in tests: the offscreen platform is chosen here, before
any test module can import PySide6, so nobody has to set it by hand.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import keyring
import pytest
from keyring_double import MemoryKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No test may reach a real OS keychain by accident; tests that need one install their own.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Installs an in-memory keychain for one test (the OS keychain is not under test)."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
