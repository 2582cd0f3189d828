"""Key derivation and key wrapping for the local vault (pure: no I/O).

The key hierarchy:

    password ──Argon2id(salt, params)──► KEK ──AES-256-GCM unwrap──► master key
    recovery key ──HKDF──► KEK            keychain secret ──HKDF──► KEK
    master key ──HKDF "db"──► SQLCipher raw key
    master key ──HKDF "session-wrap"──► row wrapping key (AD = table ‖ row id)

The caller (``chat_desktop.storage``) persists the header and decides when to call what; this
module only turns bytes into bytes.

One Argon2id derivation at a time, in the whole process: every derivation takes
:data:`ARGON2_LOCK`. With ``cryptography`` 50.0.2, two ``Argon2id(..., lanes=4).derive()``
calls running at once in two threads never return (or one fails with ``MemoryError``); the
app derives in worker threads (unlock, password checks and changes, sign-up, linking,
calibration, the self-test), so two at once hung it for good. The upstream reproduction,
with only ``cryptography``::

    import threading
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    def derive() -> None:
        Argon2id(salt=bytes(16), length=32, iterations=3, lanes=4, memory_cost=65536).derive(b"pw")

    threads = [threading.Thread(target=derive) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()  # never returns; with lanes=1, or one thread at a time: 0.2-0.4 s each
"""

from __future__ import annotations

import base64
import os
import secrets
import struct
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from chat_desktop.crypto.errors import CryptoError

KEY_BYTES = 32
SALT_BYTES = 16
NONCE_BYTES = 12
RECOVERY_KEY_BYTES = 30  # 240 bits = 48 base32 characters = 12 groups of 4
RECOVERY_GROUP_SIZE = 4

# RFC 9106 §4, second recommended option: 64 MiB, t=3, p=4. Never go below it.
MIN_MEMORY_KIB = 64 * 1024
MIN_ITERATIONS = 3
MIN_LANES = 4
# Upper bounds refuse a tampered header that would make unlocking exhaust the machine.
MAX_MEMORY_KIB = 4 * 1024 * 1024
MAX_ITERATIONS = 64
MAX_LANES = 16
# Calibration does not raise memory past this (laptops with little RAM must still unlock).
CALIBRATION_MAX_MEMORY_KIB = 1024 * 1024

_DB_KEY_INFO = b"chat_desktop v1 db"
_ROW_WRAP_INFO = b"chat_desktop v1 session-wrap"
_RECOVERY_KEK_INFO = b"chat_desktop v1 recovery-kek"
_KEYCHAIN_KEK_INFO = b"chat_desktop v1 keychain-kek"
_BASE32_TYPOS = str.maketrans({"0": "O", "1": "I", "8": "B"})

#: Held by every Argon2id derivation of the process, so that two never run at once (see the
#: module's docstring). A derivation cannot be interrupted: one that is no longer wanted
#: still finishes, and the next waits for it (well under a second at the calibrated cost).
ARGON2_LOCK = threading.Lock()


class KeyUnwrapFailed(CryptoError):
    """A wrapped key or row did not authenticate: wrong key, or the bytes were altered."""


@dataclass(frozen=True, slots=True)
class Argon2Params:
    """Argon2id cost parameters, stored in the vault header so old vaults keep opening.

    Attributes:
        memory_kib: Memory cost in KiB.
        iterations: Number of passes (t).
        lanes: Degree of parallelism (p).
    """

    memory_kib: int
    iterations: int
    lanes: int

    def meets_floor(self) -> bool:
        """Whether these parameters are at least RFC 9106's second recommendation."""
        return (
            self.memory_kib >= MIN_MEMORY_KIB
            and self.iterations >= MIN_ITERATIONS
            and self.lanes >= MIN_LANES
        )

    def within_limits(self) -> bool:
        """Whether these parameters are sane enough to run (not a denial of service)."""
        return (
            self.memory_kib <= MAX_MEMORY_KIB
            and self.iterations <= MAX_ITERATIONS
            and self.lanes <= MAX_LANES
            and self.memory_kib >= 8 * self.lanes
        )


