"""The ``group_update`` content: exact encoding, a round trip, and every bound enforced."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from chat_desktop.protocol.message_content import (
    MAX_GROUP_MEMBERS,
    MAX_GROUP_REVISION,
    MAX_GROUP_TITLE_LENGTH,
    MAX_TIMER_SECONDS,
    ContentError,
    GroupAvatar,
    GroupUpdateContent,
    decode_content,
    decode_transcript,
    encode_content,
    group_membership_problem,
    is_valid_group_title,
    pad,
    transcript_of,
)

pytestmark = pytest.mark.unit

ID = "0190f5a4-7c3e-7b2a-9f00-0123456789ab"
GROUP_ID = bytes(range(32))
AVATAR: dict[str, Any] = {"blob_id": "ab" * 16, "key": b"k" * 64, "digest": b"d" * 32, "size": 10}
MANY = [f"user{index:03d}" for index in range(MAX_GROUP_MEMBERS + 1)]
#: Every kind of character a title (like a file name) may not hold, one of each range's ends.
TITLE_CONTROLS = (
    "\x00",
    "\x1f",
    "\n",
    "\x7f",
    "\x85",
    "\x9f",
    "\u061c",
    "\u200e",
    "\u200f",
    "\u2028",
    "\u2029",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
)


def raw(fields: dict[str, Any]) -> bytes:
    """Pads a raw msgpack map the way a (possibly hostile) sender would."""
    return pad(msgspec.msgpack.encode(fields))


def update(**changes: Any) -> dict[str, Any]:
    """A valid raw ``group_update`` map, with ``changes`` applied."""
    fields: dict[str, Any] = {
        "kind": "group_update",
        "group_id": GROUP_ID,
        "revision": 3,
        "title": "Hiking club",
        "members": ["alice", "bob", "carol"],
        "admins": ["alice"],
        "timer_seconds": 3600,
        "avatar": AVATAR,
        "v": 1,
        "id": ID,
        "sent_at": 1_700_000_000_000,
        "expire_timer": 0,
    }
    return fields | changes


def test_the_content_round_trips_with_its_fields_in_the_documented_order() -> None:
    content = GroupUpdateContent(
        id=ID,
        sent_at=1_700_000_000_000,
        group_id=GROUP_ID,
        revision=3,
        title="Hiking club",
        members=["alice", "bob", "carol"],
        admins=["alice"],
        timer_seconds=3600,
        avatar=GroupAvatar(**AVATAR),
    )
    encoded = transcript_of(content)
    assert list(msgspec.msgpack.decode(encoded)) == list(update())
    assert msgspec.msgpack.decode(encoded) == update()
    assert decode_content(encode_content(content)) == content
    assert decode_content(raw(update())) == content


def test_no_avatar_is_nil_and_a_missing_avatar_reads_as_none() -> None:
    content = decode_content(raw(update(avatar=None)))
    assert isinstance(content, GroupUpdateContent)
    assert content.avatar is None
    without = update()
    del without["avatar"]
    assert decode_content(raw(without)) == content


def test_a_sent_transcript_may_carry_it() -> None:
    """Our own other devices follow group changes through the usual transcript."""
    content = decode_content(raw(update()))
    assert decode_transcript(transcript_of(content)) == content


@pytest.mark.parametrize(
    "changes",
    [
        {"members": MANY[:MAX_GROUP_MEMBERS], "admins": MANY[:MAX_GROUP_MEMBERS]},
        {"members": [], "admins": []},
        {"title": "t" * MAX_GROUP_TITLE_LENGTH},
        {"title": "x"},
        {"title": "AC/DC fans 🎸 ‍ Ünïcødé عربي"},
        {"revision": 1},
        {"revision": MAX_GROUP_REVISION},
        {"timer_seconds": 0},
        {"timer_seconds": MAX_TIMER_SECONDS},
        {"avatar": AVATAR | {"size": 0}},
    ],
)
def test_values_at_their_bounds_are_accepted(changes: dict[str, Any]) -> None:
    assert isinstance(decode_content(raw(update(**changes))), GroupUpdateContent)


@pytest.mark.parametrize(
    "changes",
    [
        {"group_id": GROUP_ID[:31]},
        {"group_id": GROUP_ID + b"\x00"},
        {"group_id": GROUP_ID.hex()[:32]},
        {"revision": 0},
        {"revision": -1},
        {"revision": MAX_GROUP_REVISION + 1},
        {"revision": 2**64 - 1},
        {"title": ""},
        {"title": "t" * (MAX_GROUP_TITLE_LENGTH + 1)},
        {"title": None},
        {"members": MANY, "admins": ["user000"]},
        {"members": MANY[:MAX_GROUP_MEMBERS], "admins": MANY},
        {"members": ["alice", "bob", "alice"]},
        {"members": ["alice", "Not A Username"]},
        {"members": ["alice", "al"]},
        {"members": ["alice", "bob\n"]},
        {"admins": ["alice", "alice"]},
        {"admins": ["alice", "dave"]},
        {"admins": ["mallory"]},
        {"timer_seconds": -1},
        {"timer_seconds": MAX_TIMER_SECONDS + 1},
        {"timer_seconds": 2**62},
        {"avatar": AVATAR | {"blob_id": ""}},
        {"avatar": AVATAR | {"blob_id": "../../etc/passwd"}},
        {"avatar": AVATAR | {"blob_id": "ab" * 16 + "\n"}},
        {"avatar": AVATAR | {"key": b"k" * 63}},
        {"avatar": AVATAR | {"digest": b"d" * 33}},
        {"avatar": AVATAR | {"size": -1}},
        {"avatar": AVATAR | {"size": 100 * 1024 * 1024 + 1}},
        {"avatar": "ab" * 16},
    ],
)
def test_out_of_bound_values_are_content_errors(changes: dict[str, Any]) -> None:
    with pytest.raises(ContentError):
        decode_content(raw(update(**changes)))


@pytest.mark.parametrize("control", TITLE_CONTROLS)
def test_a_title_with_a_control_character_is_refused(control: str) -> None:
    title = f"secret{control}club"
    assert not is_valid_group_title(title)
    with pytest.raises(ContentError) as error:
        decode_content(raw(update(title=title)))
    assert "secret" not in str(error.value)


@pytest.mark.parametrize("title", ["Hiking club", "a/b", "t" * MAX_GROUP_TITLE_LENGTH, "👨‍👩‍👧"])
def test_the_senders_title_check_agrees_with_the_receivers(title: str) -> None:
    assert is_valid_group_title(title)
    assert decode_content(raw(update(title=title)))
    assert not is_valid_group_title("")
    assert not is_valid_group_title("t" * (MAX_GROUP_TITLE_LENGTH + 1))


def test_membership_problems_are_named_without_usernames() -> None:
    assert group_membership_problem(["alice", "bob"], ["bob"]) is None
    problems = [
        group_membership_problem(["secret", "secret"], []),
        group_membership_problem(["secret"], ["secret", "secret"]),
        group_membership_problem(["alice"], ["secret"]),
    ]
    assert all(problem is not None and "secret" not in problem for problem in problems)
    with pytest.raises(ContentError) as error:
        decode_content(raw(update(admins=["secret"])))
    assert "secret" not in str(error.value)
