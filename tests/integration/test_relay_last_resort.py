"""A rotated last-resort PQ prekey replaces the old one on the relay."""

from __future__ import annotations

import pytest
from relay_harness import make_pq_prekey, register_account

from chat_desktop.protocol import events
from chat_desktop.protocol.codec import encode_event
from chat_desktop.protocol.schemas import KeysUpload
from chat_desktop.relay.app import RelayServer

pytestmark = pytest.mark.integration


async def test_an_uploaded_last_resort_key_replaces_the_old_one(
    relay: RelayServer, relay_clients
) -> None:
    alice = await register_account(relay.url, pq_one_time=0)
    fetcher = relay_clients(await register_account(relay.url))
    await fetcher.connect(relay.url)
    owner = relay_clients(alice)
    await owner.connect(relay.url)

    before = await fetcher.call(events.KEYS_BUNDLE, {"user": alice.username})
    assert before["devices"][0]["pq_prekey"]["id"] == 999
    upload = KeysUpload(pq_prekeys=[make_pq_prekey(alice.identity, 2000, last_resort=True)])
    assert (await owner.call(events.KEYS_UPLOAD, encode_event(upload)))["ok"]

    for _ in range(2):  # handed out again and again, never used up
        after = await fetcher.call(events.KEYS_BUNDLE, {"user": alice.username})
        pq = after["devices"][0]["pq_prekey"]
        assert (pq["id"], pq["last_resort"]) == (2000, True)
