"""Unlocking a client: password, recovery key, keychain (an in-memory keychain backend: the
OS keychain is not what is tested), and a password change."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from engine_helpers import PASSWORD, new_client
from keyring_double import MemoryKeyring

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.errors import KeychainUnavailable, WrongPassword

pytestmark = pytest.mark.integration


async def test_keychain_opt_in_then_out(
    tmp_path: Path, relay: RelayServer, memory_keyring: MemoryKeyring
) -> None:
    client = await new_client(tmp_path, relay.url, "erin")
    profile = tmp_path / "erin"
    assert not ChatClient.keychain_unlock_enabled(profile)
    await client.account.set_keychain_unlock(True)
    await client.close()
    assert ChatClient.keychain_unlock_enabled(profile)

    client = await ChatClient.unlock_with_keychain(profile)
    assert client.username == "erin"
    await client.account.set_keychain_unlock(False)
    await client.close()
    assert memory_keyring.entries == {}
    with pytest.raises(KeychainUnavailable):
        await ChatClient.unlock_with_keychain(profile)
    client = await ChatClient.unlock(profile, PASSWORD)  # the password always works
    await client.close()


async def test_change_password(tmp_path: Path, relay: RelayServer) -> None:
    client = await new_client(tmp_path, relay.url, "frank")
    await client.account.change_password("a completely new passphrase 9")
    await client.close()
    with pytest.raises(WrongPassword) as wrong:
        await ChatClient.unlock(tmp_path / "frank", PASSWORD)
    await asyncio.sleep(wrong.value.retry_after)  # the backoff after a wrong password
    client = await ChatClient.unlock(tmp_path / "frank", "a completely new passphrase 9")
    await client.close()
