"""Error codes of the client ↔ relay protocol (docs/protocol.md §6) and the error they travel in.

Every client→relay event is answered with an ack; a refusal carries one of the codes below.
Both ends raise and catch :class:`ProtocolError`, so a handler can refuse with one ``raise``
and a client can branch on ``error.code`` without parsing text.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass
from typing import Any, Final

from chat_desktop.protocol.schemas import MAX_RECIPIENTS, USERNAME_PATTERN

#: Longest wait a relay may ask for (s); a longer ``retry_after`` is cut to this, so a hostile
#: or misconfigured relay cannot stall a client for a year.
MAX_RETRY_AFTER_S: Final = 3600.0
#: Longest error message kept from a relay's answer, in characters.
MAX_MESSAGE_LENGTH: Final = 200


class ErrorCode(enum.StrEnum):
    """The closed set of error codes a relay may answer with (docs/protocol.md §6)."""

    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    TOO_LARGE = "too_large"
    INTERNAL = "internal"
    #: ``message:send`` did not carry exactly one payload per current device of the recipient
    #: (docs/protocol.md §6.11); the error names the ``missing`` and ``extra`` device ids.
    #: For ``message:send_multi`` it names them per recipient account, in ``users``.
    MISMATCHED_DEVICES = "mismatched_devices"
    #: The device was removed from its account (unlinked): its connects are refused for good.
    DEVICE_REMOVED = "device_removed"
    #: A recipient device has as many undelivered bytes waiting on the relay as it allows
    #: (docs/protocol.md §6.8); nothing was stored. Not retried: the send fails.
    QUOTA_EXCEEDED = "quota_exceeded"


#: Most device ids a ``mismatched_devices`` answer may name in ``missing`` or ``extra``.
MAX_MISMATCHED_IDS: Final = 100
#: Most accounts a ``mismatched_devices`` answer to ``message:send_multi`` may name.
MAX_MISMATCHED_USERS: Final = MAX_RECIPIENTS
_MAX_DEVICE_ID: Final = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class UserDeviceMismatch:
    """One recipient account whose devices a ``message:send_multi`` did not name exactly.

    Attributes:
        user: The recipient account.
        missing: Its current devices the send did not list, sorted.
        extra: Devices listed for it that it does not have (or the sending device itself,
            for one's own account), sorted.
    """

    user: str
    missing: tuple[int, ...]
    extra: tuple[int, ...]


#: The HTTP status that carries each code on the relay's plain-HTTP endpoints.
HTTP_STATUS: Final[dict[ErrorCode, int]] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.INTERNAL: 500,
    ErrorCode.MISMATCHED_DEVICES: 409,
    ErrorCode.DEVICE_REMOVED: 401,
    ErrorCode.QUOTA_EXCEEDED: 507,
}


class ProtocolError(Exception):
    """A request refused with a protocol error code.

    The message is meant for logs and developers; it never contains payload bytes, keys or
    usernames, because it is sent back over the wire and may end up in crash reports.

    Attributes:
        code: The machine-readable error code.
        message: A short human-readable reason.
        retry_after: For ``rate_limited`` only: seconds to wait before retrying.
        missing: For ``mismatched_devices`` only: recipient devices the request lacked.
        extra: For ``mismatched_devices`` only: devices named that the recipient no longer has.
        mismatched_users: For ``mismatched_devices`` of ``message:send_multi`` only: the
            ``missing`` and ``extra`` devices per recipient account (then ``missing`` and
            ``extra`` are empty).
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        retry_after: float | None = None,
        missing: tuple[int, ...] = (),
        extra: tuple[int, ...] = (),
        mismatched_users: tuple[UserDeviceMismatch, ...] = (),
    ):
        """Creates the error.

        Args:
            code: The error code to answer with.
            message: A short reason without secrets or payload data.
            retry_after: Seconds until a retry can succeed (``rate_limited`` only).
            missing: Device ids a ``mismatched_devices`` send lacked.
            extra: Device ids a ``mismatched_devices`` send named that do not exist.
            mismatched_users: The per-account lists of a ``mismatched_devices``
                ``message:send_multi``.
        """
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.missing = missing
        self.extra = extra
        self.mismatched_users = mismatched_users

    def to_ack(self) -> dict[str, Any]:
        """Returns the wire form ``{"ok": false, "error", "message"[, "retry_after"]}``.

        ``retry_after`` is rounded up to milliseconds so a client that waits exactly that long
        never comes back a moment too early. ``mismatched_devices`` adds ``missing`` and
        ``extra``, or (for ``message:send_multi``) ``users``: ``[{user, missing, extra}]``.
        """
        ack: dict[str, Any] = {"ok": False, "error": self.code.value, "message": self.message}
        if self.retry_after is not None:
            ack["retry_after"] = math.ceil(self.retry_after * 1000) / 1000
        if self.code is ErrorCode.MISMATCHED_DEVICES and self.mismatched_users:
            ack["users"] = [
                {"user": entry.user, "missing": sorted(entry.missing), "extra": sorted(entry.extra)}
                for entry in self.mismatched_users
            ]
        elif self.code is ErrorCode.MISMATCHED_DEVICES:
            ack["missing"] = sorted(self.missing)
            ack["extra"] = sorted(self.extra)
        return ack

    @classmethod
    def from_ack(cls, ack: dict[str, Any]) -> ProtocolError:
        """Rebuilds the error a relay answered with, for clients.

        An unknown or missing code becomes ``internal``, so a newer relay cannot crash an
        older client. What a relay sends is bounded: ``retry_after`` is cut to
        :data:`MAX_RETRY_AFTER_S` (a negative one becomes 0, a non-number or NaN is dropped),
        the message to :data:`MAX_MESSAGE_LENGTH` characters. The device lists of
        ``mismatched_devices`` must be lists of at most :data:`MAX_MISMATCHED_IDS` device ids
        (1 … 2**32 − 1); an answer that breaks that becomes ``internal``, so a hostile relay
        cannot make a client fetch a million bundles. An answer with ``users`` (to
        ``message:send_multi``) must hold 1 to :data:`MAX_MISMATCHED_USERS` distinct valid
        usernames, each with such lists, at least one of them not empty; else ``internal``.
        """
        raw_code = ack.get("error")
        try:
            code = ErrorCode(raw_code) if isinstance(raw_code, str) else ErrorCode.INTERNAL
        except ValueError:
            code = ErrorCode.INTERNAL
        message = ack.get("message")
        text = message[:MAX_MESSAGE_LENGTH] if isinstance(message, str) else ""
        missing: tuple[int, ...] = ()
        extra: tuple[int, ...] = ()
        mismatched_users: tuple[UserDeviceMismatch, ...] = ()
        if code is ErrorCode.MISMATCHED_DEVICES and "users" in ack:
            per_user = _user_mismatches(ack["users"])
            if per_user is None:
                return cls(ErrorCode.INTERNAL, "malformed mismatched_devices answer")
            mismatched_users = per_user
        elif code is ErrorCode.MISMATCHED_DEVICES:
            parsed = (_device_ids(ack.get("missing")), _device_ids(ack.get("extra")))
            if parsed[0] is None or parsed[1] is None or not (parsed[0] or parsed[1]):
                return cls(ErrorCode.INTERNAL, "malformed mismatched_devices answer")
            missing, extra = parsed[0], parsed[1]
        return cls(
            code,
            text,
            retry_after=bounded_retry_after(ack.get("retry_after")),
            missing=missing,
            extra=extra,
            mismatched_users=mismatched_users,
        )


