"""The ratchet sessions with peers' devices, cached in memory over their sealed store rows.

Deserializing a session for every message would cost more than the ratchet step itself, so
sessions stay in memory once loaded. Every change is written through to the store inside the
caller's transaction; if that transaction fails, :meth:`PeerSessions.forget` drops the cache
so the next use reloads the committed state.
"""

from __future__ import annotations

from chat_desktop.crypto.session import Session
from chat_desktop.storage.store import MessageStore


class PeerSessions:
    """Sessions by (peer, device id). Use only on the store thread."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], Session] = {}

    def get(self, store: MessageStore, peer: str, device_id: int) -> Session | None:
        """The session with one device of ``peer``, or None."""
        key = (peer, device_id)
        session = self._cache.get(key)
        if session is None:
            data = store.secrets.get_session(peer, device_id)
            if data is None:
                return None
            session = Session.from_bytes(data)
            self._cache[key] = session
        return session

    def put(self, store: MessageStore, peer: str, device_id: int, session: Session) -> None:
        """Writes ``session`` (sealed) and keeps it cached."""
        store.secrets.put_session(peer, device_id, session.to_bytes())
        self._cache[(peer, device_id)] = session

    def devices(self, store: MessageStore, peer: str) -> list[int]:
        """Device ids of ``peer`` we have a session with."""
        return store.secrets.session_devices(peer)

    def drop_peer(self, store: MessageStore, peer: str) -> None:
        """Forgets every session with ``peer`` (their identity changed)."""
        for device_id in store.secrets.session_devices(peer):
            store.secrets.delete_session(peer, device_id)
            self._cache.pop((peer, device_id), None)

    def forget(self) -> None:
        """Drops the cache (after a failed transaction) so committed state is reloaded."""
        self._cache.clear()
