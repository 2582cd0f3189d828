"""The notes a group's history shows for each change taken ("alice added carol").

Each taken change of a group's state (ours or a member's, see
:mod:`chat_desktop.services.groups_updates`) is kept as note rows of kind
:data:`~chat_desktop.storage.models.GROUP_NOTE_KIND` in the group's conversation, in the
same transaction as the new state, so the history tells who changed what and survives a
restart. A note never leaves this device (nothing is sent for it), is never unread and never
disappears.

A note's body is a verb, then a tab and its argument where it has one (plain text, written
and read here only, never on the wire):

``created`` + title, ``joined`` (we were added; the sender added us), ``added`` + username,
``removed`` + username, ``left`` (the sender left), ``admin`` + username, ``title`` + the new
title, ``timer`` + seconds, ``avatar``. The sender is the row's sender (``outgoing`` when it
is us). Runs on the store thread.
"""

from __future__ import annotations

from chat_desktop.services.context import EngineContext, new_message_id, now_ms
from chat_desktop.services.events import MessageReceived
from chat_desktop.services.group_state import GroupChanges, GroupState
from chat_desktop.storage.models import (
    GROUP_NOTE_KIND,
    Direction,
    MessageStatus,
    NewMessage,
)
from chat_desktop.storage.store import MessageStore


def note_bodies(
    changes: GroupChanges, state: GroupState, sender: str, *, first: bool, me: str
) -> list[str]:
    """The bodies of the notes one taken change makes (see the module's docstring)."""
    if first:
        if me not in state.members:
            return []  # a state we are not in (never ours): nothing to tell
        if state.revision == 1 and sender == me:
            return [f"created\t{state.title}"]
        return ["joined"]
    bodies: list[str] = []
    if changes.title_changed:
        bodies.append(f"title\t{state.title}")
    bodies += [f"added\t{user}" for user in changes.added]
    for user in changes.removed:
        bodies.append("left" if user == sender else f"removed\t{user}")
    bodies += [f"admin\t{user}" for user in changes.admins_added if user not in changes.added]
    if changes.timer_changed:
        bodies.append(f"timer\t{state.timer_seconds}")
    if changes.avatar_changed:
        bodies.append("avatar")
    return bodies


def add_notes(
    context: EngineContext,
    store: MessageStore,
    conversation_id: str,
    changes: GroupChanges,
    state: GroupState,
    sender: str,
    *,
    first: bool,
) -> list[MessageReceived]:
    """Stores the notes of one taken change; returns the events that show them."""
    me = context.username
    events: list[MessageReceived] = []
    for body in note_bodies(changes, state, sender, first=first, me=me):
        now = now_ms()
        note_id = new_message_id()
        inserted = store.messages.insert(
            NewMessage(
                id=note_id,
                conversation_id=conversation_id,
                sender=sender,
                direction=Direction.OUTGOING if sender == me else Direction.INCOMING,
                sort_key=now,
                kind=GROUP_NOTE_KIND,
                body=body,
                status=MessageStatus.READ,
                sent_at=now,
                received_at=now,
                read_at=now,
            )
        )
        if inserted:
            events.append(
                MessageReceived(
                    peer=conversation_id,
                    message_id=note_id,
                    kind=GROUP_NOTE_KIND,
                    text="",
                    sent_at=now,
                    sender=sender,
                )
            )
    return events
