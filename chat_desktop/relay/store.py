"""The relay's store interface: everything the handlers persist, behind one narrow protocol.

Handlers talk only to :class:`RelayStore`, so the embedded SQLite store
(:mod:`chat_desktop.relay.sqlite_store`) can be joined by a PostgreSQL one without touching
them. Every method is async and never blocks the event loop. Times are integer ms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from chat_desktop.protocol.schemas import (
    DeviceBundle,
    DeviceInfo,
    DevicePayload,
    KeyCounts,
    MessageDelivery,
    OneTimePreKey,
    PqPreKey,
    RecipientDevices,
    SignedPreKey,
)
from chat_desktop.relay.store_devices import (
    CertifiedDeviceKey,
    DeviceCredentials,
    DeviceSetChange,
    LinkToken,
    NewLinkedDevice,
)
from chat_desktop.relay.store_errors import StoreError


class AccountExists(StoreError):
    """The username is already registered."""


class UnknownRecipient(StoreError):
    """The recipient account, or one of the addressed devices, does not exist."""


class QueueQuotaExceeded(StoreError):
    """Storing a send (``message:send`` or ``message:send_multi``) would put more undelivered
    bytes in a recipient device's queue than the relay allows (docs/protocol.md §6.8);
    nothing was stored."""


class StaleProfile(StoreError):
    """A ``profile:put`` names a version the relay already holds (with another blob) or
    passed (docs/protocol.md §13.3); nothing was stored."""


class UnknownBlob(StoreError):
    """No blob with that id is reserved, or it expired."""


class BlobAlreadyUploaded(StoreError):
    """The blob's bytes were already uploaded once; blobs are immutable."""


@dataclass(frozen=True, slots=True)
class NewAccount:
    """A verified registration, ready to be stored as device 1 of a new account.

    ``device_key`` and ``device_name`` are None for a client made before linked devices
    (docs/protocol.md §6.11); such a device registers its key later.
    """

    username: str
    identity_key: bytes
    signed_prekey: SignedPreKey
    pq_prekeys: Sequence[PqPreKey]
    one_time_prekeys: Sequence[OneTimePreKey]
    device_key: CertifiedDeviceKey | None = None
    device_name: bytes | None = None


@dataclass(frozen=True, slots=True)
class StoredEnvelope:
    """One stored ciphertext for one recipient device.

    ``seq`` grows with every stored envelope and is never reused, so delivery order per
    sender is ``seq`` order.
    """

    seq: int
    msg_id: str
    sender: str
    sender_device: int
    recipient: str
    recipient_device: int
    server_ts: int
    expires_at: int | None
    body: bytes

    def to_delivery(self) -> MessageDelivery:
        """Returns the ``message`` event payload for the recipient."""
        return MessageDelivery(
            id=self.msg_id,
            from_=self.sender,
            from_device=self.sender_device,
            server_ts=self.server_ts,
            body=self.body,
            expires_at=self.expires_at,
        )


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """Outcome of storing a ``message:send`` or a ``message:send_multi``.

    Attributes:
        server_ts: The relay time of the first time this ``(sender, id)`` was stored.
        envelopes: The envelopes stored now; empty when the message was a repeat.
    """

    server_ts: int
    envelopes: Sequence[StoredEnvelope]


@dataclass(frozen=True, slots=True)
class TakenBundles:
    """Outcome of fetching a user's bundles, one-time keys taken out.

    Attributes:
        bundles: One bundle per device of the user.
        remaining: One-time key counts left afterwards, by device id, for devices that gave
            away a one-time key in this fetch.
    """

    bundles: Sequence[DeviceBundle]
    remaining: dict[int, KeyCounts]


@dataclass(frozen=True, slots=True)
class BlobRecord:
    """A reserved (and maybe uploaded) blob."""

    blob_id: str
    max_size: int
    size: int | None
    expires_at: int
    uploaded: bool


@dataclass(frozen=True, slots=True)
class PresenceRecord:
    """What the relay keeps about one account's presence.

    Attributes:
        visible: The account's "show when I'm online" setting (default True).
        last_seen: When its last device went offline while visible (ms), None if never.
    """

    visible: bool
    last_seen: int | None


