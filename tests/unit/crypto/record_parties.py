"""Two devices that each keep a SessionRecord for the other, as the messaging engine does.

A plain module (not a conftest) so the hypothesis state machine can use it outside fixtures.
"""

from __future__ import annotations

from crypto_devices import Device

from chat_desktop.crypto.session import Session
from chat_desktop.crypto.session_record import SessionRecord
from chat_desktop.crypto.wire import PREKEY_MESSAGE_TYPE, message_type, parse_prekey_message

NOW = 1_700_000_000


def receive(record: SessionRecord, device: Device, body: bytes, now: float = NOW) -> bytes:
    """What the engine does with an incoming body: respond to a new session, else decrypt."""
    if message_type(body) == PREKEY_MESSAGE_TYPE:
        message = parse_prekey_message(body)
        if record.session_of(message) is None:
            session, plaintext = Session.respond(
                device.identity,
                body,
                device.signed_prekey,
                device.one_time_prekey,
                device.pq_prekey,
                now=now,
            )
            record.promote(session)
            return plaintext
    return record.decrypt(body, now=now)


def start(device: Device, peer: Device) -> SessionRecord:
    """A record whose current session ``device`` just initiated with ``peer``."""
    record = SessionRecord.empty()
    record.promote(Session.initiate(device.identity, peer.bundle))
    return record
