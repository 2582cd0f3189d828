"""``chat-desktop --self-test``: checks that this installation of the app can work, in seconds.

Installers (the frozen bundle in the ``.deb``, the Windows and macOS builds) run it before they
ship, and a user can run it on a machine where the app misbehaves. Each check uses the real
parts, not stand-ins:

- **vault and store**: a throw-away vault (Argon2id at the floor parameters) and its SQLCipher
  store in a temporary folder; a message written, read back, then everything locked.
- **crypto**: a PQXDH session set up between two in-memory parties and a Double Ratchet round
  trip both ways.
- **image formats**: the Qt image plugins the app decodes thumbnails and pictures with.
- **bubble**: one message row painted offscreen through the real message delegate (the text
  must leave pixels, so fonts work too).
- **translations**: the Indonesian catalogue loads and translates a known string.
- **icons**: every icon the app ships renders.
- **components**: the installed metadata the About page lists licences from.
- **pyside start-up**: where PySide6's support modules came from (files with cached bytecode,
  as ``scripts/pyside-support-files`` leaves them, or the zip inside its library, which each
  start compiles) and whether its ``.pyi`` generator was left for later. Either works; the
  installers' build requires the first (``packaging/freeze.py``).

It prints one line per check (``ok`` or ``FAIL`` with what is broken) and returns 0 when all
pass, else 1. With no display (no ``DISPLAY`` or ``WAYLAND_DISPLAY``) it selects Qt's
offscreen platform itself. Nothing it prints holds a key or a password: the vault's password
is a random throw-away. The lines are for developers and support, so they are not translated.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

#: A string the Indonesian catalogue must translate: (context, English, Indonesian).
KNOWN_TRANSLATION = ("QPlatformTheme", "Cancel", "Batal")
#: Image formats the app reads (thumbnails, the image viewer, pasted pictures).
REQUIRED_IMAGE_FORMATS = ("png", "jpeg", "gif", "webp", "svg")
#: The text of the bubble painted offscreen.
BUBBLE_TEXT = "Self-test: the quick brown fox"


class SelfTestFailure(Exception):
    """A check found something broken; the message says what, for the person reading it."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    Attributes:
        name: The check's short name ("vault and store", "icons", ...).
        ok: Whether it passed.
        detail: What it verified, or what is broken.
    """

    name: str
    ok: bool
    detail: str


def _ensure_platform() -> None:
    """Selects Qt's offscreen platform when there is no display to open (CI, ssh)."""
    has_display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not has_display and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def check_vault_and_store(folder: Path) -> str:
    """Creates a vault and its encrypted store in ``folder``, writes and reads a message."""
    from chat_desktop.crypto.vault import FLOOR_PARAMS
    from chat_desktop.storage.models import Direction, MessageKey, MessageStatus, NewMessage
    from chat_desktop.storage.profile import ProfilePaths
    from chat_desktop.storage.vault_file import Vault

    profile = folder / "profile"
    vault, _recovery_key = Vault.create(profile, secrets.token_urlsafe(24), kdf_params=FLOOR_PARAMS)
    try:
        store = vault.open_store()
        store.messages.insert(
            NewMessage(
                id="self-test-1",
                conversation_id="self-test-peer",
                sender="self-test-peer",
                direction=Direction.INCOMING,
                sort_key=1,
                kind="text",
                body=BUBBLE_TEXT,
                status=MessageStatus.DELIVERED,
            )
        )
        read = store.messages.get(MessageKey("self-test-peer", "self-test-1"))
        if read is None or read.body != BUBBLE_TEXT:
            raise SelfTestFailure("a message written to the store did not read back the same")
    finally:
        vault.lock()
    database = ProfilePaths(profile).database
    if database.read_bytes().startswith(b"SQLite format 3"):
        raise SelfTestFailure("the database was written unencrypted (SQLCipher is not in use)")
    return "Argon2id vault created, SQLCipher store written, read back and locked"


