"""Keychain-unlock steps run against a real Secret Service (gnome-keyring) on a private bus.

``test_keychain_secret_service.py`` starts each step as
``dbus-run-session -- python secret_service_scenario.py STEP ROOT``: a fresh session bus that
dies with the step. The step starts ``gnome-keyring-daemon --foreground --components=secrets``
on that bus (unlocked with a test password, or left locked), selects keyring's SecretService
backend explicitly, drives a real :class:`ChatClient` against an in-process relay on
127.0.0.1 port 0, and writes what it observed to ``ROOT/STEP.json`` for the test to assert on.
The report holds outcomes, attribute names and lengths: never a secret or a password.

Steps (the keyring files live under ``ROOT/home``, the profile and the relay data in ``ROOT``):

- ``round-trip``: unlocked keyring. Create an account, queue a message, opt in to keychain
  unlock, close; unlock with the keychain alone and read the message back; list the item with
  ``secret-tool``; opt out and check the item is gone and keychain unlock is refused; opt in
  again, delete the item with ``secret-tool`` (as a user would in a keyring app) and check the
  next keychain unlock says the secret is missing.
- ``locked``: create an account and opt in under an unlocked keyring, then restart the daemon
  without ``--unlock``: the login keyring stays locked. Keychain unlock must fail with the typed
  error within a bound (the unlock prompt cannot show: there is no display), and the password
  must still open the profile.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
from jeepney.bus_messages import MatchRule, message_bus
from jeepney.io.blocking import open_dbus_connection
from keyring.backends.SecretService import Keyring as SecretServiceKeyring

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.errors import KeychainUnavailable
from chat_desktop.storage.keychain import KEYRING_SERVICE
from chat_desktop.storage.profile import ProfilePaths
from chat_desktop.storage.vault_header import read_header

STEPS = ("round-trip", "locked")
#: The login keyring's password (test material: it guards nothing but this test's keyring).
KEYRING_PASSWORD = "keyring test password"
ACCOUNT_PASSWORD = "correct horse battery staple"
USERNAME = "kira"
PEER = "lena"
TEXT = "kept behind the keychain"
SECRETS_BUS_NAME = "org.freedesktop.secrets"
#: Bounds, not expectations: the daemon starts and stops in a fraction of a second, and a
#: keychain unlock that has not answered by then is hanging.
DAEMON_TIMEOUT_S = 15.0
UNLOCK_BOUND_S = 15.0
#: Exit status when a keychain unlock hung (the report says which).
EXIT_HUNG = 3


class Scenario:
    """One step's paths, its report and the keyring daemon it started."""

    def __init__(self, step: str, root: Path) -> None:
        """Names the step's files under ``root``."""
        self.step = step
        self.root = root
        self.profile = root / "profile"
        self.report: dict[str, Any] = {"step": step}
        self.daemon: subprocess.Popen[bytes] | None = None

    def write_report(self) -> None:
        """Writes the report where the test reads it."""
        (self.root / f"{self.step}.json").write_text(json.dumps(self.report, indent=2))

    def abandon(self) -> None:
        """Reports a hung unlock and exits at once: the stuck worker thread can't be joined."""
        self.write_report()
        if self.daemon is not None:
            self.daemon.terminate()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_HUNG)


