"""Which ``group_update`` a member takes, and that every member ends with the same state."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable

import msgspec
import pytest

from chat_desktop.protocol.message_content import (
    MAX_GROUP_MEMBERS,
    ContentError,
    GroupAvatar,
    GroupUpdateContent,
    decode_content,
    encode_content,
    pad,
    transcript_of,
)
from chat_desktop.services.group_state import (
    GroupChanges,
    GroupState,
    GroupUpdate,
    HeldGroup,
    Outcome,
    Refusal,
    apply_update,
    is_valid_state,
    leave_state,
)

pytestmark = pytest.mark.unit

GROUP_ID = bytes(range(32))
AVATAR = GroupAvatar(blob_id="ab" * 16, key=b"k" * 64, digest=b"d" * 32, size=10)
CREATED = GroupState(
    group_id=GROUP_ID,
    revision=1,
    title="Hiking club",
    members=("alice", "bob", "dave"),
    admins=("alice",),
)
_ids = iter(range(1, 1_000_000))


def content_id() -> str:
    """A fresh content id, increasing with each call."""
    return str(uuid.UUID(int=next(_ids)))


def by(sender: str, state: GroupState, identifier: str | None = None) -> GroupUpdate:
    """``state`` as an update from ``sender``."""
    return GroupUpdate(state=state, sender=sender, content_id=identifier or content_id())


def next_of(state: GroupState, **changes: object) -> GroupState:
    """``state`` with ``changes`` at the next revision."""
    return msgspec.structs.replace(state, revision=state.revision + 1, **changes)


def held_after(updates: Iterable[GroupUpdate], *, receiver: str) -> HeldGroup | None:
    """What ``receiver`` holds after getting ``updates`` in this order."""
    held: HeldGroup | None = None
    for one in updates:
        held = apply_update(held, one, receiver=receiver).held
    return held


def created(receiver: str = "bob") -> HeldGroup:
    decision = apply_update(None, by("alice", CREATED), receiver=receiver)
    assert decision.held is not None
    return decision.held


def test_the_creators_revision_one_is_applied() -> None:
    decision = apply_update(None, by("alice", CREATED), receiver="bob")
    assert decision.outcome is Outcome.APPLIED
    assert decision.held is not None and decision.held.state == CREATED
    assert decision.changes == GroupChanges(
        added=("alice", "bob", "dave"), admins_added=("alice",), title_changed=True
    )
    assert not decision.receiver_removed


@pytest.mark.parametrize("sender", ["bob", "mallory"])
def test_revision_one_not_by_its_creator_is_refused(sender: str) -> None:
    decision = apply_update(None, by(sender, CREATED), receiver="dave")
    assert decision.outcome is Outcome.REFUSED
    assert decision.refusal is Refusal.NOT_THE_CREATOR
    assert decision.held is None


def test_an_admin_adds_and_removes_members() -> None:
    added = next_of(CREATED, members=("alice", "bob", "dave", "carol"))
    decision = apply_update(created(), by("alice", added), receiver="bob")
    assert decision.outcome is Outcome.APPLIED
    assert decision.changes == GroupChanges(added=("carol",))
    assert decision.held is not None
    removed = next_of(added, members=("alice", "bob", "carol"))
    decision = apply_update(decision.held, by("alice", removed), receiver="bob")
    assert decision.outcome is Outcome.APPLIED
    assert decision.held is not None and decision.held.state == removed
    assert decision.changes == GroupChanges(removed=("dave",))
    assert not decision.receiver_removed


def test_a_non_admin_adding_someone_is_refused() -> None:
    held = created()
    added = next_of(CREATED, members=(*CREATED.members, "mallory"))
    decision = apply_update(held, by("bob", added), receiver="dave")
    assert decision.outcome is Outcome.REFUSED
    assert decision.refusal is Refusal.NOT_ONLY_LEAVING
    assert decision.held == held
    assert decision.changes is None


def test_a_non_admin_making_itself_admin_even_revisions_ahead_is_refused() -> None:
    ahead = msgspec.structs.replace(CREATED, revision=9, admins=("alice", "bob"))
    decision = apply_update(created(), by("bob", ahead), receiver="dave")
    assert decision.refusal is Refusal.NOT_ONLY_LEAVING


def test_a_non_admin_changing_the_title_is_refused() -> None:
    decision = apply_update(created(), by("bob", next_of(CREATED, title="Bob's")), receiver="dave")
    assert decision.outcome is Outcome.REFUSED
    assert decision.refusal is Refusal.NOT_ONLY_LEAVING


def test_a_non_member_is_refused() -> None:
    decision = apply_update(created(), by("mallory", next_of(CREATED, title="x")), receiver="bob")
    assert decision.refusal is Refusal.NOT_AN_ADMIN


def test_a_non_admin_leaving_is_applied() -> None:
    left = leave_state(CREATED, "bob")
    assert left == next_of(CREATED, members=("alice", "dave"))
    decision = apply_update(created("dave"), by("bob", left), receiver="dave")
    assert decision.outcome is Outcome.APPLIED
    assert decision.changes == GroupChanges(removed=("bob",))
    # The leaver's own other devices take it too, and learn they are out.
    decision = apply_update(created("bob"), by("bob", left), receiver="bob")
    assert decision.outcome is Outcome.APPLIED
    assert decision.receiver_removed


def test_a_leave_that_changes_anything_else_is_refused() -> None:
    left = leave_state(CREATED, "bob")
    for forged in (
        msgspec.structs.replace(left, title="Bob was here"),
        msgspec.structs.replace(left, revision=3),
        msgspec.structs.replace(left, members=("alice",)),
    ):
        decision = apply_update(created("dave"), by("bob", forged), receiver="dave")
        assert decision.refusal is Refusal.NOT_ONLY_LEAVING


def test_an_admin_leaving_also_leaves_the_admins() -> None:
    state = next_of(CREATED, admins=("alice", "bob"))
    held = held_after([by("alice", CREATED), by("alice", state)], receiver="dave")
    decision = apply_update(held, by("alice", leave_state(state, "alice")), receiver="dave")
    assert decision.outcome is Outcome.APPLIED
    assert decision.changes == GroupChanges(removed=("alice",), admins_removed=("alice",))
    assert decision.held is not None and decision.held.state.admins == ("bob",)


def test_a_replayed_old_update_is_ignored() -> None:
    second = by("alice", next_of(CREATED, title="Second"))
    third = by("alice", next_of(second.state, title="Third"))
    held = held_after([by("alice", CREATED), second, third], receiver="bob")
    for replay in (second, third, by("alice", CREATED)):
        decision = apply_update(held, replay, receiver="bob")
        assert decision.outcome is Outcome.IGNORED_STALE
        assert decision.held == held


def test_removing_the_receiver_reports_it_to_that_receiver_only() -> None:
    removed = next_of(CREATED, members=("alice", "bob"))
    for receiver, expected in (("dave", True), ("bob", False), ("alice", False)):
        decision = apply_update(created(receiver), by("alice", removed), receiver=receiver)
        assert decision.outcome is Outcome.APPLIED
        assert decision.receiver_removed is expected


def test_a_removed_member_takes_being_added_back_by_a_newer_admin() -> None:
    """It was not told what happened while it was out: the update is judged as a first one."""
    removed = next_of(CREATED, members=("alice", "bob"))
    dave_held = held_after([by("alice", CREATED), by("alice", removed)], receiver="dave")
    bob_admin = next_of(removed, admins=("alice", "bob"))
    back = next_of(bob_admin, members=("alice", "bob", "dave"))
    decision = apply_update(dave_held, by("bob", back), receiver="dave")
    assert decision.outcome is Outcome.APPLIED
    assert decision.changes == GroupChanges(added=("dave",), admins_added=("bob",))


def test_a_first_state_at_a_later_revision_comes_from_one_of_its_admins() -> None:
    """A member added later gets the whole state at the group's revision."""
    later = msgspec.structs.replace(CREATED, revision=7, members=(*CREATED.members, "erin"))
    assert apply_update(None, by("alice", later), receiver="erin").outcome is Outcome.APPLIED
    refused = apply_update(None, by("bob", later), receiver="erin")
    assert refused.refusal is Refusal.NOT_AN_ADMIN


