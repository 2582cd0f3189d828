"""Test configuration shared by every tier.

Qt must never look for a display in tests: the offscreen platform is chosen here, before
any test module can import PySide6, so nobody has to set it by hand.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No test may reach a real OS keychain by accident; tests that need one install their own.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
