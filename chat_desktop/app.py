"""The composition root: parses the command line, starts Qt + qasync, runs the controller.

``chat-desktop [--profile DIR] [--relay URL]``, or ``chat-desktop --demo`` for two windows
(Alice and Bob) chatting through an in-process relay in a temporary folder
(:mod:`chat_desktop.desktop_demo`). This is the only non-GUI module that imports
PySide6 and qasync: it builds the ``QApplication``, runs the asyncio loop on Qt's thread
through ``qasync.QEventLoop`` and hands control to :class:`chat_desktop.gui.shell.app_controller.
AppController`, which awaits the headless engine on that loop.

One process per profile: a second ``chat-desktop`` on a profile that is already open asks the
first one to raise its window and exits (status 0, a line on stderr) before touching the
profile. Every blocking dialog call is refused inside coroutines from the start
(:func:`chat_desktop.gui.common.notices.install_nested_loop_guard`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

# The engine is imported before PySide6: once loaded, PySide6's import hook inspects every
# module imported after it, which made the app's start about 0.2 s slower (benchmarks/ui.py).
import chat_desktop.services.client

# isort: split
# Loads PySide6 and tunes its import hook (see that module) before the GUI modules load.
import chat_desktop.gui.startup.pyside_import_hook  # noqa: F401

# isort: split
import platformdirs
import qasync
from PySide6.QtWidgets import QApplication

from chat_desktop.gui.common.icons import app_icon
from chat_desktop.gui.common.notices import install_nested_loop_guard
from chat_desktop.gui.common.theme import apply_theme
from chat_desktop.gui.common.translation import apply_language
from chat_desktop.gui.shell.app_controller import AppController
from chat_desktop.gui.shell.single_instance import SingleInstance

DEFAULT_RELAY_URL = "http://127.0.0.1:8765"


def default_profile_dir() -> Path:
    """The profile folder used without ``--profile``: the user's data folder."""
    return Path(platformdirs.user_data_dir("chat_desktop")) / "profile"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parses ``chat-desktop``'s command line."""
    parser = argparse.ArgumentParser(
        prog="chat-desktop", description="End-to-end encrypted desktop chat."
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="profile folder (default: the user data folder)",
    )
    parser.add_argument(
        "--lock-after",
        type=float,
        default=None,
        metavar="MINUTES",
        help="lock after this many idle minutes (0 = never), overriding the account's setting "
        "(Settings → Privacy; 15 unless changed) for this run",
    )
    parser.add_argument(
        "--relay",
        default=DEFAULT_RELAY_URL,
        help=f"relay URL offered when creating an account (default {DEFAULT_RELAY_URL})",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open two windows (alice and bob) chatting through a local relay, in a temporary "
        "folder removed on exit; the user's profile is not touched",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check that this installation works (a throw-away vault and store, a PQXDH "
        "session, an offscreen bubble, translations, icons), print one line per check and "
        "exit with 0, or 1 naming what is broken",
    )
    args = parser.parse_args(argv)
    if args.demo and args.profile is not None:
        parser.error("--demo uses throw-away profiles of its own: leave out --profile")
    return args


ALREADY_RUNNING = (
    "chat_desktop is already running for this profile: its window was brought to the front."
)


async def run_app(app: QApplication, controller: AppController) -> None:
    """Runs until the user quits, then closes the client (locks the store)."""
    finished = asyncio.Event()
    controller.quitRequested.connect(finished.set)
    controller.start()
    await finished.wait()
    await controller.shutdown()
    for window in app.topLevelWidgets():
        window.close()


def freeze_imported_objects() -> int:
    """Moves every object alive now (the imported modules, their classes and functions: tens
    of thousands) out of the cyclic garbage collector's sight; returns how many.

    They live as long as the process, yet each full collection walked them all again: at the
    app's start the collector took some 65 ms before the first paint, 36 ms of it one full
    collection (benchmarks/ui.py). Frozen objects are still freed by reference counting.
    """
    gc.freeze()
    return gc.get_freeze_count()


#: How long a thread running Python may keep the GIL while another waits for it, in seconds
#: (the interpreter's default is 5 ms).
GUI_SWITCH_INTERVAL_S = 0.0005


def shorten_gil_turns() -> None:
    """Lets the GUI thread get the GIL back from the app's worker threads within 0.5 ms.

    PySide6 lets go of the GIL in every call into Qt, and a worker running Python meanwhile (a
    page measured ahead, a file decrypted, the store's thread) kept it for up to 5 ms after
    each such call. A paint makes hundreds of calls: on a busy 2-core machine the GUI thread
    stalled 50 to 140 ms while paging a photo-rich history (benchmarks/scroll.py: 16 to 51
    stalls over 50 ms in 3,000 steps, 2 with 0.5 ms).
    """
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``chat-desktop`` / ``python -m chat_desktop``."""
    freeze_imported_objects()  # the start path's modules are imported by now (see above)
    shorten_gil_turns()
    args = parse_args(argv)
    if args.self_test:
        # Before any QApplication: the self-test chooses the offscreen platform without a display.
        from chat_desktop.self_test import main as self_test_main

        raise SystemExit(self_test_main())
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    profile_dir: Path = args.profile or default_profile_dir()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("chat_desktop")
    app.setDesktopFileName("chat-desktop")
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)  # switching dialog ⇄ window must not quit
    install_nested_loop_guard()
    if args.demo:
        run_demo_app(app)
        return
    instance = SingleInstance(profile_dir)
    if instance.ask_running_instance_to_raise():
        print(ALREADY_RUNNING, file=sys.stderr)
        return
    instance.listen()
    lock_after_s = None if args.lock_after is None else args.lock_after * 60
    controller = AppController(profile_dir, args.relay, idle_lock_s=lock_after_s)
    instance.raiseRequested.connect(controller.raise_window)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            loop.run_until_complete(run_app(app, controller))
    finally:
        instance.close()


def run_demo_app(app: QApplication) -> None:
    """Runs ``--demo`` on a qasync loop until a window closes; exits with status 1 if it fails."""
    # Imported here: the demo brings the whole relay server, which a normal start never needs.
    from chat_desktop.desktop_demo import DemoError, run_demo

    apply_language("system")
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            loop.run_until_complete(run_demo())
    except DemoError as error:
        print(f"chat-desktop --demo: {error}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
