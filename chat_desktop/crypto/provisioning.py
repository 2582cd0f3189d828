"""Linking a new device: the link code and the provisioning envelope (docs/protocol.md §6.11).

The new device makes an ephemeral X25519 key pair E and shows a **link code** (QR code or
text) naming its relay, a one-shot provisioning channel and ``E_pub``. An existing device of
the account scans it and seals a :class:`ProvisionMessage` (the IK seed, a link token, the
contacts, maybe a history blob) to ``E_pub``:

    envelope = 0x01 ‖ S_pub ‖ nonce ‖ AES-256-GCM(K, nonce, msgpack(message), aad)
    K = HKDF(X25519(S, E_pub), salt = 0×32, "ChatDesktop_Provisioning", 32)
    aad = "chat_desktop provisioning v1" ‖ provision_id ‖ E_pub

The relay only forwards the envelope. As the tag binds ``E_pub`` and the channel id, a relay
that swaps the key or fills the channel itself cannot produce an envelope that opens.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Annotated, Any, Final
from urllib.parse import quote, unquote

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chat_desktop.crypto.device_key import InvalidDeviceName, validate_device_name
from chat_desktop.crypto.errors import InvalidKey, InvalidMessage
from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.primitives import (
    check_x25519_public_bytes,
    hkdf_sha256,
    load_x25519_public,
    x25519,
    x25519_public_bytes,
)
from chat_desktop.protocol.auth import relay_origin
from chat_desktop.protocol.codec import b64url_decode, b64url_encode
from chat_desktop.protocol.errors import ProtocolError
from chat_desktop.protocol.schemas import (
    MAX_BLOB_SIZE,
    MAX_PROVISIONING_ENVELOPE,
    PROVISION_ID_PATTERN,
    BlobId,
    Token,
    Username,
)

# ---- the link code --------------------------------------------------------------------------

LINK_CODE_PREFIX: Final = "chat-desktop-link:v1?"
MAX_LINK_CODE_LENGTH: Final = 1000
_LINK_CODE_PARAMETERS: Final = ("relay", "id", "key", "name")
_RELAY_SCHEMES: Final = ("http", "https")
#: Shape of a canonical relay origin; :func:`relay_origin` decides the rest (ports, case).
_ORIGIN_SHAPE: Final = re.compile(r"\Ahttps?://(?:[a-z0-9_.-]+|\[[0-9a-f:.]+\]):[1-9][0-9]{0,4}\Z")
_PROVISION_ID: Final = re.compile(PROVISION_ID_PATTERN)


class InvalidLinkCode(InvalidMessage):
    """A link code is malformed or names an unusable relay, channel, key or device name."""


def _check_relay_origin(relay: str) -> None:
    """Requires ``relay`` to be a canonical http(s) origin, as :func:`relay_origin` writes it."""
    if not _ORIGIN_SHAPE.fullmatch(relay):
        raise InvalidLinkCode("link code relay is not an http(s) origin")
    try:
        canonical = relay_origin(relay)
    except ProtocolError:
        raise InvalidLinkCode("link code relay is not an origin") from None
    if canonical != relay:
        raise InvalidLinkCode("link code relay is not a canonical origin")


@dataclass(frozen=True)
class LinkCode:
    """What a new device shows so an existing device can provision it (protocol §6.11).

    Construction validates every field, so a ``LinkCode`` always survives
    ``parse_link_code(code.to_text())``.

    Attributes:
        relay_origin: The new device's relay origin ``scheme://host:port`` (§6.5).
        provision_id: The provisioning channel id (32 lower-case hex characters).
        ephemeral_public: The new device's ephemeral X25519 public key ``E_pub``.
        device_name: The name the user gave the new device.

    Raises:
        InvalidLinkCode: A field is malformed or the text form would exceed 1000 characters.
    """

    relay_origin: str
    provision_id: str
    ephemeral_public: bytes
    device_name: str

    def __post_init__(self) -> None:
        _check_relay_origin(self.relay_origin)
        if not _PROVISION_ID.fullmatch(self.provision_id):
            raise InvalidLinkCode("link code channel id is malformed")
        try:
            check_x25519_public_bytes(self.ephemeral_public)
        except InvalidKey:
            raise InvalidLinkCode("link code key is not a usable X25519 public key") from None
        try:
            validate_device_name(self.device_name)
        except InvalidDeviceName:
            raise InvalidLinkCode("link code device name is invalid") from None
        if len(self.to_text()) > MAX_LINK_CODE_LENGTH:
            raise InvalidLinkCode("link code is longer than 1000 characters")

    def to_text(self) -> str:
        """The code's text (and QR content): ``chat-desktop-link:v1?relay=…&id=…&key=…&name=…``."""
        return (
            f"{LINK_CODE_PREFIX}relay={quote(self.relay_origin, safe='')}"
            f"&id={quote(self.provision_id, safe='')}"
            f"&key={b64url_encode(self.ephemeral_public)}"
            f"&name={quote(self.device_name, safe='')}"
        )

    def __repr__(self) -> str:
        return f"LinkCode(relay_origin={self.relay_origin!r})"


