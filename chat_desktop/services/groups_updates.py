"""Group updates: making the next state, sending it, and taking the ones members send.

Every change (create, rename, add, remove, make admin, leave, timer) is a whole new state at
revision + 1, judged by the same rule as a received one (:func:`apply_update`, so we never
send what members would refuse), kept, and queued as a ``group_update`` pairwise to every
device of every member of the old and the new state (the removed ones learn it) and to our
own other devices (docs/protocol.md §4).

A received update is judged by :func:`apply_update`. One taken that removes members makes us
forget their sender keys and rotate ours (docs/protocol.md §11.1). One refused because its
sender's rights may come from an update we have not got yet (a higher revision, its sender
not an admin of what we hold) is kept aside (at most 16 per group) and offered again after
each update taken, so a member is never left behind for ever. Runs on the store thread.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence

import msgspec

from chat_desktop.protocol.message_content import (
    GROUP_ID_SIZE,
    ContentError,
    GroupUpdateContent,
    decode_transcript,
    encode_content,
    transcript_of,
)
from chat_desktop.services.context import EngineContext, new_message_id, now_ms
from chat_desktop.services.events import ClientEvent, GroupChanged, GroupUpdateRefused
from chat_desktop.services.group_history_notes import add_notes
from chat_desktop.services.group_state import (
    Decision,
    GroupChanges,
    GroupState,
    GroupUpdate,
    HeldGroup,
    Outcome,
    Refusal,
    apply_update,
    is_valid_state,
)
from chat_desktop.services.groups_held import NotAGroupMember, load_held, save_held
from chat_desktop.services.groups_keys import rotate_own_key
from chat_desktop.services.sending import OutboxPayload, encode_payload
from chat_desktop.storage.group_ids import group_conversation_id
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

#: Refusals that a missing earlier update may explain: such an update is kept aside.
_MAYBE_EARLY: frozenset[Refusal] = frozenset({Refusal.NOT_AN_ADMIN, Refusal.NOT_ONLY_LEAVING})
#: Most updates kept aside offered again after one update taken (each at most once).
_MAX_REOFFERS = 16


class GroupChangeRefused(ValueError):
    """The change is not allowed (not an admin, a bound broken); nothing changed."""


# ---- sending ----------------------------------------------------------------------------------


def create_group(
    context: EngineContext, store: MessageStore, title: str, members: Sequence[str]
) -> tuple[str, GroupChanged]:
    """Makes a group (we are its creator and only admin) and queues its first state.

    Returns:
        The group's conversation id, and the event that tells it.

    Raises:
        GroupChangeRefused: The title or member list is out of bounds.
    """
    me = context.username
    state = GroupState(
        group_id=os.urandom(GROUP_ID_SIZE),
        revision=1,
        title=title,
        members=(me, *[member for member in members if member != me]),
        admins=(me,),
    )
    if not is_valid_state(state):
        raise GroupChangeRefused("the group's title or members are out of bounds")
    content = state.to_content(content_id=new_message_id(), sent_at=now_ms())
    update = GroupUpdate(state=state, sender=me, content_id=content.id)
    with store.transaction():
        conversation_id = save_held(store, HeldGroup(update=update))
        store.conversations.set_title(conversation_id, title)
        _queue_update(context, store, conversation_id, (), content)
        changes = GroupChanges.between(None, state)
        add_notes(context, store, conversation_id, changes, state, me, first=True)
    return conversation_id, _changed(conversation_id, update, changes, removed_me=False)


def change_group(
    context: EngineContext,
    store: MessageStore,
    conversation_id: str,
    build: Callable[[GroupState], GroupState],
) -> list[ClientEvent]:
    """Applies ``build`` (the next state from the held one) and queues it to everyone.

    Raises:
        NotAGroupMember: The group is not held or we are not a member.
        GroupChangeRefused: We may not make this change, it changes nothing, or it is out
            of bounds.
    """
    me = context.username
    with store.transaction():
        held = load_held(store, conversation_id)
        if held is None or me not in held.state.members:
            raise NotAGroupMember("not a member of this group")
        built = build(held.state)
        if msgspec.structs.replace(built, revision=held.state.revision) == held.state:
            raise GroupChangeRefused("nothing to change")
        state = msgspec.structs.replace(built, revision=held.state.revision + 1)
        if not is_valid_state(state):
            raise GroupChangeRefused("the group's title or members are out of bounds")
        content = state.to_content(content_id=new_message_id(), sent_at=now_ms())
        decision = apply_update(held, GroupUpdate.of(content, sender=me), receiver=me)
        if decision.outcome is not Outcome.APPLIED:
            raise GroupChangeRefused("only an admin may make this change")
        events = _take(context, store, conversation_id, held, decision)
        _queue_update(context, store, conversation_id, held.state.members, content)
    return events


def _queue_update(
    context: EngineContext,
    store: MessageStore,
    conversation_id: str,
    old_members: Sequence[str],
    content: GroupUpdateContent,
) -> None:
    """Queues ``content`` pairwise to every old and new member and our other devices."""
    me = context.username
    payload = encode_payload(
        OutboxPayload(
            content=encode_content(content), bodies=None, expires_at=None, track_status=False
        )
    )
    recipients = dict.fromkeys([*old_members, *content.members])
    recipients.pop(me, None)
    for user in [*recipients, me]:
        store.outbox.enqueue(conversation_id, content.id, user, payload)


# ---- receiving --------------------------------------------------------------------------------


def receive_update(
    context: EngineContext, store: MessageStore, sender: str, content: GroupUpdateContent
) -> list[ClientEvent]:
    """Judges a received ``group_update`` and does what the judgment says."""
    conversation_id = group_conversation_id(content.group_id)
    events, applied = _offer(context, store, conversation_id, sender, content, keep=True)
    if applied:
        events += _reoffer(context, store, conversation_id)
    return events


def _offer(
    context: EngineContext,
    store: MessageStore,
    conversation_id: str,
    sender: str,
    content: GroupUpdateContent,
    *,
    keep: bool,
) -> tuple[list[ClientEvent], bool]:
    """Offers one update; returns the events and whether it was taken."""
    current = load_held(store, conversation_id)
    decision = apply_update(
        current, GroupUpdate.of(content, sender=sender), receiver=context.username
    )
    if decision.outcome is Outcome.APPLIED:
        return _take(context, store, conversation_id, current, decision), True
    if decision.outcome is Outcome.IGNORED_STALE:
        refused = GroupUpdateRefused(peer=conversation_id, sender=sender, reason="stale")
        return [refused], False
    kept = (
        keep
        and current is not None
        and decision.refusal in _MAYBE_EARLY
        and content.revision > current.state.revision
    )
    if kept:
        store.groups.defer_update(
            conversation_id, sender, content.id, content.revision, transcript_of(content)
        )
    reason = decision.refusal.value if decision.refusal is not None else "refused"
    logger.info("refused a group update (%s)", reason)
    refused = GroupUpdateRefused(
        peer=conversation_id, sender=sender, reason=reason, kept_aside=kept
    )
    return [refused], False


def _reoffer(
    context: EngineContext, store: MessageStore, conversation_id: str
) -> list[ClientEvent]:
    """Offers the updates kept aside again, lowest revision first, until none is taken."""
    events: list[ClientEvent] = []
    for _ in range(_MAX_REOFFERS):
        taken = False
        held = load_held(store, conversation_id)
        for sender, content_id, data in store.groups.deferred_updates(conversation_id):
            try:
                content = decode_transcript(data)
            except ContentError:
                content = None
            if (
                not isinstance(content, GroupUpdateContent)
                or held is None
                or (content.revision <= held.state.revision)
            ):
                store.groups.drop_deferred_update(conversation_id, sender, content_id)
                continue  # stale now (or damaged): forgotten
            offered, taken = _offer(context, store, conversation_id, sender, content, keep=False)
            if taken:
                store.groups.drop_deferred_update(conversation_id, sender, content_id)
                events += offered
                break
        if not taken:
            break
    return events


def _take(
    context: EngineContext,
    store: MessageStore,
    conversation_id: str,
    current: HeldGroup | None,
    decision: Decision,
) -> list[ClientEvent]:
    """Keeps a taken update; forgets removed members' keys and rotates ours after a removal."""
    assert decision.held is not None and decision.changes is not None
    state = decision.held.state
    save_held(store, decision.held)
    changes = decision.changes
    if changes.title_changed:
        store.conversations.set_title(conversation_id, state.title)
    if changes.timer_changed:
        store.conversations.set_expire_timer(conversation_id, state.timer_seconds)
    if changes.removed:
        for user in changes.removed:
            store.groups.drop_received_sender_keys(conversation_id, user)
        rotate_own_key(store, conversation_id)
    removed_me = decision.receiver_removed or (
        current is None and context.username not in state.members
    )
    sender = decision.held.update.sender
    notes = add_notes(
        context, store, conversation_id, changes, state, sender, first=current is None
    )
    return [_changed(conversation_id, decision.held.update, changes, removed_me=removed_me), *notes]


def _changed(
    conversation_id: str, update: GroupUpdate, changes: GroupChanges, *, removed_me: bool
) -> GroupChanged:
    """The event that tells what a taken update changed."""
    return GroupChanged(
        peer=conversation_id,
        revision=update.state.revision,
        removed_me=removed_me,
        sender=update.sender,
        added=changes.added,
        removed=changes.removed,
        admins_added=changes.admins_added,
        admins_removed=changes.admins_removed,
        title_changed=changes.title_changed,
        timer_changed=changes.timer_changed,
        avatar_changed=changes.avatar_changed,
    )
