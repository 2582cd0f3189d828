"""The pure key handling of crypto/vault.py: wraps, recovery keys, sealed rows, calibration."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat_desktop.crypto import vault as keys
from chat_desktop.crypto.vault import Argon2Params, KeyUnwrapFailed

pytestmark = pytest.mark.unit


def test_wrap_round_trip_and_wrong_kek_or_ad_fails() -> None:
    kek, other = keys.new_master_key(), keys.new_master_key()
    master = keys.new_master_key()
    wrapped = keys.wrap_key(kek, master, b"ad")
    assert keys.unwrap_key(kek, wrapped, b"ad") == master
    with pytest.raises(KeyUnwrapFailed):
        keys.unwrap_key(other, wrapped, b"ad")
    with pytest.raises(KeyUnwrapFailed):
        keys.unwrap_key(kek, wrapped, b"other ad")


def test_password_kek_depends_on_password_salt_and_nfkc_form() -> None:
    salt = keys.new_salt()
    kek = keys.derive_password_kek("caf\u00e9 au lait!", salt, keys.FLOOR_PARAMS)
    # The decomposed form of é is the same password once normalised.
    assert keys.derive_password_kek("cafe\u0301 au lait!", salt, keys.FLOOR_PARAMS) == kek
    assert keys.derive_password_kek("cafe au lait!", salt, keys.FLOOR_PARAMS) != kek
    assert keys.derive_password_kek("caf\u00e9 au lait!", keys.new_salt(), keys.FLOOR_PARAMS) != kek


def test_recovery_key_is_twelve_groups_of_four_base32_characters() -> None:
    recovery_key = keys.new_recovery_key()
    groups = recovery_key.split("-")
    assert len(groups) == 12
    assert all(len(group) == 4 for group in groups)
    assert set("".join(groups)) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert keys.new_recovery_key() != recovery_key


@settings(max_examples=50, deadline=None)
@given(raw=st.binary(min_size=30, max_size=30), separator=st.sampled_from(["-", " ", "", "  "]))
def test_recovery_key_parses_however_it_is_typed(raw: bytes, separator: str) -> None:
    import base64

    text = base64.b32encode(raw).decode()
    typed = separator.join(text[i : i + 4] for i in range(0, len(text), 4)).lower()
    assert keys.parse_recovery_key(typed) == raw


def test_recovery_key_typos_of_similar_digits_are_forgiven() -> None:
    recovery_key = keys.new_recovery_key()
    raw = keys.parse_recovery_key(recovery_key)
    typo = recovery_key.replace("O", "0").replace("I", "1").replace("B", "8")
    assert keys.parse_recovery_key(typo) == raw


@pytest.mark.parametrize("bad", ["", "ABCD-EFGH", "!" * 48, "A" * 47, "A" * 49])
def test_malformed_recovery_keys_are_refused(bad: str) -> None:
    assert keys.parse_recovery_key(bad) is None


def test_sealed_row_opens_only_in_its_own_table_and_row() -> None:
    row_key = keys.new_master_key()
    sealed = keys.seal_row(row_key, "sessions", "alice\x1f1", b"ratchet state")
    assert keys.open_row(row_key, "sessions", "alice\x1f1", sealed) == b"ratchet state"
    for table, row_id in [("sessions", "alice\x1f2"), ("own_prekeys", "alice\x1f1")]:
        with pytest.raises(KeyUnwrapFailed):
            keys.open_row(row_key, table, row_id, sealed)
    with pytest.raises(KeyUnwrapFailed):
        keys.open_row(keys.new_master_key(), "sessions", "alice\x1f1", sealed)


def test_derived_keys_are_distinct_and_deterministic() -> None:
    master = keys.new_master_key()
    assert keys.derive_db_key(master) == keys.derive_db_key(master)
    assert keys.derive_db_key(master) != keys.derive_row_wrap_key(master)
    assert len(keys.derive_db_key(master)) == 32


def test_backoff_doubles_from_one_second_and_caps_at_five_minutes() -> None:
    delays = [keys.backoff_delay(failures) for failures in range(0, 12)]
    assert delays[:6] == [0.0, 1.0, 2.0, 4.0, 8.0, 16.0]
    assert delays[-1] == 300.0
    assert keys.backoff_delay(10_000) == 300.0


def _machine(floor_seconds: float, *, first_runs_slower: int = 0) -> Any:
    """A model machine: derivation time ∝ memory × iterations; the first runs can be slow."""
    runs: list[Argon2Params] = []

    def measure(params: Argon2Params) -> float:
        runs.append(params)
        work = params.memory_kib * params.iterations
        seconds = floor_seconds * work / (keys.MIN_MEMORY_KIB * keys.MIN_ITERATIONS)
        return seconds * (3 if len(runs) <= first_runs_slower else 1)

    measure.runs = runs  # type: ignore[attr-defined]
    return measure


def _modelled_seconds(params: Argon2Params, floor_seconds: float) -> float:
    work = params.memory_kib * params.iterations
    return floor_seconds * work / (keys.MIN_MEMORY_KIB * keys.MIN_ITERATIONS)


def test_calibration_scales_memory_on_a_fast_machine() -> None:
    params = keys.calibrate_argon2(0.6, measure=_machine(0.11))
    assert params.meets_floor()
    assert params.memory_kib > keys.MIN_MEMORY_KIB
    assert params.iterations == keys.MIN_ITERATIONS
    assert 0.5 <= _modelled_seconds(params, 0.11) <= 1.0


def test_calibration_never_goes_below_the_rfc_floor_on_a_slow_machine() -> None:
    assert keys.calibrate_argon2(0.6, measure=_machine(5.0)) == keys.FLOOR_PARAMS


def test_calibration_raises_iterations_once_memory_is_capped() -> None:
    params = keys.calibrate_argon2(0.6, measure=_machine(0.005))
    assert params.memory_kib == keys.CALIBRATION_MAX_MEMORY_KIB
    assert params.iterations > keys.MIN_ITERATIONS
    assert 0.5 <= _modelled_seconds(params, 0.005) <= 1.0


def test_calibration_recovers_from_a_slow_first_measurement() -> None:
    # Warm-up and the first timed run are 3x slow (cold memory): the candidate is re-timed.
    measure = _machine(0.11, first_runs_slower=2)
    params = keys.calibrate_argon2(0.6, measure=measure)
    assert 0.5 <= _modelled_seconds(params, 0.11) <= 1.0
    assert len(measure.runs) >= 3


def test_floor_and_limits() -> None:
    assert keys.FLOOR_PARAMS.meets_floor()
    assert not Argon2Params(memory_kib=32 * 1024, iterations=3, lanes=4).meets_floor()
    assert not Argon2Params(memory_kib=64 * 1024, iterations=2, lanes=4).meets_floor()
    assert not Argon2Params(memory_kib=64 * 1024 * 1024, iterations=3, lanes=4).within_limits()
