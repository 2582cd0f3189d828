"""Profiles below the capability: publishing ours, sharing its key, fetching contacts'.

docs/protocol.md §13. Our profile (name and avatar) is sealed with our profile key and put
on the relay as one blob with a version; the key and version go inside ``profile`` contents
over the pairwise sessions: to every contact we wrote to, when it changes or when we first
write to them, and to our own other devices (sync), as Signal shares its profile key.

A ``profile`` content that carries a key is taken on the store thread by :meth:`receive`:
it only records what to fetch (a key we hold at that version again changes nothing). The
fetch runs on the loop: the relay's blob must be at least the told version, open with the
told key under the account's name and the version it came with, and fit every bound (name,
avatar); anything else is refused (:class:`ProfileRefused`) and nothing is stored. A taken
profile becomes the contact's name in the list and header (``ProfileChanged``).

Everything waits for the relay link: a change made offline is uploaded and shared at the
next connect, and a fetch that loses the link is tried again then.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Final

from chat_desktop.crypto.errors import CryptoError
from chat_desktop.crypto.profile_cipher import open_profile, seal_profile
from chat_desktop.net.errors import ConnectionFailure
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.message_content import Content, ProfileContent
from chat_desktop.protocol.profiles import (
    ProfileGet,
    ProfileGetAck,
    ProfilePut,
    ProfileRecord,
    ProfileRecordError,
    decode_record,
    encode_record,
)
from chat_desktop.protocol.schemas import EmptyAck
from chat_desktop.services import sync
from chat_desktop.services.blocking import is_blocked
from chat_desktop.services.context import EngineContext
from chat_desktop.services.devices import is_removed_own_device
from chat_desktop.services.events import (
    ClientEvent,
    ConnectionChanged,
    ConnectionState,
    ConversationChanged,
    DevicesChanged,
    ProfileChanged,
    ProfileRefused,
    StatusChanged,
)
from chat_desktop.services.image_processing import ImageRejected
from chat_desktop.services.outbox_queue import OutboxQueue
from chat_desktop.services.profile_images import check_avatar
from chat_desktop.storage.profiles import StoredProfile
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

#: How many times a ``conflict`` (another device of ours put a profile meanwhile) moves our
#: version past the relay's before the upload waits for the next wake.
_CONFLICT_RETRIES: Final = 3


#: How often the work loop looks whether it was woken (seconds).
_WAKE_POLL_S = 0.25


class ProfileSync:
    """Uploads and shares our profile and fetches contacts' (see the module docstring).

    Args:
        context: The engine's shared state (store thread, relay link, events).
        queue: The outbox queue that carries ``profile`` contents to contacts.
    """

    def __init__(self, context: EngineContext, queue: OutboxQueue) -> None:
        self._context = context
        self._queue = queue
        self._wake = asyncio.Event()
        self._listening = False

    def start(self) -> None:
        """Starts the work loop under the supervisor and listens for what wakes it
        (idempotent)."""
        supervisor = self._context.supervisor
        if not supervisor.running("profiles"):
            supervisor.start("profiles", self._run)
        if not self._listening:
            self._context.events.listen(self._on_event)
            self._listening = True
        self.wake()

    def wake(self) -> None:
        """Asks the loop to upload, share and fetch what waits (cheap; call freely)."""
        self._wake.set()

    # ---- on the store thread -----------------------------------------------------------

    def receive(
        self, store: MessageStore, peer: str, from_device: int, content: ProfileContent
    ) -> bool:
        """Takes a ``profile`` content that carries a key; False for one without (older
        clients: the caller keeps its ``display_name``).

        Records the key and version to fetch unless it is the key we hold at that version
        or older, or it came from a device our account removed.
        """
        key, version = content.profile_key, content.profile_version
        if key is None or version is None:
            return False
        if peer == self._context.username and is_removed_own_device(store, from_device):
            logger.warning("refused a profile from a removed device of ours")
            return True
        held = store.profiles.get(peer)
        if held is not None:
            if held.profile_key == key and held.version >= version:
                return True  # the profile we hold, or an older one: nothing to do
            if held.pending_key == key and (held.pending_version or 0) >= version:
                return True  # already waiting
        store.profiles.set_pending(peer, key, version)
        return True

    # ---- the loop ------------------------------------------------------------------------

    def _on_event(self, event: ClientEvent) -> None:
        """Wakes the loop at every connect, when our device set changes (a new device of
        ours gets our profile key) and when a message of ours went (a first message to
        someone carries our profile key after it).

        A listener, not a task reading a queue: a supervised task that only waits for
        events stopped :meth:`TaskSupervisor.close` from ever finishing (a client that
        had linked a device never closed; its cancellation was lost each time).
        """
        if (
            (isinstance(event, ConnectionChanged) and event.state is ConnectionState.CONNECTED)
            or isinstance(event, DevicesChanged)
            or (isinstance(event, StatusChanged) and event.status == "sent")
        ):
            self.wake()

    async def _run(self) -> None:
        while True:
            # Polled, not ``await self._wake.wait()``: woken by a listener while the client
            # closed, that wait was never resumed under qasync, and the supervisor's close
            # (which cancels this task until it ends) hung for ever (a linked-device test).
            while not self._wake.is_set():  # noqa: ASYNC110 (see above)
                await asyncio.sleep(_WAKE_POLL_S)
            self._wake.clear()
            connection = self._context.connection
            if connection is None or not connection.connected:
                continue  # the watcher wakes us at the next connect
            try:
                await self._fill_titles()
                await self._upload_own()
                await self._share_own()
                await self._fetch_pending()
            except (ConnectionFailure, ProtocolError) as error:
                # The link dropped or the relay refused for now: the next connect retries.
                logger.info("profile work paused: %s", type(error).__name__)

    async def _fill_titles(self) -> None:
        """Names the chats made after their contact's profile arrived (a chat deleted and
        started again keeps showing the name)."""
        store = self._context.worker.store
        titled = await self._context.worker.run(store.profiles.fill_titles, self._context.username)
        for peer in titled:
            self._context.events.publish(ConversationChanged(peer))

    # ---- ours ----------------------------------------------------------------------------

    async def _own(self) -> StoredProfile | None:
        store = self._context.worker.store
        return await self._context.worker.run(store.profiles.get, self._context.username)

    async def _upload_own(self) -> None:
        connection = self._context.connection
        assert connection is not None
        store = self._context.worker.store
        username = self._context.username
        for _ in range(_CONFLICT_RETRIES):
            own = await self._own()
            if own is None or own.uploaded or own.profile_key is None or own.version < 1:
                return
            record = encode_record(ProfileRecord(name=own.name, avatar=own.avatar))
            blob = seal_profile(own.profile_key, username, own.version, record)
            try:
                await connection.request(
                    wire_events.PROFILE_PUT, ProfilePut(version=own.version, blob=blob), EmptyAck
                )
            except ProtocolError as error:
                if error.code is not ErrorCode.CONFLICT:
                    raise
                # Another device of ours put a profile meanwhile: ours goes above it.
                current = await connection.request(
                    wire_events.PROFILE_GET, ProfileGet(user=username), ProfileGetAck
                )
                await self._context.worker.run(
                    store.profiles.set_own,
                    username,
                    own.profile_key,
                    max(own.version, current.version) + 1,
                    own.name,
                    own.avatar,
                )
                continue
            await self._context.worker.run(store.profiles.mark_uploaded, username, own.version)
            return

    async def _share_own(self) -> None:
        own = await self._own()
        if own is None or not own.uploaded or own.profile_key is None:
            return
        await self._sync_own_devices(own)
        store = self._context.worker.store
        peers = await self._context.worker.run(
            store.profiles.unshared, self._context.username, own.version
        )
        for peer in peers:
            if await self._context.worker.run(is_blocked, store, peer):
                continue
            await self._queue.queue_content(
                peer,
                self._factory(own),
                kind=None,
                # Marked in the same transaction as the outbox entry: sent once per version.
                apply=functools.partial(_mark_shared, peer=peer, version=own.version),
            )

    def _factory(self, own: StoredProfile) -> _ProfileFactory:
        assert own.profile_key is not None
        return _ProfileFactory(own.name, own.profile_key, own.version)

    async def _sync_own_devices(self, own: StoredProfile) -> None:
        """Queues our profile key to our other devices once per version."""
        if own.shared_version >= own.version or own.profile_key is None:
            return
        store = self._context.worker.store
        if not await self._context.worker.run(sync.has_other_devices, self._context, store):
            return  # a device linked later gets it then (the watcher wakes us)
        await self._queue.queue_sync(
            self._context.username,
            functools.partial(
                ProfileContent,
                display_name=own.name,
                profile_key=own.profile_key,
                profile_version=own.version,
            ),
        )
        await self._context.worker.run(
            store.profiles.set_shared, self._context.username, own.version
        )

    # ---- contacts' -----------------------------------------------------------------------

    async def _fetch_pending(self) -> None:
        store = self._context.worker.store
        while True:
            rows = await self._context.worker.run(store.profiles.pending, 20)
            if not rows:
                return
            for row in rows:
                await self._fetch(row)

    async def _fetch(self, row: StoredProfile) -> None:
        connection = self._context.connection
        assert connection is not None
        assert row.pending_key is not None and row.pending_version is not None
        peer = row.address
        try:
            answer = await connection.request(
                wire_events.PROFILE_GET, ProfileGet(user=peer), ProfileGetAck
            )
        except ProtocolError as error:
            if error.code is not ErrorCode.NOT_FOUND:
                raise
            await self._refuse(row, "the relay has no profile for them")
            return
        try:
            profile = await asyncio.to_thread(_open_checked, row, answer)
        except _Refused as refusal:
            await self._refuse(row, str(refusal))
            return
        await self._context.worker.run(self._take, peer, row.pending_key, answer.version, profile)
        self._context.events.publish(ProfileChanged(peer))
        if peer == self._context.username:
            self.wake()  # our own devices already have it; nothing more to share

    def _take(self, peer: str, key: bytes, version: int, profile: ProfileRecord) -> None:
        """Stores a checked profile; a contact's name names its chat (store thread)."""
        store = self._context.worker.store
        with store.transaction():
            store.profiles.take(peer, key, version, profile.name, profile.avatar)
            if peer == self._context.username:
                store.profiles.set_shared(peer, version)  # it came from our own devices
                return
            name = profile.name.strip() or None
            store.contacts.set_display_name(peer, name)
            store.conversations.set_title(peer, name)

    async def _refuse(self, row: StoredProfile, reason: str) -> None:
        logger.warning("refused a profile: %s", reason)
        store = self._context.worker.store
        assert row.pending_version is not None
        await self._context.worker.run(
            store.profiles.clear_pending, row.address, row.pending_version
        )
        self._context.events.publish(ProfileRefused(row.address))


