"""A call's history note: its id (one per call and device) and its body (docs §14.7)."""

from __future__ import annotations

import json
import re

from chat_desktop.protocol.schemas import MESSAGE_ID_PATTERN
from chat_desktop.services.call_history import call_note_body, call_note_id


def test_the_note_id_is_the_call_id_as_a_uuid() -> None:
    note_id = call_note_id("0123456789abcdef0123456789abcdef")
    assert note_id == "01234567-89ab-cdef-0123-456789abcdef"
    assert re.search(MESSAGE_ID_PATTERN, note_id)


def test_the_body_is_compact_json_in_a_fixed_order() -> None:
    body = call_note_body(True, False, "completed", 151)
    assert body == '{"outgoing":true,"video":false,"outcome":"completed","duration_s":151}'
    assert json.loads(body)["duration_s"] == 151
