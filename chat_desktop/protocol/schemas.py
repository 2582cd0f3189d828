"""msgspec schemas of every payload, ack and HTTP body of the relay protocol (docs/protocol.md §6).

Each event payload is a frozen :class:`msgspec.Struct` that refuses unknown fields, so both
ends validate with the same types: a value that does not fit is a ``bad_request``, never a
crash. Binary fields are ``bytes``: over Socket.IO they travel as binary attachments, in HTTP
JSON bodies as base64url without padding (see :mod:`chat_desktop.protocol.codec`).

Limits that are part of the protocol (key sizes, username alphabet, list lengths) live in the
types. Size limits answered with ``too_large`` (message bodies, payload counts, blob sizes)
are constants here and checked by the relay, so an oversize request gets its own error code.
"""

from __future__ import annotations

from typing import Annotated, Final

import msgspec

#: Largest body of one device payload of ``message:send``.
MAX_BODY_SIZE: Final = 256 * 1024
#: Most device payloads in one ``message:send``, and most devices of one recipient in a
#: ``message:send_multi``.
MAX_PAYLOADS: Final = 16
#: Most recipient accounts of one ``message:send_multi`` (a group's most members).
MAX_RECIPIENTS: Final = 256
#: Largest encrypted attachment blob.
MAX_BLOB_SIZE: Final = 100 * 1024 * 1024
#: Most prekeys of one kind in one upload or registration.
MAX_PREKEYS_PER_UPLOAD: Final = 200
#: Most items in one list of a payload (users of ``presence:subscribe``, ids of a
#: ``message:ack``, entries of a ``presence`` event); longer lists are ``bad_request``.
MAX_LIST_ITEMS: Final = 1000
#: Most users one connection follows with ``presence:subscribe`` (all its requests together);
#: a request that would pass it is refused with ``too_large``.
MAX_PRESENCE_SUBSCRIPTIONS: Final = 500
#: Most devices of one account in a ``keys:bundle`` answer.
MAX_DEVICES: Final = 100
#: Latest timestamp accepted anywhere: 9999-12-31T23:59:59.999Z in ms (beyond, ``datetime``
#: cannot show it); far below 2**53, so sums of a time and a timer stay exact.
MAX_TIMESTAMP_MS: Final = 253_402_300_799_999
#: Largest one-time key count a relay may report.
MAX_KEY_COUNT: Final = 1_000_000
#: Longest blob token string.
MAX_TOKEN_LENGTH: Final = 1024
#: Longest ``message`` of an error answer.
MAX_ERROR_MESSAGE_LENGTH: Final = 1024
#: Longest encrypted device name (§6.11: nonce ‖ AES-256-GCM of at most 64 characters).
MAX_DEVICE_NAME_CIPHERTEXT: Final = 512
#: Largest provisioning envelope (§6.11), before base64url.
MAX_PROVISIONING_ENVELOPE: Final = 1024 * 1024

X25519_KEY_SIZE: Final = 32
SIGNATURE_SIZE: Final = 64
MLKEM1024_PUBLIC_KEY_SIZE: Final = 1568
AUTH_NONCE_SIZE: Final = 16

# Patterns are anchored with ``\A`` and ``\Z``, never ``^`` and ``$``: ``$`` also matches
# before a final newline, so ``"alice\n"`` would pass ``re.match``/``re.search`` (which
# msgspec uses). With ``\A…\Z`` every use (``re.match``, ``fullmatch``, msgspec) is exact.

#: Usernames: 3–32 of ``a-z 0-9 _ .`` (docs/protocol.md §6).
USERNAME_PATTERN: Final = r"\A[a-z0-9_.]{3,32}\Z"
#: Message ids: a UUID (v7 by convention) in canonical lower-case form.
MESSAGE_ID_PATTERN: Final = r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z"
#: Blob ids: 32 lower-case hex characters made by the relay.
BLOB_ID_PATTERN: Final = r"\A[0-9a-f]{32}\Z"
#: Provisioning channel ids: 32 lower-case hex characters made by the relay.
PROVISION_ID_PATTERN: Final = r"\A[0-9a-f]{32}\Z"

