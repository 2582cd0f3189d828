"""Cold start of the desktop app to an unlocked, painted window; prints one JSON line.

- ``cold_start_to_unlocked_s``: a new Python process (``sys.executable``, ``QT_QPA_PLATFORM=
  offscreen``) launched, until the main window of the unlocked account is shown and the
  message list has painted its first page, on a profile of 1,000,000 messages in five
  conversations (600k, 200k, 100k, 60k, 40k), the biggest one open, as the user left it
  (target ≤ 1.0 s; median of ``--launches`` launches, 5 by default).
- ``cold_start_empty_s``: the same on a profile with no conversation (the window's first
  paint after it is shown: there is no message list to wait for), and
  ``cold_start_1m_vs_empty_ratio`` = 1M / empty (target ≤ 1.3).

How it is measured:

- The child runs the app's real start path: :func:`chat_desktop.app.main` (single-instance
  check, theme, ``AppController``, qasync loop). The only hooks: ``AppController`` is
  replaced by a subclass that records itself and, once the unlock dialog is shown, types the
  password and clicks "Unlock" (the user's typing time is zero); a paint-event filter on the
  message list's viewport and on the window, installed at ``windowShown``. The end mark is
  taken one event-loop turn after the first ``QEvent.Paint`` of the viewport with rows in
  the model, i.e. once that first page has been drawn.
- The clock starts in the parent just before ``subprocess.Popen`` (CLOCK_MONOTONIC, shared by
  both processes): interpreter start-up and imports are included.
- KDF excluded: both profiles use ``FLOOR_PARAMS``; the child wraps
  ``chat_desktop.crypto.vault.derive_password_kek`` with a timer and the time of the real
  Argon2id derivation done by the unlock is subtracted (``kdf_s`` reports it).
- Offline start: the profiles are registered on an in-process relay that is stopped before
  the launches, so the account's relay URL refuses connections; ``ChatClient.connect``
  returns at once and the window never waits on the network.
- One unmeasured warm-up launch per profile comes first (``first_launch_*_s``: it also takes
  the first rolling snapshot in the background); then the two profiles alternate. Each child
  waits for the background housekeeping to end and quits through the window (a clean
  shutdown), so no launch starts after an unclean exit. "Cold" means a new process; the
  OS file cache stays warm (dropping it needs root), and the children write their bytecode
  to a temporary ``PYTHONPYCACHEPREFIX`` (``PYTHONDONTWRITEBYTECODE`` is dropped for them),
  as an installed app has its modules compiled: the warm-up launch compiles them. The child
  imports this file as a module (its bytecode cached too) instead of running it as a script.
- Wall time on a shared machine is noisy: ``cpu_main_*_s`` (the GUI thread's CPU time until
  the paint) and ``cpu_process_*_s`` (every thread's, minus the KDF) are steadier, and
  ``loadavg_1min_at_*`` tells how busy the machine was.
- ``*_breakdown_s``: medians of when each step ended, from the launch (``script_started``:
  the interpreter is up; ``imported``: the app's modules are imported; ``dialog_shown``;
  ``unlocked``: the client is open, KDF excluded from here on; ``window_shown``;
  ``first_page``: the model holds the newest page; ``paint_event``: its first paint starts;
  ``painted``). ``housekeeping_1m_s``: from ``windowShown`` to the end of the background
  housekeeping, which runs while the first page loads.

Run: ``.venv/bin/python benchmarks/ui.py [--launches 5]`` (about five minutes, most of it
building the 1M profile; not run by CI). ``--cprofile FILE`` also runs one 1M launch under
cProfile (GUI thread, from the child's first import of the app to the paint) and writes the
stats; ``--diagnose`` also runs the 1M launches with the
background housekeeping held back until the paint
(``diagnosis_1m_housekeeping_after_paint_s``): how much that check slows the first page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

#: Taken first, so the child's breakdown can show the interpreter's own start-up.
_MODULE_LOADED_NS = time.monotonic_ns()

PASSWORD = "Quiet-lantern-orbit-42"
#: The 1M profile's conversations, biggest first (it is the one open at start).
CONVERSATIONS = (
    ("bob", 600_000),
    ("carol", 200_000),
    ("dave", 100_000),
    ("erin", 60_000),
    ("frank", 40_000),
)
TOTAL_MESSAGES = sum(count for _, count in CONVERSATIONS)
BATCH = 50_000
BASE_MS = 1_700_000_000_000
#: A launch that has not painted by then has failed (wrong password, crash, a hang).
CHILD_TIMEOUT_S = 120.0
#: Start-up steps whose failure (logged by ``chat_desktop.gui.common.tasks``) ends the launch
#: at once.
FATAL_TASKS = ("open account", "list conversations", "open conversation")
RESULT_PREFIX = "UI-BENCH "
#: Called at the paint (``--cprofile``: stops the profiler there).
_STOP_AT_PAINT: list[Callable[[], None]] = []
_WORDS = [f"w{index:04d}" for index in range(2_000)]
_MARKS = (
    "script_started",
    "imported",
    "dialog_shown",
    "unlocked",
    "window_shown",
    "first_page",
    "paint_event",
    "painted",
)

if TYPE_CHECKING:
    from chat_desktop.gui.shell.main_window import MainWindow


# ---- the profiles (parent) -------------------------------------------------------------------


def _message_rows(peer: str, count: int, rng: random.Random) -> list[tuple[Any, ...]]:
    """Rows of one conversation: alternately ours and the peer's, all read, oldest first."""
    rows: list[tuple[Any, ...]] = []
    for index in range(count):
        incoming = index % 2 == 1
        at = BASE_MS + index * 1_000
        body = f"message {index} " + " ".join(rng.choice(_WORDS) for _ in range(6))
        rows.append(
            (
                f"{peer}-{index:07d}",
                peer,
                peer if incoming else "me",
                "in" if incoming else "out",
                at,
                "text",
                body,
                "read",
                at,
                at if incoming else None,
                at if incoming else None,
            )
        )
    return rows


