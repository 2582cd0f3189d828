"""A pairwise session with one remote device: PQXDH setup plus the Double Ratchet.

This is what the messaging engine calls. A typical flow::

    # Alice
    session = Session.initiate(identity, bundle)
    body = session.encrypt(b"hi")            # a 0x01 PreKey message until Bob replies
    # Bob, for a 0x01 body from a device he has no matching session with
    message = parse_prekey_message(body)     # look up the prekeys it names
    session, plaintext = Session.respond(identity, body, spk, opk, pqpk)
    # ... persist session.to_bytes() with the message, then delete the used OPK/PQPK.

A 0x01 body that Alice resent before Bob's reply reached her still belongs to Bob's existing
session (:meth:`Session.is_session_of` tells), and :meth:`Session.decrypt` accepts it.

The engine keeps the sessions with one device in a
:class:`~chat_desktop.crypto.session_record.SessionRecord` (the current one and up to 40
earlier ones), so that simultaneous session starts and late messages of an earlier session
still decrypt.
"""

from __future__ import annotations

import hashlib
from typing import Final

import msgspec

from chat_desktop.crypto.errors import (
    InvalidKey,
    InvalidMessage,
    InvalidState,
    UntrustedIdentity,
)
from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.prekeys import OneTimePreKey, PqPreKey, SignedPreKey
from chat_desktop.crypto.ratchet import KeyGenerator, RatchetRecord, RatchetState
from chat_desktop.crypto.wire import (
    NORMAL_MESSAGE_TYPE,
    PREKEY_MESSAGE_TYPE,
    PreKeyMessage,
    build_prekey_prefix,
    message_type,
    parse_prekey_message,
)
from chat_desktop.crypto.x3dh import PreKeyBundle, pqxdh_initiate, pqxdh_respond

__all__ = [
    "PreKeyMessage",
    "Session",
    "message_type",
    "parse_prekey_message",
]

_SESSION_VERSION: Final = 1
_NORMAL_PREFIX: Final = bytes((NORMAL_MESSAGE_TYPE,))


class _SessionRecord(msgspec.Struct, array_like=True, frozen=True):
    version: int
    local_identity_key: bytes
    remote_identity_key: bytes
    base_key: bytes
    pending_prekey_prefix: bytes | None
    prekey_prefix_digest: bytes | None
    ratchet: RatchetRecord


_ENCODER: Final = msgspec.msgpack.Encoder()
_DECODER: Final = msgspec.msgpack.Decoder(_SessionRecord)


