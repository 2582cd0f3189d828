"""One app per profile: a second ``chat-desktop`` on the same profile raises the first one.

The first instance listens on a local socket named after a hash of the profile's path; a
second one connects, asks it to raise its window, waits for the answer and exits. This runs
before the asyncio loop starts, so its short blocking waits never nest an event loop. The
vault's own lock (``ProfileInUse``) stays the last line of defence.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

logger = logging.getLogger(__name__)

RAISE_REQUEST = b"raise\n"
RAISED_REPLY = b"raised\n"
#: How long the second instance waits for the first one's answer.
PING_TIMEOUT_MS = 3_000


def server_name(profile_dir: Path) -> str:
    """The local socket name of the instance owning ``profile_dir`` (no path in clear)."""
    digest = hashlib.sha256(str(profile_dir.expanduser().resolve()).encode("utf-8"))
    return f"chat_desktop-{digest.hexdigest()[:32]}"


class SingleInstance(QObject):
    """The local-socket handshake between instances of one profile.

    Signals:
        raiseRequested(): Another instance was started on this profile; show the window.
    """

    raiseRequested = Signal()  # noqa: N815

    def __init__(self, profile_dir: Path, parent: QObject | None = None) -> None:
        """Prepares the handshake for ``profile_dir`` (nothing listens yet)."""
        super().__init__(parent)
        self.name = server_name(profile_dir)
        self._server: QLocalServer | None = None

    def ask_running_instance_to_raise(self, timeout_ms: int = PING_TIMEOUT_MS) -> bool:
        """True if an instance already runs on this profile and raised its window."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(timeout_ms):
            return False
        socket.write(RAISE_REQUEST)
        socket.waitForBytesWritten(timeout_ms)
        answered = False
        while socket.waitForReadyRead(timeout_ms):
            if bytes(socket.readAll().data()).endswith(RAISED_REPLY):
                answered = True
                break
        socket.disconnectFromServer()
        return answered

    def listen(self) -> bool:
        """Starts answering later instances; False if the name could not be claimed."""
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # A socket file left behind by a crashed instance: nobody answers on it.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                logger.warning("single-instance socket unavailable: %s", server.serverError())
                return False
        server.newConnection.connect(self._accept_connections)
        self._server = server
        return True

    def close(self) -> None:
        """Stops listening (the name is free for the next instance)."""
        if self._server is not None:
            self._server.close()
            self._server = None

    def _accept_connections(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda socket=socket: self._on_request(socket))
            socket.disconnected.connect(socket.deleteLater)
            self._on_request(socket)  # the request may have arrived with the connection

    def _on_request(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        if bytes(socket.readLine().data()) == RAISE_REQUEST:
            self.raiseRequested.emit()
            socket.write(RAISED_REPLY)
            socket.flush()