FLOOR_PARAMS = Argon2Params(memory_kib=MIN_MEMORY_KIB, iterations=MIN_ITERATIONS, lanes=MIN_LANES)


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A key encrypted with AES-256-GCM under a key-encryption key.

    Attributes:
        nonce: The 12-byte GCM nonce.
        ciphertext: The encrypted key followed by the 16-byte tag.
    """

    nonce: bytes
    ciphertext: bytes


def normalize_password(password: str) -> bytes:
    """Return the bytes a password is hashed as (NFKC, UTF-8).

    Normalising keeps a password typed on another keyboard layout or OS form equal to itself.
    """
    return unicodedata.normalize("NFKC", password).encode("utf-8")


def new_salt() -> bytes:
    """Return a fresh random Argon2id salt."""
    return os.urandom(SALT_BYTES)


def new_master_key() -> bytes:
    """Return a fresh random 32-byte master key."""
    return secrets.token_bytes(KEY_BYTES)


def derive_password_kek(password: str, salt: bytes, params: Argon2Params) -> bytes:
    """Derive the key-encryption key from a password with Argon2id.

    The only place the package runs Argon2id; it waits for :data:`ARGON2_LOCK` first, so it
    never runs beside another derivation (which would never return, see the module's notes).
    """
    with ARGON2_LOCK:
        return _argon2id(normalize_password(password), salt, params)


def _argon2id(secret: bytes, salt: bytes, params: Argon2Params) -> bytes:
    # Callers hold ARGON2_LOCK.
    kdf = Argon2id(
        salt=salt,
        length=KEY_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(secret)


def time_derivation(params: Argon2Params) -> float:
    """Seconds one Argon2id derivation with ``params`` takes on this machine.

    Only the derivation is timed, not the wait for :data:`ARGON2_LOCK` (another derivation
    running meanwhile would make the machine look slower than it is).
    """
    with ARGON2_LOCK:
        started = time.perf_counter()
        _argon2id(b"calibration", b"\x00" * SALT_BYTES, params)
        return time.perf_counter() - started


def _scaled_params(params: Argon2Params, elapsed: float, target_seconds: float) -> Argon2Params:
    # Argon2 time grows linearly with memory × iterations: scale that product to the target,
    # spending it on memory first (the costlier resource for an attacker), then on passes.
    work = params.memory_kib * params.iterations * target_seconds / max(elapsed, 1e-6)
    memory = int(work / MIN_ITERATIONS) // 1024 * 1024
    memory = max(MIN_MEMORY_KIB, min(memory, CALIBRATION_MAX_MEMORY_KIB))
    iterations = max(MIN_ITERATIONS, min(round(work / memory), MAX_ITERATIONS))
    return Argon2Params(memory_kib=memory, iterations=iterations, lanes=params.lanes)


def calibrate_argon2(
    target_seconds: float = 0.6,
    *,
    acceptable: tuple[float, float] = (0.5, 1.0),
    measure: Callable[[Argon2Params], float] = time_derivation,
) -> Argon2Params:
    """Pick Argon2id parameters that take about ``target_seconds`` on this machine.

    Starts from RFC 9106's floor (after one untimed warm-up run: the first derivation pays for
    fresh memory pages and would underestimate the machine), scales, then times the candidate
    and rescales until it lands in ``acceptable`` (at most three rounds). The result is never
    below the floor, however slow the machine.

    Args:
        target_seconds: Desired unlock time.
        acceptable: The band of derivation times that ends the search.
        measure: Times one derivation (injectable for tests).

    Returns:
        The calibrated parameters.
    """
    measure(FLOOR_PARAMS)
    params = FLOOR_PARAMS
    elapsed = measure(params)
    for _ in range(3):
        low, high = acceptable
        if low <= elapsed <= high:
            break
        candidate = _scaled_params(params, elapsed, target_seconds)
        if candidate == params:
            break
        params = candidate
        elapsed = measure(params)
    return params


def wrap_key(kek: bytes, key: bytes, associated_data: bytes) -> WrappedKey:
    """Encrypt ``key`` under ``kek`` with AES-256-GCM and a fresh random nonce."""
    nonce = os.urandom(NONCE_BYTES)
    return WrappedKey(nonce=nonce, ciphertext=AESGCM(kek).encrypt(nonce, key, associated_data))


def unwrap_key(kek: bytes, wrapped: WrappedKey, associated_data: bytes) -> bytes:
    """Decrypt a key wrapped by :func:`wrap_key`.

    Raises:
        KeyUnwrapFailed: The KEK is wrong or the wrapped bytes or AD were altered.
    """
    try:
        return AESGCM(kek).decrypt(wrapped.nonce, wrapped.ciphertext, associated_data)
    except (InvalidTag, ValueError) as error:
        raise KeyUnwrapFailed("the key could not be unwrapped") from error


def wrap_associated_data(vault_id: str, wrap_kind: str) -> bytes:
    """The AD binding a wrapped master key to its vault and to the way it is unlocked."""
    return length_prefixed(b"chat_desktop vault v1", vault_id.encode(), wrap_kind.encode())


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive(ikm)


def derive_db_key(master_key: bytes) -> bytes:
    """The raw SQLCipher key: HKDF(master, "db")."""
    return _hkdf(master_key, b"", _DB_KEY_INFO)


def derive_row_wrap_key(master_key: bytes) -> bytes:
    """The key wrapping secret rows (sessions, prekeys, identity): HKDF(master, "session-wrap")."""
    return _hkdf(master_key, b"", _ROW_WRAP_INFO)


def derive_keychain_kek(keychain_secret: bytes, salt: bytes) -> bytes:
    """The KEK of the keychain wrap, from the high-entropy secret kept in the OS keychain."""
    return _hkdf(keychain_secret, salt, _KEYCHAIN_KEK_INFO)


def new_keychain_secret() -> bytes:
    """A fresh random secret to keep in the OS keychain."""
    return secrets.token_bytes(KEY_BYTES)


# --- recovery key ---------------------------------------------------------------------------


def new_recovery_key() -> str:
    """A fresh recovery key: 12 groups of 4 base32 characters (240 random bits)."""
    text = base64.b32encode(secrets.token_bytes(RECOVERY_KEY_BYTES)).decode("ascii")
    groups = [text[i : i + RECOVERY_GROUP_SIZE] for i in range(0, len(text), RECOVERY_GROUP_SIZE)]
    return "-".join(groups)


def parse_recovery_key(recovery_key: str) -> bytes | None:
    """The 30 bytes of a recovery key as typed by a user, or None if it is malformed.

    Case, spaces and dashes are ignored, and 0/1/8 are read as O/I/B (not in base32).
    """
    compact = "".join(ch for ch in recovery_key.upper() if ch.isalnum()).translate(_BASE32_TYPOS)
    if len(compact) != RECOVERY_KEY_BYTES * 8 // 5:
        return None
    try:
        return base64.b32decode(compact)
    except ValueError:
        return None


def derive_recovery_kek(recovery_key_bytes: bytes, salt: bytes) -> bytes:
    """The KEK of the recovery wrap. HKDF suffices: the recovery key has 240 bits of entropy."""
    return _hkdf(recovery_key_bytes, salt, _RECOVERY_KEK_INFO)


# --- secret rows ----------------------------------------------------------------------------


def length_prefixed(*parts: bytes) -> bytes:
    """Concatenate byte strings unambiguously (each preceded by its u32 big-endian length)."""
    return b"".join(struct.pack(">I", len(part)) + part for part in parts)


def row_associated_data(table: str, row_id: str) -> bytes:
    """The AD of a wrapped row: table ‖ row id, so a row can't be moved to another place."""
    return length_prefixed(b"chat_desktop row v1", table.encode(), row_id.encode())


