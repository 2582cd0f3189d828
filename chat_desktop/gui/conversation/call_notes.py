"""The sentence of a call's history note: "Missed voice call", "Outgoing video call, 2:31".

The engine writes the note (``services/call_history.py``); its body is JSON
``{"outgoing": bool, "video": bool, "outcome": str, "duration_s": int}``. A body that does
not parse, or holds values out of bounds, still reads as a plain "Voice call" (the note came
from our own engine, but the list must never fail on a row). Every variant is a whole
sentence of its own in the translation (context ``MessageText``): word order differs between
languages.
"""

from __future__ import annotations

import json
from typing import Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from chat_desktop.services.types import Message

#: The longest call a note may claim (a week); more reads as no duration.
MAX_DURATION_S: Final = 7 * 86_400

#: (outcome, outgoing, video) -> the sentence; "%1" is the call's length where it has one.
_SENTENCES: Final = {
    ("completed", True, False): QT_TRANSLATE_NOOP("MessageText", "Outgoing voice call, %1"),
    ("completed", True, True): QT_TRANSLATE_NOOP("MessageText", "Outgoing video call, %1"),
    ("completed", False, False): QT_TRANSLATE_NOOP("MessageText", "Incoming voice call, %1"),
    ("completed", False, True): QT_TRANSLATE_NOOP("MessageText", "Incoming video call, %1"),
    ("missed", True, False): QT_TRANSLATE_NOOP("MessageText", "Outgoing voice call, no answer"),
    ("missed", True, True): QT_TRANSLATE_NOOP("MessageText", "Outgoing video call, no answer"),
    ("missed", False, False): QT_TRANSLATE_NOOP("MessageText", "Missed voice call"),
    ("missed", False, True): QT_TRANSLATE_NOOP("MessageText", "Missed video call"),
    ("declined", True, False): QT_TRANSLATE_NOOP("MessageText", "Outgoing voice call, declined"),
    ("declined", True, True): QT_TRANSLATE_NOOP("MessageText", "Outgoing video call, declined"),
    ("declined", False, False): QT_TRANSLATE_NOOP("MessageText", "Declined voice call"),
    ("declined", False, True): QT_TRANSLATE_NOOP("MessageText", "Declined video call"),
    ("busy", True, False): QT_TRANSLATE_NOOP("MessageText", "Outgoing voice call, line busy"),
    ("busy", True, True): QT_TRANSLATE_NOOP("MessageText", "Outgoing video call, line busy"),
    ("busy", False, False): QT_TRANSLATE_NOOP(
        "MessageText", "Missed voice call while in another call"
    ),
    ("busy", False, True): QT_TRANSLATE_NOOP(
        "MessageText", "Missed video call while in another call"
    ),
    ("failed", True, False): QT_TRANSLATE_NOOP("MessageText", "Voice call failed"),
    ("failed", True, True): QT_TRANSLATE_NOOP("MessageText", "Video call failed"),
    ("failed", False, False): QT_TRANSLATE_NOOP("MessageText", "Voice call failed"),
    ("failed", False, True): QT_TRANSLATE_NOOP("MessageText", "Video call failed"),
    ("refused", True, False): QT_TRANSLATE_NOOP("MessageText", "Voice call refused"),
    ("refused", True, True): QT_TRANSLATE_NOOP("MessageText", "Video call refused"),
    # An offer from a contact whose safety number changed rings nowhere (call_signaling.py).
    ("refused", False, False): QT_TRANSLATE_NOOP(
        "MessageText", "Voice call refused: the safety number changed"
    ),
    ("refused", False, True): QT_TRANSLATE_NOOP(
        "MessageText", "Video call refused: the safety number changed"
    ),
    ("cancelled", True, False): QT_TRANSLATE_NOOP("MessageText", "Cancelled voice call"),
    ("cancelled", True, True): QT_TRANSLATE_NOOP("MessageText", "Cancelled video call"),
    ("cancelled", False, False): QT_TRANSLATE_NOOP("MessageText", "Missed voice call"),
    ("cancelled", False, True): QT_TRANSLATE_NOOP("MessageText", "Missed video call"),
}
#: A note whose outcome this version does not know.
_PLAIN: Final = {
    False: QT_TRANSLATE_NOOP("MessageText", "Voice call"),
    True: QT_TRANSLATE_NOOP("MessageText", "Video call"),
}


def call_length(seconds: int) -> str:
    """A call's length as a clock: "0:07", "2:31", "1:02:03"."""
    hours, rest = divmod(max(0, seconds), 3_600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _fields(body: str | None) -> tuple[str, bool, bool, int] | None:
    """The note's (outcome, outgoing, video, duration), or None when it does not read."""
    try:
        document = json.loads(body or "")
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    outcome = document.get("outcome")
    outgoing = document.get("outgoing")
    video = document.get("video")
    duration = document.get("duration_s", 0)
    if not (isinstance(outgoing, bool) and isinstance(video, bool) and isinstance(outcome, str)):
        return None
    if not isinstance(duration, int) or isinstance(duration, bool):
        duration = 0
    if not 0 <= duration <= MAX_DURATION_S:
        duration = 0
    return outcome, outgoing, video, duration


def call_note_text(message: Message) -> str:
    """The sentence of a call note (a body that does not read: "Voice call")."""
    fields = _fields(message.body)
    if fields is None:
        return QCoreApplication.translate("MessageText", str(_PLAIN[False]))
    outcome, outgoing, video, duration = fields
    sentence = _SENTENCES.get((outcome, outgoing, video))
    if sentence is None:
        return QCoreApplication.translate("MessageText", str(_PLAIN[video]))
    return QCoreApplication.translate("MessageText", str(sentence)).replace(
        "%1", call_length(duration)
    )
