"""The errors ``client.calls`` raises for requests it refuses (texts carry no secrets)."""

from __future__ import annotations

from chat_desktop.services.call_media import CallDeviceError
from chat_desktop.services.client_errors import ClientError

__all__ = ["CallBusy", "CallDeviceError", "CallNotAllowed", "UnknownCall"]


class CallBusy(ClientError):
    """A call is already going on this device: one call at a time."""

    def __init__(self) -> None:
        """The text says what to do."""
        super().__init__("Already in a call: end it first")


class CallNotAllowed(ClientError):
    """Calls go only to a trusted 1:1 contact (not paused, blocked, a request, a group or
    the Note to Self)."""

    def __init__(self) -> None:
        """The text says what to do."""
        super().__init__("Calls are only possible with a trusted contact")


class UnknownCall(ClientError):
    """The call named is not the current call on this device (it ended, or never was)."""

    def __init__(self) -> None:
        """The text says what happened."""
        super().__init__("That call is over")
