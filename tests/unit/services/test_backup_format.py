"""The backup file's bounds: every number read from it is checked before it is used.

Pure format tests (no store): a header out of bounds, a chunk of an impossible size, a chunk
that inflates past its size (a decompression bomb), chunks reordered or replayed, records
too long, malformed or out of bounds, a stream that stops inside a record.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import msgspec
import pytest

from chat_desktop.crypto.vault import FLOOR_PARAMS, Argon2Params
from chat_desktop.services import backup_format
from chat_desktop.services.backup_format import (
    HEADER_BYTES,
    MIN_CHUNK_BYTES,
    BackupDamaged,
    BackupReader,
    BackupUnsupported,
    BackupWriter,
    BackupWrongPassphrase,
)
from chat_desktop.services.backup_records import (
    MAX_RECORD_BYTES,
    End,
    Entry,
    FileData,
    frame,
    records,
)

PASSPHRASE = "unit test backup passphrase"


def _write(path: Path, data: bytes, *, compress: bool = True) -> bytes:
    writer = BackupWriter(
        path, PASSPHRASE, params=FLOOR_PARAMS, chunk_bytes=MIN_CHUNK_BYTES, compress=compress
    )
    writer.write(data)
    writer.finish()
    return path.read_bytes()


def _read(data: bytes, passphrase: str = PASSPHRASE) -> bytes:
    reader = BackupReader(io.BytesIO(data), passphrase)
    return b"".join(reader.chunks())


def _header(**changes: int) -> bytes:
    fields = {
        "version": 1,
        "memory": FLOOR_PARAMS.memory_kib,
        "iterations": FLOOR_PARAMS.iterations,
        "lanes": FLOOR_PARAMS.lanes,
        "chunk": MIN_CHUNK_BYTES,
    }
    fields.update(changes)
    return struct.pack(
        ">8sHIII16sI16s",
        b"CDBACKUP",
        fields["version"],
        fields["memory"],
        fields["iterations"],
        fields["lanes"],
        bytes(16),
        fields["chunk"],
        bytes(16),
    )


def test_a_stream_round_trips_and_leaves_no_plaintext(tmp_path: Path) -> None:
    plain = b"the quick brown fox " * 20_000 + os.urandom(100_000)
    data = _write(tmp_path / "b", plain)
    assert b"quick brown" not in data
    assert _read(data) == plain
    assert [path.name for path in tmp_path.iterdir()] == ["b"]


def test_an_empty_stream_is_one_final_chunk(tmp_path: Path) -> None:
    data = _write(tmp_path / "b", b"")
    assert len(data) == HEADER_BYTES + 4 + 1 + 16
    assert _read(data) == b""


def test_abort_leaves_nothing(tmp_path: Path) -> None:
    writer = BackupWriter(tmp_path / "b", PASSPHRASE, params=FLOOR_PARAMS)
    writer.write(b"x" * 10)
    writer.abort()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"version": 2}, BackupUnsupported),
        ({"memory": 8 * 1024 * 1024}, BackupUnsupported),  # 8 GiB: would exhaust the machine
        ({"memory": 1024}, BackupUnsupported),  # below the floor
        ({"iterations": 1000}, BackupUnsupported),
        ({"lanes": 0}, BackupUnsupported),
        ({"lanes": 64}, BackupUnsupported),
        ({"chunk": 1024}, BackupUnsupported),
        ({"chunk": 64 * 1024 * 1024}, BackupUnsupported),
    ],
)
def test_a_header_out_of_bounds_is_refused_before_any_derivation(
    changes: dict[str, int], error: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_derivation(*args: object) -> bytes:
        raise AssertionError("derived a key from a header out of bounds")

    monkeypatch.setattr(backup_format, "derive_password_kek", no_derivation)
    with pytest.raises(error):
        BackupReader(io.BytesIO(_header(**changes)), PASSPHRASE)


def test_not_a_backup_is_told(tmp_path: Path) -> None:
    with pytest.raises(BackupDamaged):
        BackupReader(io.BytesIO(b"PK\x03\x04 a zip file" + bytes(100)), PASSPHRASE)
    with pytest.raises(BackupDamaged):
        BackupReader(io.BytesIO(b"CDBACKUP"), PASSPHRASE)


def test_a_wrong_passphrase_is_told_apart(tmp_path: Path) -> None:
    data = _write(tmp_path / "b", b"secret")
    with pytest.raises(BackupWrongPassphrase):
        _read(data, "another passphrase entirely")


def test_a_chunk_of_impossible_size_is_refused_before_reading_it(tmp_path: Path) -> None:
    data = _write(tmp_path / "b", b"secret")
    huge = data[:HEADER_BYTES] + struct.pack(">I", 2**32 - 1) + data[HEADER_BYTES + 4 :]
    with pytest.raises(BackupDamaged, match="impossible size"):
        _read(huge)
    tiny = data[:HEADER_BYTES] + struct.pack(">I", 3) + b"abc"
    with pytest.raises(BackupDamaged, match="impossible size"):
        _read(tiny)


def test_chunks_reordered_or_replayed_are_refused(tmp_path: Path) -> None:
    data = _write(tmp_path / "b", os.urandom(3 * MIN_CHUNK_BYTES), compress=False)
    spans = []
    offset = HEADER_BYTES
    while offset < len(data):
        (length,) = struct.unpack_from(">I", data, offset)
        spans.append(data[offset : offset + 4 + length])
        offset += 4 + length
    assert len(spans) == 4
    header = data[:HEADER_BYTES]
    for order in ([1, 0, 2, 3], [0, 0, 2, 3], [0, 1, 3], [0, 1, 2, 3, 3], [0, 1, 2]):
        with pytest.raises(BackupDamaged):
            _read(header + b"".join(spans[i] for i in order))


def test_a_decompression_bomb_stops_at_the_chunk_size(tmp_path: Path) -> None:
    """A chunk (correctly sealed, as a holder of the passphrase could make) that inflates
    far past the header's chunk size is refused after inflating at most the chunk size."""
    data = _write(tmp_path / "b", b"")
    header = data[:HEADER_BYTES]
    salt = header[22:38]
    keys = backup_format._Keys(PASSPHRASE, salt, FLOOR_PARAMS)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = packer.compress(bytes(40 * 1024 * 1024)) + packer.flush()
    sealed = keys.aead.encrypt(backup_format._nonce(0, True), b"\x01" + bomb, header)
    with pytest.raises(BackupDamaged, match="inflates past"):
        _read(header + struct.pack(">I", len(sealed)) + sealed)
    unknown = keys.aead.encrypt(backup_format._nonce(0, True), b"\x07abc", header)
    with pytest.raises(BackupDamaged, match="unknown chunk encoding"):
        _read(header + struct.pack(">I", len(unknown)) + unknown)


