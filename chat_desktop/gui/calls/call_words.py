"""The words of the call windows and notices, all translated (context ``Calls``).

What a call is ("Incoming video call"), where it stands ("Ringing…"), why it ended
when the user should be told ("bob is in another call"), and what a device error means
for the user ("No microphone found. Connect one, or choose it in Settings → Calls.").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

if TYPE_CHECKING:
    from chat_desktop.services.call_media import CallDeviceError

#: ``translate("Calls", …)`` spelled out at each call, so ``pyside6-lupdate`` finds it.
translate = QCoreApplication.translate


def incoming_text(video: bool) -> str:
    """What rings: "Incoming video call" or "Incoming voice call"."""
    if video:
        return translate("Calls", "Incoming video call")
    return translate("Calls", "Incoming voice call")


def state_text(state: str, outgoing: bool) -> str:
    """Where a call stands before its clock runs ("Ringing…", "Connecting…")."""
    if state == "ringing":
        return translate("Calls", "Ringing…") if outgoing else translate("Calls", "Answering…")
    if state == "connecting":
        return translate("Calls", "Connecting…")
    if state == "ended":
        return translate("Calls", "Call ended")
    return ""


def ended_notice(reason: str, peer: str) -> str | None:
    """What the user is told when a call of theirs ended that way, or None (nothing to say:
    a hang-up, an answer on another device, a call they declined themselves)."""
    if reason == "busy":
        return translate("Calls", "%1 is in another call. Try again later.").replace("%1", peer)
    if reason == "declined":
        return translate("Calls", "%1 declined the call.").replace("%1", peer)
    if reason == "timeout":
        return translate("Calls", "%1 did not answer.").replace("%1", peer)
    if reason == "failed":
        return translate(
            "Calls", "The call with %1 could not be connected or was cut off."
        ).replace("%1", peer)
    if reason == "refused":
        return translate(
            "Calls",
            "%1's app refused the call. Compare your safety numbers, then try again.",
        ).replace("%1", peer)
    if reason == "device":
        return translate("Calls", "The call with %1 ended: a device stopped working.").replace(
            "%1", peer
        )
    return None


def device_error_text(error: CallDeviceError) -> str:
    """What a device error means for the user, and what to do about it."""
    texts = {
        ("microphone", "missing"): translate(
            "Calls",
            "No microphone found. Connect one, or choose another in Settings, Calls.",
        ),
        ("microphone", "busy"): translate(
            "Calls", "The microphone is being used by another program. Close it and try again."
        ),
        ("microphone", "failed"): translate("Calls", "The microphone stopped working."),
        ("speaker", "missing"): translate(
            "Calls",
            "No speakers or headphones found. Connect some, or choose others in Settings, Calls.",
        ),
        ("speaker", "busy"): translate(
            "Calls", "The speakers are being used by another program. Close it and try again."
        ),
        ("speaker", "failed"): translate("Calls", "The speakers stopped working."),
        ("camera", "missing"): translate(
            "Calls", "No camera found. Connect one, or make a voice call instead."
        ),
        ("camera", "busy"): translate(
            "Calls", "The camera is being used by another program. Close it and try again."
        ),
        ("camera", "failed"): translate("Calls", "The camera stopped working."),
    }
    return texts.get((error.kind, error.reason), str(error))


def refusal_text(error: BaseException) -> str:
    """Why a call could not start or be accepted, for the user (a device, a call already
    going on, a contact one cannot call; anything else as the app words errors)."""
    from chat_desktop.gui.common.notices import user_message
    from chat_desktop.services.call_errors import CallBusy, CallDeviceError, CallNotAllowed

    if isinstance(error, CallDeviceError):
        return device_error_text(error)
    if isinstance(error, CallBusy):
        return translate("Calls", "You are already in a call. Hang up first.")
    if isinstance(error, CallNotAllowed):
        return translate(
            "Calls",
            "You can only call a contact you have accepted, who is not blocked and whose "
            "safety number has not just changed.",
        )
    return user_message(error)


def cannot_call_title() -> str:
    """The title of the box that says why a call could not start."""
    return translate("Calls", "Cannot call")
