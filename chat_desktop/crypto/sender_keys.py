"""Sender Keys: group messages encrypted once for every member (docs/protocol.md §11).

As in Signal, each member device has, per group, a sender key: a chain key, an iteration and
an Ed25519 signing key pair (:class:`OwnSenderKey`). It hands the chain key at its current
iteration and the public signing key to every other member device through the pairwise
sessions (a :class:`~.sender_key_wire.SenderKeyDistribution`); each of them keeps that as a
:class:`ReceivedSenderKey` per (group, sender, device). A group message is then encrypted
once: its message key is the chain's next one (``KDF_CK``, as the Double Ratchet's symmetric
chain), and it is signed with the signing key, so that members, who all know the chain key,
still cannot write in another member's name.

Receiving is transactional like the ratchet's: the signature is checked first, new values are
computed into locals, and the state changes only once the message decrypted. A refused
message (forged, replayed, tampered, too far ahead) leaves the state, and its bytes, as they
were. Persisting the state is the caller's job (:meth:`to_bytes`, to be stored sealed).
"""

from __future__ import annotations

import os
import secrets
from bisect import bisect_right
from hmac import compare_digest
from itertools import pairwise
from typing import Final

import msgspec
from cryptography.exceptions import InvalidSignature as _PycaInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from chat_desktop.crypto.errors import (
    DuplicateMessage,
    InvalidKey,
    InvalidMessage,
    InvalidSignature,
    InvalidState,
    MessageBeforeSenderKey,
    MessageKeyLost,
    TooManySkippedMessages,
    UnknownSenderKey,
)
from chat_desktop.crypto.primitives import (
    AES_BLOCK_SIZE,
    aes256_cbc_decrypt,
    aes256_cbc_encrypt,
    hkdf_sha256,
    hmac_sha256,
    pkcs7_pad,
    pkcs7_unpad,
)
from chat_desktop.crypto.ratchet_algorithms import kdf_ck
from chat_desktop.crypto.sender_key_wire import (
    CHAIN_KEY_SIZE,
    MAX_ITERATION,
    MAX_MESSAGE_SIZE,
    MIN_MESSAGE_SIZE,
    SIGNING_KEY_SIZE,
    SenderKeyDistribution,
    SenderKeyMessage,
    load_signing_public_key,
    parse_sender_key_message,
    sender_key_message_header,
)

__all__ = [
    "INFO_SENDER_KEY",
    "MAX_FORWARD_STEPS",
    "MAX_LOST_KEY_RANGES",
    "MAX_STORED_MESSAGE_KEYS",
    "OwnSenderKey",
    "ReceivedSenderKey",
]

#: HKDF info of the expansion of a message key into the AES key, MAC key and IV.
INFO_SENDER_KEY: Final = b"ChatDesktop_SenderKey"
#: Most chain steps one message may make a receiver take (Signal's limit too).
MAX_FORWARD_STEPS: Final = 25_000
#: Most message keys of skipped iterations a receiver stores per sender key; oldest evicted.
MAX_STORED_MESSAGE_KEYS: Final = 2_000
#: Most ranges of evicted iterations remembered (to report their messages as lost rather than
#: as duplicates); the oldest are forgotten first.
MAX_LOST_KEY_RANGES: Final = MAX_STORED_MESSAGE_KEYS

_ZERO_SALT: Final = bytes(32)
_ENCRYPTION_KEY_END: Final = 32
_MAC_KEY_END: Final = 64
_EXPANDED_SIZE: Final = 80
_MESSAGE_OVERHEAD: Final = MIN_MESSAGE_SIZE - AES_BLOCK_SIZE
#: The iteration of a used-up sender key: no message key is left.
_EXHAUSTED: Final = MAX_ITERATION + 1
_STATE_VERSION: Final = 1
_LOST_MESSAGE: Final = (
    "group message arrived after its stored key was evicted (too many messages were missing); "
    "it cannot be decrypted, ask the sender to resend it"
)


