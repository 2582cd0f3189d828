"""TURN credentials in coturn's REST API scheme, and the relay's TURN settings.

With ``--turn-secret`` and ``--turn-url`` set, a signed-in device gets the TURN URLs, a
username ``"<expiry unix seconds>:<user>"`` and the credential
``base64(HMAC-SHA1(secret, username))``, valid ``--turn-ttl`` seconds; coturn, configured
with ``use-auth-secret`` and the same ``static-auth-secret``, checks them without asking us
(deploy/coturn.md). Without them the answer has no URL: clients use host candidates only.
Apart from relay/turn.py (the event) so that relay/config.py can hold a :class:`TurnConfig`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from chat_desktop.protocol.call_content import MAX_ICE_TTL_S, IceServersAck

#: Default credential lifetime: one day (a call longer than that keeps its allocation).
DEFAULT_TURN_TTL_S = 24 * 3600


@dataclass(frozen=True)
class TurnConfig:
    """The TURN server(s) and the secret shared with them."""

    secret: bytes
    urls: tuple[str, ...]
    ttl_s: int = DEFAULT_TURN_TTL_S

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("the TURN secret is empty")
        if not self.urls or not all(url.startswith(("turn:", "turns:")) for url in self.urls):
            raise ValueError("TURN URLs must start with turn: or turns:")
        if not 60 <= self.ttl_s <= MAX_ICE_TTL_S:
            raise ValueError(f"the TURN credential lifetime must be 60 to {MAX_ICE_TTL_S} s")


def turn_credentials(secret: bytes, user: str, now_s: int, ttl_s: int) -> tuple[str, str]:
    """The coturn REST API username and credential for ``user``, valid ``ttl_s`` from now."""
    username = f"{now_s + ttl_s}:{user}"
    digest = hmac.new(secret, username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers_for(turn: TurnConfig | None, user: str, now_s: int) -> IceServersAck:
    """What ``call:ice_servers`` answers ``user``."""
    if turn is None:
        return IceServersAck(urls=[])
    username, credential = turn_credentials(turn.secret, user, now_s, turn.ttl_s)
    return IceServersAck(
        urls=list(turn.urls), username=username, credential=credential, ttl=turn.ttl_s
    )