@dataclass(frozen=True, slots=True)
class AccountReset:
    """One operator reset, in the order they happened (``seq`` grows, never reused)."""

    seq: int
    username: str


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What one sweep deleted; blob files named in ``blob_ids`` are for the caller to remove."""

    envelopes: int
    blob_ids: Sequence[str]


class RelayStore(Protocol):
    """Persistence of accounts, prekeys, envelopes, blobs and connect nonces."""

    async def open(self) -> None:
        """Opens (and creates or migrates) the store."""

    async def close(self) -> None:
        """Finishes pending writes and closes the store."""

    # accounts ------------------------------------------------------------------------------

    async def create_account(self, account: NewAccount, now_ms: int) -> int:
        """Stores a new account with its first device and returns that device's id.

        Raises:
            AccountExists: The username is taken.
        """

    async def delete_account(self, user: str) -> bool:
        """Removes an account, its devices, prekeys, undelivered envelopes, removed-device
        records and link tokens (operator reset, ``account:delete``).

        Used when a user lost their device and reinstalls: the name becomes free to register
        again with a new identity key, and their contacts see the key change. The reset is
        logged (see :meth:`resets_after`) so running relays cut the account's connections.
        Returns False if there was no such account.
        """

    async def last_reset_seq(self) -> int:
        """Returns the ``seq`` of the newest logged reset (0 when there is none)."""

    async def resets_after(self, seq: int, limit: int) -> list[AccountReset]:
        """Returns up to ``limit`` logged resets with a ``seq`` above ``seq``, oldest first."""

    async def identity_key(self, user: str, device_id: int) -> bytes | None:
        """Returns the device's identity key, or None for an unknown device."""

    async def device_credentials(self, user: str, device_id: int) -> DeviceCredentials | None:
        """Returns the keys a CONNECT of the device is checked against, None if unknown."""

    async def removed_device_key(self, user: str, device_id: int) -> bytes | None:
        """Returns the DK a removed device had (to answer ``device_removed``), else None."""

    async def remember_nonce(self, nonce: bytes, expires_at: int, now_ms: int) -> bool:
        """Records a connect nonce; False when it was already seen and has not expired."""

    async def set_last_seen(self, user: str, ts: int) -> None:
        """Records when the user's last device went offline."""

    async def last_seen(self, users: Sequence[str]) -> dict[str, int | None]:
        """Returns each known user's last-seen time (None if never seen); unknown users absent."""

    async def presence_records(self, users: Sequence[str]) -> dict[str, PresenceRecord]:
        """Returns each known user's visibility and last-seen time; unknown users absent."""

    async def set_show_online(self, user: str, visible: bool) -> None:
        """Stores the account's "show when I'm online" setting."""

    # devices (docs/protocol.md §6.11) -------------------------------------------------------

    async def set_device_last_seen(self, user: str, device_id: int, ts: int) -> None:
        """Records when the device last disconnected."""

    async def register_device_key(
        self, user: str, device_id: int, device_key: CertifiedDeviceKey
    ) -> None:
        """Stores the verified DK of a device that had none.

        Raises:
            UnknownDevice: No such device.
            DeviceKeyExists: The device has a DK already.
        """

    async def account_identity_key(self, user: str) -> bytes | None:
        """Returns the account's identity key IK, or None for an unknown account."""

    async def list_devices(self, user: str) -> list[DeviceInfo]:
        """Returns the account's devices by id (empty for an unknown account)."""

    async def create_link_token(
        self, user: str, device_id: int, token_hash: bytes, expires_at: int
    ) -> None:
        """Records a link token (by its SHA-256 only) asked for by one device of ``user``.

        The token is bound to that device: removing the device (or the account) deletes it.

        Raises:
            UnknownDevice: The device was removed meanwhile (no token is stored).
        """

    async def link_token(self, token_hash: bytes, now_ms: int) -> LinkToken | None:
        """Returns a valid (unexpired, unused, its device still there) link token, or None."""

    async def fill_with_link_token(self, token_hash: bytes, now_ms: int) -> bool:
        """Spends a valid token's one channel fill; False (nothing changed) if it is not
        valid or filled a channel already. One write, so two fills cannot both pass."""

    async def link_device(
        self, device: NewLinkedDevice, max_devices: int, now_ms: int
    ) -> DeviceSetChange:
        """Adds a device to an account with the next unused id; uses the token up.

        Raises:
            InvalidLinkToken: The token is not valid, unused and made by the account, or the
                account's identity key is not the one the request was verified under.
            TooManyDevices: The account has ``max_devices`` devices already.
        """

    async def remove_device(self, user: str, device_id: int, now_ms: int) -> DeviceSetChange:
        """Removes a device: its DK moves to the removed devices, its prekeys, waiting
        envelopes and link tokens are deleted; its id is never given out again.

        Raises:
            UnknownDevice: The account has no such device.
            OnlyDevice: It is the account's only device.
        """

    # prekeys -------------------------------------------------------------------------------

    async def upload_keys(
        self,
        user: str,
        device_id: int,
        signed_prekey: SignedPreKey | None,
        pq_prekeys: Sequence[PqPreKey],
        one_time_prekeys: Sequence[OneTimePreKey],
    ) -> KeyCounts:
        """Adds verified prekeys; a new signed or last-resort key replaces the old one."""

    async def key_counts(self, user: str, device_id: int) -> KeyCounts:
        """Returns how many one-time X25519 and PQ prekeys the device has left."""

    async def take_bundles(self, user: str, devices: Sequence[int] | None = None) -> TakenBundles:
        """Returns a bundle per device, each one-time key handed out at most once ever.

        Args:
            user: The account whose bundles are fetched.
            devices: Only these devices (ids the account does not have are left out);
                every device when None.

        Raises:
            UnknownRecipient: The user does not exist.
        """

    # envelopes -----------------------------------------------------------------------------

    async def store_message(
        self,
        sender: str,
        sender_device: int,
        msg_id: str,
        recipient: str,
        payloads: Sequence[DevicePayload],
        expires_at: int | None,
        now_ms: int,
        *,
        max_queued_bytes: int | None = None,
    ) -> StoredMessage:
        """Durably stores one envelope per payload, once per ``(sender, recipient, msg_id)``.

        Returns only after the write is durable. A repeat returns the first ``server_ts``
        and stores nothing (whatever the recipient's devices are by now). Otherwise the
        payloads must name exactly the recipient's current devices, minus the sender's own
        device when ``recipient`` is the sender's account; that check and the store are one
        write, so a device added meanwhile cannot be missed. With ``max_queued_bytes``, no
        recipient device may end up with more body bytes waiting than that; checked in the
        same write, so concurrent sends cannot pass it together.

        Raises:
            UnknownRecipient: ``recipient`` does not exist.
            MismatchedDevices: The payloads' devices are not the recipient's device set.
            QueueQuotaExceeded: A recipient device's queue would pass ``max_queued_bytes``.
        """

    async def store_multi_message(
        self,
        sender: str,
        sender_device: int,
        msg_id: str,
        recipients: Sequence[RecipientDevices],
        body: bytes,
        expires_at: int | None,
        now_ms: int,
        *,
        max_queued_bytes: int | None = None,
    ) -> StoredMessage:
        """Durably stores ONE body for every listed device of every recipient
        (``message:send_multi``), each device getting an envelope of its own.

        Returns only after the write is durable. The body bytes are kept once however many
        envelopes point at them, and go with the last of those envelopes (acked, swept,
        its device or account removed). A ``(sender, msg_id)`` stored before for any of the
        recipients (by ``message:send`` too) is a repeat: its first ``server_ts`` is returned
        and nothing is stored. Otherwise every recipient's list must be exactly its current
        devices (one's own account: minus ``sender_device``), and with ``max_queued_bytes`` no
        listed device may end up with more body bytes waiting than that (the body counts for
        each device); all of it is checked in the write that stores, and any refusal stores
        nothing for anyone. ``recipients`` holds no user twice and no device twice.

        Raises:
            UnknownRecipient: A recipient account does not exist.
            MismatchedRecipients: Some recipients' device lists are not their device sets.
            QueueQuotaExceeded: A listed device's queue would pass ``max_queued_bytes``.
        """

    async def pending_envelopes(
        self, user: str, device_id: int, after_seq: int, now_ms: int, limit: int
    ) -> list[StoredEnvelope]:
        """Returns the device's unexpired envelopes with ``seq > after_seq``, in seq order."""

    async def recipients_since(self, since_ms: int, limit: int) -> list[tuple[str, int]]:
        """Returns up to ``limit`` distinct ``(recipient, recipient_device)`` pairs with an
        envelope whose ``server_ts >= since_ms`` (in no particular order).

        The drain tick of several relay processes (:mod:`chat_desktop.relay.redis_peers`)
        asks this once per tick instead of reading every connected device's queue. It goes by
        ``server_ts``, not ``seq``: on PostgreSQL ``seq`` values can commit out of order, so a
        ``seq`` watermark could pass a row that commits later and never look at it again.
        """

    async def delete_envelopes(self, user: str, device_id: int, msg_ids: Sequence[str]) -> int:
        """Deletes this device's envelopes with these ids; returns how many were deleted."""

    # blobs ---------------------------------------------------------------------------------

    async def reserve_blob(
        self, blob_id: str, owner: str, max_size: int, expires_at: int, now_ms: int
    ) -> None:
        """Records a blob reservation made by ``attachment:upload``."""

    async def blob(self, blob_id: str, now_ms: int) -> BlobRecord | None:
        """Returns an unexpired blob record, or None."""

    async def mark_blob_uploaded(self, blob_id: str, size: int, now_ms: int) -> None:
        """Marks a blob's bytes as stored.

        Raises:
            UnknownBlob: No such unexpired reservation.
            BlobAlreadyUploaded: The blob was uploaded before.
        """

    # retention -----------------------------------------------------------------------------

    async def sweep(self, now_ms: int, retention_ms: int) -> SweepResult:
        """Deletes expired and over-retention envelopes, blobs, dedupe entries, nonces, reset
        log entries and link tokens."""

    # profiles (docs/protocol.md §13.3) ------------------------------------------------------

    async def put_profile(self, user: str, version: int, blob: bytes, now_ms: int) -> None:
        """Stores ``user``'s sealed profile as ``version``, replacing a lower version.

        The same version with the same blob again is a retry and changes nothing.

        Raises:
            StaleProfile: The relay holds this version with another blob, or a higher one.
        """

    async def profile(self, user: str) -> tuple[int, bytes] | None:
        """Returns ``user``'s stored profile as ``(version, blob)``, or None."""