def _decode_parameter(value: str) -> str:
    """Percent-decodes one parameter, accepting only the spelling ``quote(…, safe='')`` makes."""
    try:
        decoded = unquote(value, errors="strict")
    except UnicodeDecodeError:
        raise InvalidLinkCode("link code parameter is not UTF-8") from None
    if quote(decoded, safe="") != value:
        raise InvalidLinkCode("link code parameter is not canonically percent-encoded")
    return decoded


def _split_parameters(query: str) -> dict[str, str]:
    """Splits ``a=1&b=2`` into exactly the four link code parameters, each given once."""
    parameters: dict[str, str] = {}
    for item in query.split("&"):
        name, separator, value = item.partition("=")
        if not separator:
            raise InvalidLinkCode("link code parameter has no value")
        if name not in _LINK_CODE_PARAMETERS:
            raise InvalidLinkCode("link code has an unknown parameter")
        if name in parameters:
            raise InvalidLinkCode("link code repeats a parameter")
        parameters[name] = _decode_parameter(value)
    if len(parameters) != len(_LINK_CODE_PARAMETERS):
        raise InvalidLinkCode("link code lacks a parameter")
    return parameters


def parse_link_code(text: str) -> LinkCode:
    """Parses a scanned or pasted link code, strictly.

    Only surrounding whitespace is forgiven. The prefix must be exact, the four parameters
    ``relay``, ``id``, ``key``, ``name`` must each appear once (in any order) and nothing
    else, percent-encoded as :meth:`LinkCode.to_text` writes them; ``key`` is canonical
    base64url of 32 bytes passing the §1.3 checks; the whole is at most 1000 characters.

    Raises:
        InvalidLinkCode: The code is malformed. The message never quotes the code.
    """
    text = text.strip()
    if len(text) > MAX_LINK_CODE_LENGTH:
        raise InvalidLinkCode("link code is longer than 1000 characters")
    if not text.startswith(LINK_CODE_PREFIX):
        raise InvalidLinkCode("text is not a chat-desktop link code")
    parameters = _split_parameters(text[len(LINK_CODE_PREFIX) :])
    try:
        ephemeral_public = b64url_decode(parameters["key"])
    except ProtocolError:
        raise InvalidLinkCode("link code key is not canonical base64url") from None
    return LinkCode(
        relay_origin=parameters["relay"],
        provision_id=parameters["id"],
        ephemeral_public=ephemeral_public,
        device_name=parameters["name"],
    )


# ---- the provisioning message ---------------------------------------------------------------

PROVISION_MESSAGE_VERSION: Final = 1
MAX_PROVISION_CONTACTS: Final = 5000
MAX_RELAY_URL_LENGTH: Final = 2048
#: Longest disappearing-message timer of a contact: one year in seconds.
MAX_CONTACT_TIMER_S: Final = 31_536_000

Bytes32 = Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)]
Bytes64 = Annotated[bytes, msgspec.Meta(min_length=64, max_length=64)]


class ProvisionContact(msgspec.Struct, frozen=True):
    """One contact handed to the new device: who, their identity key, whether it was verified."""

    username: Username
    identity_key: Bytes32
    verified: bool
    timer: Annotated[int, msgspec.Meta(ge=0, le=MAX_CONTACT_TIMER_S)]

    def __repr__(self) -> str:
        return f"ProvisionContact(verified={self.verified}, timer={self.timer})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return [("verified", self.verified), ("timer", self.timer)]


class ProvisionHistory(msgspec.Struct, frozen=True):
    """Where the exported history blob is and how to decrypt it (an attachment, §5)."""

    blob_id: BlobId
    key: Bytes64
    digest: Bytes32
    size: Annotated[int, msgspec.Meta(ge=0, le=MAX_BLOB_SIZE)]

    def __repr__(self) -> str:
        return f"ProvisionHistory(size={self.size})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return [("size", self.size)]


