"""What the relay's store keeps and refuses about linked devices (docs/protocol.md §6.11).

The records passed to and returned by the device methods of
:class:`~chat_desktop.relay.store.RelayStore`, and the store errors the handlers turn into
protocol error codes. Everything here is already verified (signatures, timestamps) by the
caller; the store only decides what depends on stored state (token use, device counts, the
device set of a send), inside one write so concurrent requests cannot slip past a check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chat_desktop.protocol.errors import UserDeviceMismatch
from chat_desktop.protocol.schemas import DeviceInfo, OneTimePreKey, PqPreKey, SignedPreKey
from chat_desktop.relay.store_errors import StoreError


class UnknownDevice(StoreError):
    """The account has no such device (never had it, or it was removed)."""


class OnlyDevice(StoreError):
    """The device is the account's only one: deleting the account is the way to remove it."""


class DeviceKeyExists(StoreError):
    """The device registered its device key already; it is set once."""


class TooManyDevices(StoreError):
    """The account has the most devices the relay allows."""


class InvalidLinkToken(StoreError):
    """The link token is unknown, expired, used, made by another account, or its device was
    removed (a token dies with the device that asked for it)."""


class MismatchedDevices(StoreError):
    """A send did not name exactly the recipient's current devices.

    Attributes:
        missing: Current devices of the recipient the send has no payload for, sorted.
        extra: Devices named by the send that the recipient does not have, sorted.
    """

    def __init__(self, missing: Sequence[int], extra: Sequence[int]) -> None:
        """Records the two sorted id lists (the message names no user and no payload)."""
        super().__init__("payloads do not match the recipient's devices")
        self.missing = tuple(sorted(missing))
        self.extra = tuple(sorted(extra))


class MismatchedRecipients(StoreError):
    """A ``message:send_multi`` did not name exactly the current devices of some recipients.

    Attributes:
        users: Each such recipient with its sorted ``missing`` and ``extra`` device ids, in
            the order the send listed them; recipients whose devices matched are left out.
    """

    def __init__(self, users: Sequence[UserDeviceMismatch]) -> None:
        """Records the per-user mismatches (the message names no user)."""
        super().__init__("device ids do not match some recipients' devices")
        self.users = tuple(users)


@dataclass(frozen=True, slots=True)
class CertifiedDeviceKey:
    """A device key DK with the identity key's certificate of it, already verified.

    Attributes:
        device_key: The raw 32-byte Ed25519 public key.
        certified_at: The ``created_at`` (ms) the certificate covers; kept so the stored
            certificate stays verifiable.
        certificate: Sig(IK, "chat_desktop device v1" ‖ device_key ‖ u64be(certified_at)).
    """

    device_key: bytes
    certified_at: int
    certificate: bytes


@dataclass(frozen=True, slots=True)
class LinkToken:
    """A valid, unused link token, as the relay keeps it (by its SHA-256 only).

    Attributes:
        username: The account the token adds a device to.
        device_id: The device that asked for it (``devices:link``); the token lives only as
            long as that device does.
        filled: Whether it filled its one provisioning channel already.
    """

    username: str
    device_id: int
    filled: bool


@dataclass(frozen=True, slots=True)
class DeviceCredentials:
    """What a CONNECT of one device is checked against.

    Attributes:
        identity_key: The account's identity key IK (the same on every device).
        device_key: The device's DK, or None for a device made before linked devices that
            has not registered one yet (it still signs its connects with IK).
    """

    identity_key: bytes
    device_key: bytes | None


@dataclass(frozen=True, slots=True)
class NewLinkedDevice:
    """A verified ``POST /v1/devices``, ready to be stored as the account's next device.

    Attributes:
        username: The account joined.
        identity_key: The account IK the certificate and prekeys were verified under; the
            store refuses the link if the account's IK is another one by now (reset and
            registered again meanwhile).
        token_hash: SHA-256 of the link token; the token is used up by the same write.
        device_key: The new device's certified DK.
        name: The device's encrypted name.
        signed_prekey: The new device's signed prekey.
        pq_prekeys: Its PQ prekeys (one of them last-resort).
        one_time_prekeys: Its one-time prekeys.
    """

    username: str
    identity_key: bytes
    token_hash: bytes
    device_key: CertifiedDeviceKey
    name: bytes
    signed_prekey: SignedPreKey
    pq_prekeys: Sequence[PqPreKey]
    one_time_prekeys: Sequence[OneTimePreKey]


@dataclass(frozen=True, slots=True)
class DeviceSetChange:
    """Outcome of adding or removing a device: which one, and the account's devices after.

    Attributes:
        device_id: The device added or removed.
        devices: Every device of the account after the change, by device id (the payload
            of ``devices:changed``).
    """

    device_id: int
    devices: Sequence[DeviceInfo]