Username = Annotated[str, msgspec.Meta(pattern=USERNAME_PATTERN)]
MessageId = Annotated[str, msgspec.Meta(pattern=MESSAGE_ID_PATTERN)]
BlobId = Annotated[str, msgspec.Meta(pattern=BLOB_ID_PATTERN)]
ProvisionId = Annotated[str, msgspec.Meta(pattern=PROVISION_ID_PATTERN)]
KeyId = Annotated[int, msgspec.Meta(ge=0, le=0xFFFFFFFF)]
DeviceId = Annotated[int, msgspec.Meta(ge=1, le=0xFFFFFFFF)]
Timestamp = Annotated[int, msgspec.Meta(ge=0, le=MAX_TIMESTAMP_MS)]
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_KEY_COUNT)]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TOKEN_LENGTH)]
X25519PublicKey = Annotated[
    bytes, msgspec.Meta(min_length=X25519_KEY_SIZE, max_length=X25519_KEY_SIZE)
]
Signature = Annotated[bytes, msgspec.Meta(min_length=SIGNATURE_SIZE, max_length=SIGNATURE_SIZE)]
#: A device key DK: a raw 32-byte Ed25519 public key (§6.11).
DevicePublicKey = Annotated[
    bytes, msgspec.Meta(min_length=X25519_KEY_SIZE, max_length=X25519_KEY_SIZE)
]
DeviceName = Annotated[bytes, msgspec.Meta(min_length=1, max_length=MAX_DEVICE_NAME_CIPHERTEXT)]
KemPublicKey = Annotated[
    bytes,
    msgspec.Meta(min_length=MLKEM1024_PUBLIC_KEY_SIZE, max_length=MLKEM1024_PUBLIC_KEY_SIZE),
]