class ProvisionMessage(msgspec.Struct, frozen=True, kw_only=True):
    """What the existing device hands the new one: the account, its secrets and contacts.

    A msgpack map. Unknown fields are ignored, so a later version may add some; every field
    is bounded. ``repr`` shows no secret (seed, token, history key) and no username.
    """

    v: Annotated[int, msgspec.Meta(ge=0, le=255)] = PROVISION_MESSAGE_VERSION
    username: Username
    relay_url: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_RELAY_URL_LENGTH)]
    identity_seed: Bytes32
    link_token: Token
    contacts: Annotated[list[ProvisionContact], msgspec.Meta(max_length=MAX_PROVISION_CONTACTS)]
    history: ProvisionHistory | None = None

    def __repr__(self) -> str:
        return (
            f"ProvisionMessage(v={self.v}, contacts={len(self.contacts)}, "
            f"history={self.history is not None})"
        )

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return [
            ("v", self.v),
            ("contacts", len(self.contacts)),
            ("history", self.history is not None),
        ]


class ProvisioningRejected(InvalidMessage):
    """A provisioning envelope does not open or holds an unacceptable message."""


def _check_message(message: ProvisionMessage) -> None:
    """The checks beyond the schema: version, a loadable IK seed, unique contacts."""
    if message.v != PROVISION_MESSAGE_VERSION:
        raise ProvisioningRejected("unsupported provisioning message version")
    try:
        IdentityKeyPair.from_seed(message.identity_seed)
    except InvalidKey:
        raise ProvisioningRejected("provisioned identity seed is not a valid identity") from None
    usernames = {contact.username for contact in message.contacts}
    if len(usernames) != len(message.contacts):
        raise ProvisioningRejected("provisioned contacts repeat a username")


def _decode_message(plaintext: bytes) -> ProvisionMessage:
    """Decodes and fully checks a msgpack ProvisionMessage."""
    try:
        message = msgspec.msgpack.decode(plaintext, type=ProvisionMessage)
    except msgspec.DecodeError:  # ValidationError is a DecodeError
        raise ProvisioningRejected("provisioning message is malformed") from None
    _check_message(message)
    return message


def check_provisioned_relay(message: ProvisionMessage, code: LinkCode) -> None:
    """Requires the provisioned ``relay_url`` to have the origin the link code named (§6.11).

    Raises:
        ProvisioningRejected: The relay URL is malformed or points at another relay.
    """
    try:
        origin = relay_origin(message.relay_url)
    except ProtocolError:
        raise ProvisioningRejected("provisioned relay URL is malformed") from None
    if origin != code.relay_origin:
        raise ProvisioningRejected("provisioned relay is not the link code's relay")


# ---- the envelope ---------------------------------------------------------------------------

ENVELOPE_VERSION: Final = 0x01
PROVISIONING_AAD_CONTEXT: Final = b"chat_desktop provisioning v1"
PROVISIONING_INFO: Final = b"ChatDesktop_Provisioning"
ENVELOPE_NONCE_SIZE: Final = 12
_KEY_SIZE: Final = 32
_GCM_TAG_SIZE: Final = 16
_HEADER_SIZE: Final = 1 + _KEY_SIZE + ENVELOPE_NONCE_SIZE
_HKDF_ZERO_SALT: Final = bytes(32)


class NewDeviceEphemeral:
    """The new device's ephemeral X25519 key pair E, kept only until the envelope opened.

    Attributes:
        public_key: ``E_pub``, the 32 bytes the link code carries.
    """

    __slots__ = ("_private_key", "public_key")

    public_key: bytes

    def __init__(self, private_key: X25519PrivateKey) -> None:
        """Wraps an X25519 private key; prefer :meth:`generate`."""
        self._private_key = private_key
        self.public_key = x25519_public_bytes(private_key)

    @classmethod
    def generate(cls) -> NewDeviceEphemeral:
        """Generates a fresh ephemeral key pair for one link code."""
        return cls(X25519PrivateKey.generate())

    def agree(self, sender_public: bytes) -> bytes:
        """``X25519(E, S_pub)`` after the §1.3 checks.

        Raises:
            InvalidKey: ``sender_public`` is unusable or the output is all zero.
        """
        return x25519(self._private_key, load_x25519_public(sender_public))

    def __repr__(self) -> str:
        return f"NewDeviceEphemeral(public_key={self.public_key.hex()})"


