"""Attachment encryption (docs/protocol.md §5), streamed so a file is never held in memory.

``blob = iv ‖ AES-256-CBC(PKCS7(file ‖ zero padding)) ‖ HMAC-SHA256(mac_key, iv ‖ ct)`` with a
random 64-byte key (AES 32 ‖ HMAC 32) per file and ``digest = SHA-256(blob)``. The file is
zero-padded to the next 1.05^k bytes first, so the blob size hides the exact file size.

Decryption makes two passes over the blob: the first checks the digest, then the HMAC, and
only if both match does the second pass write any plaintext. The blob's file object must
therefore be seekable (the downloaded blob in a temporary file).
"""

from __future__ import annotations

import hashlib
import hmac as _std_hmac
import math
import os
from dataclasses import dataclass
from typing import BinaryIO, Final

from cryptography.hazmat.primitives import hashes, hmac, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from chat_desktop.crypto.errors import AttachmentRejected

ATTACHMENT_KEY_SIZE: Final = 64
IV_SIZE: Final = 16
MAC_SIZE: Final = 32
DIGEST_SIZE: Final = 32
#: Largest blob (and so largest file) we encrypt or accept.
MAX_BLOB_SIZE: Final = 100 * 1024 * 1024
CHUNK_SIZE: Final = 64 * 1024
_PADDING_BASE: Final = 1.05
_BLOCK: Final = 16


@dataclass(frozen=True)
class AttachmentSecrets:
    """What the attachment content message carries so the receiver can fetch and decrypt.

    Attributes:
        key: The 64-byte key (secret).
        digest: SHA-256 of the blob.
        plaintext_size: The file's exact size.
        blob_size: The blob's size, to announce when uploading.
    """

    key: bytes
    digest: bytes
    plaintext_size: int
    blob_size: int

    def __repr__(self) -> str:
        return (
            f"AttachmentSecrets(digest={self.digest.hex()}, "
            f"plaintext_size={self.plaintext_size}, blob_size={self.blob_size})"
        )


def padded_size(plaintext_size: int) -> int:
    """The file's size after zero padding: the smallest ``floor(1.05^k)`` ≥ the size."""
    if plaintext_size <= 1:
        return plaintext_size
    exponent = math.ceil(math.log(plaintext_size) / math.log(_PADDING_BASE))
    # Guard against floating-point rounding in either direction.
    while exponent > 0 and math.floor(_PADDING_BASE ** (exponent - 1)) >= plaintext_size:
        exponent -= 1
    while math.floor(_PADDING_BASE**exponent) < plaintext_size:
        exponent += 1
    return math.floor(_PADDING_BASE**exponent)