def test_argon2_parameters_come_from_the_header(tmp_path: Path) -> None:
    params = Argon2Params(memory_kib=FLOOR_PARAMS.memory_kib, iterations=4, lanes=4)
    writer = BackupWriter(tmp_path / "b", PASSPHRASE, params=params)
    writer.finish()
    reader = BackupReader(io.BytesIO((tmp_path / "b").read_bytes()), PASSPHRASE)
    assert b"".join(reader.chunks()) == b""


# ---- records ---------------------------------------------------------------------------------


def test_records_split_anywhere_across_chunks_come_back_whole() -> None:
    stream = frame(FileData(data=b"x" * 1000)) + frame(End(0, 0, 0))
    pieces = [stream[i : i + 7] for i in range(0, len(stream), 7)]
    assert list(records(pieces)) == [FileData(data=b"x" * 1000), End(0, 0, 0)]


def test_a_record_longer_than_the_bound_is_refused_before_buffering_it() -> None:
    with pytest.raises(BackupDamaged, match="too long"):
        list(records([struct.pack(">I", MAX_RECORD_BYTES + 1)]))


def test_a_stream_that_stops_inside_a_record_is_refused() -> None:
    with pytest.raises(BackupDamaged, match="cut short"):
        list(records([frame(End(0, 0, 0))[:-1]]))


def test_a_malformed_record_is_refused() -> None:
    garbage = b"\xc1\xc1\xc1"
    with pytest.raises(BackupDamaged, match="malformed"):
        list(records([struct.pack(">I", len(garbage)) + garbage]))
    unknown_tag = msgspec.msgpack.encode([99, 1, 2])
    with pytest.raises(BackupDamaged, match="malformed"):
        list(records([struct.pack(">I", len(unknown_tag)) + unknown_tag]))


@pytest.mark.parametrize(
    "field",
    ["body", "reactions", "edits", "expire_timer", "sort_key", "sender_device"],
)
def test_an_entry_out_of_bounds_is_refused(field: str) -> None:
    fields: dict[str, object] = {
        "id": "m1",
        "sender": "bob",
        "sender_device": 1,
        "outgoing": False,
        "sort_key": 1,
        "kind": "text",
        "body": "hi",
        "status": "delivered",
        "sent_at": 1,
        "received_at": 1,
        "read_at": None,
        "server_ts": None,
        "expire_timer": 0,
        "expires_at": None,
        "undecryptable": False,
        "deleted": False,
        "attachment": None,
        "quote": None,
        "edited_at": None,
        "delivered_at": None,
        "read_by_peer_at": None,
        "edits": [],
        "reactions": [],
    }
    fine = [6, *fields.values()]
    assert list(records([_framed(fine)])) == [Entry(**fields)]  # type: ignore[arg-type]
    bad = {
        "body": "x" * (64 * 1024 + 1),
        "reactions": [["bob", "👍"]] * 257,
        "edits": [[1, "old"]] * 21,
        "expire_timer": -1,
        "sort_key": 2**60,
        "sender_device": 0,
    }
    fields[field] = bad[field]
    with pytest.raises(BackupDamaged, match="malformed"):
        list(records([_framed([6, *fields.values()])]))


def _framed(value: object) -> bytes:
    body = msgspec.msgpack.encode(value)
    return struct.pack(">I", len(body)) + body
