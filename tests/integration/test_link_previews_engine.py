"""Link previews through the real relay: the sender fetches (opt-in), the receiver never does.

Alice turns previews on, fetches one from a local web server and sends it inside her
message; Bob stores it with the text. Mallory sends hand-made previews that break each rule:
Bob keeps every text and drops every bad preview.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import uuid6
from engine_helpers import EventLog, new_client
from link_preview_site import PreviewSite, png_bomb, preview_site
from PIL import Image

from chat_desktop.protocol import events
from chat_desktop.protocol.link_preview import LinkPreview, decode_preview, encode_preview
from chat_desktop.protocol.message_content import (
    MAX_TRANSCRIPT_SIZE,
    TextContent,
    encode_content,
    transcript_of,
)
from chat_desktop.protocol.schemas import DevicePayload, MessageSend, MessageSendAck
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.capabilities.messages import checked_preview
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import ClientError, LinkPreviewUnavailable
from chat_desktop.services.events import MessageReceived
from chat_desktop.services.preferences import Preferences
from chat_desktop.services.resending import content_from_message

pytestmark = pytest.mark.integration


@pytest.fixture
async def site() -> AsyncIterator[PreviewSite]:
    async with preview_site() as running:
        yield running


@pytest.fixture
async def pair(tmp_path: Path, relay: RelayServer) -> AsyncIterator[tuple[ChatClient, ChatClient]]:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    yield alice, bob
    await alice.close()
    await bob.close()


async def received(log: EventLog, text: str) -> str:
    await log.wait_for(
        lambda events: any(isinstance(e, MessageReceived) and e.text == text for e in events)
    )
    return next(e.message_id for e in log.of_type(MessageReceived) if e.text == text)


async def test_link_previews_are_off_by_default_and_fetch_nothing(
    pair: tuple[ChatClient, ChatClient], site: PreviewSite
) -> None:
    alice, _ = pair
    assert (await alice.preferences.load()).link_previews is False
    assert await alice.link_previews.enabled() is False
    with pytest.raises(LinkPreviewUnavailable, match="off"):
        await alice.link_previews.fetch(site.url("/page"))
    assert site.requests == []  # the website learned nothing


async def test_a_preview_travels_inside_the_message_and_is_stored_on_both_sides(
    pair: tuple[ChatClient, ChatClient], site: PreviewSite
) -> None:
    alice, bob = pair
    await alice.preferences.save(msgspec.structs.replace(Preferences(), link_previews=True))
    text = f"have a look: {site.url('/page')}!"
    url = alice.link_previews.first_link(text)
    assert url == site.url("/page")
    preview = await alice.link_previews.fetch(url)
    fetched = len(site.requests)
    log = EventLog(bob)

    sent_id = await alice.messages.send_text("bob", text, link_preview=preview)
    message_id = await received(log, text)
    log.close()

    assert message_id == sent_id
    theirs = await bob.messages.get("alice", message_id)
    assert theirs is not None
    assert theirs.body == text
    assert theirs.link_preview == preview
    assert theirs.link_preview is not None and theirs.link_preview.image is not None
    mine = await alice.messages.get("bob", sent_id)
    assert mine is not None and mine.link_preview == preview
    history = await bob.messages.history("alice", limit=10)
    assert [m.link_preview for m in history] == [preview]
    assert len(site.requests) == fetched  # the receiver fetched nothing


async def test_a_preview_goes_to_a_group_inside_its_one_sender_key_message(
    pair: tuple[ChatClient, ChatClient], site: PreviewSite
) -> None:
    alice, bob = pair
    await alice.preferences.save(msgspec.structs.replace(Preferences(), link_previews=True))
    group = await alice.groups.create("Walks", ["bob"])
    text = f"for the group: {site.url('/page')}"
    preview = await alice.link_previews.fetch(site.url("/page"))
    fetched = len(site.requests)
    log = EventLog(bob)

    sent_id = await alice.groups.send_text(group, text, link_preview=preview)
    assert await received(log, text) == sent_id
    log.close()

    theirs = await bob.messages.get(group, sent_id)
    assert theirs is not None and theirs.body == text and theirs.link_preview == preview
    mine = await alice.messages.get(group, sent_id)
    assert mine is not None and mine.link_preview == preview
    assert len(site.requests) == fetched  # the member fetched nothing
    # A preview its members would drop (its address not in the text) is refused, unsent.
    with pytest.raises(ClientError):
        await alice.groups.send_text(group, "no link here", link_preview=preview)


async def test_a_message_whose_preview_could_not_be_made_goes_without_one(
    pair: tuple[ChatClient, ChatClient], site: PreviewSite
) -> None:
    alice, bob = pair
    await alice.preferences.save(msgspec.structs.replace(Preferences(), link_previews=True))
    text = f"slow site {site.url('/to-file')}"
    with pytest.raises(LinkPreviewUnavailable):
        await alice.link_previews.fetch(site.url("/to-file"))
    log = EventLog(bob)
    await alice.messages.send_text("bob", text)
    message_id = await received(log, text)
    log.close()
    theirs = await bob.messages.get("alice", message_id)
    assert theirs is not None and theirs.body == text and theirs.link_preview is None


async def test_a_preview_its_peer_would_drop_is_refused_before_anything_is_stored(
    pair: tuple[ChatClient, ChatClient],
) -> None:
    alice, _ = pair
    elsewhere = LinkPreview(url="https://elsewhere.example/", title="t", description="")
    too_long = LinkPreview(url="https://a.example/", title="x" * 301, description="")
    for preview in (elsewhere, too_long):
        with pytest.raises(ClientError):
            await alice.messages.send_text("bob", "see https://a.example/", link_preview=preview)
    assert await alice.messages.history("bob", limit=10) == []


def _jpeg(side: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


def _raw_preview(**fields: Any) -> msgspec.Raw:
    return msgspec.Raw(msgspec.msgpack.encode(fields))


async def _send_raw(sender: ChatClient, to: str, content: TextContent) -> None:
    """Encrypts ``content`` on ``sender``'s session with ``to`` and sends it via the relay."""
    bodies = await sender.run_in_store(sender.presence._encrypt_now, to, encode_content(content))
    assert bodies, "the sender has a session with the recipient"
    connection = sender._context.connection
    assert connection is not None
    await connection.request(
        events.MESSAGE_SEND,
        MessageSend(
            id=str(uuid6.uuid7()),
            to=to,
            payloads=[DevicePayload(device_id=device, body=body) for device, body in bodies],
        ),
        MessageSendAck,
    )


