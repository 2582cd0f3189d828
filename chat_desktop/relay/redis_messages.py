"""What relay processes say to each other through Redis pub/sub: channel names and formats.

Every message is a small JSON object (docs/protocol.md, "Several relay processes (Redis)").
They are signals, never data: a process that receives one looks in the store before it acts,
so a lost, repeated or forged message can delay a delivery or a cut but never lose, duplicate
or invent anything. A malformed one is refused by :func:`decode` (bounded like any input).
"""

from __future__ import annotations

from typing import Annotated, Final, TypeVar

import msgspec

from chat_desktop.protocol.schemas import MAX_PAYLOADS, MAX_RECIPIENTS, DeviceId, Username

#: Prefix of every channel and key this relay uses, so a Redis can be shared with others.
PREFIX: Final = "chat-relay:"
#: New envelopes were stored for these devices: their process drains them from the store.
WAKE_CHANNEL: Final = PREFIX + "wake"
#: A device was removed from an account (or linked to it): cut it, tell the others.
DEVICES_CHANNEL: Final = PREFIX + "devices"
#: An account was deleted or reset by the operator: cut its connections whose key is stale.
RESET_CHANNEL: Final = PREFIX + "reset"
#: A user came online or went offline (or changed "show when I'm online"): tell followers.
PRESENCE_CHANNEL: Final = PREFIX + "presence"
#: Most devices one wake-up names: a ``message:send_multi`` reaches at most this many.
MAX_WOKEN_DEVICES: Final = MAX_RECIPIENTS * MAX_PAYLOADS


#: A relay process's id in the messages it publishes: 16 lower-case hex characters.
ProcessId = Annotated[str, msgspec.Meta(pattern=r"\A[0-9a-f]{16}\Z")]


class RedisMessage(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """Base of the pub/sub messages: ``origin`` is the publishing process (Redis hands a
    message to its publisher's own subscription too, which skips it)."""

    origin: ProcessId


class WakeDevice(msgspec.Struct, frozen=True, array_like=True):
    """One device, written as ``["alice", 2]``."""

    user: Username
    device_id: DeviceId


class Wake(RedisMessage, frozen=True):
    """``{"origin": …, "devices": [["alice", 2], …]}``: drain these devices' queues."""

    devices: Annotated[list[WakeDevice], msgspec.Meta(min_length=1, max_length=MAX_WOKEN_DEVICES)]


class DevicesChanged(RedisMessage, frozen=True):
    """``{"origin": …, "user": "alice", "removed": 3}``: the account's device set
    changed; ``removed`` names the device taken out (absent when one was linked)."""

    user: Username
    removed: DeviceId | None = None


class AccountReset(RedisMessage, frozen=True):
    """``{"origin": …, "user": "alice"}``: the account was deleted (maybe registered
    again since)."""

    user: Username


class PresenceChanged(RedisMessage, frozen=True):
    """``{"origin": …, "user": "alice", "online": true, "last_seen": 1700000000000,
    "visible": false}``: the ``presence`` event to send to ``user``'s followers; ``visible``
    is there when the account changed "show when I'm online" (devices elsewhere take it)."""

    user: Username
    online: bool
    last_seen: Annotated[int, msgspec.Meta(ge=0, le=2**53)] | None = None
    visible: bool | None = None


_ENCODER: Final = msgspec.json.Encoder()
M = TypeVar("M", bound=RedisMessage)


class MalformedMessage(ValueError):
    """A pub/sub message that does not match its channel's format."""


def encode(message: RedisMessage) -> bytes:
    """Returns the JSON bytes of ``message``."""
    return _ENCODER.encode(message)


def decode(data: bytes, kind: type[M]) -> M:
    """Parses and bounds-checks one message of type ``kind``.

    Raises:
        MalformedMessage: Not JSON, or not a valid ``kind``.
    """
    try:
        return msgspec.json.decode(data, type=kind)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        raise MalformedMessage(f"malformed {kind.__name__} message") from error
