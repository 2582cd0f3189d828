"""The words the message list draws besides the messages themselves, all translated.

Timer notes ("You set disappearing messages to 1 day"), durations, the time a disappearing
message has left, day separators ("Today", "Yesterday", a date), quote and tombstone texts.
Everything goes through Qt's translation system (context ``MessageText``; durations reuse
the conversation header's choices, context ``ConversationView``).
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, QDateTime, QLocale

from chat_desktop.gui.conversation.call_notes import call_note_text
from chat_desktop.gui.conversation.group_notes import group_note_text
from chat_desktop.services.types import (
    CALL_NOTE_KIND,
    GROUP_NOTE_KIND,
    KEY_CHANGE_NOTE_KIND,
    Direction,
    Message,
    Quote,
)

#: The header's timer choices, worded the same way in the notes (same context, same source).
_DURATIONS = {
    30: str(QT_TRANSLATE_NOOP("ConversationView", "30 seconds")),
    300: str(QT_TRANSLATE_NOOP("ConversationView", "5 minutes")),
    3_600: str(QT_TRANSLATE_NOOP("ConversationView", "1 hour")),
    8 * 3_600: str(QT_TRANSLATE_NOOP("ConversationView", "8 hours")),
    86_400: str(QT_TRANSLATE_NOOP("ConversationView", "1 day")),
    7 * 86_400: str(QT_TRANSLATE_NOOP("ConversationView", "1 week")),
    28 * 86_400: str(QT_TRANSLATE_NOOP("ConversationView", "4 weeks")),
}
#: A duration the presets lack, in its largest whole unit: seconds per unit, "one",
#: "several" (the header's words for such a timer, same context, same source).
_UNITS = (
    (
        86_400,
        str(QT_TRANSLATE_NOOP("ConversationView", "1 day")),
        str(QT_TRANSLATE_NOOP("ConversationView", "%1 days")),
    ),
    (
        3_600,
        str(QT_TRANSLATE_NOOP("ConversationView", "1 hour")),
        str(QT_TRANSLATE_NOOP("ConversationView", "%1 hours")),
    ),
    (
        60,
        str(QT_TRANSLATE_NOOP("ConversationView", "1 minute")),
        str(QT_TRANSLATE_NOOP("ConversationView", "%1 minutes")),
    ),
)
MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS


#: ``translate("MessageText", …)`` spelled out at each call, so ``pyside6-lupdate`` finds it.
translate = QCoreApplication.translate


def duration_text(seconds: int) -> str:
    """A timer duration as the header words it ("1 day", "3 days"), else "N seconds".

    Singular and plural are two plain strings: ``pyside6-lupdate`` does not take a Python
    ``translate`` call with a count as a plural form, so ``%n`` here would never be
    translated (it showed "90 second(s)").
    """
    known = _DURATIONS.get(seconds)
    if known is not None:
        return QCoreApplication.translate("ConversationView", known)
    for unit, one, several in _UNITS:
        if seconds >= unit and seconds % unit == 0:
            count = seconds // unit
            text = one if count == 1 else several
            return QCoreApplication.translate("ConversationView", text).replace("%1", str(count))
    if seconds == 1:
        return translate("MessageText", "1 second")
    return translate("MessageText", "%1 seconds").replace("%1", str(seconds))


def timer_seconds(message: Message) -> int:
    """The timer a note announces (its body is the number of seconds; 0 when unreadable)."""
    try:
        return max(0, int((message.body or "0").strip()))
    except ValueError:
        return 0


def timer_note_text(message: Message) -> str:
    """The sentence of a timer note, from our side or the contact's."""
    seconds = timer_seconds(message)
    if message.direction is Direction.OUTGOING:
        if seconds:
            return translate("MessageText", "You set disappearing messages to %1").replace(
                "%1", duration_text(seconds)
            )
        return translate("MessageText", "You turned off disappearing messages")
    if seconds:
        return (
            translate("MessageText", "%1 set disappearing messages to %2")
            .replace("%2", duration_text(seconds))
            .replace("%1", message.sender)
        )
    return translate("MessageText", "%1 turned off disappearing messages").replace(
        "%1", message.sender
    )


def key_change_note_text(message: Message) -> str:
    """The sentence of a key-change note: "bob's safety number changed"."""
    return translate("MessageText", "%1's safety number changed").replace("%1", message.sender)


def note_text(message: Message) -> str:
    """The sentence of any note row (a key change, else a timer change)."""
    if message.kind == KEY_CHANGE_NOTE_KIND:
        return key_change_note_text(message)
    if message.kind == GROUP_NOTE_KIND:
        return group_note_text(message, duration_text)
    if message.kind == CALL_NOTE_KIND:
        return call_note_text(message)
    return timer_note_text(message)


def remaining_text(left_ms: int) -> str:
    """How long a disappearing message has left, short ("45 s", "4 min", "3 h", "2 d")."""
    left_ms = max(0, left_ms)
    if left_ms < MINUTE_MS:
        return translate("MessageText", "%1 s").replace("%1", str((left_ms + 999) // 1000))
    if left_ms < HOUR_MS:
        return translate("MessageText", "%1 min").replace(
            "%1", str((left_ms + MINUTE_MS - 1) // MINUTE_MS)
        )
    if left_ms < DAY_MS:
        return translate("MessageText", "%1 h").replace(
            "%1", str((left_ms + HOUR_MS - 1) // HOUR_MS)
        )
    return translate("MessageText", "%1 d").replace("%1", str((left_ms + DAY_MS - 1) // DAY_MS))


#: The widest remaining-time label (the footer keeps room for it, so the row never resizes).
WIDEST_REMAINING_SAMPLES = (59 * 1000, 59 * MINUTE_MS, 23 * HOUR_MS, 30 * DAY_MS)


def local_date(stamp_ms: int) -> QDate:
    """The local calendar day of a timestamp."""
    return QDateTime.fromMSecsSinceEpoch(stamp_ms).date()


def message_date(message: Message) -> QDate:
    """The local day a message belongs to (its send time, else its position)."""
    return local_date(message.sent_at or message.sort_key)


def day_label(day: QDate, today: QDate) -> str:
    """ "Today", "Yesterday", else the locale's long date."""
    if day == today:
        return translate("MessageText", "Today")
    if day == today.addDays(-1):
        return translate("MessageText", "Yesterday")
    return QLocale().toString(day, QLocale.FormatType.LongFormat)


def unread_line_text() -> str:
    """The line above the first unread message."""
    return translate("MessageText", "Unread messages")


def deleted_text() -> str:
    """What a tombstone shows."""
    return translate("MessageText", "This message was deleted")


def edited_text() -> str:
    """The footer's mark of an edited message."""
    return translate("MessageText", "edited")


def edited_tooltip(edited_at: int) -> str:
    """The tooltip of the "edited" mark: when."""
    when = QLocale().toString(
        QDateTime.fromMSecsSinceEpoch(edited_at), QLocale.FormatType.ShortFormat
    )
    return translate("MessageText", "Edited %1").replace("%1", when)


def you_text() -> str:
    """How our own name is shown in quotes."""
    return translate("MessageText", "You")


def quote_excerpt(quote: Quote) -> str:
    """The one line a quote shows of its target."""
    if quote.deleted:
        return deleted_text()
    if quote.excerpt:
        return " ".join(quote.excerpt.split())
    if quote.kind == "attachment":
        return translate("MessageText", "Photo")
    return ""


def quote_not_found_text() -> str:
    """Shown under a quote whose target this device does not hold."""
    return translate("MessageText", "Original message not found")
