"""The reply bot of docs/examples/reply_bot.py, against the real relay.

Bob writes to the bot's account; the bot answers each text with "you said: …" quoting it and
marks it read. The example lives outside the package, so it is loaded from its file (nothing
to install, and the docs stay the one copy of it).
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from engine_helpers import all_outgoing_have_status, new_client, wait_until

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.types import Direction, MessageStatus

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "reply_bot.py"


def load_example() -> ModuleType:
    """Imports docs/examples/reply_bot.py from its file."""
    spec = importlib.util.spec_from_file_location("reply_bot", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


reply_bot = load_example()


async def replies_from_bot(bob: ChatClient, count: int) -> bool:
    """Whether Bob holds ``count`` messages from the bot."""
    history = await bob.messages.history("bot")
    return sum(m.direction is Direction.INCOMING for m in history) == count


async def test_bot_answers_each_text_quoting_it(tmp_path: Path, relay: RelayServer) -> None:
    bot = await new_client(tmp_path, relay.url, "bot")
    bob = await new_client(tmp_path, relay.url, "bob")
    answering = asyncio.create_task(reply_bot.run_bot(bot, stop_after=2))
    try:
        first = await bob.messages.send_text("bot", "hello bot")
        second = await bob.messages.send_text("bot", "are you there?")

        assert await asyncio.wait_for(answering, timeout=30) == 2
        await wait_until(lambda: replies_from_bot(bob, 2))

        replies = [
            m for m in await bob.messages.history("bot") if m.direction is Direction.INCOMING
        ]
        assert [m.body for m in replies] == ["you said: hello bot", "you said: are you there?"]
        assert [m.quote.target_id if m.quote else None for m in replies] == [first, second]
        assert all(m.quote is not None and m.quote.author == "bob" for m in replies)

        # The bot marked both read: nothing unread on its side, and Bob sees read receipts.
        assert await bot.conversations.unread_total() == 0
        await wait_until(lambda: all_outgoing_have_status(bob, "bot", MessageStatus.READ, 2))
    finally:
        answering.cancel()
        await bob.close()
        await bot.close()


async def test_bot_answers_what_arrived_before_it_listened(
    tmp_path: Path, relay: RelayServer
) -> None:
    bot = await new_client(tmp_path, relay.url, "bot")
    bob = await new_client(tmp_path, relay.url, "bob")
    try:
        early = await bob.messages.send_text("bot", "sent while the bot was away")

        async def bot_has_it() -> bool:
            return await bot.conversations.unread_total() == 1

        await wait_until(bot_has_it)

        assert await asyncio.wait_for(reply_bot.run_bot(bot, stop_after=1), timeout=30) == 1
        await wait_until(lambda: replies_from_bot(bob, 1))
        [reply] = [
            m for m in await bob.messages.history("bot") if m.direction is Direction.INCOMING
        ]
        assert reply.body == "you said: sent while the bot was away"
        assert reply.quote is not None and reply.quote.target_id == early
    finally:
        await bob.close()
        await bot.close()


def test_main_refuses_to_start_without_the_password_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(reply_bot.PASSWORD_VARIABLE, raising=False)

    status = reply_bot.main(["--profile", str(tmp_path / "bot"), "--username", "bot"])

    assert status == 2
    assert reply_bot.PASSWORD_VARIABLE in capsys.readouterr().err
    assert not (tmp_path / "bot").exists()
