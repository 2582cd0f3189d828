"""Takes the README's screenshots of the real windows: a lived-in conversation and list, in the
light and the dark theme, the settings window (light and dark), a conversation at 200 % text
size and a narrow window, and the same in Indonesian; then linking a
second computer (its link code) and Settings → Devices with both. The composer's spell-check
(an underlined word and its suggestions menu) is taken from the screen, menu included.

Everything is real: an in-process relay on 127.0.0.1, four accounts in a temporary folder,
messages, replies, reactions, an edit, a delete for everyone and a file download that go
through the relay end to end. Run it under a display (Xvfb works)::

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 .venv/bin/python docs/screenshots.py docs/

Only the few history messages "from yesterday" are written straight into Alice's store (the
relay has no yesterday to replay), so the day separators show. ``--only devices`` takes just
the two linked-devices shots (seconds instead of the whole lived-in session), ``--only spell``
the spell-check shot, ``--only groups`` the group chat (names above bubbles, notes) and its
members page, ``--only request`` a message request open with its banner, ``--only profile``
contacts' profile names and pictures in the list and the header
(``docs/screenshot-profile.png``). ``--only link-preview``: a received link preview and one in the
composer before sending, fetched from a small web server on 127.0.0.1. ``--only voice``: voice
notes both ways, one playing, with their waveforms (``docs/screenshot-voice.png``).
``--only call``: Bob's ringing window for Alice's video call
(``docs/screenshot-call-incoming.png``), then Alice's in-call window once he accepted
(``docs/screenshot-call.png``), with synthetic media (counter frames as the video: this
machine has no camera).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import os
import struct
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import msgspec
import qasync
from aiohttp import web
from PIL import Image
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QWidget

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.account.account_dialogs import UnlockDialog
from chat_desktop.gui.account.link_device import LinkDeviceDialog
from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.common.theme import apply_theme
from chat_desktop.gui.common.translation import apply_language
from chat_desktop.gui.conversation.spell_check import context_menu
from chat_desktop.gui.settings.window import DEVICES_SECTION, SettingsWindow
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.services.voice_playback import PLAYBACK_RATE, NullSpeakers
from chat_desktop.storage.models import Direction, MessageStatus, NewMessage

PASSWORD = "screenshot-only passphrase 5512"  # noqa: S105 - throwaway profiles
DAY_MS = 86_400_000


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    """Waits until ``condition()`` holds (polling; a script, not a test)."""
    async with asyncio.timeout(timeout):
        while not await condition():  # noqa: ASYNC110 - a script polling the engine
            await asyncio.sleep(0.05)


def step(text: str) -> None:
    """One line of progress on stderr."""
    print(text, file=sys.stderr, flush=True)


async def settle(seconds: float = 0.6) -> None:
    """Lets Qt lay out and paint."""
    await asyncio.sleep(seconds)


def grab(widget: QWidget, path: Path) -> None:
    """Saves what ``widget`` shows, as rendered on this display (the folder is made if new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print("saved", path)


async def account(root: Path, relay_url: str, name: str) -> ChatClient:
    client, _key = await ChatClient.create(
        root / name,
        relay_url,
        name,
        PASSWORD,
        kdf_params=FLOOR_PARAMS,
        device_name="Home desktop",  # not this machine's host name
    )
    await client.connect()
    await client.wait_connected()
    return client


def yesterday(alice: ChatClient, now_ms: int) -> None:
    """Two messages of yesterday in Alice's history with Bob (for the day separator)."""
    store = alice.store
    base = now_ms - DAY_MS - 3 * 3_600_000
    lines = [
        ("bob", Direction.INCOMING, "Are we still on for the lake this weekend?"),
        ("alice", Direction.OUTGOING, "Yes! I'll bring the camera."),
    ]
    with store.transaction():
        for index, (sender, direction, text) in enumerate(lines):
            store.messages.insert(
                NewMessage(
                    id=f"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a{index:02d}",
                    conversation_id="bob",
                    sender=sender,
                    direction=direction,
                    sort_key=base + index * 60_000,
                    kind="text",
                    body=text,
                    status=MessageStatus.READ,
                    sent_at=base + index * 60_000,
                    read_at=base + index * 60_000,
                )
            )


async def conversation(alice: ChatClient, bob: ChatClient, folder: Path) -> str:
    """Bob and Alice chat: a reply, reactions, an edit, a delete for everyone, a big file.

    Returns the id of the file message (its download is started by the caller).
    """
    first = await bob.messages.send_text("alice", "Back home! The drive was long but worth it.")
    await until(lambda: _has(alice, "bob", first))
    await alice.messages.send_text("bob", "Glad you made it 🙂", reply_to=first)
    typo = await alice.messages.send_text("bob", "I'll send the photos tonigth")
    await alice.messages.edit("bob", typo, "I'll send the photos tonight")
    oops = await bob.messages.send_text("alice", "(wrong chat, sorry)")
    await until(lambda: _has(alice, "bob", oops))
    await bob.messages.delete_for_everyone("alice", oops)
    great = await bob.messages.send_text("alice", "The sunset on Saturday was unreal")
    await until(lambda: _has(alice, "bob", great))
    await alice.messages.react("bob", great, "❤️")
    await until(lambda: _has(bob, "alice", great))
    await bob.messages.react("alice", great, "👍")
    video = folder / "lake-timelapse.mp4"
    with video.open("wb") as out:
        for _ in range(48):
            out.write(os.urandom(1 << 20))
    file_id = await bob.attachments.send_file("alice", video, caption="The timelapse, uncut")
    await until(lambda: _has(alice, "bob", file_id), timeout=120)
    return file_id


async def _shown(owner: object, attribute: str) -> bool:
    dialog = getattr(owner, attribute, None)
    return dialog is not None and dialog.isVisible()


async def _visible(widget: QWidget) -> bool:
    return widget.isVisible()


async def _has(client: ChatClient, peer: str, message_id: str) -> bool:
    return await client.messages.get(peer, message_id) is not None


async def others(alice: ChatClient, carol: ChatClient, dave: ChatClient) -> None:
    """Two more conversations: Carol's unread messages, Dave muted and pinned."""
    for peer in ("carol", "dave"):  # Alice knows them (a stranger's chat is a request)
        await alice.conversations.start(peer)
    for text in ("Are you coming to the book club on Thursday?", "We're reading Dune!"):
        await carol.messages.send_text("alice", text)
    await dave.messages.send_text("alice", "Release notes are up for review")
    await dave.messages.send_text("alice", "No rush, tomorrow is fine")

    async def arrived() -> bool:
        listed = {c.id: c for c in await alice.conversations.list()}
        return (
            listed.get("carol") is not None
            and listed.get("dave") is not None
            and (listed["carol"].unread_count == 2 and listed["dave"].unread_count == 2)
        )

    await until(arrived)
    await alice.conversations.set_muted("dave", True)
    await alice.conversations.set_pinned("dave", True)


async def devices(alice: ChatClient, root: Path, folder: Path) -> None:
    """A second computer joins Alice's account: its link code, then Settings → Devices."""
    link = LinkDeviceDialog(root / "alice-laptop", alice.relay_url, kdf_params=FLOOR_PARAMS)
    link.name_edit.setText("Work laptop")
    link.password_edit.setText(PASSWORD)
    link.confirm_edit.setText(PASSWORD)
    joined: list[ChatClient] = []
    link.linked.connect(lambda client, _key: joined.append(client))
    link.show()
    link.submit()
    await until(lambda: _current(link.step, link.code_page))
    await settle()
    grab(link, folder / "screenshot-link-code.png")
    await alice.devices.link(link.code)
    await until(lambda: _current(link.step, link.confirm_page))
    link.join()
    await until(lambda: _joined(joined))
    laptop = joined[0]
    try:
        await laptop.connect()
        await laptop.wait_connected()
        settings = SettingsWindow(alice)
        settings.show()
        settings.show_section(DEVICES_SECTION)
        await settings.loading
        await settings.devices_page.loading
        await until(lambda: _count(settings.devices_page.devices, 2))
        await settle()
        grab(settings, folder / "screenshot-devices.png")
        settings.close()
        settings.deleteLater()  # its page stops listening to Alice's events
        await settle(0.2)
    finally:
        await laptop.close()


async def _current(shown: object, wanted: object) -> bool:
    return shown is wanted


async def _joined(clients: list[ChatClient]) -> bool:
    return bool(clients)


async def _count(items: Sequence[object], wanted: int) -> bool:
    return len(items) == wanted


async def _underlined(edit: QPlainTextEdit) -> bool:
    spelling = QTextCharFormat.UnderlineStyle.SpellCheckUnderline
    formats = edit.document().firstBlock().layout().formats()
    return any(found.format.underlineStyle() == spelling for found in formats)


async def spell_check(window: MainWindow, folder: Path) -> None:
    """The composer with a misspelled word underlined and its suggestions menu open.

    The menu is a window of its own: the picture is taken from the screen (the main window's
    lower part with the menu over it).
    """
    edit = window.conversation_view.composer.edit
    text = "See you tomorow at the lake"
    edit.setFocus()
    edit.setPlainText(text)
    await until(lambda: _underlined(edit))
    cursor = QTextCursor(edit.document())
    cursor.setPosition(text.index("tomorow") + 3)
    point = edit.cursorRect(cursor).center()
    # The menu the right-click opens, shown above the word so that its underline stays seen.
    menu = context_menu(edit, edit.spell_check, point)
    edit.context_menu = menu
    word_top = edit.viewport().mapToGlobal(QPoint(point.x(), edit.cursorRect(cursor).top()))
    menu.popup(QPoint(word_top.x() + 24, word_top.y() - menu.sizeHint().height() - 4))
    await settle()
    frame = window.frameGeometry()
    top = menu.geometry().top() - 40
    area = QRect(frame.left(), top, frame.width(), frame.bottom() - top + 1)
    area = area.intersected(window.screen().geometry())
    picture = window.screen().grabWindow(0, area.x(), area.y(), area.width(), area.height())
    path = folder / "screenshot-spell-check.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not picture.save(str(path)):
        raise OSError(f"could not write {path}")
    print("saved", path)
    menu.close()
    edit.clear()


async def take_spell(folder: Path) -> None:
    """Only the spell-check shot: Alice answers Bob in a fresh pair of accounts."""
    with tempfile.TemporaryDirectory(prefix="chat-desktop-shots-") as temporary:
        root = Path(temporary)
        relay = RelayServer(RelayConfig(data_dir=root / "relay", host="127.0.0.1", port=0))
        await relay.start()
        clients: list[ChatClient] = []
        bridge: EventBridge | None = None
        try:
            for name in ("alice", "bob"):
                clients.append(await account(root, relay.url, name))
            alice, bob = clients
            await alice.conversations.start("bob")  # not a message request
            asked = await bob.messages.send_text(
                "alice", "Are we still on for the lake this weekend?"
            )
            await until(lambda: _has(alice, "bob", asked))
            bridge = EventBridge(alice.events)
            window = MainWindow(alice, bridge)
            window.open_latest_on_start = False
            window.resize(1180, 760)
            window.move(20, 20)
            bridge.start()
            window.show()
            await window.open_conversation_now("bob")
            window.refresh_conversations()
            await settle(1.0)
            await spell_check(window, folder)
            window.close_for_lock()
        finally:
            if bridge is not None:
                await bridge.stop()
            for client in clients:
                await client.close()
            await relay.stop()


async def _group_has(client: ChatClient, group: str, count: int) -> bool:
    state = await client.groups.get(group)
    return state is not None and len(state.members) == count


async def _group_texts(client: ChatClient, group: str, count: int) -> bool:
    history = await client.groups.history(group, 100)
    return sum(1 for message in history if message.kind == "text") >= count


async def group_chat(
    window: MainWindow, members: Sequence[ChatClient], folder: Path, reopen: str | None
) -> None:
    """A group of four: its notes, everyone's messages under their names, its members page."""
    alice, *others = members
    group = await alice.groups.create("Weekend hike", [c.username for c in others[:-1]])
    await alice.groups.add_members(group, [others[-1].username])
    picture = Path(tempfile.mkdtemp(prefix="chat-desktop-shots-")) / "mountain.jpg"
    await alice.groups.set_avatar(group, mountain_picture(picture))
    for member in others:
        await until(lambda member=member: _group_has(member, group, len(members)))
    await alice.groups.send_text(group, "Saturday, 8:00 at the trailhead?")
    await until(lambda: _group_texts(others[0], group, 1))
    lines = (
        "Works for me. I'll bring the map",
        "I'm in! Who has a spare water bottle?",
        "Me. See you there",
    )
    for count, (member, text) in enumerate(zip(others, lines, strict=True), start=2):
        await member.groups.send_text(group, text)
        await until(lambda count=count: _group_texts(alice, group, count))
    await window.open_conversation_now(group)
    window.refresh_conversations()
    await settle(1.0)
    grab(window, folder / "screenshot-group.png")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")  # the names' colours on the dark theme's bubbles
    await settle()
    grab(window, folder / "screenshot-group-dark.png")
    apply_theme(app, "light")
    await settle()
    view = window.conversation_view
    view.show_members()
    await until(lambda: _shown(view, "members_dialog"))
    dialog = view.members_dialog
    assert dialog is not None
    dialog.select(others[0].username)
    await settle()
    grab(dialog, folder / "screenshot-group-members.png")
    dialog.close()
    if reopen is not None:
        await window.open_conversation_now(reopen)


async def take_groups(folder: Path) -> None:
    """Only the group shots, with fresh accounts."""
    with tempfile.TemporaryDirectory(prefix="chat-desktop-shots-") as temporary:
        root = Path(temporary)
        relay = RelayServer(RelayConfig(data_dir=root / "relay", host="127.0.0.1", port=0))
        await relay.start()
        clients: list[ChatClient] = []
        bridge: EventBridge | None = None
        try:
            for name in ("alice", "bob", "carol", "dave"):
                clients.append(await account(root, relay.url, name))
            bridge = EventBridge(clients[0].events)
            window = MainWindow(clients[0], bridge)
            window.open_latest_on_start = False
            window.resize(1180, 760)
            window.conversation_view.view.require_active_window = False
            bridge.start()
            window.show()
            await group_chat(window, clients, folder, None)
            window.close_for_lock()
        finally:
            if bridge is not None:
                await bridge.stop()
            for client in clients:
                await client.close()
            await relay.stop()


async def take_request(folder: Path) -> None:
    """Only the message-request shot: a stranger writes to Alice; its banner asks her."""
    with tempfile.TemporaryDirectory(prefix="chat-desktop-shots-") as temporary:
        root = Path(temporary)
        relay = RelayServer(RelayConfig(data_dir=root / "relay", host="127.0.0.1", port=0))
        await relay.start()
        clients: list[ChatClient] = []
        bridge: EventBridge | None = None
        try:
            for name in ("alice", "bob", "sam"):
                clients.append(await account(root, relay.url, name))
            alice, bob, sam = clients
            await alice.conversations.start("bob")
            said = await bob.messages.send_text("alice", "See you at the lake on Saturday!")
            await until(lambda: _has(alice, "bob", said))
            for text in ("Hi! I found your name on the hiking club's page.", "Are you Alice?"):
                last = await sam.messages.send_text("alice", text)
            await until(lambda: _has(alice, "sam", last))
            bridge = EventBridge(alice.events)
            window = MainWindow(alice, bridge)
            window.open_latest_on_start = False
            window.resize(1180, 760)
            window.move(20, 20)
            bridge.start()
            window.show()
            await window.refresh_conversations_now()
            window.conversation_list.requests_button.setChecked(True)
            await window.open_conversation_now("sam")
            await until(lambda: _visible(window.conversation_view.request_banner))
            await settle(1.0)
            grab(window, folder / "screenshot-request.png")
            window.close_for_lock()
        finally:
            if bridge is not None:
                await bridge.stop()
            for client in clients:
                await client.close()
            await relay.stop()


def avatar_picture(
    path: Path, background: tuple[int, int, int], face: tuple[int, int, int]
) -> Path:
    """A made-up portrait (a head and shoulders on a plain background) for a profile."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 640), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((200, 110, 440, 350), fill=face)
    draw.ellipse((110, 380, 530, 800), fill=face)
    image.save(path, format="JPEG", quality=90)
    return path


def mountain_picture(path: Path) -> Path:
    """A made-up picture for a group: a sky, a sun and a mountain."""
    from PIL import ImageDraw

    image = Image.new("RGB", (640, 640), (120, 180, 230))
    draw = ImageDraw.Draw(image)
    draw.ellipse((420, 90, 540, 210), fill=(250, 215, 90))
    draw.polygon([(0, 640), (250, 230), (640, 640)], fill=(70, 110, 80))
    draw.polygon([(250, 640), (470, 330), (640, 520), (640, 640)], fill=(50, 90, 65))
    image.save(path, format="JPEG", quality=90)
    return path


async def _profile_of(client: ChatClient, peer: str, name: str) -> bool:
    return (await client.profile.of(peer)).name == name


async def take_profile(folder: Path) -> None:
    """Only the profile shot: contacts' names and pictures in Alice's list and header."""
    with tempfile.TemporaryDirectory(prefix="chat-desktop-shots-") as temporary:
        root = Path(temporary)
        relay = RelayServer(RelayConfig(data_dir=root / "relay", host="127.0.0.1", port=0))
        await relay.start()
        clients: list[ChatClient] = []
        bridge: EventBridge | None = None
        try:
            for name in ("alice", "bob", "carol", "dave"):
                clients.append(await account(root, relay.url, name))
            alice, bob, carol, dave = clients
            looks = {
                bob: ("Bob Marley-Ngata", (70, 130, 180), (240, 200, 160)),
                carol: ("Carol Ødegård", (230, 160, 60), (120, 80, 60)),
            }
            for client, (name, background, face) in looks.items():
                await client.profile.set_name(name)
                picture = root / f"{client.username}.jpg"
                await client.profile.set_avatar(avatar_picture(picture, background, face))
            await dave.profile.set_name("Dave")  # a name, no picture: initials
            texts = {
                dave: "The slides are in the shared folder.",
                carol: "Dinner at eight? I booked the table by the window.",
                bob: "Here's the photo from the lake. Same time next week?",
            }
            for client, text in texts.items():
                await alice.conversations.start(client.username)
                said = await client.messages.send_text("alice", text)
                await until(lambda client=client, said=said: _has(alice, client.username, said))
            await alice.messages.send_text("bob", "Love it! Count me in.")
            for client, name in ((bob, looks[bob][0]), (carol, looks[carol][0]), (dave, "Dave")):
                await until(
                    lambda client=client, name=name: _profile_of(alice, client.username, name)
                )
            bridge = EventBridge(alice.events)
            window = MainWindow(alice, bridge)
            window.open_latest_on_start = False
            window.resize(1180, 760)
            window.move(20, 20)
            bridge.start()
            window.show()
            await window.refresh_conversations_now()
            await window.open_conversation_now("bob")
            panel = window.conversation_list
            await until(lambda: _true(panel.model.row_of("bob") is not None))
            await until(lambda: _true(window.conversation_view.header.avatar_label.isVisible()))
            await settle(1.0)
            grab(window, folder / "screenshot-profile.png")
            window.close_for_lock()
        finally:
            if bridge is not None:
                await bridge.stop()
            for client in clients:
                await client.close()
            await relay.stop()


async def _true(value: bool) -> bool:
    return value


def _preview_site() -> web.Application:
    """A tiny web page with Open Graph tags and a picture (a sky at dusk, drawn here)."""
    sky = Image.linear_gradient("L").resize((640, 400))
    picture = Image.merge(
        "RGB", (sky, sky.point(lambda v: v // 2 + 60), Image.new("L", (640, 400), 170))
    )
    out = io.BytesIO()
    picture.save(out, format="JPEG")
    page = (
        '<html><head><meta property="og:title" content="Lake trails: a weekend guide">'
        '<meta property="og:description" content="Five easy walks around the lake, where to '
        'park, and the best spot for the sunset.">'
        '<meta property="og:image" content="/lake.jpg"></head></html>'
    )

    async def html(_: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    async def jpeg(_: web.Request) -> web.Response:
        return web.Response(body=out.getvalue(), content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/trails", html)
    app.router.add_get("/lake.jpg", jpeg)
    return app


async def take_link_preview(folder: Path) -> None:
    """Only the link-preview shot: Bob's message with its card, and Alice's card in the
    composer before she sends (both turned link previews on)."""
    runner = web.AppRunner(_preview_site())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    with tempfile.TemporaryDirectory(prefix="chat-desktop-shots-") as temporary:
        root = Path(temporary)
        relay = RelayServer(RelayConfig(data_dir=root / "relay", host="127.0.0.1", port=0))
        await relay.start()
        clients: list[ChatClient] = []
        bridge: EventBridge | None = None
        try:
            for name in ("alice", "bob"):
                client = await account(root, relay.url, name)
                clients.append(client)
                on = msgspec.structs.replace(await client.preferences.load(), link_previews=True)
                await client.preferences.save(on)
            alice, bob = clients
            await alice.conversations.start("bob")
            await bob.conversations.start("alice")
            url = f"http://127.0.0.1:{port}/trails"
            preview = await bob.link_previews.fetch(url)
            said = await bob.messages.send_text(
                "alice", f"This is the walk I told you about: {url}", link_preview=preview
            )
            await until(lambda: _has(alice, "bob", said))
            bridge = EventBridge(alice.events)
            window = MainWindow(alice, bridge)
            window.resize(1180, 760)
            window.move(20, 20)
            bridge.start()
            window.show()
            await window.open_conversation_now("bob")
            pane = window.conversation_view
            pane.composer.edit.setPlainText(f"Lovely! Saturday then? {url}")
            pane.link_preview_bar.settle_now()
            await until(lambda: _visible(pane.link_preview_bar))
            await settle(1.0)
            grab(window, folder / "screenshot-link-preview.png")
            window.close_for_lock()
        finally:
            if bridge is not None:
                await bridge.stop()
            for client in clients:
                await client.close()
            await relay.stop()
            await runner.cleanup()


def _speech_like(seconds: float, seed: float) -> bytes:
    """Synthetic 16-bit mono sound at 48 kHz shaped like speech: syllables of a low tone."""
    rate = 48_000
    count = int(seconds * rate)
    samples = []
    for i in range(count):
        t = i / rate
        syllables = abs(math.sin(2 * math.pi * (1.6 + seed) * t)) ** 0.7
        phrase = 0.35 + 0.65 * abs(math.sin(2 * math.pi * (0.21 + seed / 7) * t + seed))
        tone = math.sin(2 * math.pi * 180 * t) + 0.5 * math.sin(2 * math.pi * 360 * t)
        samples.append(int(12_000 * syllables * phrase * tone))
    return struct.pack(f"<{count}h", *samples)


async def take_voice(folder: Path) -> None:
    """Only the voice-note shot: notes both ways, Bob's playing part-way (silent speakers)."""
    with tempfile.TemporaryDirectory(prefix="chat-desktop-shots-") as temporary:
        root = Path(temporary)
        relay = RelayServer(RelayConfig(data_dir=root / "relay", host="127.0.0.1", port=0))
        await relay.start()
        clients: list[ChatClient] = []
        bridge: EventBridge | None = None
        try:
            for name in ("alice", "bob"):
                clients.append(await account(root, relay.url, name))
            alice, bob = clients
            await alice.conversations.start("bob")
            await bob.conversations.start("alice")
            asked = await alice.messages.send_text("bob", "How did the rehearsal go?")
            await until(lambda: _has(bob, "alice", asked))
            said = await bob.messages.send_text("alice", "Too long to type, listen:")
            note = await bob.attachments.send_voice_note("alice", _speech_like(7.4, 0.0))
            await until(lambda: _has(alice, "bob", said))

            async def stored() -> bool:
                message = await alice.messages.get("bob", note)
                info = None if message is None else message.attachment
                return info is not None and info.local_status == "done"

            await until(stored)
            await alice.attachments.send_voice_note("bob", _speech_like(3.2, 0.9))
            bridge = EventBridge(alice.events)
            window = MainWindow(alice, bridge)
            window.open_latest_on_start = False
            window.resize(1180, 760)
            window.move(20, 20)
            bridge.start()
            window.show()
            await window.refresh_conversations_now()
            await window.open_conversation_now("bob")
            pane = window.conversation_view
            speakers = NullSpeakers()
            pane.voice_notes.speakers = lambda: speakers
            pane.voice_notes.toggle(note)
            await until(lambda: _true(speakers.started == 1))
            speakers.advance(PLAYBACK_RATE * 3)  # three seconds in
            await settle(1.0)
            grab(window, folder / "screenshot-voice.png")
            pane.voice_notes.stop()
            window.close_for_lock()
        finally:
            if bridge is not None:
                await bridge.stop()
            for client in clients:
                await client.close()
            await relay.stop()


async def take_call(folder: Path) -> None:
    """Only the call shots: Bob's ringing window, then Alice's in-call window."""
    from chat_desktop.gui.calls.call_controller import CallController
    from chat_desktop.services.call_media import CallMedia
    from chat_desktop.services.call_synthetic_shown import ShownSyntheticMedia

    with tempfile.TemporaryDirectory(prefix="chat-desktop-shots-") as temporary:
        root = Path(temporary)
        relay = RelayServer(RelayConfig(data_dir=root / "relay", host="127.0.0.1", port=0))
        await relay.start()
        clients: list[ChatClient] = []
        controllers: list[CallController] = []
        try:
            for name in ("alice", "bob"):
                clients.append(await account(root, relay.url, name))
            alice, bob = clients
            await alice.conversations.start("bob")
            await bob.conversations.start("alice")
            for client, frequency in ((alice, 1000.0), (bob, 440.0)):
                calls = CallController(client)
                controllers.append(calls)

                def make(
                    video: bool, calls: CallController = calls, hz: float = frequency
                ) -> CallMedia:
                    media = ShownSyntheticMedia(hz, video)
                    calls.prepare(media)
                    return media

                client.calls.media_factory = make
            alice_calls, bob_calls = controllers
            alice_calls.start_call("bob", True)
            await until(lambda: _true(bob_calls.incoming_window is not None))
            incoming = bob_calls.incoming_window
            assert incoming is not None
            incoming.move(40, 40)
            await settle(1.0)
            grab(incoming, folder / "screenshot-call-incoming.png")
            incoming.accept_video_button.click()

            async def flowing() -> bool:
                window = alice_calls.call_window
                return (
                    window is not None
                    and window.info.state == "connected"
                    and window.remote_view.frames_shown > 30
                    and window.local_view.frames_shown > 30
                )

            await until(flowing, timeout=60)
            window = alice_calls.call_window
            assert window is not None
            window.move(40, 40)
            await until(lambda: _true(window.clock >= "0:03"), timeout=20)
            grab(window, folder / "screenshot-call.png")
            await alice.calls.hang_up(window.call_id)
        finally:
            for controller in controllers:
                controller.stop()
            for client in clients:
                await client.close()
            await relay.stop()


async def take_devices(folder: Path) -> None:
    """Only the linked-devices shots, with a fresh account."""
    with tempfile.TemporaryDirectory(prefix="chat-desktop-shots-") as temporary:
        root = Path(temporary)
        relay = RelayServer(RelayConfig(data_dir=root / "relay", host="127.0.0.1", port=0))
        await relay.start()
        alice: ChatClient | None = None
        try:
            alice = await account(root, relay.url, "alice")
            await devices(alice, root, folder)
        finally:
            if alice is not None:
                await alice.close()
            await relay.stop()


async def take(folder: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory(prefix="chat-desktop-shots-") as temporary:
        root = Path(temporary)
        relay = RelayServer(RelayConfig(data_dir=root / "relay", host="127.0.0.1", port=0))
        await relay.start()
        clients: list[ChatClient] = []
        bridge: EventBridge | None = None
        try:
            for name in ("alice", "bob", "carol", "dave"):
                clients.append(await account(root, relay.url, name))
            alice, bob, carol, dave = clients
            yesterday(alice, int(time.time() * 1000))
            step("accounts ready; chatting")
            file_id = await conversation(alice, bob, root)
            step("conversation done; the other chats")
            await others(alice, carol, dave)
            step("windows")

            bridge = EventBridge(alice.events)
            window = MainWindow(alice, bridge)
            window.open_latest_on_start = False
            window.resize(1180, 760)
            window.conversation_view.view.require_active_window = False
            bridge.start()
            window.show()
            await window.open_conversation_now("bob")
            window.refresh_conversations()
            await alice.presence.subscribe(["bob", "carol", "dave"])
            # The big file: its download runs while the picture is taken (progress shown).
            progress: list[int] = []
            bridge.transferProgress.connect(lambda *args: progress.append(int(args[3])))
            download = asyncio.ensure_future(alice.attachments.download("bob", file_id))

            async def part_way() -> bool:
                return bool(progress) and progress[-1] > 8 << 20

            await until(part_way, timeout=60)
            await settle(0.4)
            grab(window, folder / "screenshot-conversation.png")
            await download
            await settle()

            apply_theme(app, "dark")
            await settle()
            grab(window, folder / "screenshot-dark.png")
            apply_theme(app, "light")
            await settle()

            window.show_settings(1)
            settings = window.settings_window
            assert settings is not None
            await settings.loading
            settings.move(window.x() + 80, window.y() + 60)
            await settle()
            grab(settings, folder / "screenshot-settings.png")
            apply_theme(app, "dark")
            await settle()
            grab(settings, folder / "screenshot-settings-dark.png")
            apply_theme(app, "light")
            settings.close()

            apply_theme(app, "light", 200)  # Settings → Appearance → Text size 200 %
            await settle(1.0)
            grab(window, folder / "screenshot-large-text.png")
            apply_theme(app, "light")
            await settle()

            window.resize(560, 760)  # below the width where the list shows avatars only
            await settle(1.0)
            grab(window, folder / "screenshot-narrow.png")
            window.resize(1180, 760)
            await settle()

            view = window.conversation_view
            view.show_safety_number()
            await until(lambda: _shown(view, "safety_dialog"))
            await settle()
            grab(view.safety_dialog, folder / "screenshot-safety-number.png")
            view.safety_dialog.close()

            window.show_new_chat_dialog()
            new_chat = window.new_chat_dialog
            assert new_chat is not None
            new_chat.name_edit.setText("nobody_here")
            new_chat.submit()
            await until(lambda: _visible(new_chat.error_label))
            await settle()
            grab(new_chat, folder / "screenshot-new-chat.png")
            new_chat.reject()

            await group_chat(window, [alice, bob, carol, dave], folder, "bob")
            await spell_check(window, folder)

            unlock = UnlockDialog(root / "alice")  # the lock screen of this profile
            unlock.show()
            await settle()
            grab(unlock, folder / "screenshot-unlock.png")
            unlock.close()

            apply_language("id")
            window.close_for_lock()
            await bridge.stop()
            bridge = EventBridge(alice.events)
            window = MainWindow(alice, bridge)
            window.open_latest_on_start = False
            window.resize(1180, 760)
            bridge.start()
            window.show()
            await window.open_conversation_now("bob")
            window.refresh_conversations()
            await settle(1.0)
            grab(window, folder / "screenshot-indonesian.png")
            window.close_for_lock()
            apply_language("en")
            step("linked devices")
            await devices(alice, root, folder)
        finally:
            apply_language("en")
            if bridge is not None:
                await bridge.stop()
            for client in clients:
                await client.close()
            await relay.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the PNGs go (e.g. docs/)")
    parser.add_argument(
        "--only",
        choices=(
            "all",
            "devices",
            "spell",
            "groups",
            "request",
            "profile",
            "link-preview",
            "voice",
            "call",
        ),
        default="all",
        help="'devices': only the link-code and Settings → Devices shots; 'spell': only the "
        "spell-check menu; 'groups': only the group chat and its members page; 'request': "
        "only a message request with its banner; 'profile': only contacts' names and "
        "pictures in the list and header",
    )
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        sys.exit("run it under a display, e.g. Xvfb: see the docstring")
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    apply_language("en")
    apply_theme(app, "light")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        only = {
            "devices": take_devices,
            "spell": take_spell,
            "groups": take_groups,
            "request": take_request,
            "link-preview": take_link_preview,
            "profile": take_profile,
            "voice": take_voice,
            "call": take_call,
        }.get(args.only, take)
        loop.run_until_complete(only(args.folder))


if __name__ == "__main__":
    main()
