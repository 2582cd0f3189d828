"""Making a new account: the keys of a fresh profile, registered on the relay.

The identity key, the first prekeys and this device's key are made in the new store; the
relay gets the public halves, the device key certified by the identity key, and this
computer's name encrypted so the relay can't read it (docs/protocol.md §3, §6.11).
"""

from __future__ import annotations

import socket

import msgspec

from chat_desktop.crypto.device_key import DeviceKeyPair, encrypt_device_name
from chat_desktop.protocol.auth import build_registration
from chat_desktop.services import devices, own_keys
from chat_desktop.services.account_record import save_account
from chat_desktop.services.context import EngineContext
from chat_desktop.services.store_worker import StoreWorker
from chat_desktop.storage.store import MessageStore


async def register_account(
    worker: StoreWorker, relay_url: str, username: str, device_name: str | None
) -> EngineContext:
    """Creates the keys in ``worker``'s fresh store and registers ``username`` on the relay.

    Returns the engine's shared state for the new account.

    Raises:
        ProtocolError: The relay refused (``conflict``: the name is taken).
        HttpFailure: The relay could not be reached.
    """
    store = worker.store
    identity, signed, pq, one_time = await worker.run(own_keys.create_identity_and_prekeys, store)
    device_key = await worker.run(devices.create_device_key, store)
    request = build_registration(username, identity.public_key, identity.sign, signed, pq, one_time)
    certified = devices.registration_fields(identity, device_key)
    request = msgspec.structs.replace(
        request,
        device_key=certified["device_key"],
        device_created_at=certified["created_at"],
        device_certificate=certified["certificate"],
        device_name=encrypt_device_name(identity.seed, device_name or default_device_name()),
    )
    from chat_desktop.net.http import register_account as post_registration  # when used

    device_id = await post_registration(relay_url, request)
    await worker.run(save_account, store, username, device_id, relay_url)
    await worker.run(store.settings.set, devices.DEVICE_KEY_REGISTERED_SETTING, True)
    context = EngineContext(username, device_id, relay_url, identity, worker)
    context.device_key = device_key
    return context


def registered_device_key(store: MessageStore) -> DeviceKeyPair | None:
    """Our DK if the relay has it (else CONNECT is signed with IK until it is registered)."""
    if not devices.device_key_registered(store):
        return None
    return devices.load_device_key(store)


def default_device_name() -> str:
    """This computer's name for the device list: its host name, cut to 64 characters."""
    name = "".join(ch for ch in socket.gethostname() if ch.isprintable()).strip()
    return name[:64] or "Desktop"
