"""The network layer's errors (and its one stall bound), without the network libraries.

Kept apart from :mod:`chat_desktop.net.connection` (python-socketio) and
:mod:`chat_desktop.net.http` (aiohttp) so that code which only names these errors, such as
the GUI's messages, does not load the network stack: importing it costs about a third of a
second, which the app's start no longer pays before its first window (benchmarks/ui.py).
"""

from __future__ import annotations

#: A transfer that receives nothing for this long fails with :class:`HttpFailure` (s).
STALL_TIMEOUT_S = 60.0


class ConnectionFailure(Exception):
    """Base of the errors a request to the relay can end with (besides a refusal)."""


class NotConnected(ConnectionFailure):
    """The relay is not reachable right now; the request was not sent."""


class ConnectionLost(ConnectionFailure):
    """The link dropped while the request was in flight: treat it as not acknowledged."""


class RequestTimeout(ConnectionFailure):
    """The relay did not answer in time: treat the request as not acknowledged."""


class RelayRefused(ConnectionFailure):
    """The relay refused the connection (bad signature, unknown device, clock skew)."""


class HttpFailure(Exception):
    """The relay could not be reached over HTTP (nothing was stored)."""


class BlobSizeMismatch(Exception):
    """The relay served a blob longer or shorter than the attachment announced: nothing kept."""