class Session:
    """An end-to-end encrypted session with one remote device.

    Attributes:
        local_identity_key: Our identity key (X25519 public) when the session was made.
        remote_identity_key: The peer device's identity key; the session is bound to it.
        base_key: The initiator's ephemeral key EKa, naming the agreement this session
            came from (the same value on both sides).
    """

    __slots__ = (
        "_pending_prekey_prefix",
        "_prekey_prefix_digest",
        "_ratchet",
        "base_key",
        "local_identity_key",
        "remote_identity_key",
    )

    def __init__(
        self,
        *,
        ratchet: RatchetState,
        local_identity_key: bytes,
        remote_identity_key: bytes,
        base_key: bytes,
        pending_prekey_prefix: bytes | None,
        prekey_prefix_digest: bytes | None,
    ) -> None:
        """Low-level constructor; use :meth:`initiate`, :meth:`respond` or :meth:`from_bytes`."""
        self._ratchet = ratchet
        self.local_identity_key = local_identity_key
        self.remote_identity_key = remote_identity_key
        self.base_key = base_key
        self._pending_prekey_prefix = pending_prekey_prefix
        self._prekey_prefix_digest = prekey_prefix_digest

    @classmethod
    def initiate(
        cls,
        identity: IdentityKeyPair,
        bundle: PreKeyBundle,
        *,
        key_generator: KeyGenerator | None = None,
    ) -> Session:
        """Starts a session from the remote device's bundle (Alice's side of PQXDH).

        Args:
            identity: Our identity.
            bundle: The remote device's bundle, as fetched.
            key_generator: Makes ratchet keys; only tests replace the random default.

        Raises:
            BundleRejected: The bundle lacks a PQ prekey or has a bad signature or key.
            InvalidKey: A DH output is all zero.
        """
        agreement = pqxdh_initiate(identity, bundle)
        assert agreement.kem_ciphertext is not None and agreement.pq_prekey_id is not None
        ratchet = RatchetState.initialize_as_initiator(
            agreement.shared_secret,
            agreement.signed_prekey,
            agreement.associated_data,
            key_generator=key_generator,
        )
        prefix = build_prekey_prefix(
            identity_key=identity.public_key,
            ephemeral_key=agreement.ephemeral_public_key,
            signed_prekey_id=agreement.signed_prekey_id,
            one_time_prekey_id=agreement.one_time_prekey_id,
            pq_prekey_id=agreement.pq_prekey_id,
            kem_ciphertext=agreement.kem_ciphertext,
        )
        return cls(
            ratchet=ratchet,
            local_identity_key=identity.public_key,
            remote_identity_key=bundle.identity_key,
            base_key=agreement.ephemeral_public_key,
            pending_prekey_prefix=prefix,
            prekey_prefix_digest=None,
        )

    @classmethod
    def respond(
        cls,
        identity: IdentityKeyPair,
        body: bytes,
        signed_prekey: SignedPreKey,
        one_time_prekey: OneTimePreKey | None,
        pq_prekey: PqPreKey,
        *,
        now: float | None = None,
        key_generator: KeyGenerator | None = None,
    ) -> tuple[Session, bytes]:
        """Creates Bob's session from a 0x01 body and decrypts it.

        The caller looks up the prekeys the message names (:func:`parse_prekey_message`).
        Nothing is consumed here: delete the one-time prekeys only after persisting the
        returned session.

        Args:
            identity: Our identity.
            body: The whole 0x01 body.
            signed_prekey: Our signed prekey with the message's ``signed_prekey_id``.
            one_time_prekey: Our one-time prekey with its ``one_time_prekey_id``, or None if
                the message names none.
            pq_prekey: Our PQ prekey with its ``pq_prekey_id``.
            now: Unix seconds for skipped-key bookkeeping; defaults to the clock.
            key_generator: Makes ratchet keys; only tests replace the random default.

        Returns:
            The new session and the first plaintext.

        Raises:
            InvalidMessage: The body is malformed, names other prekeys than those given,
                carries a bad key, or fails authentication.
        """
        message = parse_prekey_message(body)
        _check_prekeys_match(message, signed_prekey, one_time_prekey, pq_prekey)
        try:
            agreement = pqxdh_respond(
                identity,
                initiator_identity_key=message.identity_key,
                ephemeral_key=message.ephemeral_key,
                signed_prekey=signed_prekey,
                one_time_prekey=one_time_prekey,
                pq_prekey=pq_prekey,
                kem_ciphertext=message.kem_ciphertext,
            )
        except InvalidKey:
            raise InvalidMessage("PreKey message carries an invalid key") from None
        ratchet = RatchetState.initialize_as_responder(
            agreement.shared_secret,
            signed_prekey.private_key,
            agreement.associated_data,
            key_generator=key_generator,
        )
        plaintext = ratchet.decrypt(message.ratchet_message, now)
        session = cls(
            ratchet=ratchet,
            local_identity_key=identity.public_key,
            remote_identity_key=message.identity_key,
            base_key=message.ephemeral_key,
            pending_prekey_prefix=None,
            prekey_prefix_digest=hashlib.sha256(message.prefix).digest(),
        )
        return session, plaintext

    @property
    def awaiting_reply(self) -> bool:
        """True while we send PreKey messages (initiator, no reply decrypted yet)."""
        return self._pending_prekey_prefix is not None

    def is_session_of(self, message: PreKeyMessage) -> bool:
        """Whether ``message`` is a (re)sent PreKey message of this very session.

        If not, a 0x01 body from this peer starts a new session: use :meth:`respond`.
        """
        return (
            self._prekey_prefix_digest is not None
            and message.ephemeral_key == self.base_key
            and message.identity_key == self.remote_identity_key
            and hashlib.sha256(message.prefix).digest() == self._prekey_prefix_digest
        )

    def knows_chain_of(self, body: bytes) -> bool:
        """Whether a normal (0x02) body names a receiving chain this session has or had.

        Such a body belongs to this session or is forged: no other session can decrypt it.
        :class:`~chat_desktop.crypto.session_record.SessionRecord` uses this to try only the
        right one of its sessions. False for any other body.
        """
        return (
            bool(body) and body[0] == NORMAL_MESSAGE_TYPE and self._ratchet.knows_chain_of(body[1:])
        )

    def encrypt(self, plaintext: bytes) -> bytes:
        """Encrypts ``plaintext`` into a full wire body.

        Returns:
            A 0x01 PreKey message until a reply was decrypted, then a 0x02 message.

        Raises:
            InvalidState: The session cannot send yet (a responder before its first message
                cannot happen through :meth:`respond`, which always decrypts one).
        """
        ratchet_message = self._ratchet.encrypt(plaintext)
        prefix = self._pending_prekey_prefix
        return (prefix if prefix is not None else _NORMAL_PREFIX) + ratchet_message

    def decrypt(self, body: bytes, now: float | None = None) -> bytes:
        """Decrypts a wire body; the session changes only if this returns.

        Args:
            body: A 0x02 body, or a 0x01 body for which :meth:`is_session_of` holds.
            now: Unix seconds for skipped-key bookkeeping; defaults to the clock.

        Raises:
            DuplicateMessage: Already decrypted; drop it silently.
            MessageKeyLost: Its key expired or was evicted before it arrived; tell the user a
                message from this device could not be decrypted.
            TooManySkippedMessages: The message skips more than the protocol allows.
            UntrustedIdentity: A 0x01 body from another identity key than this session's.
            InvalidMessage: Malformed, failed authentication, or a 0x01 body of another
                session.
        """
        kind = message_type(body)
        if kind == NORMAL_MESSAGE_TYPE:
            plaintext = self._ratchet.decrypt(body[1:], now)
        else:
            assert kind == PREKEY_MESSAGE_TYPE
            message = parse_prekey_message(body)
            if message.identity_key != self.remote_identity_key:
                raise UntrustedIdentity("PreKey message comes from another identity key")
            if not self.is_session_of(message):
                raise InvalidMessage("PreKey message belongs to another session")
            plaintext = self._ratchet.decrypt(message.ratchet_message, now)
        self._pending_prekey_prefix = None
        return plaintext

    def to_bytes(self) -> bytes:
        """Versioned msgpack serialization (holds secrets: persist it only wrapped)."""
        return _ENCODER.encode(
            _SessionRecord(
                version=_SESSION_VERSION,
                local_identity_key=self.local_identity_key,
                remote_identity_key=self.remote_identity_key,
                base_key=self.base_key,
                pending_prekey_prefix=self._pending_prekey_prefix,
                prekey_prefix_digest=self._prekey_prefix_digest,
                ratchet=self._ratchet.to_record(),
            )
        )

    @classmethod
    def from_bytes(cls, data: bytes, *, key_generator: KeyGenerator | None = None) -> Session:
        """Restores a session from :meth:`to_bytes`.

        Raises:
            InvalidState: The data is malformed or of an unknown version.
        """
        try:
            record = _DECODER.decode(data)
        except msgspec.DecodeError:
            raise InvalidState("session state is malformed") from None
        if record.version != _SESSION_VERSION:
            raise InvalidState("unsupported session state version")
        return cls(
            ratchet=RatchetState.from_record(record.ratchet, key_generator),
            local_identity_key=record.local_identity_key,
            remote_identity_key=record.remote_identity_key,
            base_key=record.base_key,
            pending_prekey_prefix=record.pending_prekey_prefix,
            prekey_prefix_digest=record.prekey_prefix_digest,
        )

    def __repr__(self) -> str:
        return f"Session(remote_identity_key={self.remote_identity_key.hex()})"


def _check_prekeys_match(
    message: PreKeyMessage,
    signed_prekey: SignedPreKey,
    one_time_prekey: OneTimePreKey | None,
    pq_prekey: PqPreKey,
) -> None:
    """Raises InvalidMessage unless the given prekeys are the ones the message names."""
    if message.signed_prekey_id != signed_prekey.key_id:
        raise InvalidMessage("PreKey message names another signed prekey")
    if message.pq_prekey_id != pq_prekey.key_id:
        raise InvalidMessage("PreKey message names another PQ prekey")
    given_one_time_id = None if one_time_prekey is None else one_time_prekey.key_id
    if message.one_time_prekey_id != given_one_time_id:
        raise InvalidMessage("PreKey message names another one-time prekey")
