"""What the parts of the messaging engine share: the store thread, the link, the event bus."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.services.events import EventStream
from chat_desktop.services.peer_sessions import PeerSessions
from chat_desktop.services.store_worker import StoreWorker
from chat_desktop.services.supervisor import TaskSupervisor

if TYPE_CHECKING:
    from chat_desktop.crypto.device_key import DeviceKeyPair
    from chat_desktop.net.connection import RelayConnection

PAUSED_PEERS_SETTING = "trust.paused_peers"


def now_ms() -> int:
    """Wall-clock milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def new_message_id() -> str:
    """A fresh UUIDv7 message id (time-ordered, sender-made)."""
    import uuid6  # on first use: importing it costs about 35 ms of the app's start

    return str(uuid6.uuid7())


@dataclass
class EngineContext:
    """Shared state of one unlocked account.

    Attributes:
        username: Our account name on the relay.
        device_id: Our device id on the relay.
        relay_url: The relay's base URL.
        identity: Our identity key pair.
        worker: The store and its thread.
        connection: The relay link (None until :meth:`ChatClient.connect`).
        events: Where events are published.
        sessions: Ratchet sessions (store thread only).
        supervisor: Runs the long-lived tasks and restarts any that dies.
        device_key: Our device key DK once the relay has it (CONNECT is signed with it);
            None for a profile made before linked devices until it registered one.
    """

    username: str
    device_id: int
    relay_url: str
    identity: IdentityKeyPair
    worker: StoreWorker
    events: EventStream = field(default_factory=EventStream)
    sessions: PeerSessions = field(default_factory=PeerSessions)
    connection: RelayConnection | None = None
    device_key: DeviceKeyPair | None = None
    supervisor: TaskSupervisor = field(init=False)

    def __post_init__(self) -> None:
        self.supervisor = TaskSupervisor(self.events)

    def sign_connect(self, data: bytes) -> bytes:
        """Signs a CONNECT with DK, or with IK while the relay has no DK of ours yet."""
        if self.device_key is not None:
            return self.device_key.sign(data)
        return self.identity.sign(data)
