"""``client.groups``: group chats (create, change, leave, send) over Sender Keys (issue 21).

A group is a conversation whose id is ``"g:"`` + its id in hex: its messages, drafts, search
and history are read with ``client.messages`` and ``client.conversations`` as any other.
What is new lives here: making and changing the group (each change a whole new state sent
pairwise to every member device, ``services/groups_updates.py``) and sending to it (queued in
the durable outbox, then encrypted once with our sender key and sent once to every member
device, ``services/groups_sending.py``). Every call returns once the change or message is
durably queued; nothing fails for being offline. Also here: who received and read each of
our messages (:meth:`GroupService.details`, ``services/groups_receipts.py``), typing
(``services/groups_typing.py``) and files (``capabilities/group_files.py``).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from chat_desktop.protocol.link_preview import LinkPreview
from chat_desktop.protocol.message_content import (
    MAX_GROUP_MEMBERS,
    MAX_TEXT_LENGTH,
    MAX_TIMER_SECONDS,
    Content,
    TextContent,
    is_valid_group_title,
)
from chat_desktop.services.attachments import AttachmentTransfers
from chat_desktop.services.capabilities.group_files import GroupFiles
from chat_desktop.services.capabilities.messages import checked_preview
from chat_desktop.services.client_errors import ClientError, UnknownMessage, check_peer
from chat_desktop.services.context import EngineContext, now_ms
from chat_desktop.services.conversation_actions import ConversationActions, wire_quote
from chat_desktop.services.events import ClientEvent, GroupChanged, MessageChanged
from chat_desktop.services.group_avatars import GroupAvatars, pointer_hash
from chat_desktop.services.group_state import GroupState, leave_state
from chat_desktop.services.groups_held import NotAGroupMember, load_held, member_state
from chat_desktop.services.groups_receipts import (
    GroupMessageDetails,
    MemberReceipt,
    message_details,
    queue_read_marks,
)
from chat_desktop.services.groups_typing import GroupTyping
from chat_desktop.services.groups_updates import (
    GroupChangeRefused,
    change_group,
    create_group,
)
from chat_desktop.services.outbox_queue import ContentFactory, OutboxQueue
from chat_desktop.services.sending import OutboxSender
from chat_desktop.storage.group_ids import group_id_of
from chat_desktop.storage.models import Message, MessageKey, Quote
from chat_desktop.storage.store import MessageStore

__all__ = [
    "GroupChangeRefused",
    "GroupMessageDetails",
    "GroupService",
    "MemberReceipt",
    "NotAGroupMember",
]


class GroupService:
    """Groups of this account: their state, changes and messages."""

    def __init__(
        self,
        context: EngineContext,
        queue: OutboxQueue,
        actions: ConversationActions,
        sender: OutboxSender,
    ) -> None:
        """Built by the client; queues through ``queue`` (replies, reactions, edits and
        deletes through ``actions``, as in 1:1 chats) and wakes ``sender``."""
        self._context = context
        self._queue = queue
        self._actions = actions
        self._sender = sender
        self._typing = GroupTyping(context)
        self._files = GroupFiles(actions, self.queue_content)
        self._avatars = GroupAvatars(context)

    @property
    def transfers(self) -> AttachmentTransfers | None:
        """The client's attachment transfers, for files in groups (set by the client)."""
        return self._files.transfers

    @transfers.setter
    def transfers(self, transfers: AttachmentTransfers | None) -> None:
        self._files.transfers = transfers

    # ---- reading ---------------------------------------------------------------------

    async def get(self, conversation_id: str) -> GroupState | None:
        """The group's state as held here (also after we left), or None (not a group held)."""
        _check_group(conversation_id)
        store = self._context.worker.store
        held = await self._context.worker.run(load_held, store, conversation_id)
        return None if held is None else held.state

    async def list(self) -> list[GroupState]:
        """Every group held, by conversation id."""

        def states(store: MessageStore) -> list[GroupState]:
            found = []
            for group in store.groups.list():
                held = load_held(store, group.conversation_id)
                if held is not None:
                    found.append(held.state)
            return found

        return await self._context.worker.run(states, self._context.worker.store)

    async def history(self, conversation_id: str, limit: int = 50) -> builtins.list[Message]:
        """Up to ``limit`` newest messages of the group, oldest first (never expired ones)."""
        _check_group(conversation_id)
        messages = self._context.worker.store.messages
        found: builtins.list[Message] = await self._context.worker.run(
            messages.newest, conversation_id, limit
        )
        return found

    async def mark_read(self, conversation_id: str, up_to_id: str) -> int:
        """Marks the group's received messages up to ``up_to_id`` read.

        Our other devices mark them read too (a ``group_read`` sync), and each sender who is
        still a member gets a read receipt, unless the user turned read receipts off
        (:class:`Preferences`). Disappearing messages start their timer now (each told as a
        ``MessageChanged`` of change ``"expiry"``). Returns how many became read.
        """
        _check_group(conversation_id)
        started: builtins.list[str]
        count, started, queued = await self._context.worker.run(
            _mark_read_in_store, self._context, conversation_id, up_to_id
        )
        for message_id in started:
            self._context.events.publish(MessageChanged(conversation_id, message_id, "expiry"))
        if queued:
            self._sender.wake()
        return count

    async def details(self, conversation_id: str, message_id: str) -> GroupMessageDetails:
        """Per member, whether one of our group messages was sent, delivered or read, and when.

        Raises:
            ClientError: Not a group conversation id.
            UnknownMessage: The message is not (or no longer) here, or is not ours.
        """
        _check_group(conversation_id)
        found: GroupMessageDetails | None = await self._context.worker.run(
            message_details,
            self._context,
            self._context.worker.store,
            conversation_id,
            message_id,
        )
        if found is None:
            raise UnknownMessage("no such message of ours in this group")
        return found

    async def set_typing(self, conversation_id: str, typing: bool) -> None:
        """Tells the group's members we started or stopped typing (best effort, never queued).

        Nothing is sent while the user turned typing indicators off, before our sender key
        reached every member device (the first message hands it out), or for a "started"
        repeated within a few seconds (``services/groups_typing.py``).

        Raises:
            ClientError: Not a group conversation id.
            NotAGroupMember: The group is not held or we are not a member of it.
        """
        _check_group(conversation_id)
        await self._typing.set_typing(conversation_id, typing)

    # ---- changing --------------------------------------------------------------------

    async def create(self, title: str, members: Sequence[str]) -> str:
        """Makes a group with us as its admin; returns its conversation id.

        Raises:
            InvalidPeer: A member is not a valid username.
            ClientError: The title is empty, too long or holds control characters, or there
                are too many members.
        """
        _check_title(title)
        for member in members:
            check_peer(member)
        if len(set(members) | {self._context.username}) > MAX_GROUP_MEMBERS:
            raise ClientError(f"a group has at most {MAX_GROUP_MEMBERS} members")
        store = self._context.worker.store
        created: tuple[str, GroupChanged] = await self._context.worker.run(
            create_group, self._context, store, title, list(dict.fromkeys(members))
        )
        conversation_id, event = created
        self._context.events.publish(event)
        self._sender.wake()
        return conversation_id

    async def rename(self, conversation_id: str, title: str) -> None:
        """Changes the group's title (admins only).

        Raises:
            ClientError: The title is empty, too long or holds control characters.
            NotAGroupMember, GroupChangeRefused: See :meth:`_change`.
        """
        _check_title(title)
        await self._change(conversation_id, lambda state: _replace(state, title=title))

    async def set_avatar(self, conversation_id: str, path: Path | None) -> None:
        """Sets the group's picture from the image at ``path``, or removes it (None); admins
        only. The picture is uploaded first (see :mod:`~chat_desktop.services.group_avatars`).

        Raises:
            ImageRejected: Not a picture we open, or no size of it fits 64 KiB.
            OSError: The file cannot be read.
            GroupAvatarUnavailable: Not connected, or the upload failed; nothing changed.
            NotAGroupMember, GroupChangeRefused: See :meth:`_change` (checked before the
                upload too: a member who is not an admin uploads nothing).
        """
        _check_group(conversation_id)
        if path is None:
            await self._change(conversation_id, lambda state: _replace(state, avatar=None))
            return
        worker = self._context.worker
        state = await worker.run(member_state, self._context, worker.store, conversation_id)
        if self._context.username not in state.admins:
            raise GroupChangeRefused("only an admin can change the group's picture")
        avatar, image = await self._avatars.upload(path)
        await self._change(conversation_id, lambda state: _replace(state, avatar=avatar))
        await worker.run(
            worker.store.group_avatars.set, conversation_id, pointer_hash(avatar), image
        )

    async def avatar(self, conversation_id: str) -> bytes | None:
        """The group's picture (a JPEG or PNG of at most 512 × 512), or None: it has none,
        it was refused, or it cannot be fetched now (fetched on first ask)."""
        _check_group(conversation_id)
        return await self._avatars.image(conversation_id)

    async def add_members(self, conversation_id: str, members: Sequence[str]) -> None:
        """Adds members (admins only); they read the group's messages from now on.

        Raises:
            InvalidPeer: A member is not a valid username.
            NotAGroupMember, GroupChangeRefused: See :meth:`_change` (also: over 256).
        """
        for member in members:
            check_peer(member)
        await self._change(
            conversation_id,
            lambda state: _replace(state, members=tuple(dict.fromkeys([*state.members, *members]))),
        )

    async def remove_members(self, conversation_id: str, members: Sequence[str]) -> None:
        """Removes members (admins only); they read nothing sent after this.

        Raises:
            NotAGroupMember, GroupChangeRefused: See :meth:`_change`.
        """
        gone = set(members)
        await self._change(
            conversation_id,
            lambda state: _replace(
                state,
                members=tuple(m for m in state.members if m not in gone),
                admins=tuple(m for m in state.admins if m not in gone),
            ),
        )

    async def make_admin(self, conversation_id: str, member: str) -> None:
        """Makes a member an admin (admins only).

        Raises:
            InvalidPeer: ``member`` is not a valid username.
            NotAGroupMember, GroupChangeRefused: See :meth:`_change` (also: not a member).
        """
        check_peer(member)
        await self._change(
            conversation_id,
            lambda state: _replace(state, admins=tuple(dict.fromkeys([*state.admins, member]))),
        )

    async def set_timer(self, conversation_id: str, seconds: int) -> None:
        """Sets the group's disappearing timer in seconds, 0 = off (admins only).

        Raises:
            ClientError: The timer is out of range (0 to one year).
            NotAGroupMember, GroupChangeRefused: See :meth:`_change`.
        """
        if isinstance(seconds, bool) or not 0 <= seconds <= MAX_TIMER_SECONDS:
            raise ClientError("the timer is out of range")
        await self._change(conversation_id, lambda state: _replace(state, timer_seconds=seconds))

    async def leave(self, conversation_id: str) -> None:
        """Leaves the group (any member); nothing is sent to it from here afterwards.

        Raises:
            NotAGroupMember: See :meth:`_change`.
        """
        me = self._context.username
        await self._change(conversation_id, lambda state: leave_state(state, me))

    async def _change(
        self, conversation_id: str, build: Callable[[GroupState], GroupState]
    ) -> builtins.list[ClientEvent]:
        """Makes the next state with ``build``, keeps it and queues it to every member device.

        Raises:
            ClientError: Not a group conversation id.
            NotAGroupMember: The group is not held, or we are not a member of it.
            GroupChangeRefused: Only an admin may make it, it changes nothing, or the state
                would be out of bounds; nothing changed.
        """
        _check_group(conversation_id)
        store = self._context.worker.store
        events: builtins.list[ClientEvent] = await self._context.worker.run(
            change_group, self._context, store, conversation_id, build
        )
        for event in events:
            self._context.events.publish(event)
        self._sender.wake()
        return events

    # ---- sending ---------------------------------------------------------------------

    async def send_text(
        self,
        conversation_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        link_preview: LinkPreview | None = None,
    ) -> str:
        """Queues a text message to the group; returns its id.

        Args:
            conversation_id: The group's conversation id.
            text: The message.
            reply_to: The id of a message of the group it answers (quoted from our copy).
            link_preview: The preview of a link of ``text`` (``client.link_previews``),
                inside the one sender-key message as in a 1:1 text.

        Raises:
            NotAGroupMember: The group is not held or we are not a member of it.
            ClientError: Empty or too long text, or a preview its members would drop.
            UnknownMessage: The message replied to is not (or no longer) here.
        """
        if not text.strip():
            raise ClientError("nothing to send")
        if len(text) > MAX_TEXT_LENGTH:
            raise ClientError("the message is too long")
        _check_group(conversation_id)
        fitted = None if link_preview is None else checked_preview(link_preview, text)
        preview = msgspec.UNSET if fitted is None else fitted[0]
        quote = (
            None if reply_to is None else await self._actions.reply_quote(conversation_id, reply_to)
        )

        def make(message_id: str, sent_at: int, timer: int) -> Content:
            return TextContent(
                id=message_id,
                sent_at=sent_at,
                expire_timer=timer,
                text=text,
                quote=wire_quote(quote),
                preview=preview,
            )

        return await self.queue_content(
            conversation_id,
            make,
            kind="text",
            body=text,
            quote=quote,
            link_preview=None if fitted is None else fitted[1],
        )

    async def react(self, conversation_id: str, message_id: str, emoji: str | None) -> None:
        """Sets (or with None removes) our reaction to a message of the group.

        Raises:
            NotAGroupMember: The group is not held or we are not a member of it.
            ClientError, UnknownMessage: As ``client.messages.react``.
        """
        await self._require_member(conversation_id)
        await self._actions.react(conversation_id, message_id, emoji)

    async def edit_message(self, conversation_id: str, message_id: str, text: str) -> None:
        """Replaces the text of one of our text messages in the group (within 24 hours).

        Raises:
            NotAGroupMember: The group is not held or we are not a member of it.
            EditNotAllowed, ClientError: As ``client.messages.edit``.
        """
        await self._require_member(conversation_id)
        await self._actions.edit_message(conversation_id, message_id, text)

    async def delete_for_everyone(self, conversation_id: str, message_id: str) -> None:
        """Deletes one of our messages of the group for every member (within 24 hours).

        Raises:
            NotAGroupMember: The group is not held or we are not a member of it.
            DeleteNotAllowed: As ``client.messages.delete_for_everyone``.
        """
        await self._require_member(conversation_id)
        await self._actions.delete_for_everyone(conversation_id, message_id)

    # ---- files -----------------------------------------------------------------------

    async def send_file(
        self,
        conversation_id: str,
        path: Path,
        *,
        caption: str = "",
        reply_to: str | None = None,
    ) -> str:
        """Queues a file to the group (uploaded once, one group message); returns its id.

        Images are stripped of metadata and get a thumbnail first, as in 1:1 chats.

        Raises:
            NotAGroupMember: The group is not held or we are not a member of it.
            ImageRejected, AttachmentTooLarge, CaptionTooLong, UnknownMessage: As
                ``client.attachments.send_file``.
        """
        _check_group(conversation_id)
        await self._require_member(conversation_id)
        return await self._files.send_file(
            conversation_id, path, caption=caption, reply_to=reply_to
        )

    async def send_voice_note(
        self,
        conversation_id: str,
        pcm: bytes,
        *,
        sample_rate: int = 48_000,
        reply_to: str | None = None,
    ) -> str:
        """Queues recorded sound to the group as a voice note (as
        ``client.attachments.send_voice_note``; also raises NotAGroupMember)."""
        _check_group(conversation_id)
        await self._require_member(conversation_id)
        return await self._files.send_voice_note(
            conversation_id, pcm, sample_rate=sample_rate, reply_to=reply_to
        )

    async def download(self, conversation_id: str, message_id: str) -> None:
        """Downloads, verifies and stores a received file of the group (as
        ``client.attachments.download``, with the same errors)."""
        _check_group(conversation_id)
        await self._files.download(conversation_id, message_id)

    async def cancel_transfer(self, conversation_id: str, message_id: str) -> None:
        """Stops the upload (the message becomes failed) or download of a file of the group."""
        _check_group(conversation_id)
        await self._files.cancel(conversation_id, message_id)

    async def save(self, conversation_id: str, message_id: str, destination: Path) -> None:
        """Writes a stored file of the group to ``destination`` atomically."""
        _check_group(conversation_id)
        await self._files.save(conversation_id, message_id, destination)

    async def path_for_opening(self, conversation_id: str, message_id: str) -> Path:
        """A decrypted copy of a file of the group for "Open" (removed at lock and close)."""
        _check_group(conversation_id)
        return await self._files.path_for_opening(conversation_id, message_id)

    async def read(self, conversation_id: str, message_id: str) -> bytes:
        """The decrypted bytes of a stored image of the group, for display."""
        _check_group(conversation_id)
        return await self._files.read(conversation_id, message_id)

    async def _require_member(self, conversation_id: str) -> None:
        _check_group(conversation_id)
        await self._context.worker.run(
            member_state, self._context, self._context.worker.store, conversation_id
        )

    async def queue_content(
        self,
        conversation_id: str,
        make: ContentFactory,
        *,
        kind: str | None,
        body: str | None = None,
        quote: Quote | None = None,
        attachment: Any = None,
        blob_path: str | None = None,
        link_preview: LinkPreview | None = None,
    ) -> str:
        """Queues any content to the group (a message row if ``kind``); returns its id.

        The membership is checked in the transaction that queues it. ``attachment`` and
        ``blob_path`` are a file's row metadata and its blob still to upload (see
        :meth:`send_file`); ``link_preview`` is a text's preview, kept with our copy.

        Raises:
            NotAGroupMember: The group is not held or we are not a member of it.
        """
        _check_group(conversation_id)

        def check_member(store: MessageStore, message_id: str, sent_at: int) -> None:
            member_state(self._context, store, conversation_id)

        return await self._queue.queue_content(
            conversation_id,
            make,
            kind=kind,
            body=body,
            quote=quote,
            apply=check_member,
            attachment=attachment,
            blob_path=blob_path,
            link_preview=link_preview,
        )