def test_an_update_of_another_group_is_refused() -> None:
    other = next_of(CREATED, group_id=bytes(32))
    assert apply_update(created(), by("alice", other), receiver="bob").refusal is (
        Refusal.WRONG_GROUP
    )


@pytest.mark.parametrize(
    "invalid",
    [
        msgspec.structs.replace(CREATED, members=("alice", "alice")),
        msgspec.structs.replace(CREATED, admins=("alice", "carol")),
        msgspec.structs.replace(CREATED, title=""),
        msgspec.structs.replace(CREATED, title="a\u202eb"),
        msgspec.structs.replace(CREATED, revision=0),
        msgspec.structs.replace(CREATED, timer_seconds=-1),
        msgspec.structs.replace(CREATED, group_id=b"short"),
        msgspec.structs.replace(CREATED, members=(*CREATED.members, "Not Valid")),
    ],
)
def test_an_invalid_state_is_refused(invalid: GroupState) -> None:
    assert not is_valid_state(invalid)
    assert apply_update(None, by("alice", invalid), receiver="bob").refusal is Refusal.INVALID
    assert apply_update(created(), by("alice", invalid), receiver="bob").refusal is (
        Refusal.INVALID
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"members": [f"user{index:03d}" for index in range(MAX_GROUP_MEMBERS + 1)]},
        {"title": "t" * 129},
        {"title": "Hiking\nclub"},
        {"title": "Hiking\u202eclub"},
        {"admins": ["alice", "mallory"]},
    ],
)
def test_out_of_bound_updates_are_refused_by_decode(fields: dict[str, object]) -> None:
    content = CREATED.to_content(content_id=content_id(), sent_at=1)
    fields_sent = msgspec.msgpack.decode(transcript_of(content)) | fields
    with pytest.raises(ContentError):
        decode_content(pad(msgspec.msgpack.encode(fields_sent)))