def _expand(message_key: bytes) -> tuple[bytes, bytes, bytes]:
    """``HKDF(mk, 0×32, INFO_SENDER_KEY, 80)`` → (AES key, MAC key, IV), as §3 lays them out."""
    keys = hkdf_sha256(message_key, _ZERO_SALT, INFO_SENDER_KEY, _EXPANDED_SIZE)
    return keys[:_ENCRYPTION_KEY_END], keys[_ENCRYPTION_KEY_END:_MAC_KEY_END], keys[_MAC_KEY_END:]


def _seal(message_key: bytes, header: bytes, plaintext: bytes) -> bytes:
    """``ct ‖ tag``: AES-256-CBC of the padded plaintext, HMAC over ``header ‖ ct``."""
    encryption_key, mac_key, iv = _expand(message_key)
    ciphertext = aes256_cbc_encrypt(encryption_key, iv, pkcs7_pad(plaintext))
    return ciphertext + hmac_sha256(mac_key, header + ciphertext)


def _open(message_key: bytes, message: SenderKeyMessage) -> bytes:
    """Checks the tag (constant time), then decrypts and unpads.

    Raises:
        InvalidMessage: The tag does not match or the padding is malformed.
    """
    encryption_key, mac_key, iv = _expand(message_key)
    if not compare_digest(hmac_sha256(mac_key, message.header + message.ciphertext), message.tag):
        raise InvalidMessage("group message authentication failed")
    return pkcs7_unpad(aes256_cbc_decrypt(encryption_key, iv, message.ciphertext))


class _OwnRecord(msgspec.Struct, array_like=True, frozen=True, tag="own_sender_key"):
    """The serialized form of an :class:`OwnSenderKey`."""

    version: int
    key_id: int
    iteration: int
    chain_key: bytes
    signing_seed: bytes


class _ReceivedRecord(msgspec.Struct, array_like=True, frozen=True, tag="received_sender_key"):
    """The serialized form of a :class:`ReceivedSenderKey`.

    ``skipped`` holds ``(iteration, message key)`` in ascending iterations; ``lost`` is flat,
    ascending, half-open ranges ``[start0, stop0, start1, stop1, ...]`` of evicted iterations.
    """

    version: int
    key_id: int
    signing_public_key: bytes
    first_iteration: int
    iteration: int
    chain_key: bytes
    skipped: list[tuple[int, bytes]]
    lost: list[int]


_ENCODER: Final = msgspec.msgpack.Encoder()
_OWN_DECODER: Final = msgspec.msgpack.Decoder(_OwnRecord)
_RECEIVED_DECODER: Final = msgspec.msgpack.Decoder(_ReceivedRecord)


def _check_u32(value: int, upper: int = 0xFFFFFFFF) -> None:
    if not 0 <= value <= upper:
        raise InvalidState("sender key state holds an out-of-bounds number")


