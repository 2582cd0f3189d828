"""Contacts: the identity key trusted for each, its verified state and its change history."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from chat_desktop.storage.db import Database, Row
from chat_desktop.storage.models import Contact, KeyChange, VerifiedState

Clock = Callable[[], int]

_COLUMNS = "address, display_name, identity_key, verified_state, created_at, updated_at"


def _contact_from_row(row: Row) -> Contact:
    return Contact(
        address=row[0],
        display_name=row[1],
        identity_key=row[2],
        verified_state=VerifiedState(row[3]),
        created_at=row[4],
        updated_at=row[5],
    )


class IdentityUpdate(msgspec.Struct, frozen=True):
    """What :meth:`ContactRepository.save_identity_key` did.

    Attributes:
        contact: The contact after the update.
        key_change: The recorded change if the key differed from a known one, else None.
    """

    contact: Contact
    key_change: KeyChange | None


class ContactRepository:
    """Reads and writes of ``contacts`` and ``contact_key_changes``.

    Args:
        database: The open database.
        clock: Current time in ms.
    """

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    def get(self, address: str) -> Contact | None:
        """One contact, or None."""
        row = self._db.query_one(
            f"SELECT {_COLUMNS} FROM contacts WHERE address = ?",  # noqa: S608
            (address,),
        )
        return None if row is None else _contact_from_row(row)

    def list_all(self) -> list[Contact]:
        """Every contact, by address."""
        rows = self._db.query_all(f"SELECT {_COLUMNS} FROM contacts ORDER BY address")  # noqa: S608
        return [_contact_from_row(row) for row in rows]

    def set_display_name(self, address: str, display_name: str | None) -> None:
        """Sets (or clears, with None) the name from ``address``'s profile, if it is known."""
        self._db.execute(
            "UPDATE contacts SET display_name = ?, updated_at = ? WHERE address = ?",
            (display_name, self._clock(), address),
        )

    def ensure(self, address: str, *, display_name: str | None = None) -> Contact:
        """Create the contact if missing (and update its display name if given)."""
        now = self._clock()
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO contacts(address, display_name, created_at, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(address) DO UPDATE SET "
                "display_name = coalesce(excluded.display_name, display_name), "
                "updated_at = excluded.updated_at",
                (address, display_name, now, now),
            )
            contact = self.get(address)
        assert contact is not None
        return contact

    def save_identity_key(self, address: str, identity_key: bytes) -> IdentityUpdate:
        """Store a contact's identity key; a different key than before is recorded as a change.

        A change also resets the verified state: the safety number must be compared again.
        """
        now = self._clock()
        with self._db.transaction():
            previous = self.get(address) or self.ensure(address)
            if previous.identity_key == identity_key:
                return IdentityUpdate(contact=previous, key_change=None)
            self._db.execute(
                "UPDATE contacts SET identity_key = ?, verified_state = 'unverified', "
                "updated_at = ? WHERE address = ?",
                (identity_key, now, address),
            )
            change = None
            if previous.identity_key is not None:
                change = KeyChange(
                    address=address,
                    old_identity_key=previous.identity_key,
                    new_identity_key=identity_key,
                    changed_at=now,
                )
                self._db.execute(
                    "INSERT INTO contact_key_changes(address, old_identity_key, "
                    "new_identity_key, changed_at) VALUES (?, ?, ?, ?)",
                    (address, previous.identity_key, identity_key, now),
                )
            contact = self.get(address)
        assert contact is not None
        return IdentityUpdate(contact=contact, key_change=change)

    def set_verified(self, address: str, verified: bool) -> None:
        """Mark the current identity key as verified (or not) by the user."""
        state = VerifiedState.VERIFIED if verified else VerifiedState.UNVERIFIED
        self._db.execute(
            "UPDATE contacts SET verified_state = ?, updated_at = ? WHERE address = ?",
            (state.value, self._clock(), address),
        )

    def key_changes(self, address: str) -> list[KeyChange]:
        """The contact's identity key changes, oldest first."""
        rows = self._db.query_all(
            "SELECT address, old_identity_key, new_identity_key, changed_at "
            "FROM contact_key_changes WHERE address = ? ORDER BY id",
            (address,),
        )
        return [
            KeyChange(
                address=row[0], old_identity_key=row[1], new_identity_key=row[2], changed_at=row[3]
            )
            for row in rows
        ]