def test_a_state_travels_as_its_content_and_back() -> None:
    state = next_of(CREATED, timer_seconds=3600, avatar=AVATAR)
    identifier = content_id()
    content = decode_content(encode_content(state.to_content(content_id=identifier, sent_at=5)))
    assert isinstance(content, GroupUpdateContent)
    assert GroupState.of(content) == state
    assert GroupUpdate.of(content, sender="alice") == by("alice", state, identifier)


def test_the_changes_name_what_changed() -> None:
    after = next_of(
        CREATED,
        title="New",
        timer_seconds=60,
        avatar=AVATAR,
        members=("alice", "dave", "erin"),
        admins=("alice", "dave"),
    )
    changes = GroupChanges.between(CREATED, after)
    assert changes == GroupChanges(
        added=("erin",),
        removed=("bob",),
        admins_added=("dave",),
        title_changed=True,
        timer_changed=True,
        avatar_changed=True,
    )
    assert changes.admins_changed
    assert not GroupChanges.between(CREATED, next_of(CREATED)).admins_changed


def test_two_admins_renaming_at_once_end_alike_in_both_orders() -> None:
    both_admins = next_of(CREATED, admins=("alice", "bob"))
    start = [by("alice", CREATED), by("alice", both_admins)]
    alices = by("alice", next_of(both_admins, title="Alice's"))
    bobs = by("bob", next_of(both_admins, title="Bob's"))
    one = held_after([*start, alices, bobs], receiver="dave")
    other = held_after([*start, bobs, alices], receiver="dave")
    assert one == other
    assert one is not None and one.update == alices  # ("alice", …) < ("bob", …)


