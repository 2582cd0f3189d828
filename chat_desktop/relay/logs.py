"""Structured logs of the relay: one JSON object per line on stdout.

Log records name an ``event`` and carry small typed fields; they never carry payload bytes,
keys, tokens or usernames. Tests and supervisors parse these lines (for example the
``listening`` event with the bound port).
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, Final, TextIO

import sentry_sdk

LOGGER_NAME: Final = "chat_desktop.relay"
_FIELDS_ATTRIBUTE: Final = "relay_fields"

logger = logging.getLogger(LOGGER_NAME)


class JsonLineFormatter(logging.Formatter):
    """Formats a record as ``{"ts", "level", "event", ...fields}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        """Returns the record as one JSON line (no trailing newline)."""
        line: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        fields = getattr(record, _FIELDS_ATTRIBUTE, None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: messages and tracebacks could quote payload data.
            line["error_type"] = record.exc_info[0].__name__
        return json.dumps(line, separators=(",", ":"), default=str)


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Sends the relay's logs as JSON lines to ``stream`` (stdout by default)."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonLineFormatter())
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Logs one structured event.

    Args:
        event: A short snake_case event name, e.g. ``"listening"``.
        level: The logging level.
        **fields: JSON-serialisable fields; never payloads, keys, tokens or usernames.
    """
    if logger.isEnabledFor(level):
        logger.log(level, event, extra={_FIELDS_ATTRIBUTE: fields})


def log_exception(event: str, **fields: Any) -> None:
    """Logs the exception being handled (its type, not its message) and reports it to Sentry.

    Sentry gets it through the shared scrubbing (:mod:`chat_desktop.scrubbing`); without
    ``SENTRY_DSN`` that part is a no-op.
    """
    logger.error(event, exc_info=True, extra={_FIELDS_ATTRIBUTE: fields})
    sentry_sdk.capture_exception()
