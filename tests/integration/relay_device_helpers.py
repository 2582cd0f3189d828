"""Helpers for linked-device tests of the relay (docs/protocol.md §6.11).

Builds on :mod:`relay_harness` (read-only): accounts whose devices have a real Ed25519
device key DK certified by the account's identity key, the ``POST /v1/devices`` request a
new device sends, plain HTTP calls, and a recorder of ``devices:changed`` and disconnects.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from relay_harness import (
    RelayClient,
    TestAccount,
    make_one_time_prekeys,
    make_pq_prekey,
    make_signed_prekey,
    unique_username,
)

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.protocol import events
from chat_desktop.protocol.auth import build_registration, device_certificate_message, now_ms
from chat_desktop.protocol.codec import encode_http_json
from chat_desktop.protocol.schemas import LinkDeviceRequest


@dataclass
class DeviceAccount(TestAccount):
    """One device of an account; it signs its connects with its DK once it has one."""

    __test__ = False

    device_key: Ed25519PrivateKey | None = None

    def sign(self, message: bytes) -> bytes:
        """Signs a connect: with DK when the device has one, else with IK (legacy)."""
        if self.device_key is None:
            return self.identity.sign(message)
        return self.device_key.sign(message)

    def other_device(self, device_id: int, device_key: Ed25519PrivateKey) -> DeviceAccount:
        """Returns another device of the same account (same IK, its own id and DK)."""
        return dataclasses.replace(self, device_id=device_id, device_key=device_key)


def public_bytes(device_key: Ed25519PrivateKey) -> bytes:
    """Returns the raw 32-byte public key of a DK."""
    return device_key.public_key().public_bytes_raw()


def certificate(identity: IdentityKeyPair, device_key: Ed25519PrivateKey, created_at: int) -> bytes:
    """Returns IK's certificate of ``device_key`` at ``created_at``."""
    return identity.sign(device_certificate_message(public_bytes(device_key), created_at))


def encrypted_name() -> bytes:
    """Returns an opaque stand-in for an encrypted device name (the relay never opens it)."""
    return os.urandom(12 + 16 + 8)


def registration_body(
    username: str,
    identity: IdentityKeyPair,
    device_key: Ed25519PrivateKey,
    **device_fields: Any,
) -> bytes:
    """Returns a ``POST /v1/accounts`` body with the device fields (overridable by name)."""
    created_at = now_ms()
    request = build_registration(
        username,
        identity.public_key,
        identity.sign,
        make_signed_prekey(identity, 1),
        [make_pq_prekey(identity, 1000), make_pq_prekey(identity, 999, last_resort=True)],
        make_one_time_prekeys(1, 3),
    )
    fields: dict[str, Any] = {
        "device_key": public_bytes(device_key),
        "device_created_at": created_at,
        "device_certificate": certificate(identity, device_key, created_at),
        "device_name": encrypted_name(),
    }
    fields.update(device_fields)
    return encode_http_json(msgspec.structs.replace(request, **fields))


async def http_call(
    method: str,
    url: str,
    body: bytes | None = None,
    token: str | None = None,
) -> tuple[int, Any]:
    """Sends one HTTP request; returns the status and the JSON body (None when empty)."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, url, data=body, headers=headers) as response,
    ):
        raw = await response.read()
        return response.status, (msgspec.json.decode(raw) if raw else None)


async def register_device_account(base_url: str, username: str | None = None) -> DeviceAccount:
    """Registers an account whose first device has a DK; returns that device."""
    identity = IdentityKeyPair.generate()
    device_key = Ed25519PrivateKey.generate()
    name = username or unique_username("d")
    status, answer = await http_call(
        "POST",
        base_url + events.ACCOUNTS_PATH,
        registration_body(name, identity, device_key),
    )
    assert (status, answer) == (201, {"device_id": 1}), (status, answer)
    return DeviceAccount(username=name, identity=identity, device_id=1, device_key=device_key)


def link_request_body(
    account: TestAccount,
    link_token: str,
    device_key: Ed25519PrivateKey,
    *,
    signer: IdentityKeyPair | None = None,
    prekey_signer: IdentityKeyPair | None = None,
    created_at: int | None = None,
    username: str | None = None,
) -> bytes:
    """Returns a ``POST /v1/devices`` body for a new device of ``account``.

    ``signer`` certifies the DK and ``prekey_signer`` signs the prekeys (the account's IK
    unless a test wants a forgery); ``created_at`` defaults to now.
    """
    certifier = signer or account.identity
    prekeys_by = prekey_signer or account.identity
    created = now_ms() if created_at is None else created_at
    request = LinkDeviceRequest(
        username=username or account.username,
        link_token=link_token,
        device_key=public_bytes(device_key),
        created_at=created,
        certificate=certificate(certifier, device_key, created),
        name=encrypted_name(),
        signed_prekey=make_signed_prekey(prekeys_by, 1),
        pq_prekeys=[
            make_pq_prekey(prekeys_by, 2000),
            make_pq_prekey(prekeys_by, 1999, last_resort=True),
        ],
        one_time_prekeys=make_one_time_prekeys(1, 3),
    )
    return encode_http_json(request)


async def link_new_device(
    base_url: str, account: TestAccount, link_token: str
) -> tuple[int, Any, Ed25519PrivateKey]:
    """Sends ``POST /v1/devices`` for a fresh DK; returns the status, answer and the DK."""
    device_key = Ed25519PrivateKey.generate()
    status, answer = await http_call(
        "POST", base_url + events.DEVICES_PATH, link_request_body(account, link_token, device_key)
    )
    return status, answer, device_key


async def link_token(client: RelayClient) -> str:
    """Asks the relay for a link token on a connected device."""
    ack = await client.call(events.DEVICES_LINK, {})
    assert ack["ok"] is True, ack
    return str(ack["link_token"])


async def add_device(base_url: str, client: RelayClient, account: DeviceAccount) -> DeviceAccount:
    """Links a new device to ``account`` through ``client`` (connected); returns the device."""
    token = await link_token(client)
    status, answer, device_key = await link_new_device(base_url, account, token)
    assert status == 201, (status, answer)
    return account.other_device(int(answer["device_id"]), device_key)


class DeviceWatch:
    """Records ``devices:changed`` events and the end of one client's connection."""

    def __init__(self, client: RelayClient) -> None:
        """Attaches to ``client`` (before it connects or while connected)."""
        self.changes: asyncio.Queue[list[int]] = asyncio.Queue()
        self.payloads: list[dict[str, Any]] = []
        self.disconnected = asyncio.Event()
        self.order: list[str] = []
        client.sio.on(events.DEVICES_CHANGED, self._on_changed)
        client.sio.on("disconnect", self._on_disconnect)

    async def _on_changed(self, data: dict[str, Any]) -> None:
        self.order.append(events.DEVICES_CHANGED)
        self.payloads.append(data)
        self.changes.put_nowait([device["device_id"] for device in data["devices"]])

    async def _on_disconnect(self, *args: Any) -> None:
        self.order.append("disconnect")
        self.disconnected.set()

    async def next_change(self, timeout: float = 10) -> list[int]:
        """Waits for the next ``devices:changed``; returns its device ids."""
        return await asyncio.wait_for(self.changes.get(), timeout)
