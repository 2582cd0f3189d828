"""Link previews in the window (issue 23, item 10): opt-in in Settings → Privacy (off by
default, the hint says why); once on, a link written in the composer gets its card above the
box (removable), the card goes inside the message, and both bubbles draw it under the text;
a click on it opens the link. Real relay, real window, a real web server on 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
import uuid6
from conversation_helpers import Pair, eventually, open_pair
from gui_helpers import wait_for
from link_preview_site import preview_site
from PySide6.QtCore import Qt, QUrl
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from chat_desktop.gui.conversation.link_preview_painting import host_of
from chat_desktop.gui.settings.window import PRIVACY_SECTION
from chat_desktop.protocol import events
from chat_desktop.protocol.link_preview import LinkPreview
from chat_desktop.protocol.message_content import TextContent, encode_content
from chat_desktop.protocol.schemas import DevicePayload, MessageSend, MessageSendAck
from chat_desktop.services.preferences import Preferences

pytestmark = [pytest.mark.gui]


async def turn_on(pair: Pair) -> None:
    await pair.alice.preferences.save(msgspec.structs.replace(Preferences(), link_previews=True))


async def test_the_setting_is_off_by_default_says_why_and_is_kept(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        pair.window.show_settings(PRIVACY_SECTION)
        settings = pair.window.settings_window
        assert settings is not None
        await settings.loading
        box = settings.privacy_page.link_previews_box
        assert not box.isChecked()
        assert "IP address" in box.accessibleDescription()
        box.setChecked(True)

        async def saved() -> bool:
            return (await pair.alice.preferences.load()).link_previews

        await eventually(saved)  # kept in the encrypted store
        settings.close()


async def test_off_nothing_is_fetched_and_the_message_goes_plain(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with preview_site() as site, open_pair(tmp_path, qtbot) as pair:
        bar = pair.pane.link_preview_bar
        pair.pane.composer.edit.setPlainText(f"look {site.url('/page')}")
        bar.settle_now()
        assert bar.loading is not None
        await bar.loading  # it asked whether previews are on, and stopped there
        assert bar.preview is None and bar.isHidden()
        pair.pane.composer.submit()

        async def sent() -> bool:
            history = await pair.alice.messages.history("bob", limit=5)
            return len(history) == 1

        await eventually(sent)
        history = await pair.alice.messages.history("bob", limit=5)
        assert history[0].link_preview is None
        assert site.requests == []  # the website learned nothing
        assert bar.isHidden()


async def test_a_card_shows_before_sending_and_travels_with_the_message(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with preview_site() as site, open_pair(tmp_path, qtbot) as pair:
        await turn_on(pair)
        url = site.url("/page")
        text = f"read this {url}"
        bar = pair.pane.link_preview_bar
        pair.pane.composer.edit.setPlainText(text)
        bar.settle_now()
        await wait_for(lambda: bar.preview is not None and bar.isVisible())
        assert bar.preview is not None and bar.preview.title == "A & B: the story"
        assert bar.height() > 0

        pair.pane.composer.submit()
        assert bar.isHidden()

        async def shown_on_both_sides() -> bool:
            history = await pair.alice.messages.history("bob", limit=5)
            if len(history) != 1:
                return False
            mine = pair.shown(history[0].id)
            theirs = pair.bob_shown(history[0].id)
            return (
                mine is not None
                and theirs is not None
                and mine.link_preview is not None
                and theirs.link_preview is not None
            )

        await eventually(shown_on_both_sides)
        message_id = (await pair.alice.messages.history("bob", limit=1))[0].id
        mine = pair.shown(message_id)
        assert mine is not None and mine.link_preview is not None
        assert mine.link_preview.image is not None
        assert host_of(mine.link_preview.url) == "127.0.0.1"

        # The row makes room for the card under the text, and a click on it opens the link.
        view = pair.view
        row = pair.model.row_of(message_id)
        assert row is not None
        index = pair.model.index(row)
        delegate = view._delegate
        layout = delegate.layout_for(index, delegate.available_width(), view.font())
        assert layout is not None and layout.link_preview is not None
        assert layout.text is not None and layout.link_preview.top() > layout.text.bottom()
        opened: list[QUrl] = []
        view.open_url = opened.append
        rect = view.visualRect(index)
        QTest.mouseClick(
            view.viewport(),
            Qt.MouseButton.LeftButton,
            pos=rect.topLeft() + layout.link_preview.center(),
        )
        await wait_for(lambda: bool(opened))
        assert opened[0].toString() == url


async def test_the_card_can_be_removed_and_the_message_goes_without_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with preview_site() as site, open_pair(tmp_path, qtbot) as pair:
        await turn_on(pair)
        bar = pair.pane.link_preview_bar
        pair.pane.composer.edit.setPlainText(f"no card please {site.url('/page')}")
        bar.settle_now()
        await wait_for(lambda: bar.preview is not None and bar.isVisible())
        bar.close_button.click()
        assert bar.isHidden() and bar.preview is None
        bar.settle_now()  # the same link is not fetched again
        pair.pane.composer.submit()

        async def sent() -> bool:
            return len(await pair.alice.messages.history("bob", limit=5)) == 1

        await eventually(sent)
        history = await pair.alice.messages.history("bob", limit=5)
        assert history[0].link_preview is None
        assert site.requests.count("/page") == 1


async def test_a_link_whose_preview_fails_sends_the_text_alone(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with preview_site() as site, open_pair(tmp_path, qtbot) as pair:
        await turn_on(pair)
        bar = pair.pane.link_preview_bar
        pair.pane.composer.edit.setPlainText(f"oops {site.url('/to-file')}")
        bar.settle_now()
        assert bar.loading is not None
        await bar.loading  # refused: a redirect to file:
        assert "/to-file" in site.requests
        assert bar.preview is None and bar.isHidden()
        pair.pane.composer.submit()

        async def sent() -> bool:
            return len(await pair.alice.messages.history("bob", limit=5)) == 1

        await eventually(sent)
        history = await pair.alice.messages.history("bob", limit=5)
        assert history[0].body == f"oops {site.url('/to-file')}"
        assert history[0].link_preview is None
        assert bar.isHidden()


async def test_a_received_card_is_drawn_and_a_bad_one_leaves_the_text_alone(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        url = "https://trails.example/lake"
        good = LinkPreview(url=url, title="Lake trails", description="Five walks", image=None)
        with_card = await pair.bob.messages.send_text("alice", f"look {url}", link_preview=good)
        bad = TextContent(
            id=str(uuid6.uuid7()),
            sent_at=1,
            text=f"and {url}",
            preview=msgspec.Raw(msgspec.msgpack.encode({"url": url, "title": "x" * 301})),
        )
        bodies = await pair.bob.run_in_store(
            pair.bob.presence._encrypt_now, "alice", encode_content(bad)
        )
        connection = pair.bob._context.connection
        assert connection is not None
        await connection.request(
            events.MESSAGE_SEND,
            MessageSend(
                id=str(uuid6.uuid7()),
                to="alice",
                payloads=[DevicePayload(device_id=d, body=b) for d, b in bodies],
            ),
            MessageSendAck,
        )
        await wait_for(lambda: pair.shown(with_card) is not None and pair.shown(bad.id) is not None)
        delegate = pair.view._delegate
        layouts = {}
        for message_id in (with_card, bad.id):
            row = pair.model.row_of(message_id)
            assert row is not None
            index = pair.model.index(row)
            layouts[message_id] = delegate.layout_for(
                index, delegate.available_width(), pair.view.font()
            )
        shown_bad = pair.shown(bad.id)
        assert shown_bad is not None and shown_bad.body == f"and {url}"
        assert shown_bad.link_preview is None
        assert layouts[bad.id] is not None and layouts[bad.id].link_preview is None
        card = layouts[with_card]
        assert card is not None and card.link_preview is not None
        assert card.link_preview.height() > 0
        pair.view.viewport().repaint()  # painting the card (no image) raises nothing
