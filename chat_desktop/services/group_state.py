"""A group's state and which ``group_update`` a member takes (issue 21), without any I/O.

The relay is group-blind: a group's state (title, members, admins, disappearing timer,
avatar, revision) lives only in its members' clients and changes through ``group_update``
contents that carry the whole new state, sent pairwise to every member device, also to the
members being removed (docs/protocol.md §4). :func:`apply_update` decides what a client does
with one — take it, ignore it as stale, or refuse it — so that every member that gets the
same updates ends with the same state, whatever order they arrive in:

1. a first state (nothing held yet) is taken from one of its own admins: for revision 1 that
   is its creator;
2. a higher revision than the one held is taken from an admin of the held state; a member
   that is not an admin may only leave (the held state minus itself, revision + 1);
3. a lower revision, or the same again, is stale; another update of the held revision
   replaces the held one only when its (sender, content id) is smaller, judged against the
   same state the held one was judged against, so both delivery orders end alike.

Every update carries the whole state, so a member that missed one (or refused one whose
sender's rights came from an update it has not got yet) catches up with the next it takes.
"""

from __future__ import annotations

import enum
from typing import Annotated

import msgspec

from chat_desktop.protocol.message_content import (
    MAX_GROUP_MEMBERS,
    GroupAvatar,
    GroupId,
    GroupRevision,
    GroupTitle,
    GroupUpdateContent,
    TimerSeconds,
    Username,
    group_membership_problem,
)

GroupUsernames = Annotated[tuple[Username, ...], msgspec.Meta(max_length=MAX_GROUP_MEMBERS)]


class GroupState(msgspec.Struct, frozen=True, kw_only=True):
    """A group as of one revision: what a ``group_update`` carries, with the same bounds.

    Member order is the order the sender listed them in; admins are a subset of members.
    """

    group_id: GroupId
    revision: GroupRevision
    title: GroupTitle
    members: GroupUsernames
    admins: GroupUsernames
    timer_seconds: TimerSeconds = 0
    avatar: GroupAvatar | None = None

    @classmethod
    def of(cls, content: GroupUpdateContent) -> GroupState:
        """The state a received (already bounds-checked) ``group_update`` carries."""
        return cls(
            group_id=content.group_id,
            revision=content.revision,
            title=content.title,
            members=tuple(content.members),
            admins=tuple(content.admins),
            timer_seconds=content.timer_seconds,
            avatar=content.avatar,
        )

    def to_content(
        self, *, content_id: str, sent_at: int, expire_timer: int = 0
    ) -> GroupUpdateContent:
        """The ``group_update`` content that carries this state, to send to every member."""
        return GroupUpdateContent(
            id=content_id,
            sent_at=sent_at,
            expire_timer=expire_timer,
            group_id=self.group_id,
            revision=self.revision,
            title=self.title,
            members=list(self.members),
            admins=list(self.admins),
            timer_seconds=self.timer_seconds,
            avatar=self.avatar,
        )


class GroupUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """A new group state, who sent it and the id of the content that carried it."""

    state: GroupState
    sender: str
    content_id: str

    @classmethod
    def of(cls, content: GroupUpdateContent, *, sender: str) -> GroupUpdate:
        """The update a received ``group_update`` content from ``sender`` makes."""
        return cls(state=GroupState.of(content), sender=sender, content_id=content.id)

    @property
    def rank(self) -> tuple[str, str]:
        """(sender, content id): of two updates of one revision, the smaller one wins."""
        return (self.sender, self.content_id)


class HeldGroup(msgspec.Struct, frozen=True, kw_only=True):
    """What a member keeps of a group: the update it took and the state it judged it against.

    ``base`` is None when the update was taken as a first state (rule 1); a rival of the
    same revision is judged against the same ``base``, so the order they came in does not
    matter.
    """

    update: GroupUpdate
    base: GroupState | None = None

    @property
    def state(self) -> GroupState:
        """The group's state as this member holds it."""
        return self.update.state


class GroupChanges(msgspec.Struct, frozen=True, kw_only=True):
    """What one taken update changed, for the history's notes ("alice added carol").

    Against no earlier state (a group first seen) everything it holds counts as changed. A
    member that left is the update's sender alone in ``removed``.
    """

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    admins_added: tuple[str, ...] = ()
    admins_removed: tuple[str, ...] = ()
    title_changed: bool = False
    timer_changed: bool = False
    avatar_changed: bool = False

    @property
    def admins_changed(self) -> bool:
        """Whether anyone became or stopped being an admin."""
        return bool(self.admins_added or self.admins_removed)

    @classmethod
    def between(cls, before: GroupState | None, after: GroupState) -> GroupChanges:
        """The changes from ``before`` (None: no state yet) to ``after``."""
        old_members = () if before is None else before.members
        old_admins = () if before is None else before.admins
        return cls(
            added=_missing_from(after.members, old_members),
            removed=_missing_from(old_members, after.members),
            admins_added=_missing_from(after.admins, old_admins),
            admins_removed=_missing_from(old_admins, after.admins),
            title_changed=before is None or before.title != after.title,
            timer_changed=(0 if before is None else before.timer_seconds) != after.timer_seconds,
            avatar_changed=(None if before is None else before.avatar) != after.avatar,
        )


