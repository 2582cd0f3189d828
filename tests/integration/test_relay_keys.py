"""Prekey upload and bundle fetch (docs/protocol.md §6 ``keys:*``, acceptance 2)."""

from __future__ import annotations

import asyncio

import pytest
from relay_harness import (
    make_one_time_prekeys,
    make_pq_prekey,
    make_signed_prekey,
    register_account,
)

from chat_desktop.crypto.identity import IdentityKeyPair, verify_signature
from chat_desktop.protocol import events
from chat_desktop.protocol.auth import pq_prekey_message, signed_prekey_message
from chat_desktop.protocol.codec import encode_event
from chat_desktop.protocol.schemas import KeysUpload

pytestmark = pytest.mark.integration


async def test_concurrent_fetches_hand_out_each_one_time_key_at_most_once(
    relay, relay_clients
) -> None:
    owner = await register_account(relay.url, one_time=10, pq_one_time=10)
    fetchers = [relay_clients(await register_account(relay.url)) for _ in range(10)]
    await asyncio.gather(*(client.connect(relay.url) for client in fetchers))

    futures = []
    for _ in range(10):  # 100 requests in flight at once, 10 per connection
        for client in fetchers:
            futures.append(await client.start_call(events.KEYS_BUNDLE, {"user": owner.username}))
    acks = await asyncio.wait_for(asyncio.gather(*futures), 30)

    assert all(ack["ok"] for ack in acks)
    bundles = [ack["devices"][0] for ack in acks]
    one_time = [b["one_time_prekey"]["id"] for b in bundles if "one_time_prekey" in b]
    pq_one_time = [b["pq_prekey"]["id"] for b in bundles if not b["pq_prekey"]["last_resort"]]
    assert sorted(one_time) == sorted(owner.one_time_ids)  # each exactly once
    assert sorted(pq_one_time) == sorted(owner.pq_ids)
    assert sum("one_time_prekey" not in b for b in bundles) == 90
    last_resort = [b["pq_prekey"] for b in bundles if b["pq_prekey"]["last_resort"]]
    assert len(last_resort) == 90
    assert {key["id"] for key in last_resort} == {999}


async def test_bundle_signatures_verify_under_the_identity_key(relay, relay_clients) -> None:
    owner = await register_account(relay.url)
    fetcher = relay_clients(await register_account(relay.url))
    await fetcher.connect(relay.url)
    ack = await fetcher.call(events.KEYS_BUNDLE, {"user": owner.username})
    (bundle,) = ack["devices"]
    assert bundle["identity_key"] == owner.identity.public_key
    spk, pq = bundle["signed_prekey"], bundle["pq_prekey"]
    verify_signature(
        owner.identity.public_key, signed_prekey_message(spk["public_key"]), spk["signature"]
    )
    verify_signature(
        owner.identity.public_key, pq_prekey_message(pq["public_key"]), pq["signature"]
    )


async def test_bundle_of_unknown_user_is_not_found(relay, relay_clients) -> None:
    fetcher = relay_clients(await register_account(relay.url))
    await fetcher.connect(relay.url)
    ack = await fetcher.call(events.KEYS_BUNDLE, {"user": "nobody_at_all"})
    assert (ack["ok"], ack["error"]) == (False, "not_found")


async def test_upload_replenishes_and_low_stock_is_announced(relay, relay_clients) -> None:
    owner = await register_account(relay.url, one_time=20, pq_one_time=20)
    owner_client = relay_clients(owner)
    await owner_client.connect(relay.url)
    fetcher = relay_clients(await register_account(relay.url))
    await fetcher.connect(relay.url)

    assert (await fetcher.call(events.KEYS_BUNDLE, {"user": owner.username}))["ok"]
    for _ in range(100):  # the keys:low push races the bundle ack
        if owner_client.events:
            break
        await asyncio.sleep(0.02)
    assert (events.KEYS_LOW, {"one_time_count": 19, "pq_count": 19}) in owner_client.events

    upload = KeysUpload(
        signed_prekey=make_signed_prekey(owner.identity, 2),
        pq_prekeys=[make_pq_prekey(owner.identity, 2000 + i) for i in range(5)],
        one_time_prekeys=make_one_time_prekeys(500, 30),
    )
    ack = await owner_client.call(events.KEYS_UPLOAD, encode_event(upload))
    assert ack == {"ok": True, "one_time_count": 49, "pq_count": 24}
    # A retried upload (same ids) stores nothing twice.
    ack = await owner_client.call(events.KEYS_UPLOAD, encode_event(upload))
    assert ack == {"ok": True, "one_time_count": 49, "pq_count": 24}
    bundle = (await fetcher.call(events.KEYS_BUNDLE, {"user": owner.username}))["devices"][0]
    assert bundle["signed_prekey"]["id"] == 2


@pytest.mark.parametrize("kind", ["signed_prekey", "pq_prekeys"])
async def test_upload_with_a_bad_signature_is_refused(relay, relay_clients, kind: str) -> None:
    owner = await register_account(relay.url)
    client = relay_clients(owner)
    await client.connect(relay.url)
    stranger = IdentityKeyPair.generate()
    if kind == "signed_prekey":
        upload = KeysUpload(signed_prekey=make_signed_prekey(stranger, 7))
    else:
        upload = KeysUpload(pq_prekeys=[make_pq_prekey(stranger, 7)])
    ack = await client.call(events.KEYS_UPLOAD, encode_event(upload))
    assert (ack["ok"], ack["error"]) == (False, "bad_request")
    counts = await client.call(events.KEYS_UPLOAD, {})
    assert counts == {"ok": True, "one_time_count": 25, "pq_count": 25}
