"""The notes a group change leaves in the history (services/group_history_notes.py)."""

from __future__ import annotations

import msgspec

from chat_desktop.services.group_history_notes import note_bodies
from chat_desktop.services.group_state import GroupChanges, GroupState

BASE = GroupState(
    group_id=b"\x01" * 16,
    revision=3,
    title="Hike",
    members=("alice", "bob", "carol"),
    admins=("alice",),
)


def bodies(before: GroupState | None, after: GroupState, sender: str, me: str) -> list[str]:
    changes = GroupChanges.between(before, after)
    return note_bodies(changes, after, sender, first=before is None, me=me)


def test_a_first_state_is_created_by_us_or_joined_and_never_for_a_stranger() -> None:
    created = msgspec.structs.replace(BASE, revision=1)
    assert bodies(None, created, "alice", "alice") == ["created\tHike"]
    assert bodies(None, BASE, "alice", "bob") == ["joined"]
    assert bodies(None, BASE, "alice", "erin") == []  # not a member: nothing to tell


def test_each_change_is_one_note_in_a_fixed_order() -> None:
    after = msgspec.structs.replace(
        BASE,
        revision=4,
        title="Hike 2",
        members=("alice", "bob", "dave"),
        admins=("alice", "bob"),
        timer_seconds=3600,
    )
    assert bodies(BASE, after, "alice", "bob") == [
        "title\tHike 2",
        "added\tdave",
        "removed\tcarol",
        "admin\tbob",
        "timer\t3600",
    ]


def test_a_member_leaving_is_left_not_removed() -> None:
    after = msgspec.structs.replace(BASE, revision=4, members=("alice", "bob"))
    assert bodies(BASE, after, "carol", "alice") == ["left"]
