"""Accepting a contact's new identity key: the safety number comes first.

The key-change banner's "Accept new key" does not accept at once. It opens the safety-number
dialog with the new number ("Compare with bob, then accept"), whose buttons are "Accept new
key" and "Not now"; Enter and Escape mean "Not now". Only "Accept new key" resumes sending.
The dialog is opened with ``open()`` and awaited through its ``finished`` signal (no nested
event loop, :mod:`chat_desktop.gui.common.notices`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget

from chat_desktop.gui.common.notices import finished
from chat_desktop.gui.conversation.safety_number import SafetyNumberDialog
from chat_desktop.services.client import ChatClient


async def compare_then_accept(
    parent: QWidget,
    client: ChatClient,
    peer: str,
    opened: Callable[[SafetyNumberDialog], None] = lambda _dialog: None,
) -> bool:
    """Shows ``peer``'s new safety number and accepts their key if the user says so.

    ``opened`` is handed the dialog once it shows (the conversation keeps it, as it keeps
    the plain safety-number dialog). Returns whether the key was accepted.

    Raises:
        UnknownPeer: No identity key is known for ``peer`` (nothing to compare).
    """
    formatted = await client.trust.safety_number(peer)
    verified = await client.trust.is_verified(peer)
    dialog = SafetyNumberDialog(peer, formatted, verified, parent, accepting=True)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    opened(dialog)
    if await finished(dialog) != QDialog.DialogCode.Accepted:
        return False
    await client.trust.accept_identity(peer)
    return True
