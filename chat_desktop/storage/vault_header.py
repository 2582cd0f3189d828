"""The vault header file (``vault.json``): its fields and their JSON form.

The header holds no secret in clear: a salt, the Argon2id parameters, and the master key
wrapped once per way of unlocking (password, recovery key, optional OS keychain).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from pathlib import Path
from typing import Any

import msgspec

from chat_desktop.crypto.vault import Argon2Params, WrappedKey
from chat_desktop.storage.atomic import write_atomically
from chat_desktop.storage.errors import VaultCorrupt, VaultNotFound

HEADER_FORMAT = "chat_desktop-vault"
_ACCOUNT = re.compile(r"[a-z0-9_.]{3,32}")
HEADER_VERSION = 1


class VaultHeader(msgspec.Struct, frozen=True):
    """Everything needed to unwrap the master key, except the secret that unwraps it.

    Attributes:
        vault_id: Random id of this vault; part of every wrap's AD and the keychain entry name.
        created_at_ms: Creation time, milliseconds since the epoch.
        password_salt: Argon2id salt.
        password_params: Argon2id parameters chosen at creation or at the last password change.
        password_wrap: Master key wrapped by the password KEK.
        hkdf_salt: Salt of the recovery and keychain KEK derivations.
        recovery_wrap: Master key wrapped by the recovery key's KEK.
        keychain_wrap: Master key wrapped by the keychain secret's KEK, if the user opted in.
        account: The account's username, shown by the unlock dialog (not a secret: the relay
            and every contact know it; a header without it is valid).
    """

    vault_id: str
    created_at_ms: int
    password_salt: bytes
    password_params: Argon2Params
    password_wrap: WrappedKey
    hkdf_salt: bytes
    recovery_wrap: WrappedKey
    keychain_wrap: WrappedKey | None = None
    account: str | None = None

    def with_changes(self, **changes: Any) -> VaultHeader:
        """A copy with some fields replaced."""
        return msgspec.structs.replace(self, **changes)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _wrap_to_json(wrapped: WrappedKey) -> dict[str, str]:
    return {"nonce": _b64(wrapped.nonce), "ciphertext": _b64(wrapped.ciphertext)}


def header_to_bytes(header: VaultHeader) -> bytes:
    """The header's JSON bytes (stable key order, so equal headers give equal bytes)."""
    document: dict[str, Any] = {
        "format": HEADER_FORMAT,
        "version": HEADER_VERSION,
        "vault_id": header.vault_id,
        "created_at_ms": header.created_at_ms,
        "password": {
            "kdf": "argon2id",
            "salt": _b64(header.password_salt),
            "memory_kib": header.password_params.memory_kib,
            "iterations": header.password_params.iterations,
            "lanes": header.password_params.lanes,
            "wrap": _wrap_to_json(header.password_wrap),
        },
        "hkdf_salt": _b64(header.hkdf_salt),
        "recovery": {"wrap": _wrap_to_json(header.recovery_wrap)},
        "keychain": (
            None if header.keychain_wrap is None else {"wrap": _wrap_to_json(header.keychain_wrap)}
        ),
    }
    if header.account is not None:
        document["account"] = header.account
    return json.dumps(document, indent=2, sort_keys=True).encode("utf-8") + b"\n"


def _bytes_field(value: Any) -> bytes:
    if not isinstance(value, str):
        raise TypeError("expected a base64 string")
    return base64.b64decode(value, validate=True)


def _int_field(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value


def _account_field(value: Any) -> str | None:
    """The username to show, or None when absent or not a plausible username (display only)."""
    if isinstance(value, str) and _ACCOUNT.fullmatch(value):
        return value
    return None


def _wrap_from_json(value: Any) -> WrappedKey:
    return WrappedKey(
        nonce=_bytes_field(value["nonce"]), ciphertext=_bytes_field(value["ciphertext"])
    )


def header_from_bytes(data: bytes) -> VaultHeader:
    """Parse and validate header bytes.

    Raises:
        VaultCorrupt: Not a vault header, an unknown version, or unsafe parameters.
    """
    try:
        document = json.loads(data.decode("utf-8"))
        if document["format"] != HEADER_FORMAT:
            raise VaultCorrupt("this file is not a chat_desktop vault")
        if document["version"] != HEADER_VERSION:
            raise VaultCorrupt("this vault was written by an unknown version of the app")
        password = document["password"]
        if password["kdf"] != "argon2id":
            raise VaultCorrupt("the vault names an unknown key derivation")
        params = Argon2Params(
            memory_kib=_int_field(password["memory_kib"]),
            iterations=_int_field(password["iterations"]),
            lanes=_int_field(password["lanes"]),
        )
        keychain = document.get("keychain")
        header = VaultHeader(
            vault_id=str(document["vault_id"]),
            created_at_ms=_int_field(document["created_at_ms"]),
            password_salt=_bytes_field(password["salt"]),
            password_params=params,
            password_wrap=_wrap_from_json(password["wrap"]),
            hkdf_salt=_bytes_field(document["hkdf_salt"]),
            recovery_wrap=_wrap_from_json(document["recovery"]["wrap"]),
            keychain_wrap=None if keychain is None else _wrap_from_json(keychain["wrap"]),
            account=_account_field(document.get("account")),
        )
    except VaultCorrupt:
        raise
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, binascii.Error) as error:
        raise VaultCorrupt("the vault header is unreadable") from error
    if not (params.meets_floor() and params.within_limits()):
        raise VaultCorrupt("the vault header holds unsafe key derivation parameters")
    return header


def read_header(path: Path) -> VaultHeader:
    """Read the header file.

    Raises:
        VaultNotFound: No header file.
        VaultCorrupt: The file is not a valid header.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise VaultNotFound("no account exists in this profile yet") from error
    return header_from_bytes(data)


def write_header(path: Path, header: VaultHeader) -> None:
    """Replace the header file atomically (new file, fsync, rename)."""
    write_atomically(path, header_to_bytes(header))
