"""Socket.IO event names and HTTP paths of the client ↔ relay protocol (docs/protocol.md §6).

Kept as constants so a typo is an import error on both ends instead of a silently
unhandled event.
"""

from __future__ import annotations

from typing import Final

#: The Socket.IO endpoint path (namespace ``/``, WebSocket transport only).
SOCKETIO_PATH: Final = "/socket.io"

# client → relay, each acknowledged with {"ok": true, ...} or an error ack
KEYS_UPLOAD: Final = "keys:upload"
KEYS_BUNDLE: Final = "keys:bundle"
MESSAGE_SEND: Final = "message:send"
#: ``{id, recipients: [{user, device_ids}], body, expires_at?}`` → ``{server_ts}``: one body
#: stored once for every listed device of every listed user (docs/protocol.md §6.6).
MESSAGE_SEND_MULTI: Final = "message:send_multi"
MESSAGE_ACK: Final = "message:ack"
PRESENCE_SUBSCRIBE: Final = "presence:subscribe"
#: ``{visible: bool}`` → ``{}``: "show when I'm online", enforced and kept by the relay.
PRESENCE_VISIBILITY: Final = "presence:visibility"
ATTACHMENT_UPLOAD: Final = "attachment:upload"
ATTACHMENT_DOWNLOAD: Final = "attachment:download"
#: ``{}`` → ``{link_token, expires_at}``: a one-use token to add a device (§6.11).
DEVICES_LINK: Final = "devices:link"
#: ``{}`` → ``{devices: [DeviceInfo]}``: the account's devices.
DEVICES_LIST: Final = "devices:list"
#: ``{device_id}`` → ``{}``: unlinks a device of the account and disconnects it at once.
DEVICES_REMOVE: Final = "devices:remove"
#: ``{device_key, created_at, certificate}`` → ``{}``: a profile made before linked devices
#: registers its device key once, on a connection it signed with its identity key. While any
#: device of the account has no device key, ``devices:link`` is refused.
DEVICES_REGISTER_KEY: Final = "devices:register_key"
#: ``{version, blob}`` → ``{}``: stores the account's sealed profile (§13.3).
PROFILE_PUT: Final = "profile:put"
#: ``{user}`` → ``{version, blob}``: an account's newest sealed profile (§13.3).
PROFILE_GET: Final = "profile:get"

# relay → client, never acknowledged
KEYS_LOW: Final = "keys:low"
MESSAGE: Final = "message"
PRESENCE: Final = "presence"
#: ``{devices: [DeviceInfo]}``: the account's device set changed (a device was added or
#: removed); sent to every connected device of the account, the removed one included.
DEVICES_CHANGED: Final = "devices:changed"

#: Every event a client may send, for validation and fuzzing.
#: ``{user}`` → ``{}``: deletes the connection's own account (docs/protocol.md §6.10).
ACCOUNT_DELETE: Final = "account:delete"

CLIENT_EVENTS: Final = (
    KEYS_UPLOAD,
    KEYS_BUNDLE,
    MESSAGE_SEND,
    MESSAGE_SEND_MULTI,
    MESSAGE_ACK,
    PRESENCE_SUBSCRIBE,
    PRESENCE_VISIBILITY,
    ATTACHMENT_UPLOAD,
    ATTACHMENT_DOWNLOAD,
    ACCOUNT_DELETE,
    DEVICES_LINK,
    DEVICES_LIST,
    DEVICES_REMOVE,
    DEVICES_REGISTER_KEY,
    PROFILE_PUT,
    PROFILE_GET,
)

# plain HTTP
HEALTH_PATH: Final = "/health"
ACCOUNTS_PATH: Final = "/v1/accounts"
BLOBS_PATH_PREFIX: Final = "/v1/blobs/"
#: ``POST`` opens a provisioning channel for a new device (§6.11).
PROVISIONING_PATH: Final = "/v1/provisioning"
#: ``POST`` registers a linked device with a link token (§6.11).
DEVICES_PATH: Final = "/v1/devices"


def blob_path(blob_id: str) -> str:
    """Returns the HTTP path of one blob, for ``PUT`` and ``GET``."""
    return f"{BLOBS_PATH_PREFIX}{blob_id}"


def provisioning_path(provision_id: str) -> str:
    """Returns the HTTP path of one provisioning channel, for ``PUT`` and ``GET``."""
    return f"{PROVISIONING_PATH}/{provision_id}"