def check_crypto() -> str:
    """Sets up a PQXDH session between two parties and runs a ratchet round trip both ways."""
    from chat_desktop.crypto.identity import IdentityKeyPair
    from chat_desktop.crypto.prekeys import OneTimePreKey, PqPreKey, SignedPreKey
    from chat_desktop.crypto.session import Session
    from chat_desktop.crypto.x3dh import PreKeyBundle

    alice_identity = IdentityKeyPair.generate()
    bob_identity = IdentityKeyPair.generate()
    signed_prekey = SignedPreKey.generate(bob_identity, 1)
    pq_prekey = PqPreKey.generate(bob_identity, 2)
    one_time_prekey = OneTimePreKey.generate(3)
    bundle = PreKeyBundle(
        identity_key=bob_identity.public_key,
        signed_prekey_id=signed_prekey.key_id,
        signed_prekey=signed_prekey.public_key,
        signed_prekey_signature=signed_prekey.signature,
        pq_prekey_id=pq_prekey.key_id,
        pq_prekey=pq_prekey.public_key,
        pq_prekey_signature=pq_prekey.signature,
        one_time_prekey_id=one_time_prekey.key_id,
        one_time_prekey=one_time_prekey.public_key,
    )
    alice = Session.initiate(alice_identity, bundle)
    first = alice.encrypt(b"self-test hello")
    bob, plaintext = Session.respond(bob_identity, first, signed_prekey, one_time_prekey, pq_prekey)
    if plaintext != b"self-test hello":
        raise SelfTestFailure("the PQXDH first message decrypted to something else")
    for number in range(2):
        reply = b"reply %d" % number
        if alice.decrypt(bob.encrypt(reply)) != reply:
            raise SelfTestFailure("a ratchet message from the responder decrypted wrongly")
        again = b"again %d" % number
        if bob.decrypt(alice.encrypt(again)) != again:
            raise SelfTestFailure("a ratchet message from the initiator decrypted wrongly")
    return "PQXDH (X25519 + ML-KEM-1024) session set up, 5 ratchet messages both ways"


def check_image_formats() -> str:
    """Checks that Qt can read every image format the app needs (its plugins are deployed)."""
    from PySide6.QtGui import QImageReader

    supported = {bytes(name.data()).decode() for name in QImageReader.supportedImageFormats()}
    missing = [name for name in REQUIRED_IMAGE_FORMATS if name not in supported]
    if missing:
        raise SelfTestFailure(
            "Qt cannot read " + ", ".join(missing) + " images (image format plugins missing)"
        )
    return ", ".join(REQUIRED_IMAGE_FORMATS)


