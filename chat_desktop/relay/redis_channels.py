"""Provisioning channels kept in Redis, shared by every relay process (``--redis``).

The same one-shot mailboxes as :class:`chat_desktop.relay.provisioning.ProvisioningChannels`
with the same rules and bounds, but a channel opened through one process can be filled
through a second and read through a third (docs/protocol.md §6.11 and "Several relay
processes (Redis)"). Each step is one Lua script, so two processes never both fill one
channel or both take its envelope.

Keys (prefix ``chat-relay:``): ``provisioning:{id}`` is a hash (``owner``, ``expires_at``,
``state`` ``open``/``reserved``/``filled``, ``size``, ``envelope``) that Redis deletes a
minute after the channel expires; ``provisioning-open`` and ``provisioning-owner:{owner}``
are sorted sets of open channel ids by expiry (the global and per-address caps);
``provisioning-held`` the channels holding envelope bytes (the byte cap). A fill publishes the
channel id on ``chat-relay:provisioning-filled``, which wakes the long polls of every process
at once; a poll also looks again every :data:`POLL_INTERVAL_S` in case that signal was lost.
The envelope (end-to-end encrypted; the relay cannot read it) stays in Redis until it is
fetched or expires. While Redis is unreachable every call raises
:class:`~chat_desktop.relay.provisioning.ChannelsUnavailable` (the routes answer "try again").
The scripts touch keys they compute, so this needs one Redis, not a Redis Cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from collections.abc import Callable
from typing import Any, Final

from redis.exceptions import RedisError

from chat_desktop.relay.provisioning import (
    CHANNEL_LIFETIME_MS,
    MAX_CHANNELS_PER_ADDRESS,
    MAX_HELD_BYTES,
    MAX_OPEN_CHANNELS,
    AddressFull,
    ChannelFilled,
    ChannelsFull,
    ChannelsUnavailable,
    OpenedChannel,
    UnknownChannel,
)
from chat_desktop.relay.redis_bus import connect
from chat_desktop.relay.redis_messages import PREFIX

#: Pub/sub channel of filled provisioning channel ids (the 32 hex characters, nothing else).
FILLED_CHANNEL: Final = PREFIX + "provisioning-filled"
CHANNEL_KEY_PREFIX: Final = PREFIX + "provisioning:"
OPEN_KEY: Final = PREFIX + "provisioning-open"
OWNER_KEY_PREFIX: Final = PREFIX + "provisioning-owner:"
HELD_KEY: Final = PREFIX + "provisioning-held"
#: Redis keeps a channel's hash this long past its expiry (the relay's clock decides expiry).
KEEP_AFTER_EXPIRY_MS: Final = 60_000
#: A long poll looks at its channel at least this often, wake-up or not.
POLL_INTERVAL_S: Final = 1.0
_PROVISION_ID: Final = re.compile(rb"\A[0-9a-f]{32}\Z")

_LIVE_STATE: Final = """
local function live_state(key, now)
  local fields = redis.call('HMGET', key, 'state', 'expires_at')
  if not fields[1] or tonumber(fields[2]) <= tonumber(now) then return nil, nil end
  return fields[1], fields[2]
end
local function held_bytes(held_key, prefix, now, except)
  redis.call('ZREMRANGEBYSCORE', held_key, '-inf', now)
  local total = 0
  for _, id in ipairs(redis.call('ZRANGE', held_key, 0, -1)) do
    if id ~= except then
      total = total + (tonumber(redis.call('HGET', prefix .. id, 'size')) or 0)
    end
  end
  return total
end
"""

# KEYS: open set, owner set, channel. ARGV: now, expires_at, max_open, max_per_owner, owner,
# id, keep_until, "1" to open (else only check the room).
_OPEN: Final = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 'address_full' end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 'full' end
if ARGV[8] ~= '1' then return 'ok' end
redis.call('HSET', KEYS[3], 'owner', ARGV[5], 'expires_at', ARGV[2], 'state', 'open')
redis.call('PEXPIREAT', KEYS[3], ARGV[7])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[6])
redis.call('PEXPIREAT', KEYS[2], ARGV[7])
return 'ok'
"""

