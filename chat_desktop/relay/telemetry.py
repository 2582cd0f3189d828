"""Error reporting of the relay to Sentry, opt-in through ``SENTRY_DSN``.

Uses the same scrubbing as the client (:mod:`chat_desktop.scrubbing`): no payload bytes,
no usernames, no local variables, no breadcrumbs.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

import sentry_sdk

from chat_desktop.scrubbing import sentry_init_kwargs


def relay_release() -> str:
    """Returns the release name reported with events, e.g. ``chat_desktop-relay@0.1.0``."""
    try:
        version = metadata.version("chat_desktop")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    return f"chat_desktop-relay@{version}"


def init_sentry(dsn: str | None, transport: Any = None) -> bool:
    """Starts Sentry when ``dsn`` is set; returns whether it did.

    Args:
        dsn: The Sentry DSN, usually from ``SENTRY_DSN``; nothing happens when empty.
        transport: Replaces the network transport (tests).
    """
    if not dsn:
        return False
    options = sentry_init_kwargs(dsn, relay_release())
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(**options)
    return True