@contextlib.contextmanager
def gnome_keyring(scenario: Scenario, password: str | None) -> Iterator[None]:
    """Runs gnome-keyring-daemon (secrets only) on this session bus until the block ends.

    With ``password`` the login keyring is unlocked (created on first use); without it the
    daemon starts with every keyring locked. Returns once the daemon owns the Secret Service
    name, checked by process id so a D-Bus-activated daemon can't stand in for ours; ends once
    the bus has seen the name released, so the next daemon can take it.
    """
    args = ["gnome-keyring-daemon", "--foreground", "--components=secrets"]
    if password is not None:
        args.append("--unlock")
    owner_changed = MatchRule(
        type="signal",
        sender=message_bus.bus_name,
        interface=message_bus.interface,
        member="NameOwnerChanged",
        path=message_bus.object_path,
    )
    owner_changed.add_arg_condition(0, SECRETS_BUS_NAME)
    log_path = scenario.root / f"{scenario.step}-gnome-keyring.log"
    log = log_path.open("ab")
    with log, open_dbus_connection(bus="SESSION") as bus, bus.filter(owner_changed) as changes:
        bus.send_and_get_reply(message_bus.AddMatch(owner_changed))

        def wait_for_owner(owned: bool) -> None:
            while True:
                try:
                    change = bus.recv_until_filtered(changes, timeout=DAEMON_TIMEOUT_S)
                except TimeoutError:
                    state = "take" if owned else "release"
                    raise RuntimeError(
                        f"gnome-keyring-daemon did not {state} the Secret Service name in "
                        f"{DAEMON_TIMEOUT_S} s; its log: {log_path}"
                    ) from None
                _name, _old_owner, new_owner = change.body
                if bool(new_owner) == owned:
                    return

        daemon = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=log, stderr=log)
        scenario.daemon = daemon
        try:
            assert daemon.stdin is not None
            # --unlock reads the password from stdin up to end of file.
            daemon.stdin.write((password or "").encode())
            daemon.stdin.close()
            wait_for_owner(True)
            owner = bus.send_and_get_reply(message_bus.GetConnectionUnixProcessID(SECRETS_BUS_NAME))
            scenario.report.setdefault("daemon_is_ours", []).append(owner.body[0] == daemon.pid)
            yield
        finally:
            daemon.terminate()
            daemon.wait(timeout=DAEMON_TIMEOUT_S)
            scenario.daemon = None
        wait_for_owner(False)


def secret_tool(*args: str) -> subprocess.CompletedProcess[str]:
    """Runs libsecret's ``secret-tool``: a second, independent Secret Service client."""
    return subprocess.run(
        ["secret-tool", *args], capture_output=True, text=True, timeout=30, check=False
    )


def keychain_items(entry_name: str) -> dict[str, Any]:
    """What the Secret Service holds for the app, as ``secret-tool`` sees it.

    Only counts, attribute values and the secret's decoded length are reported: the secret
    itself wraps the vault's master key and is never written anywhere.
    """
    search = secret_tool("search", "--all", "service", KEYRING_SERVICE)
    # secret-tool prints each item's label and secret on stdout, its attributes on stderr.
    attributes = dict(
        line.removeprefix("attribute.").split(" = ", 1)
        for line in search.stderr.splitlines()
        if line.startswith("attribute.")
    )
    lookup = secret_tool("lookup", "service", KEYRING_SERVICE, "username", entry_name)
    try:
        secret_length: int | None = len(base64.b64decode(lookup.stdout.strip(), validate=True))
    except (binascii.Error, ValueError):
        secret_length = None
    return {
        "count": sum(1 for line in search.stdout.splitlines() if line.startswith("[/")),
        "attributes": attributes,
        "lookup_found": lookup.returncode == 0 and bool(lookup.stdout.strip()),
        "secret_length": secret_length if lookup.returncode == 0 else None,
    }


async def keychain_unlock(scenario: Scenario, key: str) -> ChatClient | None:
    """Tries a keychain unlock, bounded, and reports its outcome under ``key``.

    Returns:
        The open client (the caller closes it), or None when the unlock failed.
    """
    try:
        async with asyncio.timeout(UNLOCK_BOUND_S):
            client = await ChatClient.unlock_with_keychain(scenario.profile)
    except KeychainUnavailable as error:
        scenario.report[key] = {
            "outcome": "KeychainUnavailable",
            "problem": error.problem.value,
            "message": str(error),
        }
        return None
    except TimeoutError:
        scenario.report[key] = {"outcome": "hung", "bound_s": UNLOCK_BOUND_S}
        scenario.abandon()
    except Exception as error:
        scenario.report[key] = {"outcome": type(error).__name__, "message": str(error)}
        return None
    scenario.report[key] = {"outcome": "opened"}
    return client


async def refused_keychain_unlock(scenario: Scenario, key: str) -> None:
    """Reports under ``key`` a keychain unlock that is expected to fail (closes it if not)."""
    client = await keychain_unlock(scenario, key)
    if client is not None:
        await client.close()


