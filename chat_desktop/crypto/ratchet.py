"""The Double Ratchet (docs/protocol.md §3; Signal's Double Ratchet spec §3 with §5.2's algorithms).

:class:`RatchetState` is one side's ratchet. It encrypts to and decrypts from ratchet
messages (``header ‖ ct ‖ tag``); framing them into wire bodies is :mod:`.session`'s job.

Decryption is transactional: every new value (chain keys, root key, skipped keys) is computed
into locals, and only after the tag verified and the plaintext came out are they committed.
A failed or duplicate message therefore leaves the state, and its serialization, unchanged,
without the cost of copying the state for every message.

Three outcomes for a message that is not the next one of a chain: its skipped key is stored
(it decrypts, however many DH steps later), its key was discarded by expiry or eviction
(:class:`MessageKeyLost`: the user should learn a message is missing), or its key was used
(:class:`DuplicateMessage`: dropped silently). Telling the last two apart needs a memory of
discarded keys; it is kept as half-open counter ranges per chain, which stay few because keys
are discarded oldest first and a chain's keys are stored in counter order.
"""

from __future__ import annotations

import struct
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable
from itertools import pairwise
from typing import Final

import msgspec
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chat_desktop.crypto.errors import (
    DuplicateMessage,
    InvalidKey,
    InvalidMessage,
    InvalidState,
    MessageKeyLost,
    TooManySkippedMessages,
)
from chat_desktop.crypto.primitives import (
    load_x25519_private,
    load_x25519_public,
    x25519,
)
from chat_desktop.crypto.ratchet_algorithms import (
    HEADER_SIZE,
    TAG_SIZE,
    kdf_ck,
    kdf_rk,
    open_message,
    seal,
)

#: Most message keys one message may make us skip (and store) in a single chain.
MAX_SKIP: Final = 1000
#: Most skipped message keys stored per session; the oldest are evicted first.
MAX_STORED_SKIPPED_KEYS: Final = 2000
#: Skipped message keys older than this (seconds) are discarded.
SKIPPED_KEY_MAX_AGE: Final = 30 * 24 * 3600
#: How many finished receiving chains we remember, to tell duplicates from forgeries.
MAX_REMEMBERED_CHAINS: Final = 64
#: Most ranges of discarded (expired or evicted) skipped keys remembered per session, to report
#: their messages as lost; the oldest are forgotten first, and a forgotten one is then taken
#: for a duplicate. One range covers any run of consecutive counters of one chain.
MAX_LOST_KEY_RANGES: Final = MAX_STORED_SKIPPED_KEYS

#: Smallest ratchet message: header, one AES block, tag.
MIN_MESSAGE_SIZE: Final = HEADER_SIZE + 16 + TAG_SIZE

_COUNTERS: Final = struct.Struct(">II")
_U32_MAX: Final = 0xFFFFFFFF
#: Version 2 added ``lost_keys``; version-1 records are read as having none.
_STATE_VERSION: Final = 2
_READABLE_STATE_VERSIONS: Final = frozenset((1, 2))

KeyGenerator = Callable[[], X25519PrivateKey]
"""Makes a new ratchet key pair; tests inject recorded keys, production uses fresh ones."""


def _skip_chain(
    chain_key: bytes, ratchet_key: bytes, start: int, stop: int
) -> tuple[bytes, list[tuple[tuple[bytes, int], bytes]]]:
    """Advances a receiving chain from ``start`` to ``stop``, collecting the skipped keys."""
    skipped = []
    for counter in range(start, stop):
        message_key, chain_key = kdf_ck(chain_key)
        skipped.append(((ratchet_key, counter), message_key))
    return chain_key, skipped


class SkippedKeyRecord(msgspec.Struct, array_like=True, frozen=True):
    """A stored message key of a message that has not arrived yet."""

    ratchet_key: bytes
    counter: int
    message_key: bytes
    stored_at: int


