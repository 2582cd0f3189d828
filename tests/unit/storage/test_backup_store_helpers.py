"""The two small store reads and writes a backup needs (issue 23, item 11).

Settings as JSON text (every one, to carry them; one written back, checked to be JSON), and
the key-id counters (read, and moved up on a restored device, never down: a key made after
a restore must not reuse an id the relay may still hold).
"""

from __future__ import annotations

import json

import pytest

from chat_desktop.storage.store import MessageStore


def test_settings_travel_as_json_text(store: MessageStore) -> None:
    store.settings.set("b.number", 3)
    store.settings.set("a.list", [1, "x", None])
    items = dict(store.settings.items_json())
    assert json.loads(items["b.number"]) == 3 and json.loads(items["a.list"]) == [1, "x", None]
    keys = [key for key, _ in store.settings.items_json()]
    assert keys == sorted(keys)
    store.settings.set_json("c.map", '{"k": true}')
    assert store.settings.get("c.map") == {"k": True}
    with pytest.raises(ValueError):
        store.settings.set_json("d.bad", "{not json")
    assert store.settings.get("d.bad") is None


def test_key_id_counters_are_read_and_only_ever_raised(store: MessageStore) -> None:
    assert store.secrets.allocate_key_ids("one_time", 5) == [1, 2, 3, 4, 5]
    assert store.secrets.key_id_counters()["one_time"] == 6
    store.secrets.raise_key_id_counter("one_time", 100)
    store.secrets.raise_key_id_counter("one_time", 50)  # never down
    store.secrets.raise_key_id_counter("signed", 7)  # a kind never used here yet
    assert store.secrets.key_id_counters() == {"one_time": 100, "signed": 7}
    assert store.secrets.allocate_key_ids("one_time") == [100]
    assert store.secrets.allocate_key_ids("signed") == [7]