class Outcome(enum.StrEnum):
    """What a client does with a ``group_update``."""

    APPLIED = "applied"
    IGNORED_STALE = "ignored_stale"
    REFUSED = "refused"


class Refusal(enum.StrEnum):
    """Why a ``group_update`` was refused (the engine records it; nothing changes)."""

    INVALID = "invalid"
    WRONG_GROUP = "wrong_group"
    NOT_THE_CREATOR = "not_the_creator"
    NOT_AN_ADMIN = "not_an_admin"
    NOT_ONLY_LEAVING = "not_only_leaving"


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    """The answer of :func:`apply_update`.

    ``held`` is what the receiver holds afterwards (the new update when applied, else what
    it held). ``changes`` is set only when applied. ``receiver_removed`` says that the
    receiver was a member before and is not in the taken state: the engine stops sending to
    the group and tells the user.
    """

    outcome: Outcome
    held: HeldGroup | None
    changes: GroupChanges | None = None
    refusal: Refusal | None = None
    receiver_removed: bool = False


def apply_update(current: HeldGroup | None, update: GroupUpdate, *, receiver: str) -> Decision:
    """What ``receiver``, holding ``current`` of a group, does with ``update`` of it.

    Pure: the caller stores ``Decision.held`` when the outcome is applied. See the module's
    rules; a receiver that is not a member of what it holds (it was removed) judges a higher
    revision as a first state, since it was not told what happened meanwhile.
    """
    if not is_valid_state(update.state):
        return _refused(current, Refusal.INVALID)
    if current is None:
        return _judged(current, None, update, receiver)
    held = current.update
    if update.state.group_id != held.state.group_id:
        return _refused(current, Refusal.WRONG_GROUP)
    revision, held_revision = update.state.revision, held.state.revision
    if revision < held_revision or (revision == held_revision and update.rank >= held.rank):
        return Decision(outcome=Outcome.IGNORED_STALE, held=current)
    if revision == held_revision:
        base = current.base
    elif receiver in held.state.members:
        base = held.state
    else:
        base = None
    return _judged(current, base, update, receiver)


def leave_state(state: GroupState, member: str) -> GroupState:
    """The state after ``member`` leaves: ``state`` without it (also as admin), revision + 1.

    The one change a member that is not an admin may make; the others keep their order.
    """
    return msgspec.structs.replace(
        state,
        revision=state.revision + 1,
        members=tuple(name for name in state.members if name != member),
        admins=tuple(name for name in state.admins if name != member),
    )


def is_valid_state(state: GroupState) -> bool:
    """Whether every field of ``state`` is within the bounds a ``group_update`` has.

    A state built in code is not checked on construction; this checks it the way a
    received one is (schema bounds, unique members and admins, admins ⊆ members).
    """
    try:
        msgspec.msgpack.decode(msgspec.msgpack.encode(state), type=GroupState)
    except msgspec.ValidationError:
        return False
    return group_membership_problem(state.members, state.admins) is None


def _judged(
    current: HeldGroup | None, base: GroupState | None, update: GroupUpdate, receiver: str
) -> Decision:
    refusal = _refusal(base, update)
    if refusal is not None:
        return _refused(current, refusal)
    before = None if current is None else current.state
    return Decision(
        outcome=Outcome.APPLIED,
        held=HeldGroup(update=update, base=base),
        changes=GroupChanges.between(before, update.state),
        receiver_removed=(
            before is not None
            and receiver in before.members
            and receiver not in update.state.members
        ),
    )


def _refusal(base: GroupState | None, update: GroupUpdate) -> Refusal | None:
    """Why ``update`` may not follow ``base`` (None: taken as a first state), or None."""
    new, sender = update.state, update.sender
    if base is None:
        if sender in new.admins:
            return None
        return Refusal.NOT_THE_CREATOR if new.revision == 1 else Refusal.NOT_AN_ADMIN
    if sender in base.admins:
        return None
    if sender not in base.members:
        return Refusal.NOT_AN_ADMIN
    if new == leave_state(base, sender):
        return None
    return Refusal.NOT_ONLY_LEAVING


def _refused(current: HeldGroup | None, refusal: Refusal) -> Decision:
    return Decision(outcome=Outcome.REFUSED, held=current, refusal=refusal)


def _missing_from(names: tuple[str, ...], others: tuple[str, ...]) -> tuple[str, ...]:
    """The names of ``names`` not in ``others``, in their order."""
    present = set(others)
    return tuple(name for name in names if name not in present)