async def test_a_receiver_drops_every_bad_preview_and_keeps_the_text(
    pair: tuple[ChatClient, ChatClient],
) -> None:
    mallory, bob = pair  # "alice" plays the hostile peer here
    log = EventLog(bob)
    await mallory.messages.send_text("bob", "hello")  # a session both ways
    await received(log, "hello")
    url = "https://news.example/story"
    good = {"url": url, "title": "T", "description": "D"}
    hostile = {
        "oversize title": _raw_preview(**{**good, "title": "x" * 301}),
        "oversize description": _raw_preview(**{**good, "description": "y" * 1001}),
        "address not in the text": _raw_preview(**{**good, "url": "https://evil.example/"}),
        "scheme not http": _raw_preview(**{**good, "url": "file:///etc/passwd"}),
        "title on two lines": _raw_preview(**{**good, "title": "a\nb"}),
        "image not an image": _raw_preview(**good, image=b"\xff\xd8\xff" + b"\x00" * 100),
        "image a PNG": _raw_preview(**good, image=b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
        "image too large in pixels": _raw_preview(**good, image=_jpeg(512)),
        "image a bomb": _raw_preview(**good, image=png_bomb(3000)),
        "image over 64 KiB": _raw_preview(**good, image=b"\xff\xd8\xff" + b"\x00" * 70_000),
        "title of the wrong type": _raw_preview(**{**good, "title": 7}),
        "not a map": msgspec.Raw(msgspec.msgpack.encode([1, 2, 3])),
    }
    for index, (case, raw) in enumerate(hostile.items()):
        text = f"case {index} ({case}) {url}"
        content = TextContent(id=str(uuid6.uuid7()), sent_at=1, text=text, preview=raw)
        await _send_raw(mallory, "bob", content)
        message_id = await received(log, text)
        message = await bob.messages.get("alice", message_id)
        assert message is not None
        assert message.body == text, case
        assert message.link_preview is None, case

    valid = TextContent(
        id=str(uuid6.uuid7()),
        sent_at=1,
        text=f"fine {url}",
        preview=encode_preview(LinkPreview(url=url, title="T", description="D", image=_jpeg(64))),
    )
    await _send_raw(mallory, "bob", valid)
    message_id = await received(log, f"fine {url}")
    log.close()
    message = await bob.messages.get("alice", message_id)
    assert message is not None and message.link_preview is not None
    assert message.link_preview.title == "T"


async def test_a_message_sent_again_carries_its_preview_again(
    pair: tuple[ChatClient, ChatClient],
) -> None:
    alice, _ = pair
    url = "https://a.example/page"
    preview = LinkPreview(url=url, title="Title", description="", image=_jpeg(32))
    sent = await alice.messages.send_text("bob", f"see {url}", link_preview=preview)
    mine = await alice.messages.get("bob", sent)
    assert mine is not None
    again = content_from_message(mine)  # what a retry (or a resend) sends
    assert isinstance(again, TextContent)
    assert not isinstance(again.preview, msgspec.UnsetType)
    assert decode_preview(again.preview, again.text) == preview


def test_a_long_text_keeps_its_preview_within_the_transcript_bound() -> None:
    url = "https://a.example/"
    image = b"\xff\xd8\xff" + bytes(30_000)  # the receiver's decode check comes later
    preview = LinkPreview(url=url, title="T", description="D", image=image)
    short = checked_preview(preview, f"see {url}")
    assert short is not None and short[1] == preview  # all of it fits
    long_text = "x" * 60_000 + f" {url}"
    fitted = checked_preview(preview, long_text)
    assert fitted is not None
    raw, kept = fitted
    assert kept == msgspec.structs.replace(preview, image=None)  # the image is left out
    content = TextContent(id=str(uuid6.uuid7()), sent_at=1, text=long_text, preview=raw)
    assert len(transcript_of(content)) <= MAX_TRANSCRIPT_SIZE
    assert checked_preview(preview, "y" * 69_500 + f" {url}") is None  # no room at all