def blob_size_for(plaintext_size: int) -> int:
    """The blob size a file of ``plaintext_size`` bytes encrypts to."""
    ciphertext_size = (padded_size(plaintext_size) // _BLOCK + 1) * _BLOCK
    return IV_SIZE + ciphertext_size + MAC_SIZE


def max_plaintext_size() -> int:
    """The largest file whose blob fits in ``MAX_BLOB_SIZE``."""
    low, high = 0, MAX_BLOB_SIZE
    while low < high:
        middle = (low + high + 1) // 2
        if blob_size_for(middle) <= MAX_BLOB_SIZE:
            low = middle
        else:
            high = middle - 1
    return low


def _source_size(src: BinaryIO) -> int:
    position = src.tell()
    end = src.seek(0, os.SEEK_END)
    src.seek(position)
    return end - position


def encrypt_attachment(
    src: BinaryIO, dst: BinaryIO, plaintext_size: int | None = None
) -> AttachmentSecrets:
    """Encrypts ``src`` from its current position to its end into ``dst``, chunk by chunk.

    Args:
        src: The file, opened in binary mode.
        dst: Where the blob is written.
        plaintext_size: The number of bytes to read; measured by seeking if omitted.

    Returns:
        The key, digest and sizes for the attachment content message.

    Raises:
        AttachmentRejected: The file is too large, or its size changed while reading.
    """
    size = _source_size(src) if plaintext_size is None else plaintext_size
    blob_size = blob_size_for(size)
    if blob_size > MAX_BLOB_SIZE:
        raise AttachmentRejected("file is larger than the attachment limit")
    key = os.urandom(ATTACHMENT_KEY_SIZE)
    iv = os.urandom(IV_SIZE)
    encryptor = Cipher(algorithms.AES256(key[:32]), modes.CBC(iv)).encryptor()
    padder = padding.PKCS7(128).padder()
    mac = hmac.HMAC(key[32:], hashes.SHA256())
    digest = hashlib.sha256()

    def emit(data: bytes) -> None:
        if data:
            mac.update(data)
            digest.update(data)
            dst.write(data)

    emit(iv)
    remaining = size
    while remaining:
        chunk = src.read(min(CHUNK_SIZE, remaining))
        if not chunk:
            raise AttachmentRejected("file became shorter while it was encrypted")
        remaining -= len(chunk)
        emit(encryptor.update(padder.update(chunk)))
    zero_padding = padded_size(size) - size
    while zero_padding:
        zeros = bytes(min(CHUNK_SIZE, zero_padding))
        zero_padding -= len(zeros)
        emit(encryptor.update(padder.update(zeros)))
    emit(encryptor.update(padder.finalize()) + encryptor.finalize())
    tag = mac.finalize()
    digest.update(tag)
    dst.write(tag)
    return AttachmentSecrets(key, digest.digest(), size, blob_size)


def _check_blob(src: BinaryIO, key: bytes, digest: bytes) -> int:
    """First pass: digest, then HMAC. Returns the blob size.

    Raises:
        AttachmentRejected: A size limit, the digest or the HMAC fails.
    """
    blob_digest = hashlib.sha256()
    mac = hmac.HMAC(key[32:], hashes.SHA256())
    held_back = b""  # the last MAC_SIZE bytes seen so far: possibly the tag
    total = 0
    while chunk := src.read(CHUNK_SIZE):
        total += len(chunk)
        if total > MAX_BLOB_SIZE:
            raise AttachmentRejected("attachment blob is larger than the limit")
        blob_digest.update(chunk)
        data = held_back + chunk
        mac.update(data[:-MAC_SIZE])
        held_back = data[-MAC_SIZE:]
    if total < IV_SIZE + _BLOCK + MAC_SIZE or (total - IV_SIZE - MAC_SIZE) % _BLOCK:
        raise AttachmentRejected("attachment blob has an invalid size")
    if not _std_hmac.compare_digest(blob_digest.digest(), digest):
        raise AttachmentRejected("attachment digest does not match")
    if not _std_hmac.compare_digest(mac.finalize(), held_back):
        raise AttachmentRejected("attachment authentication failed")
    return total


def decrypt_attachment(
    src: BinaryIO, dst: BinaryIO, key: bytes, digest: bytes, plaintext_size: int
) -> None:
    """Checks then decrypts a blob; nothing is written unless digest and HMAC match.

    Args:
        src: The blob, seekable, positioned at its start.
        dst: Where the file's ``plaintext_size`` bytes are written.
        key: The 64-byte attachment key.
        digest: The expected SHA-256 of the blob.
        plaintext_size: The file's exact size, from the attachment content.

    Raises:
        AttachmentRejected: Wrong key/digest size, a size limit, digest or HMAC mismatch,
            or a plaintext size that the blob cannot hold.
    """
    if len(key) != ATTACHMENT_KEY_SIZE or len(digest) != DIGEST_SIZE:
        raise AttachmentRejected("attachment key or digest has the wrong size")
    start = src.tell()
    blob_size = _check_blob(src, key, digest)
    ciphertext_size = blob_size - IV_SIZE - MAC_SIZE
    if not 0 <= plaintext_size < ciphertext_size:
        raise AttachmentRejected("attachment size does not fit its blob")

    src.seek(start)
    iv = src.read(IV_SIZE)
    decryptor = Cipher(algorithms.AES256(key[:32]), modes.CBC(iv)).decryptor()
    remaining_ciphertext = ciphertext_size
    remaining_plaintext = plaintext_size
    while remaining_ciphertext:
        chunk = src.read(min(CHUNK_SIZE, remaining_ciphertext))
        if not chunk:
            raise AttachmentRejected("attachment blob changed while it was decrypted")
        remaining_ciphertext -= len(chunk)
        plaintext = decryptor.update(chunk)
        if remaining_ciphertext == 0:
            plaintext += decryptor.finalize()
        if remaining_plaintext:
            dst.write(plaintext[:remaining_plaintext])
            remaining_plaintext -= min(remaining_plaintext, len(plaintext))
