"""A reply bot on the headless engine: it answers every text message with a reply quoting it.

It shows the engine's shape in a few lines: :class:`~chat_desktop.services.client.ChatClient`
opens (or creates) the profile and connects; the event stream tells what arrives; each
capability object does one kind of thing (``client.messages`` sends the reply,
``client.conversations`` marks the message read, which sends the sender a read receipt).

Run it against a relay (``scripts/run-local`` starts one on 127.0.0.1:8765)::

    CHAT_BOT_PASSWORD='a long bot passphrase' \\
        .venv/bin/python docs/examples/reply_bot.py --profile ./bot-profile --username echo

The first run creates the account and prints its recovery key once; later runs unlock the
profile. The password comes from the environment variable ``CHAT_BOT_PASSWORD`` only: a
command-line argument would show in every process list. Stop it with Ctrl+C.

``tests/integration/test_reply_bot.py`` runs :func:`run_bot` against a real relay.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TypeGuard

from chat_desktop.protocol.message_content import MAX_TEXT_LENGTH
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import ClientError
from chat_desktop.services.events import MessageReceived
from chat_desktop.services.types import Direction, Message

logger = logging.getLogger("reply_bot")

#: Where the password comes from (never the command line: process lists show arguments).
PASSWORD_VARIABLE = "CHAT_BOT_PASSWORD"  # noqa: S105 - a variable's name, not a password
#: What every reply starts with; the rest is the text it answers.
REPLY_PREFIX = "you said: "
#: How many unread messages of each conversation are looked at when the bot starts.
BACKLOG_LIMIT = 500


def reply_text(text: str) -> str:
    """The bot's answer to ``text``, cut so that it stays within one message's length."""
    return REPLY_PREFIX + text[: MAX_TEXT_LENGTH - len(REPLY_PREFIX)]


def is_answerable(message: Message | None) -> TypeGuard[Message]:
    """Whether ``message`` is a peer's text the bot should answer.

    Our own messages (a copy of what another device of this account sent arrives as
    ``MessageReceived`` too), notes (timer, key change), files, placeholders of undecryptable
    messages and messages deleted for everyone since are left alone.
    """
    return (
        message is not None
        and message.direction is Direction.INCOMING
        and message.kind == "text"
        and not message.deleted
        and not message.undecryptable
        and bool(message.body)
    )


async def answer(client: ChatClient, message: Message) -> bool:
    """Replies to ``message`` quoting it, then marks it read. Returns whether it was answered.

    A message that went away meanwhile (deleted for everyone, expired) is skipped rather
    than stopping the bot: its refusal is a :class:`ClientError` and is logged by type only
    (a bot's log must not hold what people wrote).
    """
    peer = message.conversation_id
    try:
        await client.messages.send_text(peer, reply_text(message.body or ""), reply_to=message.id)
    except ClientError as error:
        logger.warning("could not answer a message (%s)", type(error).__name__)
        answered = False
    else:
        answered = True
    # Read either way: what is unread at the next start is what still needs an answer.
    await client.conversations.mark_read(peer, message.id)
    return answered


async def unread_backlog(client: ChatClient) -> list[Message]:
    """Texts that arrived before the bot listened (e.g. while it was offline), oldest first.

    The bot marks what it answered read, so what is still unread is what it has not answered.
    """
    backlog: list[Message] = []
    # Message requests too: a bot answers anyone (answering accepts the request).
    chats = await client.conversations.list(include_archived=True)
    for conversation in [*chats, *await client.conversations.requests()]:
        if conversation.unread_count == 0:
            continue
        history = await client.messages.history(conversation.id, limit=BACKLOG_LIMIT)
        backlog += [m for m in history if is_answerable(m) and m.read_at is None]
    return backlog


async def run_bot(client: ChatClient, *, stop_after: int | None = None) -> int:
    """Answers every text message ``client`` receives until cancelled (or ``stop_after``).

    Unread texts already stored are answered first, then each new one as it arrives. The
    client must be unlocked; it may be connected before or after this starts (sending
    queues while offline).

    Args:
        client: The bot's account.
        stop_after: Return after answering this many messages (None: run until cancelled).

    Returns:
        How many messages were answered.
    """
    # Listen before reading the backlog, so that nothing arriving in between is missed; the
    # ids already answered keep a message in both from being answered twice.
    events = client.events.subscribe()
    answered: set[tuple[str, str]] = set()
    try:
        for message in await unread_backlog(client):
            if stop_after is not None and len(answered) >= stop_after:
                return len(answered)
            if await answer(client, message):
                answered.add((message.conversation_id, message.id))
        while stop_after is None or len(answered) < stop_after:
            event = await events.get()
            if not isinstance(event, MessageReceived) or event.kind != "text":
                continue
            if (event.peer, event.message_id) in answered:
                continue
            received = await client.messages.get(event.peer, event.message_id)
            if is_answerable(received) and await answer(client, received):
                answered.add((event.peer, event.message_id))
        return len(answered)
    finally:
        client.events.unsubscribe(events)


async def open_client(
    profile: Path, relay_url: str, username: str | None, password: str
) -> ChatClient:
    """Unlocks the bot's profile, or creates the account when ``profile`` holds none yet.

    Raises:
        ValueError: No profile yet and no ``username`` to create one with.
        WrongPassword, UnlockBackoff: The password does not open the profile.
    """
    if ChatClient.profile_exists(profile):
        return await ChatClient.unlock(profile, password)
    if username is None:
        raise ValueError("no profile in that folder yet: give --username to create one")
    client, recovery_key = await ChatClient.create(
        profile, relay_url, username, password, device_name="reply bot"
    )
    print(f"account {username} created; its recovery key (shown once): {recovery_key}")
    return client


async def serve(profile: Path, relay_url: str, username: str | None, password: str) -> None:
    """Opens the profile, connects and answers messages until cancelled; always locks again."""
    client = await open_client(profile, relay_url, username, password)
    try:
        await client.connect()
        print(f"{client.username} is listening on {client.relay_url} (Ctrl+C stops)")
        await run_bot(client)
    finally:
        await client.close()


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: the profile folder, the relay and the bot's username."""
    parser = argparse.ArgumentParser(
        description="Answers every text message with a reply quoting it.",
        epilog=f"The password is read from the environment variable {PASSWORD_VARIABLE}.",
    )
    parser.add_argument("--profile", type=Path, required=True, help="the bot's profile folder")
    parser.add_argument(
        "--relay",
        default="http://127.0.0.1:8765",
        help="the relay to register on (only when creating; a profile keeps its own)",
    )
    parser.add_argument("--username", help="the account to create if the profile is new")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the bot from the command line; returns the exit status."""
    arguments = parse_arguments(argv)
    if arguments.username is None and not ChatClient.profile_exists(arguments.profile):
        print("no profile in that folder yet: give --username to create one", file=sys.stderr)
        return 2
    password = os.environ.get(PASSWORD_VARIABLE)
    if not password:
        print(f"set {PASSWORD_VARIABLE} to the bot's password", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(arguments.profile, arguments.relay, arguments.username, password))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
