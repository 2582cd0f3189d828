"""The "Generate link previews" control of Settings → Privacy (off by default).

When on, the app fetches the first link of a message the user is writing and shows (then
sends, inside the encrypted message) its title, description and image; receivers never
fetch. It is off by default, and the box says why in its own words ("the website sees your IP
address"), its tooltip and screen-reader description in full: fetching a link tells that
website your IP address and that someone is sharing it. (One line: the Privacy page must fit
the settings window without scrolling.)
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from chat_desktop.gui.common.wrapping_check_box import WrappingCheckBox

# Each call spells its context out, so pyside6-lupdate finds the texts.


def link_previews_hint() -> str:
    """Why the setting is off by default (translated): the box's tooltip and description."""
    return QCoreApplication.translate(
        "PrivacyPage",
        "Off by default: fetching a link tells that website your IP address and that someone "
        "is sharing it.",
    )


def link_previews_detail() -> str:
    """What happens when it is on (translated): the box's tooltip and screen-reader text."""
    return QCoreApplication.translate(
        "PrivacyPage",
        "The first link of a message you write is fetched by this computer; its title, "
        "description and image travel inside your encrypted message. The people you write "
        "to never fetch anything.",
    )


def link_previews_box() -> WrappingCheckBox:
    """The check box (named for screen readers; the why and what as its description)."""
    name = QCoreApplication.translate("PrivacyPage", "Generate link previews")
    box = WrappingCheckBox(
        QCoreApplication.translate(
            "PrivacyPage", "Generate link previews (the website sees your IP address)"
        )
    )
    box.setObjectName("linkPreviewsBox")
    box.setAccessibleName(name)
    why = f"{link_previews_hint()} {link_previews_detail()}"
    box.setAccessibleDescription(why)
    box.setToolTip(why)
    return box
