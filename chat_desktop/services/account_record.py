"""Which account a profile belongs to, as its encrypted store keeps it.

The username, this device's id and the relay URL are written once when the account is made
here (:meth:`ChatClient.create`) or joined by linking (:mod:`chat_desktop.services.linking`),
read at every unlock, and the relay URL is changed from the settings. Both creators write
through this module, so neither needs the other.
"""

from __future__ import annotations

from typing import Final

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.services import own_keys
from chat_desktop.services.client_errors import ClientError
from chat_desktop.storage.store import MessageStore

USERNAME_SETTING: Final = "account.username"
#: Read (not written) by :mod:`chat_desktop.services.devices` too, under its own name.
DEVICE_SETTING: Final = "account.device_id"
RELAY_SETTING: Final = "account.relay_url"


def save_account(store: MessageStore, username: str, device_id: int, relay_url: str) -> None:
    """Records the account this profile is registered as, in one transaction."""
    with store.transaction():
        store.settings.set(USERNAME_SETTING, username)
        store.settings.set(DEVICE_SETTING, device_id)
        store.settings.set(RELAY_SETTING, relay_url)


def save_relay_url(store: MessageStore, relay_url: str) -> None:
    """Records a new relay URL for the account (already normalised by the caller)."""
    with store.transaction():
        store.settings.set(RELAY_SETTING, relay_url)


def load_account(store: MessageStore) -> tuple[str, int, str, IdentityKeyPair]:
    """The account of this profile: username, device id, relay URL and identity key pair.

    Raises:
        ClientError: The profile was never registered (no account recorded).
    """
    username = store.settings.get(USERNAME_SETTING)
    device_id = store.settings.get(DEVICE_SETTING)
    relay_url = store.settings.get(RELAY_SETTING)
    if username is None or device_id is None or relay_url is None:
        raise ClientError("this profile has no registered account")
    return username, int(device_id), str(relay_url), own_keys.load_identity(store)
