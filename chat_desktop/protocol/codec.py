"""Turning wire data into schema objects and back, for Socket.IO and HTTP JSON.

One validation path for both ends: :func:`decode_event` for Socket.IO payloads (binary fields
arrive as ``bytes``), :func:`decode_http_json` for HTTP JSON bodies (binary fields are
base64url strings without padding). Anything that does not fit its schema raises
:class:`~chat_desktop.protocol.errors.ProtocolError` with ``bad_request``.

msgspec's own JSON codec would use padded standard base64 for ``bytes``; the protocol says
base64url without padding, so the HTTP helpers walk the schema and convert those fields
explicitly.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Final, TypeVar

import msgspec

from chat_desktop.protocol.errors import bad_request

T = TypeVar("T")

_B64URL_ALPHABET: Final = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    """Encodes bytes as base64url without padding (RFC 4648 §5)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decodes base64url without padding, refusing any other spelling.

    Only the canonical encoding is accepted (no padding, no stray characters, no non-zero
    trailing bits), so one value has exactly one wire form.

    Raises:
        ProtocolError: ``bad_request`` when ``text`` is not canonical base64url.
    """
    if not _B64URL_ALPHABET.fullmatch(text) or len(text) % 4 == 1:
        raise bad_request("malformed base64url value")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise bad_request("malformed base64url value") from None
    if b64url_encode(data) != text:
        raise bad_request("non-canonical base64url value")
    return data


def decode_event(data: Any, schema: type[T]) -> T:
    """Validates one Socket.IO event payload against ``schema``.

    Args:
        data: The payload as python-socketio delivered it (dicts, lists, ``bytes``).
        schema: The msgspec Struct the payload must match exactly.

    Raises:
        ProtocolError: ``bad_request`` naming the first field that does not fit.
    """
    try:
        return msgspec.convert(data, schema, strict=True, builtin_types=(bytes, bytearray))
    except msgspec.ValidationError as error:
        raise bad_request(str(error)) from None


def encode_event(value: msgspec.Struct) -> dict[str, Any]:
    """Returns a schema object as a Socket.IO payload (``bytes`` stay binary)."""
    encoded = msgspec.to_builtins(value, builtin_types=(bytes,))
    assert isinstance(encoded, dict)
    return encoded


def ok_ack(value: msgspec.Struct | None = None) -> dict[str, Any]:
    """Returns the success ack ``{"ok": true, ...fields of value}``."""
    ack: dict[str, Any] = {"ok": True}
    if value is not None:
        ack.update(encode_event(value))
    return ack


def decode_http_json(body: bytes, schema: type[T]) -> T:
    """Validates an HTTP JSON body whose binary fields are base64url without padding.

    Raises:
        ProtocolError: ``bad_request`` for malformed JSON, malformed base64url or any value
            that does not fit ``schema``.
    """
    try:
        raw = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise bad_request("body is not valid JSON") from None
    return decode_event(_base64url_fields_to_bytes(raw, _type_info(schema)), schema)


def encode_http_json(value: msgspec.Struct) -> bytes:
    """Encodes a schema object as JSON with binary fields as base64url without padding."""
    builtins = msgspec.to_builtins(value, builtin_types=(bytes,))
    return msgspec.json.encode(_bytes_to_base64url(builtins))


_TYPE_INFO_CACHE: dict[object, msgspec.inspect.Type] = {}


def _type_info(schema: object) -> msgspec.inspect.Type:
    info = _TYPE_INFO_CACHE.get(schema)
    if info is None:
        info = _TYPE_INFO_CACHE[schema] = msgspec.inspect.type_info(schema)
    return info


def _base64url_fields_to_bytes(value: Any, info: msgspec.inspect.Type) -> Any:
    """Replaces the base64url strings at ``bytes`` positions of ``info`` by their bytes.

    Values of the wrong shape are left alone: the strict conversion afterwards reports them.
    """
    if isinstance(info, msgspec.inspect.Metadata):
        return _base64url_fields_to_bytes(value, info.type)
    if isinstance(info, msgspec.inspect.BytesType) and isinstance(value, str):
        return b64url_decode(value)
    if isinstance(info, msgspec.inspect.StructType) and isinstance(value, dict):
        converted = dict(value)
        for field in info.fields:
            if field.encode_name in converted:
                converted[field.encode_name] = _base64url_fields_to_bytes(
                    converted[field.encode_name], field.type
                )
        return converted
    if isinstance(info, msgspec.inspect.ListType | msgspec.inspect.VarTupleType) and isinstance(
        value, list
    ):
        return [_base64url_fields_to_bytes(item, info.item_type) for item in value]
    if isinstance(info, msgspec.inspect.UnionType) and value is not None:
        candidates = [t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)]
        if len(candidates) == 1:
            return _base64url_fields_to_bytes(value, candidates[0])
    return value


def _bytes_to_base64url(value: Any) -> Any:
    if isinstance(value, bytes):
        return b64url_encode(value)
    if isinstance(value, dict):
        return {key: _bytes_to_base64url(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_bytes_to_base64url(item) for item in value]
    return value