class LostKeyRanges(msgspec.Struct, array_like=True, frozen=True):
    """Counters of one receiving chain whose skipped keys were discarded before use.

    ``ranges`` is flat and ascending: ``[start0, stop0, start1, stop1, ...]``, half-open.
    """

    ratchet_key: bytes
    ranges: list[int]


class RatchetRecord(msgspec.Struct, array_like=True, frozen=True):
    """The serializable form of a :class:`RatchetState` (version 2).

    Version 1 lacked the trailing ``lost_keys``; its bytes decode with an empty list.
    """

    version: int
    associated_data: bytes
    root_key: bytes
    own_private_key: bytes
    remote_public_key: bytes | None
    send_chain_key: bytes | None
    send_counter: int
    previous_send_counter: int
    receive_chain_key: bytes | None
    receive_counter: int
    skipped: list[SkippedKeyRecord]
    finished_chains: list[tuple[bytes, int]]
    lost_keys: list[LostKeyRanges] = msgspec.field(default_factory=list)


_RATCHET_DECODER: Final = msgspec.msgpack.Decoder(RatchetRecord)
_LOST_MESSAGE: Final = (
    "message arrived after its key was discarded (too late or too many missing); "
    "it cannot be decrypted, ask the sender to resend it"
)
_ENCODER: Final = msgspec.msgpack.Encoder()