def _mark_read_in_store(
    context: EngineContext, conversation_id: str, up_to_id: str
) -> tuple[int, list[str], bool]:
    """Marks read and queues the read sync and receipts; returns how many became read, the
    ids whose disappearing countdown started and whether anything was queued."""
    store = context.worker.store
    read_at = now_ms()
    started: list[str] = []
    with store.transaction():
        cursor = store.messages.cursor_of(MessageKey(conversation_id, up_to_id))
        if cursor is None:
            return 0, [], False
        read = store.messages.mark_read(conversation_id, cursor, read_at)
        for message in read:
            if message.expire_timer:
                # The receiver's copy disappears `timer` after reading (docs/protocol.md §6).
                store.messages.set_expiry(
                    MessageKey(conversation_id, message.id),
                    read_at + message.expire_timer * 1000,
                )
                started.append(message.id)
        queued = queue_read_marks(context, store, conversation_id, read)
    return len(read), started, queued


def _check_group(conversation_id: str) -> None:
    if group_id_of(conversation_id) is None:
        raise ClientError("not a group conversation id")


def _check_title(title: str) -> None:
    if not is_valid_group_title(title):
        raise ClientError("a group title is 1 to 128 characters on one line")


def _replace(state: GroupState, **changes: object) -> GroupState:
    return msgspec.structs.replace(state, **changes)
