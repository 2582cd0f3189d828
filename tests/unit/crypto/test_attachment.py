"""Attachment encryption (docs/protocol.md §5): streaming, padding, and checks before plaintext."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
from pathlib import Path

import pytest

from chat_desktop.crypto.attachment import (
    MAX_BLOB_SIZE,
    blob_size_for,
    decrypt_attachment,
    encrypt_attachment,
    max_plaintext_size,
    padded_size,
)
from chat_desktop.crypto.errors import AttachmentRejected

pytestmark = pytest.mark.unit

MIB = 1024 * 1024


def _round_trip(data: bytes) -> bytes:
    blob = io.BytesIO()
    secrets = encrypt_attachment(io.BytesIO(data), blob)
    assert secrets.blob_size == len(blob.getvalue()) == blob_size_for(len(data))
    assert secrets.digest == hashlib.sha256(blob.getvalue()).digest()
    blob.seek(0)
    out = io.BytesIO()
    decrypt_attachment(blob, out, secrets.key, secrets.digest, secrets.plaintext_size)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 1000, 65536, 65537, 300_001])
def test_round_trip(size: int) -> None:
    data = os.urandom(size)
    assert _round_trip(data) == data


@pytest.mark.parametrize("size", [2, 10, 100, 541, 1000, 12345, 10**6, 50 * MIB])
def test_padding_is_the_next_power_of_1_05(size: int) -> None:
    padded = padded_size(size)
    assert padded >= size
    assert padded <= size * 1.05 + 1
    # No smaller 1.05^k bucket holds the size.
    exponents = [k for k in range(1, 400) if int(1.05**k) >= size]
    assert padded == int(1.05 ** exponents[0])


def test_blob_hides_exact_size() -> None:
    assert blob_size_for(1000) == blob_size_for(1001)


def _encrypt_to_bytes(data: bytes) -> tuple[bytes, bytes, bytes, int]:
    blob = io.BytesIO()
    secrets = encrypt_attachment(io.BytesIO(data), blob)
    return blob.getvalue(), secrets.key, secrets.digest, secrets.plaintext_size


class WriteRecorder(io.BytesIO):
    """A destination that records whether anything was written."""

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if data:
            raise AssertionError("plaintext was written before the blob was rejected")
        return 0


@pytest.mark.parametrize("position", [0, 15, 16, 100, -33, -1])
def test_changed_byte_is_rejected_before_any_plaintext(position: int) -> None:
    blob, key, digest, size = _encrypt_to_bytes(os.urandom(5000))
    tampered = bytearray(blob)
    tampered[position] ^= 0x01
    with pytest.raises(AttachmentRejected):
        decrypt_attachment(io.BytesIO(bytes(tampered)), WriteRecorder(), key, digest, size)


def test_changed_byte_with_matching_digest_fails_the_hmac() -> None:
    blob, key, _, size = _encrypt_to_bytes(os.urandom(5000))
    tampered = bytearray(blob)
    tampered[200] ^= 0x01
    # An attacker who controls the digest too must still pass the HMAC.
    forged_digest = hashlib.sha256(tampered).digest()
    with pytest.raises(AttachmentRejected, match="authentication"):
        decrypt_attachment(io.BytesIO(bytes(tampered)), WriteRecorder(), key, forged_digest, size)


def test_wrong_digest_is_rejected() -> None:
    blob, key, digest, size = _encrypt_to_bytes(b"x" * 100)
    wrong = bytes([digest[0] ^ 1]) + digest[1:]
    with pytest.raises(AttachmentRejected, match="digest"):
        decrypt_attachment(io.BytesIO(blob), WriteRecorder(), key, wrong, size)


def test_wrong_key_is_rejected() -> None:
    blob, key, digest, size = _encrypt_to_bytes(b"x" * 100)
    with pytest.raises(AttachmentRejected):
        decrypt_attachment(io.BytesIO(blob), WriteRecorder(), os.urandom(64), digest, size)
    with pytest.raises(AttachmentRejected):
        decrypt_attachment(io.BytesIO(blob), WriteRecorder(), key[:32], digest, size)


@pytest.mark.parametrize("claimed", [-1, 10**9])
def test_impossible_plaintext_size_is_rejected(claimed: int) -> None:
    blob, key, digest, _ = _encrypt_to_bytes(b"x" * 100)
    with pytest.raises(AttachmentRejected):
        decrypt_attachment(io.BytesIO(blob), WriteRecorder(), key, digest, claimed)


def test_truncated_blob_is_rejected() -> None:
    blob, key, digest, size = _encrypt_to_bytes(b"x" * 100)
    with pytest.raises(AttachmentRejected):
        decrypt_attachment(io.BytesIO(blob[:-1]), WriteRecorder(), key, digest, size)


def test_file_over_the_limit_is_rejected_before_reading() -> None:
    too_big = max_plaintext_size() + 1
    assert blob_size_for(too_big) > MAX_BLOB_SIZE >= blob_size_for(too_big - 1)
    with pytest.raises(AttachmentRejected):
        encrypt_attachment(io.BytesIO(b""), io.BytesIO(), plaintext_size=too_big)


def test_file_that_shrinks_while_reading_is_rejected() -> None:
    with pytest.raises(AttachmentRejected):
        encrypt_attachment(io.BytesIO(b"short"), io.BytesIO(), plaintext_size=100)


def test_50_mib_file_round_trips_in_bounded_memory(tmp_path: Path) -> None:
    source = tmp_path / "file.bin"
    chunk = os.urandom(MIB)
    plain_digest = hashlib.sha256()
    with source.open("wb") as out:
        for index in range(50):
            block = bytes([index]) + chunk[1:]
            plain_digest.update(block)
            out.write(block)
    blob_path, result_path = tmp_path / "blob.bin", tmp_path / "result.bin"

    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with source.open("rb") as src, blob_path.open("wb") as dst:
            secrets = encrypt_attachment(src, dst)
        with blob_path.open("rb") as src, result_path.open("wb") as dst:
            decrypt_attachment(src, dst, secrets.key, secrets.digest, secrets.plaintext_size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak - baseline < 32 * MIB
    assert secrets.plaintext_size == 50 * MIB
    assert blob_path.stat().st_size == secrets.blob_size
    result_digest = hashlib.sha256()
    with result_path.open("rb") as result:
        while block := result.read(MIB):
            result_digest.update(block)
    assert result_digest.digest() == plain_digest.digest()
