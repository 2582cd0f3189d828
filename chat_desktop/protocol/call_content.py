"""The relay request of calls: ``call:ice_servers`` (docs/protocol.md §14.6).

Call signaling itself is end-to-end encrypted content (``call_offer`` ... in
:mod:`chat_desktop.protocol.message_content`); the relay only hands out where a TURN server
is and a time-limited credential for it (the coturn REST API scheme), never a media key.
"""

from __future__ import annotations

from typing import Annotated, Final

import msgspec

from chat_desktop.protocol.schemas import WireStruct

#: The event asking the relay for ICE servers (payload: ``EmptyRequest``).
CALL_ICE_SERVERS: Final = "call:ice_servers"
#: Most server URLs in one answer; longest URL and credential strings.
MAX_ICE_URLS: Final = 8
MAX_ICE_URL_LENGTH: Final = 512
MAX_ICE_SECRET_LENGTH: Final = 256
#: Longest credential lifetime, in seconds: 7 days.
MAX_ICE_TTL_S: Final = 7 * 24 * 3600

_URL_PATTERN: Final = r"\A(?:stun|stuns|turn|turns):[!-~]+\Z"


class IceServersAck(WireStruct, frozen=True):
    """The ICE servers a client may use: none (host candidates only) when ``urls`` is empty.

    ``username`` is ``"<expiry unix seconds>:<user>"`` and ``credential`` is
    base64(HMAC-SHA1(secret, username)); both valid for ``ttl`` seconds.
    """

    urls: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=MAX_ICE_URL_LENGTH, pattern=_URL_PATTERN)]],
        msgspec.Meta(max_length=MAX_ICE_URLS),
    ]
    username: Annotated[str, msgspec.Meta(max_length=MAX_ICE_SECRET_LENGTH)] | None = None
    credential: Annotated[str, msgspec.Meta(max_length=MAX_ICE_SECRET_LENGTH)] | None = None
    ttl: Annotated[int, msgspec.Meta(ge=0, le=MAX_ICE_TTL_S)] = 0