def test_a_rival_that_wins_is_judged_against_the_state_the_loser_was() -> None:
    """Carol takes Bob's admin rights while Bob renames: Bob's rename wins the tie, even
    where Carol's update, which says Bob is no admin, arrived first."""
    three_admins = next_of(
        CREATED, members=(*CREATED.members, "carol"), admins=("alice", "bob", "carol")
    )
    start = [by("alice", CREATED), by("alice", three_admins)]
    demoted = by("carol", next_of(three_admins, admins=("alice", "carol")))
    renamed = by("bob", next_of(three_admins, title="Bob's"))
    carol_first = held_after([*start, demoted, renamed], receiver="dave")
    bob_first = held_after([*start, renamed, demoted], receiver="dave")
    assert carol_first == bob_first
    assert carol_first is not None and carol_first.update == renamed


# ---- convergence -------------------------------------------------------------------------

CORE_ADMINS = ("alice", "bob", "carol")
OTHERS = ("dave", "erin", "frank", "grace", "heidi", "ivan", "judy")
OBSERVERS = ("alice", "bob", "dave", "erin")


def random_change(rng: random.Random, state: GroupState, core: tuple[str, ...]) -> GroupState:
    """One admin's change of ``state`` (never touching the sending ``core`` admins)."""
    others = [name for name in state.members if name not in core]
    outside = [name for name in OTHERS if name not in state.members]
    plain = [name for name in others if name not in state.admins]
    admins = [name for name in state.admins if name not in core]
    choice = rng.choice(["title", "timer", "avatar", "add", "remove", "admin", "unadmin"])
    if choice == "add" and outside:
        return next_of(state, members=(*state.members, rng.choice(outside)))
    if choice == "remove" and others:
        gone = rng.choice(others)
        return next_of(
            state,
            members=tuple(name for name in state.members if name != gone),
            admins=tuple(name for name in state.admins if name != gone),
        )
    if choice == "admin" and plain:
        return next_of(state, admins=(*state.admins, rng.choice(plain)))
    if choice == "unadmin" and admins:
        gone = rng.choice(admins)
        return next_of(state, admins=tuple(name for name in state.admins if name != gone))
    if choice == "timer":
        return next_of(state, timer_seconds=rng.choice([0, 30, 3600, 86_400]))
    if choice == "avatar":
        return next_of(state, avatar=rng.choice([None, AVATAR]))
    return next_of(state, title=f"Title {rng.randrange(1000)}")


def concurrent_history(rng: random.Random) -> list[GroupUpdate]:
    """Rounds of 2–3 admins each changing the group at the same revision.

    Each admin builds on one of the previous round's updates (the winner, or one it has
    not yet learned lost), so every round is a race.
    """
    core = CORE_ADMINS[: rng.choice([2, 3])]
    first = GroupState(
        group_id=GROUP_ID,
        revision=1,
        title="Start",
        members=(*core, *OTHERS[:3]),
        admins=core,
    )
    history = [by("alice", first, str(uuid.UUID(int=rng.getrandbits(128))))]
    previous_round = [first]
    for _ in range(rng.randint(3, 6)):
        senders = rng.sample(core, rng.randint(2, len(core)))
        this_round = [
            by(
                sender,
                random_change(rng, rng.choice(previous_round), core),
                str(uuid.UUID(int=rng.getrandbits(128))),
            )
            for sender in senders
        ]
        history.extend(this_round)
        previous_round = [one.state for one in this_round]
    return history


@pytest.mark.parametrize("seed", range(8))
def test_every_member_ends_with_the_same_state_whatever_the_delivery_order(seed: int) -> None:
    rng = random.Random(seed)
    history = concurrent_history(rng)
    last_revision = max(one.state.revision for one in history)
    expected = min(
        (one for one in history if one.state.revision == last_revision), key=lambda one: one.rank
    )
    for _ in range(200):
        order = history[:]
        rng.shuffle(order)
        for receiver in OBSERVERS:
            held = held_after(order, receiver=receiver)
            assert held is not None
            assert held.update == expected, (seed, receiver)