# KEYS: channel. ARGV: now.
_CHECK_OPEN: Final = (
    _LIVE_STATE
    + """
local state = live_state(KEYS[1], ARGV[1])
if not state then return 'unknown' end
if state ~= 'open' then return 'filled' end
return 'ok'
"""
)

# KEYS: channel, held set. ARGV: now, size, max_held, id, channel key prefix.
_RESERVE: Final = (
    _LIVE_STATE
    + """
local state, expires_at = live_state(KEYS[1], ARGV[1])
if not state then return 'unknown' end
if state ~= 'open' then return 'filled' end
if held_bytes(KEYS[2], ARGV[5], ARGV[1], ARGV[4]) + tonumber(ARGV[2]) > tonumber(ARGV[3]) then
  return 'full'
end
redis.call('HSET', KEYS[1], 'state', 'reserved', 'size', ARGV[2])
redis.call('ZADD', KEYS[2], expires_at, ARGV[4])
return 'ok'
"""
)

# KEYS: channel, held set. ARGV: id.
_RELEASE: Final = """
if redis.call('HGET', KEYS[1], 'state') == 'reserved' then
  redis.call('HSET', KEYS[1], 'state', 'open')
  redis.call('HDEL', KEYS[1], 'size')
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return 'ok'
"""

# KEYS: channel, held set. ARGV: now, envelope, max_held, id, channel key prefix.
_FILL: Final = (
    _LIVE_STATE
    + """
local state, expires_at = live_state(KEYS[1], ARGV[1])
if not state then return 'unknown' end
if state == 'filled' then return 'filled' end
local size = string.len(ARGV[2])
if held_bytes(KEYS[2], ARGV[5], ARGV[1], ARGV[4]) + size > tonumber(ARGV[3]) then
  return 'full'
end
redis.call('HSET', KEYS[1], 'state', 'filled', 'size', size, 'envelope', ARGV[2])
redis.call('ZADD', KEYS[2], expires_at, ARGV[4])
return 'ok'
"""
)

# KEYS: channel, held set, open set. ARGV: now, id, owner key prefix.
_TAKE: Final = (
    _LIVE_STATE
    + """
local state = live_state(KEYS[1], ARGV[1])
if not state then return {'unknown'} end
if state ~= 'filled' then return {'waiting'} end
local fields = redis.call('HMGET', KEYS[1], 'envelope', 'owner')
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('ZREM', ARGV[3] .. fields[2], ARGV[2])
return {'ok', fields[1]}
"""
)