def _scaled(total: int) -> list[tuple[str, int]]:
    """:data:`CONVERSATIONS` scaled to ``total`` messages (a quick trial run)."""
    return [(peer, max(1, count * total // TOTAL_MESSAGES)) for peer, count in CONVERSATIONS]


def _bulk_load(store: Any, conversations: list[tuple[str, int]], rng: random.Random) -> None:
    """Fast fixture loading on the store thread: one transaction, ``executemany`` batches.

    Benchmark-only shortcut through the store's private connection (as benchmarks/store.py
    does): this is not what is measured, and 1M messages through the engine would take hours.
    """
    database = store._db
    with database.transaction():
        for order, (peer, count) in enumerate(conversations):
            # The biggest conversation is also the most recently active one.
            last_activity = BASE_MS + count * 1_000 + (len(conversations) - order) * 10**9
            database.execute(
                "INSERT INTO conversations(id, peer_address, created_at, last_activity_at) "
                "VALUES (?, ?, ?, ?)",
                (peer, peer, BASE_MS, last_activity),
            )
            for start in range(0, count, BATCH):
                rows = _message_rows(peer, min(BATCH, count - start), rng)
                # Renumber this batch's ids and times to its place in the conversation.
                shifted = [
                    (
                        f"{peer}-{start + index:07d}",
                        *row[1:4],
                        row[4] + start * 1_000,
                        *row[5:8],
                        row[8] + start * 1_000,
                        None if row[9] is None else row[9] + start * 1_000,
                        None if row[10] is None else row[10] + start * 1_000,
                    )
                    for index, row in enumerate(rows)
                ]
                database.connection.executemany(
                    "INSERT INTO messages(id, conversation_id, sender, direction, sort_key, "
                    "kind, body, status, sent_at, received_at, read_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    shifted,
                )


async def _make_profiles(root: Path, total: int) -> dict[str, float]:
    """Registers both accounts on a throw-away relay, fills the 1M one, stops the relay."""
    from chat_desktop.crypto.vault import FLOOR_PARAMS
    from chat_desktop.relay.app import RelayServer
    from chat_desktop.relay.config import RelayConfig
    from chat_desktop.services.capabilities.preferences import WindowState
    from chat_desktop.services.client import ChatClient

    relay = RelayServer(RelayConfig(data_dir=root / "relay", port=0))
    await relay.start()
    try:
        big, _ = await ChatClient.create(
            root / "big", relay.url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        empty, _ = await ChatClient.create(
            root / "empty", relay.url, "amy", PASSWORD, kdf_params=FLOOR_PARAMS
        )
    finally:
        await relay.stop()  # from now on the accounts' relay refuses connections: offline
    conversations = _scaled(total)
    started = time.perf_counter()
    await big.run_in_store(_bulk_load, big.store, conversations, random.Random(7))
    load_s = time.perf_counter() - started
    peer, expected = conversations[0]
    count = await big.messages.count(peer)
    assert count == expected, count
    await big.preferences.set_window_state(WindowState(open_peer=peer))
    await big.close()
    await empty.close()
    return {"load_1m_s": load_s}


# ---- launching (parent) ----------------------------------------------------------------------


def _launch(
    profile: Path,
    pycache: Path,
    expect_messages: bool,
    cprofile: Path | None = None,
    defer_housekeeping: bool = False,
) -> dict[str, Any]:
    """Starts one child app on ``profile``; returns its marks relative to the launch (s)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPYCACHEPREFIX=str(pycache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app has its bytecode compiled
    # Imported, not run as a script: a script's code is compiled at every launch (about 10 ms
    # here), a module's comes from its cached bytecode, as with the app's entry point.
    loader = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import ui; ui.main()"
    command = [sys.executable, "-c", loader, "--child", str(profile)]
    if expect_messages:
        command.append("--expect-messages")
    if cprofile is not None:
        command += ["--cprofile", str(cprofile)]
    if defer_housekeeping:
        command.append("--defer-housekeeping")
    launched = time.monotonic_ns()
    process = subprocess.Popen(  # the password goes through stdin, never the command line
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(PASSWORD + "\n", timeout=CHILD_TIMEOUT_S + 30)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        raise RuntimeError(f"the app did not start within {CHILD_TIMEOUT_S} s:\n{stderr}") from None
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"the app failed (exit {process.returncode}):\n{stderr}")
    report = json.loads(lines[-1][len(RESULT_PREFIX) :])
    kdf_s = report["kdf_ns"] / 1e9
    marks: dict[str, float] = {}
    for name, at_ns in report["marks"].items():
        seconds = (at_ns - launched) / 1e9
        # Everything after the password was submitted waited on Argon2id too: take it out.
        after_kdf = name in ("unlocked", "window_shown", "first_page", "paint_event", "painted")
        marks[name] = seconds - kdf_s if after_kdf else seconds
    return {
        "total_s": marks["painted"],
        "kdf_s": kdf_s,
        # CPU until the paint: the GUI thread's own, and every thread's minus the Argon2id.
        "cpu_main_s": report["cpu"]["main_thread_ns"] / 1e9,
        "cpu_process_s": report["cpu"]["process_ns"] / 1e9,
        "marks": marks,
        "housekeeping_s": report.get("housekeeping_s"),
    }


def _breakdown(runs: list[dict[str, Any]]) -> dict[str, float]:
    return {
        name: round(statistics.median(run["marks"][name] for run in runs), 3)
        for name in _MARKS
        if all(name in run["marks"] for run in runs)
    }


def main() -> None:
    """Builds the profiles, launches the app on each, prints the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=5)
    parser.add_argument("--cprofile", type=Path, default=None)
    parser.add_argument("--diagnose", action="store_true")
    parser.add_argument("--defer-housekeeping", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--messages", type=int, default=TOTAL_MESSAGES, help=argparse.SUPPRESS)
    # Development: build the profiles in this folder once and keep them between runs.
    parser.add_argument("--workdir", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--expect-messages", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _child_main(args.child, args.expect_messages, args.cprofile, args.defer_housekeeping)
        return
    result: dict[str, Any] = {
        "benchmark": "ui",
        "launches": args.launches,
        "messages": args.messages,
    }
    temporary = args.workdir or Path(tempfile.mkdtemp(prefix="ui-bench-"))
    temporary.mkdir(parents=True, exist_ok=True)
    try:
        if not (temporary / "big").exists():
            built = asyncio.run(_make_profiles(temporary, args.messages))
            result.update({key: round(value, 1) for key, value in built.items()})
            files = (temporary / "big").rglob("*")
            size = sum(path.stat().st_size for path in files if path.is_file())
            result["profile_1m_mb"] = round(size / 2**20, 1)
        big, empty = temporary / "big", temporary / "empty"
        pycache = temporary / "pycache"
        result["loadavg_1min_at_start"] = round(os.getloadavg()[0], 2)
        # The empty profile's warm-up compiles the bytecode, so the 1M one's shows the profile.
        result["first_launch_empty_s"] = round(_launch(empty, pycache, False)["total_s"], 3)
        result["first_launch_1m_s"] = round(_launch(big, pycache, True)["total_s"], 3)
        big_runs: list[dict[str, Any]] = []
        empty_runs: list[dict[str, Any]] = []
        for _ in range(args.launches):
            big_runs.append(_launch(big, pycache, True))
            empty_runs.append(_launch(empty, pycache, False))
        big_s = statistics.median(run["total_s"] for run in big_runs)
        empty_s = statistics.median(run["total_s"] for run in empty_runs)
        result["cold_start_to_unlocked_s"] = round(big_s, 3)
        result["cold_start_empty_s"] = round(empty_s, 3)
        result["cold_start_1m_vs_empty_ratio"] = round(big_s / empty_s, 3)
        result["samples_1m_s"] = [round(run["total_s"], 3) for run in big_runs]
        result["samples_empty_s"] = [round(run["total_s"], 3) for run in empty_runs]
        for name, runs in (("1m", big_runs), ("empty", empty_runs)):
            for kind in ("cpu_main", "cpu_process"):
                value = statistics.median(run[f"{kind}_s"] for run in runs)
                result[f"{kind}_{name}_s"] = round(value, 3)
        result["loadavg_1min_at_end"] = round(os.getloadavg()[0], 2)
        result["kdf_s"] = round(statistics.median(run["kdf_s"] for run in big_runs), 3)
        result["breakdown_1m_s"] = _breakdown(big_runs)
        result["breakdown_empty_s"] = _breakdown(empty_runs)
        result["housekeeping_1m_s"] = round(
            statistics.median(run["housekeeping_s"] for run in big_runs), 3
        )
        if args.diagnose:
            deferred = [
                _launch(big, pycache, True, defer_housekeeping=True) for _ in range(args.launches)
            ]
            result["diagnosis_1m_housekeeping_after_paint_s"] = round(
                statistics.median(run["total_s"] for run in deferred), 3
            )
            result["diagnosis_breakdown_1m_s"] = _breakdown(deferred)
        if args.cprofile is not None:
            _launch(big, pycache, True, args.cprofile)
            result["cprofile"] = str(args.cprofile)
    finally:
        if args.workdir is None:
            shutil.rmtree(temporary, ignore_errors=True)
    sys.stdout.write(json.dumps(result) + "\n")


# ---- the app (child) -------------------------------------------------------------------------


def _child_main(
    profile: Path, expect_messages: bool, cprofile: Path | None, defer_housekeeping: bool
) -> None:
    """Runs the app on ``profile`` until it has painted, then quits it cleanly."""
    password = sys.stdin.readline().rstrip("\n")
    if cprofile is None:
        _run_app(profile, password, expect_messages, defer_housekeeping)
        return
    import cProfile

    profiler = cProfile.Profile()
    _STOP_AT_PAINT.append(profiler.disable)  # the critical path only, not the quit
    profiler.runcall(_run_app, profile, password, expect_messages, defer_housekeeping)
    profiler.dump_stats(cprofile)


def _run_app(profile: Path, password: str, expect_messages: bool, defer_housekeeping: bool) -> None:
    # The app's own imports are part of the measured start, in the order of ``python -m
    # chat_desktop`` (whose first import is the app module: it chooses what loads before
    # PySide6, see chat_desktop/app.py).
    import chat_desktop.app as app_module

    # isort: split
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QWidget

    from chat_desktop.crypto import vault as crypto_vault
    from chat_desktop.gui.account.account_dialogs import UnlockDialog
    from chat_desktop.gui.shell.app_controller import AppController

    # MainWindow only types the probe: importing it here would load the window's modules
    # before the app does (it loads them while the unlock dialog waits for the password).
    marks: dict[str, int] = {"script_started": _MODULE_LOADED_NS, "imported": time.monotonic_ns()}
    kdf_ns: list[int] = []
    kdf_cpu_ns: list[int] = []
    cpu: dict[str, int] = {}
    derive = crypto_vault.derive_password_kek

    def timed_derive(password: str, salt: bytes, params: crypto_vault.Argon2Params) -> bytes:
        started = time.monotonic_ns()
        started_cpu = time.thread_time_ns()  # the derivation runs on one (worker) thread
        try:
            return derive(password, salt, params)
        finally:
            kdf_ns.append(time.monotonic_ns() - started)
            kdf_cpu_ns.append(time.thread_time_ns() - started_cpu)

    crypto_vault.derive_password_kek = timed_derive  # vault_file calls it through the module
    painted_once = asyncio.Event()  # binds to the app's loop at its first wait
    if defer_housekeeping:  # diagnosis only: how much the background check slows the paint
        from chat_desktop.services.client import ChatClient

        housekeeping = ChatClient.housekeeping

        async def after_paint(client: ChatClient) -> Any:
            await painted_once.wait()
            return await housekeeping(client)

        ChatClient.housekeeping = after_paint  # type: ignore[method-assign,assignment]

    class Probe(QObject):
        """Marks the steps and ends the launch once the first page has been painted."""

        def __init__(self) -> None:
            super().__init__()
            self.controller: AppController | None = None
            self.window: MainWindow | None = None
            self.viewport: QWidget | None = None
            self.reported = False
            self.housekeeping_done = False

        def attach(self, controller: AppController) -> None:
            self.controller = controller
            controller.windowShown.connect(self.window_shown)
            controller.housekeepingDone.connect(self.housekeeping_finished)

        def unlock_dialog_shown(self, dialog: UnlockDialog) -> None:
            if "dialog_shown" in marks:
                return
            marks["dialog_shown"] = time.monotonic_ns()
            dialog.unlocked.connect(lambda _client: marks.setdefault("unlocked", _now()))

            def type_and_click() -> None:
                dialog.password_edit.setText(password)
                marks["submitted"] = time.monotonic_ns()
                dialog.unlock_button.click()

            QTimer.singleShot(0, type_and_click)

        def window_shown(self, window: MainWindow) -> None:
            marks["window_shown"] = time.monotonic_ns()
            self.window = window
            window.installEventFilter(self)
            if expect_messages:
                view = window.conversation_view.view
                self.viewport = view.viewport()
                self.viewport.installEventFilter(self)
                window.conversation_view.model.windowReset.connect(
                    lambda: marks.setdefault("first_page", _now())
                )

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() != QEvent.Type.Paint or "paint_event" in marks:
                return False
            window = self.window
            if window is None:
                return False
            if expect_messages:
                if watched is not self.viewport:
                    return False
                if window.conversation_view.model.rowCount() == 0:
                    return False
            marks["paint_event"] = time.monotonic_ns()
            QTimer.singleShot(0, self.painted)  # after this paint has been drawn
            return False

        def painted(self) -> None:
            marks["painted"] = time.monotonic_ns()
            for stop in _STOP_AT_PAINT:
                stop()
            cpu["main_thread_ns"] = time.thread_time_ns()
            cpu["process_ns"] = time.process_time_ns() - sum(kdf_cpu_ns)
            painted_once.set()
            self.report()

        def housekeeping_finished(self, _outcome: object) -> None:
            marks["housekeeping_done"] = time.monotonic_ns()
            self.housekeeping_done = True
            self.report()

        def report(self) -> None:
            """Once painted and the housekeeping is over: prints the marks, quits the app."""
            window = self.window
            if "painted" not in marks or not self.housekeeping_done or window is None:
                return
            self.window = None
            line = {
                "marks": {name: marks[name] for name in _MARKS if name in marks},
                "kdf_ns": sum(kdf_ns),
                "cpu": cpu,
                "housekeeping_s": (marks["housekeeping_done"] - marks["window_shown"]) / 1e9,
            }
            sys.stdout.write(RESULT_PREFIX + json.dumps(line) + "\n")
            sys.stdout.flush()
            window.close()  # the user quits: a clean shutdown before the next launch

    probe = Probe()

    class ProbedController(AppController):
        """The app's controller, unchanged but for telling the probe what it shows."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            probe.attach(self)

        def show_unlock(self) -> None:
            super().show_unlock()
            if isinstance(self.dialog, UnlockDialog):
                probe.unlock_dialog_shown(self.dialog)

    def give_up() -> None:
        sys.stderr.write(f"not done within {CHILD_TIMEOUT_S} s; marks: {sorted(marks)}\n")
        sys.stderr.flush()
        os._exit(2)

    class FailFast(logging.Handler):
        """Ends the launch as soon as a start-up step fails (no waiting for the watchdog)."""

        def emit(self, record: logging.LogRecord) -> None:
            text = record.getMessage()
            if any(text.startswith(f"{task} failed") for task in FATAL_TASKS):
                sys.stderr.write(f"start-up failed: {text}\n")
                sys.stderr.flush()
                os._exit(3)

    logging.getLogger("chat_desktop.gui.common.tasks").addHandler(FailFast())
    watchdog = threading.Timer(CHILD_TIMEOUT_S, give_up)
    watchdog.daemon = True
    watchdog.start()
    app_module.AppController = ProbedController  # type: ignore[attr-defined]
    app_module.main(["--profile", str(profile)])
    watchdog.cancel()


def _now() -> int:
    return time.monotonic_ns()


if __name__ == "__main__":
    main()
