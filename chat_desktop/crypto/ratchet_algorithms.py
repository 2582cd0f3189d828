"""The Double Ratchet's cryptographic algorithms (docs/protocol.md §3; DR spec §5.2).

KDF_RK, KDF_CK and the message AEAD (HKDF-derived AES-256-CBC + HMAC-SHA256 over
``AD ‖ header ‖ ct``). They run for every message, so they call pyca/cryptography directly
rather than through the checked wrappers of :mod:`.primitives`; the ratchet checks message
lengths once before calling :func:`open_message`.
"""

from __future__ import annotations

from hmac import compare_digest
from typing import Final

from cryptography.hazmat.primitives import hmac
from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers.algorithms import AES256
from cryptography.hazmat.primitives.ciphers.modes import CBC
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from chat_desktop.crypto.errors import InvalidMessage

INFO_ROOT: Final = b"ChatDesktop_Ratchet"
INFO_MESSAGE_KEYS: Final = b"ChatDesktop_MessageKeys"
#: ``dh_pub(32) ‖ pn u32be ‖ n u32be``.
HEADER_SIZE: Final = 40
TAG_SIZE: Final = 32

_ZERO_SALT: Final = bytes(32)
_MESSAGE_KEY_SEED: Final = b"\x01"
_CHAIN_KEY_SEED: Final = b"\x02"
_SHA256: Final = SHA256()
_PKCS7_PADDING: Final = tuple(bytes((length,)) * length for length in range(17))


def kdf_rk(root_key: bytes, dh_output: bytes) -> tuple[bytes, bytes]:
    """KDF_RK: returns (new root key, new chain key)."""
    derived = HKDF(_SHA256, 64, root_key, INFO_ROOT).derive(dh_output)
    return derived[:32], derived[32:]


def kdf_ck(chain_key: bytes) -> tuple[bytes, bytes]:
    """KDF_CK: returns (message key, next chain key).

    Both are HMACs under the chain key; copying the keyed HMAC does the key setup once.
    """
    mac = hmac.HMAC(chain_key, _SHA256)
    next_mac = mac.copy()
    mac.update(_MESSAGE_KEY_SEED)
    next_mac.update(_CHAIN_KEY_SEED)
    return mac.finalize(), next_mac.finalize()


def seal(message_key: bytes, associated_data: bytes, header: bytes, plaintext: bytes) -> bytes:
    """ENCRYPT(mk, pt, AD ‖ header), returning the whole ratchet message."""
    keys = HKDF(_SHA256, 80, _ZERO_SALT, INFO_MESSAGE_KEYS).derive(message_key)
    encryptor = Cipher(AES256(keys[:32]), CBC(keys[64:])).encryptor()
    pad_length = 16 - len(plaintext) % 16
    ciphertext = encryptor.update(plaintext + _PKCS7_PADDING[pad_length]) + encryptor.finalize()
    mac = hmac.HMAC(keys[32:64], _SHA256)
    mac.update(associated_data + header + ciphertext)
    return header + ciphertext + mac.finalize()


def open_message(message_key: bytes, associated_data: bytes, message: bytes) -> bytes:
    """DECRYPT of a whole ratchet message (``header ‖ ct ‖ tag``) of a checked length.

    Raises:
        InvalidMessage: The tag does not match or the padding is malformed.
    """
    keys = HKDF(_SHA256, 80, _ZERO_SALT, INFO_MESSAGE_KEYS).derive(message_key)
    mac = hmac.HMAC(keys[32:64], _SHA256)
    mac.update(associated_data + message[:-TAG_SIZE])
    if not compare_digest(mac.finalize(), message[-TAG_SIZE:]):
        raise InvalidMessage("message authentication failed")
    decryptor = Cipher(AES256(keys[:32]), CBC(keys[64:])).decryptor()
    padded = decryptor.update(message[HEADER_SIZE:-TAG_SIZE]) + decryptor.finalize()
    pad_length = padded[-1]
    if not 1 <= pad_length <= 16 or not padded.endswith(_PKCS7_PADDING[pad_length]):
        raise InvalidMessage("plaintext padding is malformed")
    return padded[:-pad_length]
