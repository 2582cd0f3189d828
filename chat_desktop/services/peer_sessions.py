"""The ratchet sessions with peers' devices, cached in memory over their sealed store rows.

Each (peer, device) has a :class:`SessionRecord`: the current session plus recent earlier ones
(as Signal keeps them). A message is tried on the current session, then on the earlier ones;
the one that decrypts becomes current. So two people who write first at the same moment, or
a first message the relay delays, converge on one session instead of breaking for good.

Deserializing a record for every message would cost more than the ratchet step itself, so
records stay in memory once loaded. Every change is written through to the store inside the
caller's transaction; if that transaction fails, :meth:`PeerSessions.forget` drops the cache
so the next use reloads the committed state.
"""

from __future__ import annotations

from chat_desktop.crypto.session import PreKeyMessage, Session
from chat_desktop.crypto.session_record import SessionRecord
from chat_desktop.storage.store import MessageStore


class PeerSessions:
    """Session records by (peer, device id). Use only on the store thread."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], SessionRecord] = {}

    def record(self, store: MessageStore, peer: str, device_id: int) -> SessionRecord | None:
        """The session record of one device of ``peer``, or None if we never had one."""
        key = (peer, device_id)
        record = self._cache.get(key)
        if record is None:
            data = store.secrets.get_session(peer, device_id)
            if data is None:
                return None
            record = SessionRecord.from_bytes(data)
            self._cache[key] = record
        return record

    def get(self, store: MessageStore, peer: str, device_id: int) -> Session | None:
        """The current session with one device of ``peer``, or None."""
        record = self.record(store, peer, device_id)
        return None if record is None else record.current

    def put(self, store: MessageStore, peer: str, device_id: int, session: Session) -> None:
        """Writes the record after ``session`` (its current one) advanced."""
        record = self.record(store, peer, device_id)
        if record is None or record.current is not session:
            self.start(store, peer, device_id, session)
            return
        self._write(store, peer, device_id, record)

    def start(self, store: MessageStore, peer: str, device_id: int, session: Session) -> None:
        """Makes a new ``session`` current; the one it replaces is kept as an earlier one."""
        record = self.record(store, peer, device_id) or SessionRecord()
        record.promote(session)
        self._write(store, peer, device_id, record)

    def decrypt(self, store: MessageStore, peer: str, device_id: int, body: bytes) -> bytes:
        """Decrypts on the current or an earlier session (which then becomes current).

        Raises:
            NoSession-like ``InvalidMessage``: No session decrypts it.
            DuplicateMessage: Already decrypted once.
        """
        record = self.record(store, peer, device_id)
        if record is None:
            raise LookupError("no session record")
        plaintext = record.decrypt(body)
        self._write(store, peer, device_id, record)
        return plaintext

    def session_of(
        self, store: MessageStore, peer: str, device_id: int, message: PreKeyMessage
    ) -> Session | None:
        """The current or earlier session a PreKey message belongs to, if we have it."""
        record = self.record(store, peer, device_id)
        return None if record is None else record.session_of(message)

    def has_record(self, store: MessageStore, peer: str, device_id: int) -> bool:
        """Whether we ever had a session with this device (current or earlier)."""
        return self.record(store, peer, device_id) is not None

    def archive_current(self, store: MessageStore, peer: str, device_id: int) -> None:
        """Retires the current session (kept as an earlier one) so the next send starts anew.

        Used when a message from this device could not be decrypted: our answer then goes on
        a fresh session that the peer can always read.
        """
        record = self.record(store, peer, device_id)
        if record is None or record.current is None:
            return
        record.archive_current()
        self._write(store, peer, device_id, record)

    def devices(self, store: MessageStore, peer: str) -> list[int]:
        """Device ids of ``peer`` we have a current session with."""
        return [
            device_id
            for device_id in store.secrets.session_devices(peer)
            if self.get(store, peer, device_id) is not None
        ]

    def drop_other_keys(self, store: MessageStore, peer: str, identity_key: bytes) -> None:
        """Forgets every session of ``peer`` bound to another identity key (a key change)."""
        for device_id in store.secrets.session_devices(peer):
            record = self.record(store, peer, device_id)
            if record is None:
                continue
            if record.keep_only_identity(identity_key):
                self._write(store, peer, device_id, record)
            else:
                store.secrets.delete_session(peer, device_id)
                self._cache.pop((peer, device_id), None)

    def drop_device(self, store: MessageStore, peer: str, device_id: int) -> None:
        """Forgets the sessions with one device of ``peer`` (it was unlinked)."""
        store.secrets.delete_session(peer, device_id)
        self._cache.pop((peer, device_id), None)

    def drop_peer(self, store: MessageStore, peer: str) -> None:
        """Forgets every session with ``peer``."""
        for device_id in store.secrets.session_devices(peer):
            store.secrets.delete_session(peer, device_id)
            self._cache.pop((peer, device_id), None)

    def forget(self) -> None:
        """Drops the cache (after a failed transaction) so committed state is reloaded."""
        self._cache.clear()

    def _write(self, store: MessageStore, peer: str, device_id: int, record: SessionRecord) -> None:
        store.secrets.put_session(peer, device_id, record.to_bytes())
        self._cache[(peer, device_id)] = record