class RatchetState:
    """One party's Double Ratchet state.

    Build it with :meth:`initialize_as_initiator` (Alice) or :meth:`initialize_as_responder`
    (Bob), or restore it with :meth:`from_bytes`. :meth:`decrypt` mutates the state only when
    it returns a plaintext.
    """

    __slots__ = (
        "_associated_data",
        "_finished_chains",
        "_key_generator",
        "_lost",
        "_lost_range_count",
        "_own_key",
        "_own_public",
        "_previous_send_counter",
        "_receive_chain_key",
        "_receive_counter",
        "_remote_public",
        "_root_key",
        "_send_chain_key",
        "_send_counter",
        "_skipped",
    )

    def __init__(
        self,
        *,
        associated_data: bytes,
        root_key: bytes,
        own_key: X25519PrivateKey,
        remote_public: bytes | None,
        send_chain_key: bytes | None,
        key_generator: KeyGenerator | None,
    ) -> None:
        """Low-level constructor; use the ``initialize_*`` class methods instead."""
        self._associated_data = associated_data
        self._root_key = root_key
        self._own_key = own_key
        self._own_public = own_key.public_key().public_bytes_raw()
        self._remote_public = remote_public
        self._send_chain_key = send_chain_key
        self._send_counter = 0
        self._previous_send_counter = 0
        self._receive_chain_key: bytes | None = None
        self._receive_counter = 0
        # (ratchet key, counter) -> (message key, stored_at); insertion order = age order.
        self._skipped: dict[tuple[bytes, int], tuple[bytes, int]] = {}
        # Remote ratchet key of a finished receiving chain -> that chain's length.
        self._finished_chains: dict[bytes, int] = {}
        # Ratchet key -> flat ascending half-open ranges of counters whose skipped keys were
        # discarded unused; insertion order = order of each chain's first loss.
        self._lost: dict[bytes, list[int]] = {}
        self._lost_range_count = 0
        self._key_generator: KeyGenerator = key_generator or X25519PrivateKey.generate

    @classmethod
    def initialize_as_initiator(
        cls,
        shared_secret: bytes,
        remote_ratchet_key: bytes,
        associated_data: bytes,
        key_generator: KeyGenerator | None = None,
    ) -> RatchetState:
        """Alice's ratchet: a fresh sending key against Bob's signed prekey.

        Args:
            shared_secret: SK from X3DH/PQXDH (32 bytes).
            remote_ratchet_key: Bob's signed prekey public key (the first DHr).
            associated_data: ``Encode(IKa) ‖ Encode(IKb)``.
            key_generator: Makes ratchet key pairs; defaults to fresh random keys.

        Raises:
            InvalidKey: The remote ratchet key is unusable.
        """
        generate = key_generator or X25519PrivateKey.generate
        own_key = generate()
        root_key, send_chain_key = kdf_rk(
            shared_secret, x25519(own_key, load_x25519_public(remote_ratchet_key))
        )
        return cls(
            associated_data=associated_data,
            root_key=root_key,
            own_key=own_key,
            remote_public=remote_ratchet_key,
            send_chain_key=send_chain_key,
            key_generator=generate,
        )

    @classmethod
    def initialize_as_responder(
        cls,
        shared_secret: bytes,
        own_ratchet_key: X25519PrivateKey,
        associated_data: bytes,
        key_generator: KeyGenerator | None = None,
    ) -> RatchetState:
        """Bob's ratchet: his signed prekey is the first ratchet key, RK = SK.

        Bob can encrypt only after decrypting Alice's first message.
        """
        return cls(
            associated_data=associated_data,
            root_key=shared_secret,
            own_key=own_ratchet_key,
            remote_public=None,
            send_chain_key=None,
            key_generator=key_generator,
        )

    @property
    def can_encrypt(self) -> bool:
        """Whether a sending chain exists (false for a responder before the first message)."""
        return self._send_chain_key is not None

    @property
    def stored_skipped_key_count(self) -> int:
        """How many skipped message keys are stored."""
        return len(self._skipped)

    @property
    def lost_key_range_count(self) -> int:
        """How many ranges of discarded skipped keys are remembered (at most the cap)."""
        return self._lost_range_count

    def knows_chain_of(self, message: bytes) -> bool:
        """Whether ``message``'s header names a receiving chain this state has or had.

        True for the current receiving chain, a remembered finished chain, or a stored or
        discarded skipped key. Such a message belongs to this state (or is forged): no other
        session can decrypt it, so a caller holding several sessions need not try the others.
        """
        if len(message) < HEADER_SIZE:
            return False
        ratchet_key = message[:32]
        if ratchet_key in self._finished_chains or (
            ratchet_key == self._remote_public and self._receive_chain_key is not None
        ):
            return True
        counter = _COUNTERS.unpack_from(message, 32)[1]
        return (ratchet_key, counter) in self._skipped or self._is_lost(ratchet_key, counter)

    def encrypt(self, plaintext: bytes) -> bytes:
        """Encrypts one message with the next sending message key.

        Returns:
            The ratchet message ``header ‖ ct ‖ tag``.

        Raises:
            InvalidState: There is no sending chain yet, or it is exhausted.
        """
        chain_key = self._send_chain_key
        if chain_key is None:
            raise InvalidState("cannot encrypt before the first message was received")
        if self._send_counter >= _U32_MAX:
            raise InvalidState("sending chain is exhausted")
        header = self._own_public + _COUNTERS.pack(self._previous_send_counter, self._send_counter)
        message_key, self._send_chain_key = kdf_ck(chain_key)
        self._send_counter += 1
        return seal(message_key, self._associated_data, header, plaintext)

    def decrypt(self, message: bytes, now: float | None = None) -> bytes:
        """Decrypts a ratchet message, committing the new state only on success.

        Args:
            message: ``header ‖ ct ‖ tag``.
            now: Current Unix time in seconds, for skipped-key ages; defaults to the clock.

        Returns:
            The plaintext.

        Raises:
            DuplicateMessage: The message's key was already used. The application drops it
                silently.
            MessageKeyLost: The message's skipped key expired or was evicted: it can never be
                decrypted, and the user should be told a message is missing.
            TooManySkippedMessages: The message would skip more than ``MAX_SKIP`` keys.
            InvalidMessage: The message is malformed or fails authentication.
        """
        length = len(message)
        if length < MIN_MESSAGE_SIZE or (length - HEADER_SIZE - TAG_SIZE) % 16:
            raise InvalidMessage("ratchet message has an invalid length")
        timestamp = int(time.time() if now is None else now)
        ratchet_key = message[:32]
        previous_counter, counter = _COUNTERS.unpack_from(message, 32)
        associated_data = self._associated_data

        # Stored skipped keys first: they outlive the memory of finished chains.
        if self._skipped:
            entry = self._skipped.get((ratchet_key, counter))
            if entry is not None:
                return self._decrypt_skipped(ratchet_key, counter, entry, message, timestamp)
        if self._lost and self._is_lost(ratchet_key, counter):
            raise MessageKeyLost(_LOST_MESSAGE)

        if ratchet_key == self._remote_public:
            receive_counter = self._receive_counter
            if counter == receive_counter and self._receive_chain_key is not None:
                # The hot path: the next message of the current chain.
                message_key, next_chain_key = kdf_ck(self._receive_chain_key)
                plaintext = open_message(message_key, associated_data, message)
                self._receive_chain_key = next_chain_key
                self._receive_counter = counter + 1
                if self._skipped:
                    self._prune_expired(timestamp)
                return plaintext
            if counter < receive_counter:
                raise DuplicateMessage("message was already decrypted")
            return self._decrypt_ahead(ratchet_key, counter, message, timestamp)

        if ratchet_key in self._finished_chains:
            if counter < self._finished_chains[ratchet_key]:
                raise DuplicateMessage("message was already decrypted")
            raise InvalidMessage("message lies beyond the end of a finished chain")
        return self._decrypt_new_chain(ratchet_key, previous_counter, counter, message, timestamp)

    def _decrypt_skipped(
        self,
        ratchet_key: bytes,
        counter: int,
        entry: tuple[bytes, int],
        message: bytes,
        timestamp: int,
    ) -> bytes:
        """A message whose skipped key is stored; an expired key is never used.

        A chain older than the remembered ones is remembered again, up to this counter, so
        that a copy of this message is recognized as a duplicate rather than a forgery.
        """
        if entry[1] < timestamp - SKIPPED_KEY_MAX_AGE:
            raise MessageKeyLost(_LOST_MESSAGE)
        plaintext = open_message(entry[0], self._associated_data, message)
        del self._skipped[ratchet_key, counter]
        if ratchet_key != self._remote_public and ratchet_key not in self._finished_chains:
            self._remember_finished_chain(ratchet_key, counter + 1)
        self._prune_expired(timestamp)
        return plaintext

    def _decrypt_ahead(
        self, ratchet_key: bytes, counter: int, message: bytes, timestamp: int
    ) -> bytes:
        """A later message of the current receiving chain: skip and store the keys between."""
        chain_key = self._receive_chain_key
        if chain_key is None:
            raise InvalidMessage("no receiving chain for this message")
        if counter - self._receive_counter > MAX_SKIP:
            raise TooManySkippedMessages("message skips too many messages")
        chain_key, skipped = _skip_chain(chain_key, ratchet_key, self._receive_counter, counter)
        message_key, next_chain_key = kdf_ck(chain_key)
        plaintext = open_message(message_key, self._associated_data, message)
        self._receive_chain_key = next_chain_key
        self._receive_counter = counter + 1
        self._store_skipped(skipped, timestamp)
        return plaintext

    def _decrypt_new_chain(
        self,
        ratchet_key: bytes,
        previous_counter: int,
        counter: int,
        message: bytes,
        timestamp: int,
    ) -> bytes:
        """A message under a new remote ratchet key: a DH ratchet step (spec §3.5)."""
        old_chain_key = self._receive_chain_key
        old_skip = 0
        if old_chain_key is not None:
            old_skip = max(0, previous_counter - self._receive_counter)
        if old_skip > MAX_SKIP or counter > MAX_SKIP:
            raise TooManySkippedMessages("message skips too many messages")
        try:
            remote_key = load_x25519_public(ratchet_key)
            root_key, chain_key = kdf_rk(self._root_key, x25519(self._own_key, remote_key))
        except InvalidKey:
            raise InvalidMessage("message carries an invalid ratchet key") from None
        skipped: list[tuple[tuple[bytes, int], bytes]] = []
        if old_chain_key is not None and old_skip:
            assert self._remote_public is not None
            _, skipped = _skip_chain(
                old_chain_key, self._remote_public, self._receive_counter, previous_counter
            )
        if counter:
            chain_key, new_skipped = _skip_chain(chain_key, ratchet_key, 0, counter)
            skipped += new_skipped
        message_key, next_chain_key = kdf_ck(chain_key)
        plaintext = open_message(message_key, self._associated_data, message)

        # Authentic: now take the sending half of the step and commit everything.
        own_key = self._key_generator()
        root_key, send_chain_key = kdf_rk(root_key, x25519(own_key, remote_key))
        if self._remote_public is not None and old_chain_key is not None:
            self._remember_finished_chain(
                self._remote_public, max(previous_counter, self._receive_counter)
            )
        self._remote_public = ratchet_key
        self._receive_chain_key = next_chain_key
        self._receive_counter = counter + 1
        self._previous_send_counter = self._send_counter
        self._send_counter = 0
        self._send_chain_key = send_chain_key
        self._own_key = own_key
        self._own_public = own_key.public_key().public_bytes_raw()
        self._root_key = root_key
        if skipped:
            self._store_skipped(skipped, timestamp)
        elif self._skipped:
            self._prune_expired(timestamp)
        return plaintext

    def _remember_finished_chain(self, ratchet_key: bytes, length: int) -> None:
        self._finished_chains[ratchet_key] = length
        while len(self._finished_chains) > MAX_REMEMBERED_CHAINS:
            del self._finished_chains[next(iter(self._finished_chains))]

    def _store_skipped(
        self, skipped: Iterable[tuple[tuple[bytes, int], bytes]], timestamp: int
    ) -> None:
        store = self._skipped
        for key, message_key in skipped:
            store[key] = (message_key, timestamp)
        overflow = len(store) - MAX_STORED_SKIPPED_KEYS
        if overflow > 0:
            for key in list(store)[:overflow]:
                del store[key]
                self._remember_lost(*key)
            self._forget_oldest_lost_ranges()
        self._prune_expired(timestamp)

    def _prune_expired(self, timestamp: int) -> None:
        """Drops skipped keys past their age limit, oldest first (store order is age order).

        A clock that went backwards can leave an expired key behind a younger one until the
        next prune; :meth:`_decrypt_skipped` checks the age again, so it is never used.
        """
        store = self._skipped
        if not store:
            return
        cutoff = timestamp - SKIPPED_KEY_MAX_AGE
        pruned = False
        while store:
            oldest = next(iter(store))
            if store[oldest][1] >= cutoff:
                break
            del store[oldest]
            self._remember_lost(*oldest)
            pruned = True
        if pruned:
            self._forget_oldest_lost_ranges()

    def _is_lost(self, ratchet_key: bytes, counter: int) -> bool:
        ranges = self._lost.get(ratchet_key)
        # An odd insertion point lies inside [start, stop).
        return ranges is not None and bisect_right(ranges, counter) % 2 == 1

    def _remember_lost(self, ratchet_key: bytes, counter: int) -> None:
        """Adds one discarded key's counter to its chain's ranges, merging neighbours."""
        ranges = self._lost.get(ratchet_key)
        if ranges is None:
            self._lost[ratchet_key] = [counter, counter + 1]
            self._lost_range_count += 1
            return
        if ranges[-1] == counter:  # the usual case: the next key of the newest range
            ranges[-1] = counter + 1
            return
        index = bisect_right(ranges, counter)
        if index % 2:
            return  # already inside a range
        joins_previous = index > 0 and ranges[index - 1] == counter
        joins_next = index < len(ranges) and ranges[index] == counter + 1
        if joins_previous and joins_next:
            del ranges[index - 1 : index + 1]
            self._lost_range_count -= 1
        elif joins_previous:
            ranges[index - 1] = counter + 1
        elif joins_next:
            ranges[index] = counter
        else:
            ranges[index:index] = [counter, counter + 1]
            self._lost_range_count += 1

    def _forget_oldest_lost_ranges(self) -> None:
        """Keeps at most ``MAX_LOST_KEY_RANGES``, dropping the oldest chain's lowest first."""
        lost = self._lost
        while self._lost_range_count > MAX_LOST_KEY_RANGES:
            oldest = next(iter(lost))
            ranges = lost[oldest]
            excess = min(self._lost_range_count - MAX_LOST_KEY_RANGES, len(ranges) // 2)
            del ranges[: 2 * excess]
            self._lost_range_count -= excess
            if not ranges:
                del lost[oldest]

    def to_record(self) -> RatchetRecord:
        """The state as a serializable record (holds secrets: persist it only wrapped)."""
        return RatchetRecord(
            version=_STATE_VERSION,
            associated_data=self._associated_data,
            root_key=self._root_key,
            own_private_key=self._own_key.private_bytes_raw(),
            remote_public_key=self._remote_public,
            send_chain_key=self._send_chain_key,
            send_counter=self._send_counter,
            previous_send_counter=self._previous_send_counter,
            receive_chain_key=self._receive_chain_key,
            receive_counter=self._receive_counter,
            skipped=[
                SkippedKeyRecord(ratchet_key, counter, message_key, stored_at)
                for (ratchet_key, counter), (message_key, stored_at) in self._skipped.items()
            ],
            finished_chains=list(self._finished_chains.items()),
            lost_keys=[
                LostKeyRanges(ratchet_key, list(ranges))
                for ratchet_key, ranges in self._lost.items()
            ],
        )

    @classmethod
    def from_record(
        cls, record: RatchetRecord, key_generator: KeyGenerator | None = None
    ) -> RatchetState:
        """Rebuilds a state from :meth:`to_record`'s output.

        Reads version 1 (no memory of discarded keys: their messages count as duplicates, as
        they did) and version 2.

        Raises:
            InvalidState: The record has an unknown version, unusable keys or malformed
                ranges.
        """
        if record.version not in _READABLE_STATE_VERSIONS:
            raise InvalidState("unsupported ratchet state version")
        try:
            own_key = load_x25519_private(record.own_private_key)
        except InvalidKey:
            raise InvalidState("ratchet state holds a malformed key") from None
        state = cls(
            associated_data=record.associated_data,
            root_key=record.root_key,
            own_key=own_key,
            remote_public=record.remote_public_key,
            send_chain_key=record.send_chain_key,
            key_generator=key_generator,
        )
        state._send_counter = record.send_counter
        state._previous_send_counter = record.previous_send_counter
        state._receive_chain_key = record.receive_chain_key
        state._receive_counter = record.receive_counter
        state._skipped = {
            (entry.ratchet_key, entry.counter): (entry.message_key, entry.stored_at)
            for entry in record.skipped
        }
        state._finished_chains = dict(record.finished_chains)
        for entry in record.lost_keys:
            ranges = entry.ranges
            if not ranges or len(ranges) % 2 or any(a >= b for a, b in pairwise(ranges)):
                raise InvalidState("ratchet state holds malformed lost-key ranges")
            state._lost[entry.ratchet_key] = list(ranges)
            state._lost_range_count += len(ranges) // 2
        return state

    def to_bytes(self) -> bytes:
        """Versioned msgpack serialization (holds secrets: persist it only wrapped)."""
        return _ENCODER.encode(self.to_record())

    @classmethod
    def from_bytes(cls, data: bytes, key_generator: KeyGenerator | None = None) -> RatchetState:
        """Restores a state from :meth:`to_bytes`.

        Raises:
            InvalidState: The data is malformed or of an unknown version.
        """
        try:
            record = _RATCHET_DECODER.decode(data)
        except msgspec.DecodeError:
            raise InvalidState("ratchet state is malformed") from None
        return cls.from_record(record, key_generator)