class OwnSenderKey:
    """Our sender key in one group: encrypts and signs our group messages.

    Make one with :meth:`generate` (and a new one with :meth:`successor` after a member was
    removed or a device unlinked), hand :meth:`distribution` to every member device, and
    persist :meth:`to_bytes` after every :meth:`encrypt`: reusing an iteration reuses a key.
    """

    __slots__ = ("_chain_key", "_iteration", "_key_id", "_signing_key", "_signing_seed")

    def __init__(
        self, *, key_id: int, iteration: int, chain_key: bytes, signing_seed: bytes
    ) -> None:
        """Builds a sender key from its parts (for tests and restoring; prefer :meth:`generate`).

        Raises:
            InvalidState: A number is out of bounds or a key has the wrong length.
        """
        _check_u32(key_id)
        _check_u32(iteration, _EXHAUSTED)
        if len(chain_key) != CHAIN_KEY_SIZE or len(signing_seed) != SIGNING_KEY_SIZE:
            raise InvalidState("sender key state holds a key of the wrong length")
        self._key_id = key_id
        self._iteration = iteration
        self._chain_key = chain_key
        self._signing_seed = signing_seed
        self._signing_key = Ed25519PrivateKey.from_private_bytes(signing_seed)

    @classmethod
    def generate(cls) -> OwnSenderKey:
        """A fresh sender key: random key id, chain key and signing key, iteration 0."""
        return cls(
            key_id=secrets.randbits(32),
            iteration=0,
            chain_key=os.urandom(CHAIN_KEY_SIZE),
            signing_seed=os.urandom(SIGNING_KEY_SIZE),
        )

    def successor(self) -> OwnSenderKey:
        """A fresh sender key with another key id, to replace this one (after a removal).

        Nothing of this key leads to the new one, so a holder of this key's distribution
        cannot read messages under the new key.
        """
        while True:
            fresh = self.generate()
            if fresh.key_id != self._key_id:
                return fresh

    @property
    def key_id(self) -> int:
        """Which of our sender keys this is (a u32, carried by every message)."""
        return self._key_id

    @property
    def iteration(self) -> int:
        """The iteration the next message will use."""
        return self._iteration

    @property
    def signing_public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key members verify our messages with."""
        return self._signing_key.public_key().public_bytes_raw()

    def distribution(self) -> SenderKeyDistribution:
        """What a member device needs to read our messages from the next one on.

        Raises:
            InvalidState: The sender key is used up; make a :meth:`successor`.
        """
        if self._iteration > MAX_ITERATION:
            raise InvalidState("sender key is used up")
        return SenderKeyDistribution(
            key_id=self._key_id,
            iteration=self._iteration,
            chain_key=self._chain_key,
            signing_public_key=self.signing_public_key,
        )

    def encrypt(self, plaintext: bytes) -> bytes:
        """Encrypts and signs one group message with the next message key.

        Returns:
            The sender-key message, the same bytes for every member device.

        Raises:
            InvalidState: The sender key is used up; make a :meth:`successor`.
            InvalidMessage: The message would be larger than one relay body.
        """
        if self._iteration > MAX_ITERATION:
            raise InvalidState("sender key is used up")
        padded_size = (len(plaintext) // AES_BLOCK_SIZE + 1) * AES_BLOCK_SIZE
        if _MESSAGE_OVERHEAD + padded_size > MAX_MESSAGE_SIZE:
            raise InvalidMessage("plaintext is too long for one group message")
        message_key, next_chain_key = kdf_ck(self._chain_key)
        header = sender_key_message_header(self._key_id, self._iteration)
        signed_part = header + _seal(message_key, header, plaintext)
        signature = self._signing_key.sign(signed_part)
        self._chain_key = next_chain_key
        self._iteration += 1
        return signed_part + signature

    def to_bytes(self) -> bytes:
        """Versioned serialization (holds secrets: persist it only sealed)."""
        return _ENCODER.encode(
            _OwnRecord(
                _STATE_VERSION, self._key_id, self._iteration, self._chain_key, self._signing_seed
            )
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> OwnSenderKey:
        """Restores a sender key from :meth:`to_bytes`.

        Raises:
            InvalidState: The data is malformed, of an unknown version, or out of bounds.
        """
        try:
            record = _OWN_DECODER.decode(data)
        except msgspec.DecodeError:
            raise InvalidState("own sender key state is malformed") from None
        if record.version != _STATE_VERSION:
            raise InvalidState("unsupported own sender key state version")
        return cls(
            key_id=record.key_id,
            iteration=record.iteration,
            chain_key=record.chain_key,
            signing_seed=record.signing_seed,
        )


class ReceivedSenderKey:
    """One sender device's sender key in one group, as we hold it: decrypts its messages.

    Holds the chain key at the next expected iteration, the public signing key, the message
    keys of skipped iterations (at most :data:`MAX_STORED_MESSAGE_KEYS`, oldest evicted) and
    ranges of evicted iterations. :meth:`decrypt` changes it only when it returns a plaintext.
    """

    __slots__ = (
        "_chain_key",
        "_first_iteration",
        "_iteration",
        "_key_id",
        "_lost",
        "_signing_key",
        "_signing_public",
        "_skipped",
    )

    _key_id: int
    _signing_public: bytes
    _signing_key: Ed25519PublicKey
    _first_iteration: int
    _iteration: int
    _chain_key: bytes
    #: Iteration -> message key, in ascending iterations (so insertion order = age order).
    _skipped: dict[int, bytes]
    #: Flat ascending half-open ranges of iterations whose keys were evicted unused.
    _lost: list[int]

    def __init__(self, distribution: SenderKeyDistribution) -> None:
        """Starts holding the sender key a (checked) distribution hands us."""
        self._hold(distribution)

    def _hold(self, distribution: SenderKeyDistribution) -> None:
        """Holds the distribution's sender key from its iteration on, forgetting any other."""
        self._key_id = distribution.key_id
        self._signing_public = distribution.signing_public_key
        self._signing_key = load_signing_public_key(distribution.signing_public_key)
        self._first_iteration = distribution.iteration
        self._iteration = distribution.iteration
        self._chain_key = distribution.chain_key
        self._skipped = {}
        self._lost = []

    @property
    def key_id(self) -> int:
        """The key id of the sender key held."""
        return self._key_id

    @property
    def iteration(self) -> int:
        """The next iteration whose message key has not been derived yet."""
        return self._iteration

    @property
    def stored_message_key_count(self) -> int:
        """How many message keys of skipped iterations are stored."""
        return len(self._skipped)

    def process_distribution(self, distribution: SenderKeyDistribution) -> bool:
        """Takes a distribution from the same sender device for the same group.

        The same sender key again (same key id and signing key) changes nothing: going back to
        its iteration would open used message keys to a replay. Another one replaces the held
        key entirely (the sender made a new sender key).

        Returns:
            Whether the held sender key was replaced.
        """
        if (
            distribution.key_id == self._key_id
            and distribution.signing_public_key == self._signing_public
        ):
            return False
        self._hold(distribution)
        return True

    def decrypt(self, data: bytes) -> bytes:
        """Checks and decrypts one sender-key message of this sender device.

        The signature is checked before anything else; nothing changes unless the message
        decrypts.

        Raises:
            InvalidMessage: The message is malformed, out of bounds, or fails its tag or
                padding (tampered).
            UnknownSenderKey: It names another key id than the one held.
            InvalidSignature: The signature does not verify under the held signing key.
            MessageBeforeSenderKey: Its iteration lies before the distribution's.
            DuplicateMessage: Its message key was already used (a replay).
            MessageKeyLost: Its message key was evicted: it can never be decrypted.
            TooManySkippedMessages: It lies more than :data:`MAX_FORWARD_STEPS` ahead.
        """
        message = parse_sender_key_message(data)
        if message.key_id != self._key_id:
            raise UnknownSenderKey("group message names a sender key we do not hold")
        try:
            self._signing_key.verify(message.signature, message.signed_part)
        except _PycaInvalidSignature:
            raise InvalidSignature("group message signature does not verify") from None
        iteration = message.iteration
        if iteration < self._iteration:
            return self._decrypt_skipped(message)
        if iteration - self._iteration > MAX_FORWARD_STEPS:
            raise TooManySkippedMessages("group message lies too far ahead")
        chain_key = self._chain_key
        skipped = []
        for skipped_iteration in range(self._iteration, iteration):
            message_key, chain_key = kdf_ck(chain_key)
            skipped.append((skipped_iteration, message_key))
        message_key, next_chain_key = kdf_ck(chain_key)
        plaintext = _open(message_key, message)
        self._chain_key = next_chain_key
        self._iteration = iteration + 1
        self._store_skipped(skipped)
        return plaintext

    def _decrypt_skipped(self, message: SenderKeyMessage) -> bytes:
        """A message of an iteration before the next one: its key is stored or gone."""
        iteration = message.iteration
        if iteration < self._first_iteration:
            raise MessageBeforeSenderKey("group message was sent before we got the sender key")
        message_key = self._skipped.get(iteration)
        if message_key is None:
            if bisect_right(self._lost, iteration) % 2:  # inside an evicted range
                raise MessageKeyLost(_LOST_MESSAGE)
            raise DuplicateMessage("group message was already decrypted")
        plaintext = _open(message_key, message)
        del self._skipped[iteration]
        return plaintext

    def _store_skipped(self, skipped: list[tuple[int, bytes]]) -> None:
        """Stores new skipped keys, evicting the oldest beyond the cap into the lost ranges."""
        store = self._skipped
        store.update(skipped)
        overflow = len(store) - MAX_STORED_MESSAGE_KEYS
        if overflow <= 0:
            return
        lost = self._lost
        for iteration in list(store)[:overflow]:
            del store[iteration]
            # Evictions come in ascending iterations: extend the newest range or start one.
            if lost and lost[-1] == iteration:
                lost[-1] = iteration + 1
            else:
                lost += (iteration, iteration + 1)
        del lost[: max(0, len(lost) - 2 * MAX_LOST_KEY_RANGES)]

    def to_bytes(self) -> bytes:
        """Versioned serialization (holds secrets: persist it only sealed)."""
        return _ENCODER.encode(
            _ReceivedRecord(
                version=_STATE_VERSION,
                key_id=self._key_id,
                signing_public_key=self._signing_public,
                first_iteration=self._first_iteration,
                iteration=self._iteration,
                chain_key=self._chain_key,
                skipped=list(self._skipped.items()),
                lost=list(self._lost),
            )
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> ReceivedSenderKey:
        """Restores a held sender key from :meth:`to_bytes`, checking every value.

        Raises:
            InvalidState: The data is malformed, of an unknown version, holds an unusable key
                or an out-of-bounds number, or its stored keys or ranges are inconsistent.
        """
        try:
            record = _RECEIVED_DECODER.decode(data)
        except msgspec.DecodeError:
            raise InvalidState("received sender key state is malformed") from None
        if record.version != _STATE_VERSION:
            raise InvalidState("unsupported received sender key state version")
        _check_u32(record.iteration, _EXHAUSTED)
        if not record.first_iteration <= record.iteration:
            raise InvalidState("received sender key state holds an out-of-bounds iteration")
        try:
            state = cls(
                SenderKeyDistribution(
                    key_id=record.key_id,
                    iteration=record.first_iteration,
                    chain_key=record.chain_key,
                    signing_public_key=record.signing_public_key,
                )
            )
        except (InvalidMessage, InvalidKey):
            raise InvalidState("received sender key state holds an unusable value") from None
        state._iteration = record.iteration
        state._skipped = _checked_skipped(record)
        state._lost = _checked_lost(record)
        return state


def _checked_skipped(record: _ReceivedRecord) -> dict[int, bytes]:
    """The stored keys of a record, if ascending, in range, well-sized and few enough."""
    iterations = [iteration for iteration, _ in record.skipped]
    if (
        len(iterations) > MAX_STORED_MESSAGE_KEYS
        or any(a >= b for a, b in pairwise(iterations))
        or (iterations and not record.first_iteration <= iterations[0])
        or (iterations and not iterations[-1] < record.iteration)
        or any(len(key) != CHAIN_KEY_SIZE for _, key in record.skipped)
    ):
        raise InvalidState("received sender key state holds malformed stored keys")
    return dict(record.skipped)


def _checked_lost(record: _ReceivedRecord) -> list[int]:
    """The evicted ranges of a record, if flat, ascending, in range and few enough."""
    lost = record.lost
    if (
        len(lost) % 2
        or len(lost) > 2 * MAX_LOST_KEY_RANGES
        or any(a >= b for a, b in pairwise(lost))
        or (lost and not record.first_iteration <= lost[0])
        or (lost and not lost[-1] <= record.iteration)
    ):
        raise InvalidState("received sender key state holds malformed evicted ranges")
    return list(lost)