def _user_mismatches(value: Any) -> tuple[UserDeviceMismatch, ...] | None:
    """Returns a relay's per-account ``mismatched_devices`` lists, or None if malformed."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_MISMATCHED_USERS:
        return None
    entries: dict[str, UserDeviceMismatch] = {}
    for item in value:
        if not isinstance(item, dict):
            return None
        user = item.get("user")
        if not isinstance(user, str) or re.match(USERNAME_PATTERN, user) is None:
            return None
        missing, extra = _device_ids(item.get("missing")), _device_ids(item.get("extra"))
        if missing is None or extra is None or not (missing or extra) or user in entries:
            return None
        entries[user] = UserDeviceMismatch(user=user, missing=missing, extra=extra)
    return tuple(entries.values())


def _device_ids(value: Any) -> tuple[int, ...] | None:
    """Returns a relay's list of device ids, deduplicated and sorted, or None if malformed."""
    if not isinstance(value, list) or len(value) > MAX_MISMATCHED_IDS:
        return None
    ids = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= _MAX_DEVICE_ID:
            return None
        ids.add(item)
    return tuple(sorted(ids))


def bounded_retry_after(value: Any) -> float | None:
    """Returns a relay's ``retry_after`` within ``[0, MAX_RETRY_AFTER_S]``, or None.

    None for anything that is not a finite-or-infinite real number (``bool``, strings, NaN);
    infinity and anything above the cap become the cap.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = float(value)
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def bad_request(message: str) -> ProtocolError:
    """Shorthand for a ``bad_request`` refusal."""
    return ProtocolError(ErrorCode.BAD_REQUEST, message)