def seal_row(row_key: bytes, table: str, row_id: str, secret: bytes) -> bytes:
    """Wrap a secret stored in a row: ``nonce ‖ AES-256-GCM(secret)`` with AD = table ‖ row id."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(row_key).encrypt(nonce, secret, row_associated_data(table, row_id))


def open_row(row_key: bytes, table: str, row_id: str, sealed: bytes) -> bytes:
    """Unwrap a secret sealed by :func:`seal_row` for the same table and row id.

    Raises:
        KeyUnwrapFailed: Wrong key, altered bytes, or a row copied from another place.
    """
    nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        return AESGCM(row_key).decrypt(nonce, ciphertext, row_associated_data(table, row_id))
    except (InvalidTag, ValueError) as error:
        raise KeyUnwrapFailed(f"a sealed {table} row could not be opened") from error


# --- unlock backoff -------------------------------------------------------------------------

BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 300.0


def backoff_delay(consecutive_failures: int) -> float:
    """Seconds to wait after ``consecutive_failures`` wrong passwords: 1, 2, 4 … capped at 5 min."""
    if consecutive_failures <= 0:
        return 0.0
    exponent = min(consecutive_failures - 1, 32)
    return float(min(BACKOFF_FIRST_SECONDS * 2**exponent, BACKOFF_MAX_SECONDS))
