"""Every session with one remote device: the current one and up to 40 earlier ones.

Like Signal's ``SessionRecord``. One session per device is not enough: two devices may start
a session with each other at the same moment, a peer may reset its session while messages of
the old one are in flight, or a message of an old session may simply arrive late. Keeping the
earlier sessions lets every such message decrypt, and the session that decrypts a message
becomes current, so the two sides settle on one session as soon as a message gets through.

Receiving, in the caller (which owns prekeys and persistence)::

    record = SessionRecord.from_bytes(stored) if stored else SessionRecord.empty()
    if message_type(body) == PREKEY_MESSAGE_TYPE:
        message = parse_prekey_message(body)
        if record.session_of(message) is None:       # a new session, not a resend or replay
            session, plaintext = Session.respond(identity, body, spk, opk, pqpk)
            record.promote(session)
        else:
            plaintext = record.decrypt(body)          # resent: decrypts; replayed: duplicate
    else:
        plaintext = record.decrypt(body)
    # persist record.to_bytes() with the message

Sending uses the current session: :meth:`SessionRecord.encrypt`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

import msgspec

from chat_desktop.crypto.errors import (
    DuplicateMessage,
    InvalidMessage,
    InvalidState,
    MessageKeyLost,
    TooManySkippedMessages,
)
from chat_desktop.crypto.ratchet import KeyGenerator
from chat_desktop.crypto.session import Session
from chat_desktop.crypto.wire import (
    PREKEY_MESSAGE_TYPE,
    PreKeyMessage,
    message_type,
    parse_prekey_message,
)

__all__ = ["MAX_PREVIOUS_SESSIONS", "SessionRecord"]

#: Most earlier sessions kept per device (Signal keeps 40 too); the oldest is dropped first.
MAX_PREVIOUS_SESSIONS: Final = 40

_RECORD_VERSION: Final = 1


class _StoredRecord(msgspec.Struct, array_like=True, frozen=True, tag="session_record"):
    """The serialized record. The tag tells it apart from a bare ``Session.to_bytes()``."""

    version: int
    current: bytes | None
    previous: list[bytes]


_ENCODER: Final = msgspec.msgpack.Encoder()
_DECODER: Final = msgspec.msgpack.Decoder(_StoredRecord)

# Most specific first: what a failed decrypt reports when several sessions refused it.
_ERROR_PRECEDENCE: Final = (DuplicateMessage, MessageKeyLost, TooManySkippedMessages)


class SessionRecord:
    """The current session with one remote device and up to 40 earlier ones, newest first.

    Earlier sessions only decrypt; a session that decrypts a message becomes current again.
    They do not change while archived, so their serialized bytes are kept and reused by
    :meth:`to_bytes`.
    """

    __slots__ = ("_current", "_previous")

    def __init__(self, current: Session | None = None, previous: Iterable[Session] = ()) -> None:
        """Builds a record; ``previous`` is newest first and cut to ``MAX_PREVIOUS_SESSIONS``."""
        self._current = current
        self._previous: list[tuple[Session, bytes]] = [
            (session, session.to_bytes()) for session in previous
        ][:MAX_PREVIOUS_SESSIONS]

    @classmethod
    def empty(cls) -> SessionRecord:
        """A record without any session (no session with this device yet)."""
        return cls()

    @property
    def current(self) -> Session | None:
        """The session to send with, or None if there is none."""
        return self._current

    @property
    def previous(self) -> list[Session]:
        """The earlier sessions, newest first (a copy of the list).

        Use them only to look at; to send with one, :meth:`promote` it first.
        """
        return [session for session, _ in self._previous]

    @property
    def is_empty(self) -> bool:
        """True if the record holds no session at all."""
        return self._current is None and not self._previous

    @property
    def remote_identity_key(self) -> bytes | None:
        """The identity key the current session is bound to, or None without one."""
        return None if self._current is None else self._current.remote_identity_key

    def promote(self, session: Session) -> None:
        """Makes ``session`` current, archiving the old current one as the newest earlier one.

        ``session`` may be new (from :meth:`Session.initiate` or :meth:`Session.respond`) or
        one of :attr:`previous`. Beyond ``MAX_PREVIOUS_SESSIONS`` the oldest is dropped.
        """
        if session is self._current:
            return
        self._previous = [entry for entry in self._previous if entry[0] is not session]
        self.archive_current()
        self._current = session

    def encrypt(self, plaintext: bytes) -> bytes:
        """Encrypts with the current session (see :meth:`Session.encrypt`).

        Raises:
            InvalidState: There is no current session: start one with
                :meth:`Session.initiate` and :meth:`promote` it.
        """
        if self._current is None:
            raise InvalidState("no current session with this device: start a new one")
        return self._current.encrypt(plaintext)

    def session_of(self, message: PreKeyMessage) -> Session | None:
        """The session (current or earlier) that ``message`` was sent in, if we have it.

        A PreKey message of a session we already have is a resend (it decrypts) or a replay
        (a duplicate); either way :meth:`decrypt` handles it, and no new session may be built
        over the old one. Only a PreKey message without one calls for :meth:`Session.respond`.
        """
        for session in self._sessions():
            if session.is_session_of(message):
                return session
        return None

    def decrypt(self, body: bytes, now: float | None = None) -> bytes:
        """Decrypts a wire body with the session it belongs to, which then becomes current.

        A normal (0x02) body goes to the session that knows its chain; if none does (a new
        chain), each session tries it, the current one first. A PreKey (0x01) body goes to
        :meth:`session_of`'s session. Any session that fails is left unchanged, and so is the
        record.

        Args:
            body: A 0x02 body, or a 0x01 body for which :meth:`session_of` finds a session.
            now: Unix seconds for skipped-key bookkeeping; defaults to the clock.

        Returns:
            The plaintext.

        Raises:
            DuplicateMessage: A session already decrypted it; drop it silently.
            MessageKeyLost: Its key was discarded before it arrived; tell the user a message
                from this device could not be decrypted.
            TooManySkippedMessages: It skips more messages than the protocol allows.
            InvalidMessage: No session decrypts it (malformed, forged, of a session we no
                longer have, or a 0x01 body of a new session: use :meth:`Session.respond`).
        """
        if message_type(body) == PREKEY_MESSAGE_TYPE:
            session = self.session_of(parse_prekey_message(body))
            if session is None:
                raise InvalidMessage("PreKey message starts a new session: respond to it")
            plaintext = session.decrypt(body, now)
            self.promote(session)
            return plaintext
        sessions = list(self._sessions())
        if not sessions:
            raise InvalidMessage("no session with the sender's device")
        owner = next((session for session in sessions if session.knows_chain_of(body)), None)
        if owner is not None:
            sessions = [owner]
        errors: list[InvalidMessage] = []
        for session in sessions:
            try:
                plaintext = session.decrypt(body, now)
            except InvalidMessage as error:
                errors.append(error)
                continue
            self.promote(session)
            return plaintext
        raise _most_specific(errors)

    def archive_current(self) -> None:
        """Retires the current session into the archive, leaving no current session.

        For when the next message should start a new session (e.g. the peer could not read
        ours); messages still arriving on the retired one decrypt, and make it current again.
        """
        if self._current is not None:
            self._previous.insert(0, (self._current, self._current.to_bytes()))
            del self._previous[MAX_PREVIOUS_SESSIONS:]
            self._current = None

    def keep_only_identity(self, identity_key: bytes) -> bool:
        """Drops every session not bound to ``identity_key`` (the peer's key changed).

        If the current session goes, there is no current session until one is promoted.

        Returns:
            Whether any session is left (if not, the caller may delete the record).
        """
        if self._current is not None and self._current.remote_identity_key != identity_key:
            self._current = None
        self._previous = [
            entry for entry in self._previous if entry[0].remote_identity_key == identity_key
        ]
        return not self.is_empty

    def to_bytes(self) -> bytes:
        """Versioned msgpack serialization (holds secrets: persist it only wrapped)."""
        return _ENCODER.encode(
            _StoredRecord(
                version=_RECORD_VERSION,
                current=None if self._current is None else self._current.to_bytes(),
                previous=[data for _, data in self._previous],
            )
        )

    @classmethod
    def from_bytes(cls, data: bytes, *, key_generator: KeyGenerator | None = None) -> SessionRecord:
        """Restores a record from :meth:`to_bytes`, or from a bare :meth:`Session.to_bytes`.

        The bare form is how sessions were stored before records (one per device); it loads
        as a record with that session current and no earlier ones.

        Args:
            data: The stored bytes.
            key_generator: Makes ratchet keys; only tests replace the random default.

        Raises:
            InvalidState: The data is malformed or of an unknown version.
        """
        try:
            stored = _DECODER.decode(data)
        except msgspec.DecodeError:
            try:
                session = Session.from_bytes(data, key_generator=key_generator)
            except InvalidState:
                raise InvalidState("session record is malformed") from None
            return cls(session)
        if stored.version != _RECORD_VERSION:
            raise InvalidState("unsupported session record version")
        record = cls()
        if stored.current is not None:
            record._current = Session.from_bytes(stored.current, key_generator=key_generator)
        record._previous = [
            (Session.from_bytes(item, key_generator=key_generator), item)
            for item in stored.previous[:MAX_PREVIOUS_SESSIONS]
        ]
        return record

    def _sessions(self) -> Iterator[Session]:
        """The current session, then the earlier ones, newest first."""
        if self._current is not None:
            yield self._current
        for session, _ in self._previous:
            yield session

    def __repr__(self) -> str:
        return f"SessionRecord(current={self._current!r}, previous={len(self._previous)})"


def _most_specific(errors: list[InvalidMessage]) -> InvalidMessage:
    """The error to report when every session refused a message."""
    for kind in _ERROR_PRECEDENCE:
        for error in errors:
            if isinstance(error, kind):
                return error
    if len(errors) == 1:
        return errors[0]
    return InvalidMessage("message does not decrypt with any session with this device")
