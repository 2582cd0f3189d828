"""The authenticated connections of this relay process, by Socket.IO sid and by device."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from chat_desktop.relay.delivery import DeviceDelivery


@dataclass(eq=False)
class ConnectedDevice:
    """One authenticated connection.

    Attributes:
        sid: The Socket.IO session id.
        user: The account's username.
        device_id: The device's id.
        identity_key: The device's identity key, to check signatures of uploaded prekeys.
        delivery: The connection's delivery queue.
        subscriptions: Users whose presence this connection follows.
        visible: The account's "show when I'm online" setting as this process knows it;
            loaded from the store after connect, updated by ``presence:visibility``.
        needs_device_key: The device has no device key DK yet (made before linked devices),
            so it connected with an identity-key signature; it should send
            ``devices:register_key``, and may not make link tokens until it did.
    """

    sid: str
    user: str
    device_id: int
    identity_key: bytes
    delivery: DeviceDelivery
    subscriptions: set[str] = field(default_factory=set)
    visible: bool = True
    needs_device_key: bool = False


class SessionRegistry:
    """Index of connected devices; one connection per device (the newest wins).

    Attributes:
        on_user_change: Called with ``(user, True)`` when a user's first device connects
            here and ``(user, False)`` when its last one leaves (the shared online map of
            several relay processes follows it); None: nobody listens.
    """

    def __init__(self) -> None:
        """Starts empty."""
        self._by_sid: dict[str, ConnectedDevice] = {}
        self._by_device: dict[tuple[str, int], ConnectedDevice] = {}
        self._devices_of_user: dict[str, set[int]] = {}
        self.on_user_change: Callable[[str, bool], None] | None = None

    def add(self, device: ConnectedDevice) -> ConnectedDevice | None:
        """Registers a connection; returns the connection of the same device it replaces."""
        key = (device.user, device.device_id)
        previous = self._by_device.get(key)
        if previous is not None:
            self._by_sid.pop(previous.sid, None)
        self._by_sid[device.sid] = device
        self._by_device[key] = device
        came_online = device.user not in self._devices_of_user
        self._devices_of_user.setdefault(device.user, set()).add(device.device_id)
        if came_online and self.on_user_change is not None:
            self.on_user_change(device.user, True)
        return previous

    def remove(self, sid: str) -> ConnectedDevice | None:
        """Unregisters a connection; None if it was already replaced or never added."""
        device = self._by_sid.pop(sid, None)
        if device is None:
            return None
        key = (device.user, device.device_id)
        if self._by_device.get(key) is device:
            del self._by_device[key]
            devices = self._devices_of_user.get(device.user, set())
            devices.discard(device.device_id)
            if not devices:
                self._devices_of_user.pop(device.user, None)
                if self.on_user_change is not None:
                    self.on_user_change(device.user, False)
        return device

    def by_sid(self, sid: str) -> ConnectedDevice | None:
        """Returns the connection with this sid, if authenticated and current."""
        return self._by_sid.get(sid)

    def by_device(self, user: str, device_id: int) -> ConnectedDevice | None:
        """Returns the current connection of a device, if it is online here."""
        return self._by_device.get((user, device_id))

    def devices_of(self, user: str) -> list[ConnectedDevice]:
        """Returns the current connections of every device of ``user`` here."""
        return [
            self._by_device[(user, device_id)]
            for device_id in sorted(self._devices_of_user.get(user, ()))
        ]

    def is_online(self, user: str) -> bool:
        """True when at least one of the user's devices is connected here."""
        return user in self._devices_of_user

    def users(self) -> list[str]:
        """Returns every user with a device connected here."""
        return list(self._devices_of_user)

    def all(self) -> list[ConnectedDevice]:
        """Returns every current connection."""
        return list(self._by_sid.values())
