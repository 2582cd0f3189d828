"""``client.groups``: group chats (create, change, leave, send) over Sender Keys (issue 21).

A group is a conversation whose id is ``"g:"`` + its id in hex: its messages, drafts, search
and history are read with ``client.messages`` and ``client.conversations`` as any other.
What is new lives here: making and changing the group (each change a whole new state sent
pairwise to every member device, ``services/groups_updates.py``) and sending to it (queued in
the durable outbox, then encrypted once with our sender key and sent once to every member
device, ``services/groups_sending.py``). Every call returns once the change or message is
durably queued; nothing fails for being offline.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence

import msgspec

from chat_desktop.protocol.message_content import (
    MAX_GROUP_MEMBERS,
    MAX_TEXT_LENGTH,
    MAX_TIMER_SECONDS,
    Content,
    TextContent,
    is_valid_group_title,
)
from chat_desktop.services.client_errors import ClientError, check_peer
from chat_desktop.services.context import EngineContext, now_ms
from chat_desktop.services.conversation_actions import ConversationActions, wire_quote
from chat_desktop.services.events import ClientEvent, GroupChanged, MessageChanged
from chat_desktop.services.group_state import GroupState, leave_state
from chat_desktop.services.groups_held import NotAGroupMember, load_held, member_state
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

__all__ = ["GroupChangeRefused", "GroupService", "NotAGroupMember"]


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
        """Marks the group's received messages up to ``up_to_id`` read, here.

        Disappearing messages start their timer now (each told as a ``MessageChanged`` of
        change ``"expiry"``). No read receipt or read sync goes out for groups yet. Returns
        how many became read.
        """
        _check_group(conversation_id)
        started: builtins.list[str]
        count, started = await self._context.worker.run(
            _mark_read_in_store, self._context.worker.store, conversation_id, up_to_id
        )
        for message_id in started:
            self._context.events.publish(MessageChanged(conversation_id, message_id, "expiry"))
        return count

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
        self, conversation_id: str, text: str, *, reply_to: str | None = None
    ) -> str:
        """Queues a text message to the group; returns its id.

        Args:
            conversation_id: The group's conversation id.
            text: The message.
            reply_to: The id of a message of the group it answers (quoted from our copy).

        Raises:
            NotAGroupMember: The group is not held or we are not a member of it.
            ClientError: Empty or too long text.
            UnknownMessage: The message replied to is not (or no longer) here.
        """
        if not text.strip():
            raise ClientError("nothing to send")
        if len(text) > MAX_TEXT_LENGTH:
            raise ClientError("the message is too long")
        _check_group(conversation_id)
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
            )

        return await self.queue_content(conversation_id, make, kind="text", body=text, quote=quote)

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
    ) -> str:
        """Queues any content to the group (a message row if ``kind``); returns its id.

        The membership is checked in the transaction that queues it.

        Raises:
            NotAGroupMember: The group is not held or we are not a member of it.
        """
        _check_group(conversation_id)

        def check_member(store: MessageStore, message_id: str, sent_at: int) -> None:
            member_state(self._context, store, conversation_id)

        return await self._queue.queue_content(
            conversation_id, make, kind=kind, body=body, quote=quote, apply=check_member
        )


def _mark_read_in_store(
    store: MessageStore, conversation_id: str, up_to_id: str
) -> tuple[int, list[str]]:
    """Marks read; returns how many, and the ids whose disappearing countdown started."""
    read_at = now_ms()
    started: list[str] = []
    with store.transaction():
        cursor = store.messages.cursor_of(MessageKey(conversation_id, up_to_id))
        if cursor is None:
            return 0, []
        read = store.messages.mark_read(conversation_id, cursor, read_at)
        for message in read:
            if message.expire_timer:
                # The receiver's copy disappears `timer` after reading (docs/protocol.md §6).
                store.messages.set_expiry(
                    MessageKey(conversation_id, message.id),
                    read_at + message.expire_timer * 1000,
                )
                started.append(message.id)
    return len(read), started


def _check_group(conversation_id: str) -> None:
    if group_id_of(conversation_id) is None:
        raise ClientError("not a group conversation id")


def _check_title(title: str) -> None:
    if not is_valid_group_title(title):
        raise ClientError("a group title is 1 to 128 characters on one line")


def _replace(state: GroupState, **changes: object) -> GroupState:
    return msgspec.structs.replace(state, **changes)
