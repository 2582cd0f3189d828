"""The wire protocol shared by client and relay (docs/protocol.md); imports nothing else.

- :mod:`~chat_desktop.protocol.events`: event names and HTTP paths.
- :mod:`~chat_desktop.protocol.schemas`: msgspec schemas of every payload, ack and HTTP body.
- :mod:`~chat_desktop.protocol.codec`: validation and encoding (Socket.IO and base64url JSON).
- :mod:`~chat_desktop.protocol.errors`: error codes and :class:`ProtocolError`.
- :mod:`~chat_desktop.protocol.auth`: the signed byte strings and their builders.
"""
