"""Helpers for call tests: synthetic media per client, and waiting for call events."""

from __future__ import annotations

from collections.abc import Callable

from engine_helpers import EventLog

from chat_desktop.services.call_media import CallMedia
from chat_desktop.services.call_synthetic import SyntheticMedia
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import CallEnded, CallIncoming, CallStateChanged, ClientEvent


class MediaShelf:
    """A client's synthetic media factory, keeping every media it made (to check them)."""

    def __init__(self, client: ChatClient, frequency: float) -> None:
        self.made: list[SyntheticMedia] = []
        self._frequency = frequency
        client.calls.media_factory = self.make

    def make(self, video: bool) -> CallMedia:
        media = SyntheticMedia(self._frequency, video)
        self.made.append(media)
        return media

    @property
    def last(self) -> SyntheticMedia:
        return self.made[-1]


def ended(call_id: str) -> Callable[[list[ClientEvent]], bool]:
    """A predicate: the call ended."""
    return lambda events: any(isinstance(e, CallEnded) and e.call_id == call_id for e in events)


def ringing(call_id: str) -> Callable[[list[ClientEvent]], bool]:
    """A predicate: the call rings here."""
    return lambda events: any(isinstance(e, CallIncoming) and e.call_id == call_id for e in events)


def in_state(call_id: str, state: str) -> Callable[[list[ClientEvent]], bool]:
    """A predicate: the call reached ``state``."""
    return lambda events: any(
        isinstance(e, CallStateChanged) and e.info.call_id == call_id and e.info.state == state
        for e in events
    )


def end_of(log: EventLog, call_id: str) -> CallEnded:
    """The call's end event in ``log``."""
    return next(e for e in log.of_type(CallEnded) if e.call_id == call_id)