def _provisioning_key(shared_secret: bytes) -> bytes:
    return hkdf_sha256(shared_secret, _HKDF_ZERO_SALT, PROVISIONING_INFO, _KEY_SIZE)


def _associated_data(provision_id: str, ephemeral_public: bytes) -> bytes:
    return PROVISIONING_AAD_CONTEXT + provision_id.encode("ascii") + ephemeral_public


def seal_provisioning(
    message: ProvisionMessage,
    provision_id: str,
    recipient_public: bytes,
    *,
    sender_private: X25519PrivateKey | None = None,
    nonce: bytes | None = None,
) -> bytes:
    """Seals ``message`` for the new device whose link code named ``recipient_public``.

    The message is checked as the new device will check it first, so an envelope we send is
    never refused for its content.

    Args:
        message: What to hand over.
        provision_id: The channel id from the link code.
        recipient_public: ``E_pub`` from the link code.
        sender_private: The sender key S, for known-answer tests only; fresh when omitted.
        nonce: 12 bytes, for known-answer tests only; fresh random bytes when omitted.

    Returns:
        ``0x01 ‖ S_pub ‖ nonce ‖ AES-256-GCM ciphertext and tag``.

    Raises:
        InvalidKey: ``recipient_public`` fails the §1.3 checks or the X25519 output is zero.
        ValueError: ``provision_id`` is malformed or an injected nonce is not 12 bytes.
        ProvisioningRejected: The message is one the new device would refuse, or the
            envelope would exceed 1 MiB.
    """
    if not _PROVISION_ID.fullmatch(provision_id):
        raise ValueError("provision id is malformed")
    if nonce is None:
        nonce = os.urandom(ENVELOPE_NONCE_SIZE)
    elif len(nonce) != ENVELOPE_NONCE_SIZE:
        raise ValueError("a provisioning nonce must be 12 bytes")
    plaintext = msgspec.msgpack.encode(message)
    _decode_message(plaintext)
    sender = X25519PrivateKey.generate() if sender_private is None else sender_private
    key = _provisioning_key(x25519(sender, load_x25519_public(recipient_public)))
    ciphertext = AESGCM(key).encrypt(
        nonce, plaintext, _associated_data(provision_id, recipient_public)
    )
    envelope = bytes((ENVELOPE_VERSION,)) + x25519_public_bytes(sender) + nonce + ciphertext
    if len(envelope) > MAX_PROVISIONING_ENVELOPE:
        raise ProvisioningRejected("provisioning envelope would exceed 1 MiB")
    return envelope


def open_provisioning(
    envelope: bytes, provision_id: str, ephemeral: NewDeviceEphemeral
) -> ProvisionMessage:
    """Opens an envelope fetched from the channel ``provision_id`` with the link code's E.

    Raises:
        ProvisioningRejected: Anything is wrong: size, version byte, sender key, tag (wrong
            E, wrong channel, tampered bytes), msgpack or schema, message version, an identity
            seed IK refuses, contacts that repeat a username.
    """
    if len(envelope) > MAX_PROVISIONING_ENVELOPE:
        raise ProvisioningRejected("provisioning envelope exceeds 1 MiB")
    if len(envelope) < _HEADER_SIZE + _GCM_TAG_SIZE:
        raise ProvisioningRejected("provisioning envelope is too short")
    if envelope[0] != ENVELOPE_VERSION:
        raise ProvisioningRejected("unknown provisioning envelope version")
    if not _PROVISION_ID.fullmatch(provision_id):
        raise ProvisioningRejected("provision id is malformed")
    sender_public = envelope[1 : 1 + _KEY_SIZE]
    nonce = envelope[1 + _KEY_SIZE : _HEADER_SIZE]
    try:
        key = _provisioning_key(ephemeral.agree(sender_public))
    except InvalidKey:
        raise ProvisioningRejected("provisioning sender key is unusable") from None
    try:
        plaintext = AESGCM(key).decrypt(
            nonce, envelope[_HEADER_SIZE:], _associated_data(provision_id, ephemeral.public_key)
        )
    except InvalidTag:
        raise ProvisioningRejected("provisioning envelope does not authenticate") from None
    return _decode_message(plaintext)