def _mark_shared(
    store: MessageStore, _message_id: str, _sent_at: int, *, peer: str, version: int
) -> None:
    """Records that our profile ``version`` is queued to ``peer`` (store thread)."""
    store.profiles.set_shared(peer, version)


class _ProfileFactory:
    """Builds our ``profile`` content for the outbox (a content factory)."""

    def __init__(self, name: str, key: bytes, version: int) -> None:
        self._name, self._key, self._version = name, key, version

    def __call__(self, message_id: str, sent_at: int, timer: int) -> Content:
        """The content with its id and time (profiles never disappear: no timer)."""
        return ProfileContent(
            id=message_id,
            sent_at=sent_at,
            display_name=self._name,
            profile_key=self._key,
            profile_version=self._version,
        )


class _Refused(Exception):
    """A fetched profile is refused; the text says why (never its values)."""


def _open_checked(row: StoredProfile, answer: ProfileGetAck) -> ProfileRecord:
    """Opens and checks a fetched profile against what its content told (a worker thread).

    Raises:
        _Refused: Older than told, does not open with the told key under this account and
            the version it came with, or breaks a bound.
    """
    assert row.pending_key is not None and row.pending_version is not None
    if answer.version < row.pending_version:
        raise _Refused("the relay served an older profile than told")
    try:
        record = decode_record(
            open_profile(row.pending_key, row.address, answer.version, answer.blob)
        )
    except CryptoError:
        raise _Refused("the profile does not open with the key it came with") from None
    except ProfileRecordError:
        raise _Refused("the profile breaks a bound") from None
    if record.avatar is not None:
        try:
            check_avatar(record.avatar)
        except ImageRejected:
            raise _Refused("the profile's picture is not a usable image") from None
    return record
