"""Argon2id derivations never run two at a time in this process (issue 19, item 1).

With ``cryptography`` 50.0.2, two ``Argon2id(..., lanes=4).derive()`` calls running at once
in two threads of one process never return (see ``chat_desktop.crypto.vault``). The app
starts derivations from worker threads (unlock, password check, change, sign-up, linking),
so two at once hung it for good. Every derivation now waits its turn behind one lock.

Each test bounds the work with ``asyncio.wait_for``: a hang fails instead of blocking.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services import account
from chat_desktop.storage.vault_file import Vault

PASSWORD = "correct horse battery staple"
#: Far above the ~1 s two derivations take one after the other, even on a loaded machine.
HANG_BOUND_S = 60.0


async def test_two_password_checks_at_once_both_finish(tmp_path: Path) -> None:
    vault, _recovery = Vault.create(tmp_path / "profile", PASSWORD, kdf_params=FLOOR_PARAMS)
    try:
        results = await asyncio.wait_for(
            asyncio.gather(
                account.verify_password(vault, PASSWORD),
                account.verify_password(vault, PASSWORD),
            ),
            HANG_BOUND_S,
        )
        assert results == [None, None]
    finally:
        vault.lock()


async def test_two_profiles_unlock_at_once_and_both_open(tmp_path: Path) -> None:
    for name in ("first", "second"):
        vault, _recovery = Vault.create(tmp_path / name, PASSWORD, kdf_params=FLOOR_PARAMS)
        vault.lock()
    first, second = await asyncio.wait_for(
        asyncio.gather(
            asyncio.to_thread(Vault.unlock, tmp_path / "first", PASSWORD),
            asyncio.to_thread(Vault.unlock, tmp_path / "second", PASSWORD),
        ),
        HANG_BOUND_S,
    )
    try:
        assert first.vault_id != second.vault_id
    finally:
        first.lock()
        second.lock()


def test_no_module_runs_argon2id_beside_the_lock() -> None:
    """Only ``crypto/vault.py`` touches Argon2id, and there only under ``ARGON2_LOCK``."""
    import chat_desktop

    package = Path(chat_desktop.__file__).parent
    users = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "kdf.argon2" in path.read_text(encoding="utf-8")
    )
    assert users == ["crypto/vault.py"]
    source = (package / "crypto" / "vault.py").read_text(encoding="utf-8")
    assert source.count(".derive(secret)") == 1  # the one call, in _argon2id
    assert source.count("_argon2id(") == 3  # its definition, and two callers holding the lock
    assert source.count("with ARGON2_LOCK:") == 2