class WireStruct(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """Base of every schema: unknown fields are refused, optional fields left out when unset."""


# ---- keys ----------------------------------------------------------------------------------


class SignedPreKey(WireStruct, frozen=True):
    """A signed X25519 prekey; ``signature`` = Sig(IK, 0x05 ‖ public_key)."""

    id: KeyId
    public_key: X25519PublicKey
    signature: Signature


class PqPreKey(WireStruct, frozen=True, omit_defaults=False):
    """An ML-KEM-1024 prekey; ``signature`` = Sig(IK, 0x0A ‖ public_key).

    ``last_resort`` keys are never handed out for one use only; they stand in when the
    one-time PQ keys are used up. ``last_resort`` may be left out on input (false) and is
    always present on output.
    """

    id: KeyId
    public_key: KemPublicKey
    signature: Signature
    last_resort: bool = False


class OneTimePreKey(WireStruct, frozen=True):
    """A one-time X25519 prekey, handed out at most once."""

    id: KeyId
    public_key: X25519PublicKey


PreKeyList = Annotated[list[OneTimePreKey], msgspec.Meta(max_length=MAX_PREKEYS_PER_UPLOAD)]
PqPreKeyList = Annotated[list[PqPreKey], msgspec.Meta(max_length=MAX_PREKEYS_PER_UPLOAD)]


class KeysUpload(WireStruct, frozen=True):
    """``keys:upload``: any of a new signed prekey, PQ prekeys, one-time prekeys."""

    signed_prekey: SignedPreKey | None = None
    pq_prekeys: PqPreKeyList | None = None
    one_time_prekeys: PreKeyList | None = None


class KeyCounts(WireStruct, frozen=True):
    """Ack of ``keys:upload`` and payload of ``keys:low``: one-time keys left on the relay."""

    one_time_count: Count
    pq_count: Count


class KeysBundleRequest(WireStruct, frozen=True):
    """``keys:bundle``: fetch the prekey bundles of every device of ``user``.

    With ``devices``, only those devices' bundles (unknown ones are left out): a sender told
    ``mismatched_devices`` fetches the missing devices without using up the one-time keys
    of the devices it already has sessions with.
    """

    user: Username
    devices: Annotated[list[DeviceId], msgspec.Meta(max_length=MAX_DEVICES)] | None = None


class DeviceBundle(WireStruct, frozen=True):
    """One device's bundle; ``one_time_prekey`` is absent when none are left."""

    device_id: DeviceId
    identity_key: X25519PublicKey
    signed_prekey: SignedPreKey
    pq_prekey: PqPreKey
    one_time_prekey: OneTimePreKey | None = None


class KeysBundleAck(WireStruct, frozen=True):
    """Ack of ``keys:bundle``."""

    devices: Annotated[list[DeviceBundle], msgspec.Meta(max_length=MAX_DEVICES)]


# ---- messages ------------------------------------------------------------------------------


class DevicePayload(WireStruct, frozen=True):
    """The ciphertext for one recipient device (at most :data:`MAX_BODY_SIZE` bytes)."""

    device_id: DeviceId
    body: bytes


class MessageSend(WireStruct, frozen=True):
    """``message:send``: one message to every device of ``to``, deduplicated by ``id``."""

    id: MessageId
    to: Username
    payloads: Annotated[list[DevicePayload], msgspec.Meta(max_length=MAX_LIST_ITEMS)]
    expires_at: Timestamp | None = None


class RecipientDevices(WireStruct, frozen=True):
    """One recipient account of ``message:send_multi`` and the devices of it the body is for.

    ``device_ids`` is bounded here only as a list a decoder must take in; the relay answers
    more than :data:`MAX_PAYLOADS` with ``too_large``, like a ``message:send`` with too many
    payloads. It may be empty only where the account has no device to write to (one's own
    account whose only device is the sending one); otherwise ``mismatched_devices`` says so.
    """

    user: Username
    device_ids: Annotated[list[DeviceId], msgspec.Meta(max_length=MAX_DEVICES)]


class MessageSendMulti(WireStruct, frozen=True):
    """``message:send_multi``: ONE opaque body for every listed device of every listed user.

    The relay stores the body once and checks each user's device set like ``message:send``
    (docs/protocol.md §6.6, §6.11); it learns nothing else about why these users are
    addressed together. More than :data:`MAX_RECIPIENTS` users and a body over
    :data:`MAX_BODY_SIZE` are answered ``too_large`` by the relay.
    """

    id: MessageId
    recipients: Annotated[list[RecipientDevices], msgspec.Meta(max_length=MAX_LIST_ITEMS)]
    body: bytes
    expires_at: Timestamp | None = None


class MessageSendAck(WireStruct, frozen=True):
    """Ack of ``message:send`` and ``message:send_multi``, sent only once the envelopes are
    durably stored."""

    server_ts: Timestamp


class MessageDelivery(WireStruct, frozen=True):
    """``message`` (relay→client): one stored envelope for this device."""

    id: MessageId
    from_: Username = msgspec.field(name="from")
    from_device: DeviceId
    server_ts: Timestamp
    body: Annotated[bytes, msgspec.Meta(max_length=MAX_BODY_SIZE)]
    expires_at: Timestamp | None = None


class MessageAck(WireStruct, frozen=True):
    """``message:ack``: the client committed these messages; the relay may delete them."""

    ids: Annotated[list[MessageId], msgspec.Meta(max_length=MAX_LIST_ITEMS)]


class EmptyAck(WireStruct, frozen=True):
    """An ack with nothing but ``ok``."""


# ---- presence ------------------------------------------------------------------------------


class PresenceSubscribe(WireStruct, frozen=True):
    """``presence:subscribe``: current presence of ``users`` now, ``presence`` events later."""

    users: Annotated[list[Username], msgspec.Meta(max_length=MAX_LIST_ITEMS)]


class PresenceEntry(WireStruct, frozen=True):
    """One user's presence; ``last_seen`` (ms) is absent for a user never seen."""

    user: Username
    online: bool
    last_seen: Timestamp | None = None


class PresenceUpdate(WireStruct, frozen=True):
    """Ack of ``presence:subscribe`` and payload of the ``presence`` event."""

    presence: Annotated[list[PresenceEntry], msgspec.Meta(max_length=MAX_LIST_ITEMS)]


class PresenceVisibility(WireStruct, frozen=True):
    """``presence:visibility``: "show when I'm online" on or off; acked with ``{}``.

    The relay enforces it and keeps it per account (default visible): while ``visible`` is
    false every subscriber sees the account offline without ``last_seen``, and no
    ``presence`` event reveals its connects or disconnects.
    """

    visible: bool


# ---- attachments ---------------------------------------------------------------------------


class AttachmentUpload(WireStruct, frozen=True):
    """``attachment:upload``: reserve a blob of at most ``size`` bytes.

    ``expires_at`` (ms) is optional: the blob of a disappearing message goes no later than
    its message (docs/protocol.md §6 "Disappearing messages"). Without it the relay's retention
    applies.
    """

    size: Annotated[int, msgspec.Meta(ge=1, le=2**53)]
    expires_at: Timestamp | None = None


class AttachmentUploadAck(WireStruct, frozen=True):
    """Ack of ``attachment:upload``: where and with what token to ``PUT`` the blob."""

    blob_id: BlobId
    token: Token
    expires_at: Timestamp


class AttachmentDownload(WireStruct, frozen=True):
    """``attachment:download``: a token to ``GET`` one blob."""

    blob_id: BlobId


class AttachmentDownloadAck(WireStruct, frozen=True):
    """Ack of ``attachment:download``."""

    token: Token


# ---- connect and HTTP ----------------------------------------------------------------------


class ConnectAuth(WireStruct, frozen=True):
    """The Socket.IO CONNECT ``auth`` object; ``nonce`` and ``sig`` are base64url strings."""

    user: Username
    device_id: DeviceId
    ts: Timestamp
    nonce: Annotated[str, msgspec.Meta(max_length=64)]
    sig: Annotated[str, msgspec.Meta(max_length=128)]


class RegisterRequest(WireStruct, frozen=True):
    """``POST /v1/accounts``; ``sig`` covers :func:`protocol.auth.registration_message`."""

    username: Username
    identity_key: X25519PublicKey
    ts: Timestamp
    sig: Signature
    signed_prekey: SignedPreKey
    pq_prekeys: PqPreKeyList
    one_time_prekeys: PreKeyList
    # The first device's key and certificate (§6.11); left out only by clients made before
    # linked devices, which register their device key later (``devices:register_key``).
    device_key: DevicePublicKey | None = None
    device_created_at: Timestamp | None = None
    device_certificate: Signature | None = None
    device_name: DeviceName | None = None


class RegisterResponse(WireStruct, frozen=True):
    """``201`` answer of ``POST /v1/accounts``."""

    device_id: DeviceId


class HealthResponse(WireStruct, frozen=True):
    """``GET /health`` answer."""

    status: Annotated[str, msgspec.Meta(max_length=64)]


class ErrorBody(WireStruct, frozen=True):
    """Body of a refused HTTP request; same fields as an error ack."""

    ok: bool
    error: Annotated[str, msgspec.Meta(max_length=64)]
    message: Annotated[str, msgspec.Meta(max_length=MAX_ERROR_MESSAGE_LENGTH)]
    # Loosely bounded here; ProtocolError.from_ack cuts it to errors.MAX_RETRY_AFTER_S.
    retry_after: Annotated[float, msgspec.Meta(ge=0, le=2**31)] | None = None


class AccountDelete(WireStruct, frozen=True):
    """``account:delete``: ``user`` must be the connection's own account (a confirmation).

    The account deleted is always the one the connection authenticated as; naming another
    one is refused ``unauthorized``, so a confused or hostile caller cannot delete anyone
    else, and a client bug cannot delete the wrong account.
    """

    user: Username


# ---- devices and linking (docs/protocol.md §6.11) ------------------------------------------


class EmptyRequest(WireStruct, frozen=True):
    """A request payload without fields (``devices:link``, ``devices:list``)."""


class DeviceKeyRegistration(WireStruct, frozen=True):
    """``devices:register_key``: a device made before linked devices registers its DK once.

    ``certificate`` = Sig(IK, "chat_desktop device v1" ‖ device_key ‖ u64be(created_at)).
    """

    device_key: DevicePublicKey
    created_at: Timestamp
    certificate: Signature


class DevicesLinkAck(WireStruct, frozen=True):
    """Ack of ``devices:link``: a one-use token for ``POST /v1/devices``, valid 10 minutes."""

    link_token: Token
    expires_at: Timestamp


class DeviceInfo(WireStruct, frozen=True):
    """One device of an account; ``name`` is encrypted under a key only the account knows."""

    device_id: DeviceId
    created_at: Timestamp
    name: DeviceName | None = None
    last_seen: Timestamp | None = None


class DevicesList(WireStruct, frozen=True):
    """Ack of ``devices:list`` and payload of ``devices:changed``, by device id."""

    devices: Annotated[list[DeviceInfo], msgspec.Meta(max_length=MAX_DEVICES)]


class DevicesRemove(WireStruct, frozen=True):
    """``devices:remove``: unlink one device of the connection's own account."""

    device_id: DeviceId


class ProvisioningOpened(WireStruct, frozen=True):
    """``201`` answer of ``POST /v1/provisioning``: a one-shot channel for a new device."""

    provision_id: ProvisionId
    expires_at: Timestamp


class ProvisioningEnvelope(WireStruct, frozen=True):
    """Body of ``PUT /v1/provisioning/{id}`` and ``200`` answer of its ``GET``."""

    envelope: Annotated[bytes, msgspec.Meta(min_length=1, max_length=MAX_PROVISIONING_ENVELOPE)]


class LinkDeviceRequest(WireStruct, frozen=True):
    """``POST /v1/devices``: a new device joins an account with a link token.

    ``certificate`` = Sig(IK, "chat_desktop device v1" ‖ device_key ‖ u64be(created_at)),
    and the prekeys are signed by IK like a registration's: only a holder of the account's
    identity key (given to the new device in the provisioning message) can make them.
    """

    username: Username
    link_token: Token
    device_key: DevicePublicKey
    created_at: Timestamp
    certificate: Signature
    name: DeviceName
    signed_prekey: SignedPreKey
    pq_prekeys: PqPreKeyList
    one_time_prekeys: PreKeyList
