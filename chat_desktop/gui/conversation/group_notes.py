"""The sentence of a group's history note ("alice added carol", "You left").

A note's body is a verb and its argument (see
:mod:`chat_desktop.services.group_history_notes`); its sender made the change. The timer's
wording comes from the caller (``duration``), so this module needs nothing of the message
words it is used by.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from chat_desktop.services.types import Direction, Message

#: Spelled out as ``translate("GroupNotes", …)`` at each call: ``pyside6-lupdate`` finds them.
translate = QCoreApplication.translate


def group_note_text(message: Message, duration: Callable[[int], str]) -> str:
    """The sentence of a group note, from our side ("You added carol") or a member's."""
    verb, _tab, argument = (message.body or "").partition("\t")
    ours = message.direction is Direction.OUTGOING
    who = message.sender
    if verb == "created":
        text = (
            translate("GroupNotes", "You created the group “%2”")
            if ours
            else translate("GroupNotes", "%1 created the group “%2”")
        )
    elif verb == "joined":
        text = (
            translate("GroupNotes", "You joined the group")
            if ours
            else translate("GroupNotes", "%1 added you")
        )
    elif verb == "added":
        text = (
            translate("GroupNotes", "You added %2")
            if ours
            else translate("GroupNotes", "%1 added %2")
        )
    elif verb == "removed":
        text = (
            translate("GroupNotes", "You removed %2")
            if ours
            else translate("GroupNotes", "%1 removed %2")
        )
    elif verb == "left":
        text = translate("GroupNotes", "You left") if ours else translate("GroupNotes", "%1 left")
    elif verb == "admin":
        text = (
            translate("GroupNotes", "You made %2 an admin")
            if ours
            else translate("GroupNotes", "%1 made %2 an admin")
        )
    elif verb == "title":
        text = (
            translate("GroupNotes", "You renamed the group to “%2”")
            if ours
            else translate("GroupNotes", "%1 renamed the group to “%2”")
        )
    elif verb == "timer":
        try:
            seconds = max(0, int(argument))
        except ValueError:
            seconds = 0
        if seconds:
            text = (
                translate("GroupNotes", "You set disappearing messages to %2")
                if ours
                else translate("GroupNotes", "%1 set disappearing messages to %2")
            )
            argument = duration(seconds)
        else:
            text = (
                translate("GroupNotes", "You turned off disappearing messages")
                if ours
                else translate("GroupNotes", "%1 turned off disappearing messages")
            )
    elif verb == "avatar":
        text = (
            translate("GroupNotes", "You changed the group's picture")
            if ours
            else translate("GroupNotes", "%1 changed the group's picture")
        )
    else:
        text = (
            translate("GroupNotes", "You changed the group")
            if ours
            else translate("GroupNotes", "%1 changed the group")
        )
    return text.replace("%2", argument).replace("%1", who)
