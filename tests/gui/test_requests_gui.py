"""Message requests in the window (issue 23, item 1): a stranger's chat is not in the list but
behind "Message requests (1)" at its top; opened, it asks "Let sam message you?" with Accept,
Delete and Block (accessible names), the composer off; Accept brings it into the list and
lets the receipts go, Delete and Block ask first. Real relay, real clients, the real window.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conversation_helpers import Pair, eventually, open_pair, top_message_box
from gui_helpers import PASSWORD, wait_for
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.models import MessageStatus

pytestmark = [pytest.mark.gui]

SHOTS = Path("/tmp/shots/view")


@contextlib.asynccontextmanager
async def stranger(pair: Pair, root: Path) -> AsyncIterator[ChatClient]:
    """Sam: an account Alice never wrote to, on the pair's relay."""
    sam, _recovery = await ChatClient.create(
        root / "sam", pair.relay.url, "sam", PASSWORD, kdf_params=FLOOR_PARAMS
    )
    try:
        await sam.connect()
        await sam.wait_connected()
        yield sam
    finally:
        await sam.close()


async def request_from(pair: Pair, sam: ChatClient, text: str) -> str:
    """Sam writes; returns the message id once Alice's list counts his request."""
    message_id = await sam.messages.send_text("alice", text)
    panel = pair.window.conversation_list

    async def counted() -> bool:
        await pair.window.refresh_conversations_now()
        return panel.requests_button.isVisible() or panel.requests_button.isChecked()

    await eventually(counted)
    return message_id


def answer_yes(pair: Pair, question: str) -> None:
    box = top_message_box(pair.pane)
    assert box is not None and question in box.text()
    yes = box.button(QMessageBox.StandardButton.Yes)
    assert yes is not None
    yes.click()


async def test_a_request_waits_apart_with_its_banner_until_accepted(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair, stranger(pair, tmp_path) as sam:
        said = await request_from(pair, sam, "hi, we met at the lake")
        panel = pair.window.conversation_list
        button = panel.requests_button
        assert button.text() == "Message requests (1)"
        assert button.accessibleName() == "Message requests"
        assert "sam" not in panel.peers()

        button.click()  # the list shows the requests
        await wait_for(lambda: panel.peers() == ["sam"])
        assert button.text() == "Back to chats"
        await pair.window.open_conversation_now("sam")
        banner = pair.pane.request_banner
        await wait_for(lambda: banner.isVisible())
        assert "Let sam message you?" in banner.label.text()
        assert not pair.pane.composer.isEnabled()
        names = {
            button.accessibleName()
            for button in (banner.accept_button, banner.delete_button, banner.block_button)
        }
        assert names == {
            "Accept the message request",
            "Delete the message request",
            "Block this contact",
        }
        SHOTS.mkdir(parents=True, exist_ok=True)
        pair.window.grab().save(str(SHOTS / "request.png"))
        sent = await sam.messages.get("alice", said)
        assert sent is not None and sent.status is MessageStatus.SENT  # nothing came back yet

        banner.accept_button.click()
        await wait_for(lambda: not banner.isVisible())
        assert pair.pane.composer.isEnabled()
        await wait_for(lambda: "sam" in panel.peers() and not button.isVisible())
        assert not button.isChecked()  # the last request went: back to the chats

        async def answered() -> bool:
            message = await sam.messages.get("alice", said)
            return message is not None and message.status in (
                MessageStatus.DELIVERED,
                MessageStatus.READ,
            )

        await eventually(answered)


async def test_delete_and_block_from_the_banner_ask_first(qtbot: QtBot, tmp_path: Path) -> None:
    async with open_pair(tmp_path, qtbot) as pair, stranger(pair, tmp_path) as sam:
        await request_from(pair, sam, "buy my boat")
        await pair.window.open_conversation_now("sam")
        banner = pair.pane.request_banner
        await wait_for(lambda: banner.isVisible())
        banner.delete_button.click()
        await wait_for(lambda: top_message_box(pair.pane) is not None)
        answer_yes(pair, "Delete the conversation with sam")

        async def gone() -> bool:
            return await pair.alice.conversations.requests() == []

        await eventually(gone)
        assert pair.window.open_peer != "sam"

        await request_from(pair, sam, "really, buy it")
        await pair.window.open_conversation_now("sam")
        await wait_for(lambda: banner.isVisible())
        banner.block_button.click()
        await wait_for(lambda: top_message_box(pair.pane) is not None)
        answer_yes(pair, "Block sam?")
        await wait_for(lambda: pair.pane.blocked_banner.isVisible())
        assert not banner.isVisible()
        assert not pair.pane.composer.isEnabled()
        assert await pair.alice.conversations.requests() == []  # a blocked one is not listed