def check_bubble() -> str:
    """Paints one message row through the real delegate into an image and inspects it."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QColor, QImage, QPainter, QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QListView, QStyleOptionViewItem

    from chat_desktop.gui.common.theme import current_colors
    from chat_desktop.gui.conversation.message_delegate import MessageDelegate
    from chat_desktop.gui.conversation.message_model import MESSAGE_ROLE
    from chat_desktop.storage.models import Direction, Message, MessageStatus

    message = Message(
        id="self-test-bubble",
        conversation_id="self-test-peer",
        sender="self-test-peer",
        direction=Direction.OUTGOING,
        sort_key=1_700_000_000_000,
        sent_at=1_700_000_000_000,
        kind="text",
        body=BUBBLE_TEXT,
        status=MessageStatus.READ,
    )
    view = QListView()
    view.resize(480, 300)
    model = QStandardItemModel()
    item = QStandardItem()
    item.setData(message, MESSAGE_ROLE)
    model.appendRow(item)
    view.setModel(model)
    delegate = MessageDelegate(view)
    view.setItemDelegate(delegate)
    index = model.index(0, 0)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.font = view.font()
    height = delegate.sizeHint(option, index).height()
    width = delegate.available_width()
    if height <= 0:
        raise SelfTestFailure("the message row has no height")
    option.rect = QRect(0, 0, width, height)
    background = QColor(current_colors().chat_background)
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(background)
    painter = QPainter(image)
    try:
        delegate.paint(painter, option, index)
    finally:
        painter.end()
    layout = delegate.layout_for(index, width, option.font)
    assert layout is not None
    bubble_colour = QColor(current_colors().bubble_outgoing).rgb()
    box = QRect(layout.bubble)
    bubble_pixels = other_pixels = total = 0
    for y in range(max(0, box.top()), min(height, box.bottom())):
        for x in range(max(0, box.left()), min(width, box.right())):
            total += 1
            pixel = image.pixel(x, y) & 0xFFFFFF
            if pixel == bubble_colour & 0xFFFFFF:
                bubble_pixels += 1
            elif pixel != background.rgb() & 0xFFFFFF:
                other_pixels += 1
    if total == 0 or bubble_pixels < total // 3:
        raise SelfTestFailure("the message bubble was not painted")
    if other_pixels < 50:
        raise SelfTestFailure("the bubble's text left no pixels (no usable font?)")
    view.deleteLater()
    return f"{width}x{height} px row painted offscreen, text drawn"


def check_translations() -> str:
    """Loads the Indonesian catalogue the way the app does and translates a known string."""
    from PySide6.QtCore import QCoreApplication

    from chat_desktop.gui.common.translation import CatalogueMissing, apply_language, catalogue_path

    context, english, indonesian = KNOWN_TRANSLATION
    try:
        apply_language("id")
    except CatalogueMissing as error:
        raise SelfTestFailure(f"{error} (looked in {catalogue_path('id').parent})") from None
    try:
        translated = QCoreApplication.translate(context, english)
    finally:
        apply_language("en")
    if translated != indonesian:
        raise SelfTestFailure(
            f"the Indonesian catalogue loaded but translated {english!r} as {translated!r}"
        )
    return f"Indonesian catalogue loaded ({english!r} -> {translated!r})"


def check_icons() -> str:
    """Renders every icon the app ships (the SVG renderer and the files must both be there)."""
    from PySide6.QtCore import QSize

    from chat_desktop.gui.common.icons import APP_ICON_NAME, ICON_NAMES, app_icon, icon

    broken = []
    for name in (*ICON_NAMES, APP_ICON_NAME):
        try:
            rendered = (app_icon() if name == APP_ICON_NAME else icon(name)).pixmap(QSize(32, 32))
        except OSError:
            broken.append(name)
            continue
        image = rendered.toImage()
        painted = any(
            image.pixelColor(x, y).alpha() > 0 for y in range(0, 32, 2) for x in range(0, 32, 2)
        )
        if rendered.isNull() or not painted:
            broken.append(name)
    if broken:
        raise SelfTestFailure("these icons did not render: " + ", ".join(broken))
    return f"{len(ICON_NAMES) + 1} icons rendered"


def check_components() -> str:
    """Reads the installed metadata the About page lists versions and licences from."""
    from chat_desktop.gui.settings.licences import app_version, runtime_components

    version = app_version()
    if not version:
        raise SelfTestFailure("the app's own metadata is missing (version unknown)")
    components = runtime_components()
    if not any(component.name.lower().startswith("pyside6") for component in components):
        raise SelfTestFailure("the components' metadata is missing (About lists no Qt)")
    return f"chat_desktop {version}, {len(components)} components with licences"


#: What the pyside start-up check says when PySide6 loaded the quick way (the installers'
#: build requires it, ``packaging/freeze.py``).
QUICK_PYSIDE_STARTUP = "support modules from files, .pyi generator deferred"


def check_pyside_startup() -> str:
    """Says how PySide6 loaded its support modules (a slower start is not a failure)."""
    from chat_desktop.gui.startup import pyi_generator_deferral, pyside_import_hook

    loader = sys.modules.get("shibokensupport.signature.loader")
    origin = str(getattr(loader, "__file__", "") or "")
    source = "support modules from files" if "files.dir" in origin else "support modules from a zip"
    deferred = pyi_generator_deferral.still_deferred()
    parts = [source, ".pyi generator deferred" if deferred else ".pyi generator loaded"]
    if not pyside_import_hook.SKIPPING:
        parts.append("feature scan not skipped")
    return ", ".join(parts)


def run_checks(out: TextIO = sys.stdout) -> list[CheckResult]:
    """Runs every check in order, printing one line each as it finishes."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "chat-desktop"])
    assert isinstance(app, QApplication)
    print(f"chat-desktop self-test: Qt platform {app.platformName()!r}", file=out)
    results: list[CheckResult] = []
    with tempfile.TemporaryDirectory(prefix="chat-desktop-self-test-") as temporary:
        checks: Sequence[tuple[str, Callable[[], str]]] = (
            ("vault and store", lambda: check_vault_and_store(Path(temporary))),
            ("crypto", check_crypto),
            ("image formats", check_image_formats),
            ("bubble", check_bubble),
            ("translations", check_translations),
            ("icons", check_icons),
            ("components", check_components),
            ("pyside start-up", check_pyside_startup),
        )
        for name, check in checks:
            started = time.perf_counter()
            try:
                detail = check()
                ok = True
            except SelfTestFailure as failure:
                detail, ok = str(failure), False
            except Exception as error:  # a broken install fails in ways nobody foresaw
                frame = traceback.extract_tb(error.__traceback__)[-1]
                where = f"{Path(frame.filename).name}:{frame.lineno}"
                detail, ok = f"{type(error).__name__} at {where}", False
            elapsed_ms = (time.perf_counter() - started) * 1000
            result = CheckResult(name, ok, detail)
            results.append(result)
            status = "ok  " if ok else "FAIL"
            print(f"{status} {name}: {detail} ({elapsed_ms:.0f} ms)", file=out)
    return results


def main(out: TextIO = sys.stdout) -> int:
    """Runs the self-test; 0 when every check passed, else 1 (the failures named last)."""
    _ensure_platform()
    started = time.perf_counter()
    results = run_checks(out)
    failed = [result.name for result in results if not result.ok]
    elapsed = time.perf_counter() - started
    if failed:
        print(f"self-test FAILED ({elapsed:.1f} s): broken: {', '.join(failed)}", file=out)
        return 1
    print(f"self-test passed: {len(results)} checks in {elapsed:.1f} s", file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
