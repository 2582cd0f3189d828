"""Opt-in crash reporting through Sentry, scrubbed so that no plaintext can leave the device.

Nothing is initialised until the user opts in: importing this module or creating a
`Telemetry` sends nothing and starts no thread. Once enabled, every event passes through
`chat_desktop.scrubbing.scrub_event`, which rebuilds it from code facts only (exception types,
modules, functions, line numbers), and the SDK runs without PII, local variables, source
lines, breadcrumbs, tracing, sessions or host name (`scrubbing.sentry_init_kwargs`).

The Sentry SDK keeps its client in a process-wide scope, so a process has one `Telemetry`
(owned by the composition root) and nothing else calls `sentry_sdk.init`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final

from chat_desktop.scrubbing import sentry_init_kwargs

if TYPE_CHECKING:  # the SDK is imported when the user opts in, not at every start (~0.2 s)
    import sentry_sdk
    from sentry_sdk.transport import Transport

__all__ = ["InvalidDsn", "Telemetry", "TelemetryError", "configured_dsn", "default_release"]

_DISTRIBUTION: Final = "chat_desktop"
#: Where reports go is the build's or the operator's choice, never the user's: an installer
#: sets ``BUILD_DSN``; an operator may point a deployment elsewhere with this variable.
DSN_ENVIRONMENT_VARIABLE: Final = "CHAT_DESKTOP_SENTRY_DSN"
BUILD_DSN: str | None = None


def configured_dsn() -> str | None:
    """The Sentry DSN crash reports go to, if this build or deployment has one.

    The user only says yes or no to crash reports; without a DSN their "yes" is kept and
    nothing is sent.
    """
    from_environment = os.environ.get(DSN_ENVIRONMENT_VARIABLE, "").strip()
    return from_environment or BUILD_DSN


class TelemetryError(Exception):
    """Crash reporting could not be set up; the message is safe to show to the user."""


class InvalidDsn(TelemetryError):
    """The DSN from the settings is not a valid Sentry DSN."""

    def __init__(self) -> None:
        super().__init__("The crash-report address in the settings is not valid.")


def default_release() -> str:
    """Return the release name Sentry groups reports by, e.g. "chat_desktop@0.1.0".

    Read when reports are turned on, not at start: looking up the installed version scans
    the package metadata (20–30 ms of the app's start, benchmarks/ui.py).
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version(_DISTRIBUTION)
    except PackageNotFoundError:  # e.g. a frozen build without package metadata
        installed = "unknown"
    return f"{_DISTRIBUTION}@{installed}"


class Telemetry:
    """The user's crash-reporting switch: off until `enable`, off again after `disable`.

    Args:
        release: Release name attached to reports; defaults to `default_release()`.
        environment: Deployment environment attached to reports.
    """

    def __init__(self, *, release: str | None = None, environment: str = "production") -> None:
        self._release = release
        self._environment = environment
        self._client: sentry_sdk.Client | None = None

    @property
    def enabled(self) -> bool:
        """Whether reports are currently being sent (the user opted in)."""
        return self._client is not None

    def enable(self, dsn: str, *, transport: Transport | type[Transport] | None = None) -> None:
        """Start sending scrubbed crash reports (the user opted in).

        Calling it again replaces the previous configuration (e.g. a new DSN).

        Args:
            dsn: The Sentry DSN from the settings.
            transport: Where envelopes go instead of Sentry's HTTP transport (tests).

        Raises:
            InvalidDsn: The DSN is empty or malformed.
        """
        import sentry_sdk
        from sentry_sdk.utils import BadDsn

        if not dsn.strip():
            raise InvalidDsn()
        self.disable()
        self._release = self._release or default_release()
        options = sentry_init_kwargs(dsn, self._release, self._environment)
        if transport is not None:
            options["transport"] = transport
        try:
            client = sentry_sdk.Client(**options)
        except BadDsn:
            raise InvalidDsn() from None  # the SDK error quotes the DSN
        sentry_sdk.get_global_scope().set_client(client)
        self._client = client

    def disable(self) -> None:
        """Stop sending reports at once (the user opted out); queued reports are dropped.

        Safe to call when telemetry is already off.
        """
        client, self._client = self._client, None
        if client is None:
            return
        import sentry_sdk

        sentry_sdk.get_global_scope().set_client(None)
        # No flush: once the user says no, nothing more leaves the device.
        client.close(timeout=0.0)

    def flush(self, timeout: float = 2.0) -> None:
        """Wait up to `timeout` seconds for queued reports to be sent (at application exit)."""
        if self._client is not None:
            self._client.flush(timeout=timeout)

    def capture_exception(self, error: BaseException) -> str | None:
        """Report a handled exception, scrubbed; does nothing while telemetry is off.

        Args:
            error: The exception to report. Only its type and stack (module, function, line)
                are sent; its message and locals never are.

        Returns:
            The event id, or None when nothing was sent.
        """
        if self._client is None:
            return None
        import sentry_sdk

        return sentry_sdk.capture_exception(error)