class RedisChannels:
    """The provisioning channels of every relay process, in Redis (a
    :class:`~chat_desktop.relay.provisioning.Channels`)."""

    def __init__(
        self,
        url: str,
        clock: Callable[[], int],
        announce_filled: Callable[[bytes], None],
    ) -> None:
        """Prepares the channels; nothing connects before the first call.

        Args:
            url: ``redis://host:port/db``.
            clock: Current time in ms (the relay's clock).
            announce_filled: Publishes a filled channel's id to every process.
        """
        self._client = connect(url)
        self._clock = clock
        self._announce_filled = announce_filled
        self._scripts = {
            name: self._client.register_script(source)
            for name, source in (
                ("open", _OPEN),
                ("check_open", _CHECK_OPEN),
                ("reserve", _RESERVE),
                ("release", _RELEASE),
                ("fill", _FILL),
                ("take", _TAKE),
            )
        }
        self._wakeups: dict[str, asyncio.Event] = {}
        self._waiting: dict[str, int] = {}
        self._closed = False

    async def aclose(self) -> None:
        """Closes the connection (the relay stopped)."""
        self.close()
        with contextlib.suppress(RedisError, OSError):
            await self._client.aclose()

    def close(self) -> None:
        """Ends this process's long polls at once (answered "nothing yet": the channels live
        on in Redis and the new device polls again, reaching another process)."""
        self._closed = True
        for event in self._wakeups.values():
            event.set()

    async def _run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self._scripts[name](keys=keys, args=args)
        except (RedisError, OSError) as error:
            raise ChannelsUnavailable("the provisioning channels cannot be reached") from error

    async def check_room(self, owner: str) -> None:
        """See :meth:`ProvisioningChannels.check_room` (across every process)."""
        await self._open_or_check(owner, None)

    async def open(self, owner: str) -> OpenedChannel:
        """See :meth:`ProvisioningChannels.open` (the room is checked again, atomically)."""
        provision_id = secrets.token_hex(16)
        expires_at = await self._open_or_check(owner, provision_id)
        return OpenedChannel(provision_id=provision_id, expires_at=expires_at)

    async def _open_or_check(self, owner: str, provision_id: str | None) -> int:
        now = self._clock()
        expires_at = now + CHANNEL_LIFETIME_MS
        status = await self._run(
            "open",
            [OPEN_KEY, OWNER_KEY_PREFIX + owner, CHANNEL_KEY_PREFIX + (provision_id or "")],
            [
                now,
                expires_at,
                MAX_OPEN_CHANNELS,
                MAX_CHANNELS_PER_ADDRESS,
                owner,
                provision_id or "",
                expires_at + KEEP_AFTER_EXPIRY_MS,
                "1" if provision_id is not None else "0",
            ],
        )
        if status == b"address_full":
            raise AddressFull("this address has too many provisioning channels open")
        if status == b"full":
            raise ChannelsFull("too many provisioning channels are open")
        return expires_at

    async def check_open(self, provision_id: str) -> None:
        """See :meth:`ProvisioningChannels.check_open`."""
        status = await self._run("check_open", [CHANNEL_KEY_PREFIX + provision_id], [self._clock()])
        _raise_for(status)

    async def reserve(self, provision_id: str, size: int) -> None:
        """See :meth:`ProvisioningChannels.reserve`."""
        status = await self._run(
            "reserve",
            [CHANNEL_KEY_PREFIX + provision_id, HELD_KEY],
            [self._clock(), size, MAX_HELD_BYTES, provision_id, CHANNEL_KEY_PREFIX],
        )
        _raise_for(status)

    async def release(self, provision_id: str) -> None:
        """See :meth:`ProvisioningChannels.release`."""
        await self._run("release", [CHANNEL_KEY_PREFIX + provision_id, HELD_KEY], [provision_id])

    async def fill(self, provision_id: str, envelope: bytes) -> None:
        """See :meth:`ProvisioningChannels.fill`; wakes the polls of every process."""
        status = await self._run(
            "fill",
            [CHANNEL_KEY_PREFIX + provision_id, HELD_KEY],
            [self._clock(), envelope, MAX_HELD_BYTES, provision_id, CHANNEL_KEY_PREFIX],
        )
        _raise_for(status)
        self.wake(provision_id.encode())
        self._announce_filled(provision_id.encode())

    async def take(self, provision_id: str, wait_s: float) -> bytes | None:
        """See :meth:`ProvisioningChannels.take`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        self._waiting[provision_id] = self._waiting.get(provision_id, 0) + 1
        try:
            while True:
                event = self._wakeups.setdefault(provision_id, asyncio.Event())
                result = await self._run(
                    "take",
                    [CHANNEL_KEY_PREFIX + provision_id, HELD_KEY, OPEN_KEY],
                    [self._clock(), provision_id, OWNER_KEY_PREFIX],
                )
                if result[0] == b"unknown":
                    raise UnknownChannel("no such provisioning channel")
                if result[0] == b"ok":
                    return bytes(result[1])
                remaining_s = deadline - loop.time()
                if remaining_s <= 0 or self._closed:
                    return None
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(remaining_s, POLL_INTERVAL_S)):
                        await event.wait()
        finally:
            self._waiting[provision_id] -= 1
            if not self._waiting[provision_id]:
                del self._waiting[provision_id]
                self._wakeups.pop(provision_id, None)

    def wake(self, provision_id: bytes) -> None:
        """Wakes this process's polls of a channel that was filled (maybe elsewhere)."""
        if not _PROVISION_ID.match(provision_id):
            return  # not an id: nobody waits for it
        event = self._wakeups.pop(provision_id.decode(), None)
        if event is not None:
            event.set()


def _raise_for(status: bytes) -> None:
    """Raises the channel error a script's status names (none for ``ok``)."""
    if status == b"unknown":
        raise UnknownChannel("no such provisioning channel")
    if status == b"filled":
        raise ChannelFilled("the channel was filled already")
    if status == b"full":
        raise ChannelsFull("too many provisioning envelopes are waiting")
