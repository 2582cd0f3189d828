"""The engine side of Settings, through the real relay: privacy toggles, persistence,
a new recovery key, deleting the account."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
from engine_helpers import PASSWORD, EventLog, acquaint, new_client

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.relay.app import RelayServer
from chat_desktop.services import account
from chat_desktop.services.account import AccountDeletionFailed
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import UnknownUser
from chat_desktop.services.events import (
    ClientEvent,
    MessageReceived,
    PresenceChanged,
    StatusChanged,
    TypingChanged,
)
from chat_desktop.services.preferences import Appearance, InvalidPreference, Preferences
from chat_desktop.storage.errors import WrongPassword, WrongRecoveryKey
from chat_desktop.storage.models import MessageStatus
from chat_desktop.storage.profile import ProfilePaths
from chat_desktop.storage.unlock_backoff import read_backoff

pytestmark = pytest.mark.integration


def received(message_id: str) -> Callable[[list[ClientEvent]], bool]:
    """A predicate: the message ``message_id`` has arrived."""
    return lambda events: any(
        isinstance(e, MessageReceived) and e.message_id == message_id for e in events
    )


def status_is(message_id: str, status: str) -> Callable[[list[ClientEvent]], bool]:
    """A predicate: our message ``message_id`` reached ``status`` (a receipt came back)."""
    return lambda events: any(
        isinstance(e, StatusChanged) and e.message_id == message_id and e.status == status
        for e in events
    )


async def _status(client: ChatClient, peer: str, message_id: str) -> MessageStatus:
    message = await client.messages.get(peer, message_id)
    assert message is not None
    return message.status


async def test_with_read_receipts_off_the_sender_sees_delivered_but_never_read(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(alice, bob)
    alice_log = EventLog(alice)
    try:
        await bob.preferences.save(msgspec.structs.replace(Preferences(), read_receipts=False))
        first = await alice.messages.send_text("bob", "hello bob")
        await alice_log.wait_for(status_is(first, "delivered"))
        assert await bob.conversations.mark_read("alice", first) == 1
        # Bob's receipts and his reply travel in order: once the reply is in, any read
        # receipt he had sent would have been handled before it.
        reply = await bob.messages.send_text("alice", "read it, not telling")
        await alice_log.wait_for(received(reply))
        assert await _status(alice, "bob", first) is MessageStatus.DELIVERED
        assert (await bob.messages.history("alice"))[
            0
        ].read_at is not None  # read here all the same

        # Turned back on, the same exchange does show "read" (the check above can fail).
        await bob.preferences.save(Preferences())
        second = await alice.messages.send_text("bob", "and now?")
        await alice_log.wait_for(status_is(second, "delivered"))
        await bob.conversations.mark_read("alice", second)
        reply = await bob.messages.send_text("alice", "now you know")
        await alice_log.wait_for(received(reply))
        assert await _status(alice, "bob", second) is MessageStatus.READ
        assert await _status(alice, "bob", first) is MessageStatus.DELIVERED
    finally:
        alice_log.close()
        await alice.close()
        await bob.close()


async def test_typing_indicators_off_neither_sends_nor_shows_them(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    alice_log, bob_log = EventLog(alice), EventLog(bob)
    off = msgspec.structs.replace(Preferences(), typing_indicators=False)
    try:
        hello = await alice.messages.send_text("bob", "hello")  # sessions both ways
        await bob_log.wait_for(received(hello))
        hello = await bob.messages.send_text("alice", "hi")
        await alice_log.wait_for(received(hello))

        # Alice turned them off: she sends none (her typing notice would precede the text).
        await alice.preferences.save(off)
        await alice.presence.set_typing("bob", True)
        marker = await alice.messages.send_text("bob", "no typing notice before this")
        await bob_log.wait_for(received(marker))
        assert not bob_log.of_type(TypingChanged)

        # Bob turned them off: Alice's notices reach his device but are not shown.
        await alice.preferences.save(Preferences())
        await bob.preferences.save(off)
        await alice.presence.set_typing("bob", True)
        marker = await alice.messages.send_text("bob", "typing notice before this, not shown")
        await bob_log.wait_for(received(marker))
        assert not bob_log.of_type(TypingChanged)

        # Both on again: the notice shows (the checks above can fail).
        await bob.preferences.save(Preferences())
        await alice.presence.set_typing("bob", True)
        await bob_log.wait_for(lambda events: any(isinstance(e, TypingChanged) for e in events))
    finally:
        alice_log.close()
        bob_log.close()
        await alice.close()
        await bob.close()


async def test_every_preference_survives_closing_and_unlocking_again(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    bob_log = EventLog(bob)
    chosen = Preferences(
        read_receipts=False,
        typing_indicators=False,
        show_online=False,
        idle_lock_minutes=0,
        notification_content="sender",
    )
    look = Appearance(theme="dark", text_scale_percent=150, language="id")
    profile = alice.store.paths.root
    try:
        assert await alice.preferences.load() == Preferences()
        await alice.preferences.save(chosen)
        ChatClient.set_appearance(profile, look)
        # "Show online" reached the relay at once.
        await bob.presence.subscribe(["alice"])
        await bob_log.wait_for(
            lambda events: any(isinstance(event, PresenceChanged) for event in events)
        )
        assert not bob_log.of_type(PresenceChanged)[-1].online
        # An out-of-range change is refused and leaves everything as it was.
        with pytest.raises(InvalidPreference):
            await alice.preferences.save(msgspec.structs.replace(chosen, idle_lock_minutes=1441))
        with pytest.raises(InvalidPreference):
            ChatClient.set_appearance(profile, msgspec.structs.replace(look, text_scale_percent=79))
        new_relay = "https://relay.example.org:8443"
        await alice.account.set_relay_url(new_relay)
        assert alice.relay_url == relay.url  # takes effect at the next unlock

        await alice.close()
        assert ChatClient.appearance(profile) == look  # readable while locked
        alice = await ChatClient.unlock(profile, PASSWORD)
        assert await alice.preferences.load() == chosen
        assert await alice.presence.show_online() is False
        assert alice.relay_url == new_relay
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()


async def test_a_new_recovery_key_unlocks_and_the_old_one_no_longer_does(
    tmp_path: Path, relay: RelayServer
) -> None:
    profile = tmp_path / "alice"
    alice, old_key = await ChatClient.create(
        profile, relay.url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
    )
    try:
        with pytest.raises(WrongPassword):
            await alice.account.rotate_recovery_key("not the password")
    finally:
        await alice.close()
    # The failed attempt left the recovery key as it was.
    alice = await ChatClient.unlock_with_recovery_key(profile, old_key)
    try:
        new_key = await alice.account.rotate_recovery_key(PASSWORD)
        assert new_key != old_key
    finally:
        await alice.close()

    with pytest.raises(WrongRecoveryKey):
        await ChatClient.unlock_with_recovery_key(profile, old_key)
    alice = await ChatClient.unlock_with_recovery_key(profile, new_key)
    await alice.close()
    alice = await ChatClient.unlock(profile, PASSWORD)
    await alice.close()


async def test_deleting_the_account_erases_it_on_the_relay_and_here(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    carol = await new_client(tmp_path, relay.url, "carol")
    profile = alice.store.paths.root
    try:
        with pytest.raises(WrongPassword):
            await alice.account.delete_account("not the password")
        # A wrong password changes nothing: the account works on.
        assert profile.exists()
        assert await relay.context.store.identity_key("alice", 1) is not None
        assert alice.connected

        await _wait_out_backoff(profile)
        await alice.account.delete_account(PASSWORD)

        assert not profile.exists()
        assert await relay.context.store.identity_key("alice", 1) is None
        with pytest.raises(UnknownUser):
            await carol.conversations.start("alice")
        # The name is free again: a fresh registration of it succeeds.
        again = await new_client(tmp_path / "new", relay.url, "alice")
        await again.close()
    finally:
        await alice.close()  # already closed by the deletion: a no-op
        await carol.close()


async def test_deleting_without_the_relay_deletes_nothing(
    tmp_path: Path, relay: RelayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    profile = alice.store.paths.root
    # Point the account at a relay that is not there, from the next unlock on.
    await alice.account.set_relay_url("http://127.0.0.1:9")
    await alice.close()
    monkeypatch.setattr(account, "RELAY_WAIT_S", 0.5)

    offline = await ChatClient.unlock(profile, PASSWORD)
    try:
        with pytest.raises(AccountDeletionFailed):
            await offline.account.delete_account(PASSWORD)  # never connected at all
        await offline.connect()
        with pytest.raises(AccountDeletionFailed):
            await offline.account.delete_account(PASSWORD)  # connecting, but nothing answers
        assert profile.exists()
        assert await offline.preferences.load() == Preferences()  # the client still works
    finally:
        await offline.close()
    assert await relay.context.store.identity_key("alice", 1) is not None
    alice = await ChatClient.unlock(profile, PASSWORD)
    await alice.close()


async def _wait_out_backoff(profile: Path) -> None:
    """After a wrong password the next try waits (1 s); there is no event to await."""
    state = read_backoff(ProfilePaths(profile).backoff)
    await asyncio.sleep(max(0.0, state.retry_after(time.time())))
