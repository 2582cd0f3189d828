"""``--reset-account`` cuts the account's live connections on the running relay at once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
import socketio
from relay_harness import RelayClient, RelayProcess, register_account

from chat_desktop.protocol import events
from chat_desktop.relay.__main__ import reset_account
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.sqlite_schema import SCHEMA_VERSION, migrate
from chat_desktop.relay.sqlite_writer import connect

pytestmark = pytest.mark.integration


def disconnected(client: RelayClient) -> asyncio.Event:
    """An event set when the relay closes ``client``'s connection."""
    gone = asyncio.Event()
    client.sio.on("disconnect", lambda *args: gone.set())
    return gone


def run_reset_command(relay: RelayProcess, username: str) -> subprocess.CompletedProcess[bytes]:
    """What the operator runs, in its own process, against the running relay's store."""
    command = [sys.executable, "-m", "chat_desktop.relay", "--data-dir", str(relay.data_dir)]
    if relay.database_url is not None:
        command += ["--database", relay.database_url]
    return subprocess.run(
        [*command, "--reset-account", username], capture_output=True, timeout=60, check=False
    )


async def test_the_reset_command_cuts_the_live_connection_of_a_running_relay(
    relay_process: RelayProcess, relay_clients
) -> None:
    alice, bob = (
        await register_account(relay_process.url),
        await register_account(relay_process.url),
    )
    victim = relay_clients(alice)
    await victim.connect(relay_process.url)
    other = relay_clients(bob)
    await other.connect(relay_process.url)
    gone = disconnected(victim)

    result = await asyncio.to_thread(run_reset_command, relay_process, alice.username)
    assert result.returncode == 0, result.stdout + result.stderr

    await asyncio.wait_for(gone.wait(), 10)
    assert not victim.sio.connected
    cut = [r for r in relay_process.log_records() if r.get("event") == "connection_cut"]
    assert len(cut) == 1
    # The old key cannot come back, and the other account is untouched.
    again = RelayClient(alice)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await again.connect(relay_process.url)
    assert again.connect_error["message"] == "unauthorized"
    assert other.sio.connected
    assert (await other.call(events.PRESENCE_SUBSCRIBE, {"users": [alice.username]}))["ok"]


async def test_a_cut_connection_is_refused_before_the_socket_closes(
    relay: RelayServer, relay_clients
) -> None:
    """In-process: the watcher removes the session first, so events are ``unauthorized``."""
    alice = await register_account(relay.url)
    victim = relay_clients(alice)
    await victim.connect(relay.url)
    device = relay.context.sessions.by_device(alice.username, alice.device_id)
    assert device is not None
    gone = disconnected(victim)

    assert await reset_account(relay.context.config, alice.username)
    watcher = relay.context.resets
    assert watcher is not None
    assert await watcher.check_once() == 1

    assert relay.context.sessions.by_sid(device.sid) is None
    assert not relay.context.sessions.is_online(alice.username)
    handler = relay.context.sio.handlers["/"][events.PRESENCE_SUBSCRIBE]
    ack = await handler(device.sid, {"users": ["bob"]})
    assert ack["ok"] is False and ack["error"] == "unauthorized"
    await asyncio.wait_for(gone.wait(), 10)


async def test_the_same_name_registered_again_keeps_its_new_connection(
    relay: RelayServer, relay_clients
) -> None:
    old = await register_account(relay.url)
    old_client = relay_clients(old)
    await old_client.connect(relay.url)
    gone = disconnected(old_client)
    assert await reset_account(relay.context.config, old.username)
    new = await register_account(relay.url, old.username)
    new_client = relay_clients(new)
    await new_client.connect(relay.url)

    watcher = relay.context.resets
    assert watcher is not None
    await watcher.check_once()
    await asyncio.wait_for(gone.wait(), 10)
    assert new_client.sio.connected
    ack = await new_client.call(events.PRESENCE_SUBSCRIBE, {"users": [old.username]})
    assert ack["ok"]


# SQLite only: the upgrade of an SQLite file (PostgreSQL's migrations: test_relay_postgres.py).
def test_a_version_1_database_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "relay.sqlite3"
    connection = connect(path)
    migrate(connection, target_version=1)  # the whole version-1 schema (later steps need it)
    connection.execute("INSERT INTO accounts VALUES ('alice', 1, 5)")
    migrate(connection)
    assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert connection.execute(
        "SELECT username, last_seen, show_online FROM accounts"
    ).fetchall() == [("alice", 5, 1)]
    assert connection.execute("SELECT count(*) FROM account_resets").fetchone() == (0,)
    connection.close()
