"""Which users are online at which relay process, in Redis (``--redis``).

One process knows only its own connections; presence must answer for all of them. Each
process writes, for each user with at least one device connected to it, its process id into
the hash ``chat-relay:online:{user}``, and keeps its lease ``chat-relay:process:{id}`` alive
(expiry :data:`LEASE_MS`, renewed every :data:`RENEW_INTERVAL_S`). A user is online elsewhere
when a process other than this one whose lease is alive is in the user's hash; fields of
processes whose lease ran out (killed) are dropped as they are found.

Writes go through one queue and worker (in order, never awaited by a handler); reads wait at
most :data:`~chat_desktop.relay.redis_bus.SOCKET_TIMEOUT_S` and answer "nobody elsewhere"
while Redis is down, so presence then falls back to this process's view. When Redis comes
back, :meth:`RedisPresence.resync` starts a new lease under a new id and writes every local
user under it: Redis may have restarted (entries lost), and writes dropped during the outage
(a user gone offline here) die with the old lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterable, Sequence
from typing import Final

from redis.exceptions import RedisError

from chat_desktop.relay.redis_bus import SOCKET_TIMEOUT_S, cancel_and_wait, connect
from chat_desktop.relay.redis_messages import PREFIX

ONLINE_KEY_PREFIX: Final = PREFIX + "online:"
PROCESS_KEY_PREFIX: Final = PREFIX + "process:"
#: How long a process counts as alive after its last renewal.
LEASE_MS: Final = 15_000
RENEW_INTERVAL_S: Final = 5.0
#: A user's hash lives this long after its last write (fields of dead processes are dropped
#: as reads find them; this bounds what a process that never comes back leaves behind).
ONLINE_KEY_TTL_MS: Final = 24 * 3600 * 1000
#: Queued writes; past it new ones are dropped (the next resync repairs them).
MAX_PENDING_WRITES: Final = 100_000

# ARGV: this process's id, online key prefix, process key prefix, users...
_ONLINE_ELSEWHERE: Final = """
local found = {}
for i = 4, #ARGV do
  local key = ARGV[2] .. ARGV[i]
  redis.call('HDEL', key, ARGV[1])
  for _, process in ipairs(redis.call('HKEYS', key)) do
    if process ~= ARGV[1] then
      if redis.call('EXISTS', ARGV[3] .. process) == 1 then
        table.insert(found, ARGV[i])
        break
      end
      redis.call('HDEL', key, process)
    end
  end
end
return found
"""


class RedisPresence:
    """This process's entries in the shared online map, and reads of the others'."""

    def __init__(self, url: str) -> None:
        """Prepares the map; :meth:`start` begins this process's lease."""
        self._client = connect(url)
        self._process_id = secrets.token_hex(8)
        self._renewed = asyncio.Event()
        self._online_elsewhere = self._client.register_script(_ONLINE_ELSEWHERE)
        #: (user, online) to write, or ("", False) then the id of a lease to end.
        self._writes: asyncio.Queue[tuple[str, bool | str]] = asyncio.Queue(MAX_PENDING_WRITES)
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Starts the lease renewals and the write worker."""
        self._tasks = [
            asyncio.create_task(self._renew_forever(), name="relay-presence-lease"),
            asyncio.create_task(self._write_forever(), name="relay-presence-writer"),
        ]

    async def stop(self) -> None:
        """Ends the lease (this process's users are offline here at once) and disconnects."""
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks)
        with contextlib.suppress(RedisError, OSError, TimeoutError):
            await asyncio.wait_for(
                self._client.delete(PROCESS_KEY_PREFIX + self._process_id), SOCKET_TIMEOUT_S
            )
        with contextlib.suppress(RedisError, OSError):
            await self._client.aclose()

    def set_online(self, user: str, online: bool) -> None:
        """Records that ``user`` has (or no longer has) a device connected here."""
        with contextlib.suppress(asyncio.QueueFull):
            self._writes.put_nowait((user, online))

    def resync(self, users: Iterable[str]) -> None:
        """Takes a new lease and writes every user online here under it (Redis came back)."""
        old_lease, self._process_id = self._process_id, secrets.token_hex(8)
        self._renewed.set()  # renew the new lease now
        with contextlib.suppress(asyncio.QueueFull):
            self._writes.put_nowait(("", old_lease))  # its entries are stale now
        for user in users:
            self.set_online(user, True)

    async def online_elsewhere(self, users: Sequence[str]) -> set[str]:
        """Returns those of ``users`` with a device connected to another live process
        (none when Redis cannot answer in time).

        ``users`` have no device connected here: their entry of this process is dropped in
        the same atomic step (the queued write may not have run yet), so when the last
        devices of a user leave two processes at once, the second check finds nobody and
        "offline" is said once, not never.
        """
        if not users:
            return set()
        try:
            found = await asyncio.wait_for(
                self._online_elsewhere(
                    args=[self._process_id, ONLINE_KEY_PREFIX, PROCESS_KEY_PREFIX, *users]
                ),
                SOCKET_TIMEOUT_S,
            )
        except (RedisError, OSError, TimeoutError):
            return set()
        return {bytes(user).decode() for user in found}

    async def _renew_forever(self) -> None:
        while True:
            self._renewed.clear()
            with contextlib.suppress(RedisError, OSError, TimeoutError):
                await asyncio.wait_for(
                    self._client.set(PROCESS_KEY_PREFIX + self._process_id, b"1", px=LEASE_MS),
                    SOCKET_TIMEOUT_S,
                )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RENEW_INTERVAL_S):
                    await self._renewed.wait()

    async def _write_forever(self) -> None:
        while True:
            user, online = await self._writes.get()
            key = ONLINE_KEY_PREFIX + user
            try:
                if isinstance(online, str):
                    await asyncio.wait_for(
                        self._client.delete(PROCESS_KEY_PREFIX + online), SOCKET_TIMEOUT_S
                    )
                elif online:
                    pipeline = self._client.pipeline(transaction=False)
                    pipeline.hset(key, self._process_id, b"1")
                    pipeline.pexpire(key, ONLINE_KEY_TTL_MS)
                    await asyncio.wait_for(pipeline.execute(), SOCKET_TIMEOUT_S)
                else:
                    await asyncio.wait_for(
                        self._client.hdel(key, self._process_id), SOCKET_TIMEOUT_S
                    )
            except (RedisError, OSError, TimeoutError):
                pass  # Redis is down: the resync when it is back repairs the map