async def create_account(scenario: Scenario, relay_url: str) -> str:
    """Creates the account with a queued message, opts in to keychain unlock and closes.

    Returns:
        The name of the profile's keychain entry.
    """
    client, _recovery_key = await ChatClient.create(
        scenario.profile, relay_url, USERNAME, ACCOUNT_PASSWORD, kdf_params=FLOOR_PARAMS
    )
    await client.messages.send_text(PEER, TEXT)  # queued offline: the data to read back
    await client.account.set_keychain_unlock(True)
    await client.close()
    vault_id = read_header(ProfilePaths(scenario.profile).vault).vault_id
    return f"vault-unlock:{vault_id}"


async def round_trip(scenario: Scenario, relay_url: str) -> None:
    """Opt in, unlock with the keychain alone, opt out, and a deleted item (see module doc)."""
    report = scenario.report
    entry_name = await create_account(scenario, relay_url)
    report["entry_name"] = entry_name
    report["enabled_after_opt_in"] = ChatClient.keychain_unlock_enabled(scenario.profile)
    report["items_after_opt_in"] = keychain_items(entry_name)

    client = await keychain_unlock(scenario, "keychain_unlock")
    if client is None:
        return
    report["unlocked_username"] = client.username
    report["read_back"] = [message.body for message in await client.messages.history(PEER)]
    await client.account.set_keychain_unlock(False)
    await client.close()
    report["enabled_after_opt_out"] = ChatClient.keychain_unlock_enabled(scenario.profile)
    report["items_after_opt_out"] = keychain_items(entry_name)
    await refused_keychain_unlock(scenario, "unlock_after_opt_out")

    client = await ChatClient.unlock(scenario.profile, ACCOUNT_PASSWORD)
    await client.account.set_keychain_unlock(True)
    await client.close()
    report["items_after_second_opt_in"] = keychain_items(entry_name)
    cleared = secret_tool("clear", "service", KEYRING_SERVICE, "username", entry_name)
    report["cleared_with_secret_tool"] = cleared.returncode == 0
    await refused_keychain_unlock(scenario, "unlock_after_item_deleted")
    await password_unlock(scenario)


async def password_unlock(scenario: Scenario) -> None:
    """Reports whether the password still opens the profile and shows the queued message."""
    client = await ChatClient.unlock(scenario.profile, ACCOUNT_PASSWORD)
    scenario.report["password_read_back"] = [
        message.body for message in await client.messages.history(PEER)
    ]
    await client.close()


async def run_step(scenario: Scenario) -> None:
    """Runs the step with a fresh in-process relay and the keyring daemons it needs."""
    keyring.set_keyring(SecretServiceKeyring())
    backend = type(keyring.get_keyring())
    scenario.report["backend"] = f"{backend.__module__}.{backend.__qualname__}"
    relay = RelayServer(RelayConfig(data_dir=scenario.root / f"relay-{scenario.step}", port=0))
    await relay.start()
    try:
        with gnome_keyring(scenario, KEYRING_PASSWORD):
            if scenario.step == "round-trip":
                await round_trip(scenario, relay.url)
                return
            await create_account(scenario, relay.url)
            scenario.report["enabled_after_opt_in"] = ChatClient.keychain_unlock_enabled(
                scenario.profile
            )
        # As after a login that did not unlock the keyring: its file is there, locked.
        with gnome_keyring(scenario, None):
            await refused_keychain_unlock(scenario, "locked_unlock")
            await password_unlock(scenario)
    finally:
        await relay.stop()


def main() -> None:
    """``secret_service_scenario.py STEP ROOT``: runs one step, writes ``ROOT/STEP.json``."""
    step, root = sys.argv[1], Path(sys.argv[2])
    if step not in STEPS:
        raise SystemExit(f"unknown step {step!r}; one of {', '.join(STEPS)}")
    if "DBUS_SESSION_BUS_ADDRESS" not in os.environ:
        raise SystemExit("run me inside `dbus-run-session -- ...`")
    scenario = Scenario(step, root)
    # gnome-keyring keeps its control socket here; a short private path fits a socket name.
    runtime_dir = tempfile.mkdtemp(prefix="keyring-")
    os.environ["XDG_RUNTIME_DIR"] = runtime_dir
    try:
        asyncio.run(run_step(scenario))
    finally:
        scenario.write_report()
        shutil.rmtree(runtime_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
