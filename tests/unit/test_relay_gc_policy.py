"""The relay's garbage-collection schedule (issue 25): full passes on a timer, never on the
allocation rate that messages drive."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from chat_desktop.relay.gc_policy import MIDDLE_THRESHOLD, NEVER, YOUNG_THRESHOLD, GcPolicy


class Node:
    """A GC-tracked object that can take part in a reference cycle."""

    def __init__(self) -> None:
        self.other: Any = None


@pytest.fixture
def generations_started() -> Iterator[list[int]]:
    """The generation of every collection that starts while the test runs."""
    started: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(record)
    yield started
    gc.callbacks.remove(record)


@pytest.fixture
def saved_gc() -> Iterator[None]:
    """Restores the interpreter's collector settings after the test."""
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()
    gc.enable()


def message_like_load(rounds: int) -> list[Node]:
    """Allocates like a busy relay: many objects that live on (connections, queued
    envelopes) and short-lived cyclic garbage (per-frame futures and tasks)."""
    kept: list[Node] = []
    for _ in range(rounds):
        first, second = Node(), Node()
        first.other, second.other = second, first  # garbage only the collector frees
        kept.append(Node())
    return kept


def test_install_freezes_start_up_and_sets_the_thresholds(saved_gc: None) -> None:
    policy = GcPolicy(full_interval_s=60)
    policy.install()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, MIDDLE_THRESHOLD, NEVER)
    assert gc.get_freeze_count() > 0
    policy.uninstall()
    assert gc.get_threshold() != (YOUNG_THRESHOLD, MIDDLE_THRESHOLD, NEVER)
    assert gc.get_freeze_count() == 0


def test_the_default_schedule_runs_full_passes_under_the_same_load(
    saved_gc: None, generations_started: list[int]
) -> None:
    # The control: without the policy, this load does start full collections, so the next
    # test's "none" means something.
    gc.set_threshold(700, 10, 10)
    kept = message_like_load(600_000)
    assert 2 in generations_started
    assert 0 in generations_started
    del kept


def test_the_message_rate_starts_no_full_pass_but_young_ones_still_run(
    saved_gc: None, generations_started: list[int]
) -> None:
    policy = GcPolicy(full_interval_s=60)
    policy.install()
    generations_started.clear()
    kept = message_like_load(600_000)
    assert 0 in generations_started  # cyclic garbage still goes, by young passes
    assert 2 not in generations_started
    policy.uninstall()
    del kept


async def test_full_passes_run_on_the_timer_and_free_old_cycles(
    saved_gc: None, generations_started: list[int]
) -> None:
    policy = GcPolicy(full_interval_s=0.05)
    policy.install()
    freed = asyncio.Event()
    first, second = Node(), Node()
    first.other, second.other = second, first
    weakref.finalize(first, freed.set)
    gc.collect(1)  # the cycle survives young passes while referenced: now in generation 2
    del first, second
    gc.collect(1)
    assert not freed.is_set()  # only a full pass reaches it
    timer = asyncio.create_task(policy.run())
    try:
        await asyncio.wait_for(freed.wait(), 10)
    finally:
        timer.cancel()
        policy.uninstall()
    assert 2 in generations_started


def test_a_non_positive_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        GcPolicy(full_interval_s=0)
