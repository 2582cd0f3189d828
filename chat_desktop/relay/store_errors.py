"""The base class of the relay store's errors.

Its own module because both halves of the store interface raise subclasses of it:
:mod:`chat_desktop.relay.store` (accounts, messages, blobs) and
:mod:`chat_desktop.relay.store_devices` (linked devices), which ``store`` imports for its
device records; with the base class in ``store`` the two imported each other.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class of the store's errors."""
