"""``GroupMessageInfoDialog``: who received and read a group message, and when (issue 21).

For one of our messages it lists every member with the message's state for them (sent,
delivered, read) and the times the receipts came, from ``client.groups.details``. For a
member's message it says who wrote it and when it was sent and arrived here (what this
device knows: members' receipts go to the sender only).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import mark_as_data, name_controls
from chat_desktop.gui.conversation.message_details import format_time
from chat_desktop.services.capabilities.groups import GroupMessageDetails, MemberReceipt
from chat_desktop.services.types import Direction, Message

#: Spelled out as ``translate("GroupMessageInfo", …)`` at each call: ``pyside6-lupdate`` finds them.
translate = QCoreApplication.translate


def receipt_text(receipt: MemberReceipt) -> str:
    """One member's line: "carol — read 5 December 2026 10:04" (or delivered, or sent)."""
    if receipt.status == "read":
        state = translate("GroupMessageInfo", "read %1").replace("%1", format_time(receipt.read_at))
    elif receipt.status == "delivered":
        state = translate("GroupMessageInfo", "delivered %1").replace(
            "%1", format_time(receipt.delivered_at)
        )
    else:
        state = translate("GroupMessageInfo", "sent")
    return f"{receipt.member} \N{EM DASH} {state}"


class GroupMessageInfoDialog(QDialog):
    """The message's sender and times, and for ours each member's delivery and read state."""

    def __init__(
        self,
        message: Message,
        details: GroupMessageDetails | None,
        parent: QWidget | None = None,
    ) -> None:
        """Builds the dialog.

        Args:
            message: The group message.
            details: Per-member states (``client.groups.details``) for our own message, else
                None.
            parent: The conversation pane.
        """
        super().__init__(parent)
        self.setObjectName("groupMessageInfoDialog")
        self.setWindowTitle(translate("GroupMessageInfo", "Message info"))
        form = QFormLayout()
        outgoing = message.direction is Direction.OUTGOING
        sender = QLabel(translate("GroupMessageInfo", "You") if outgoing else message.sender)
        sent = QLabel(format_time(details.sent_at if details else message.sent_at))
        form.addRow(translate("GroupMessageInfo", "From:"), sender)
        form.addRow(translate("GroupMessageInfo", "Sent:"), sent)
        labels = [sender, sent]
        if not outgoing:
            received = QLabel(format_time(message.received_at))
            form.addRow(translate("GroupMessageInfo", "Received here:"), received)
            labels.append(received)
        mark_as_data(*labels)
        #: One line per member: who received and read it (our messages only).
        self.members = QListWidget()
        self.members.setObjectName("groupReceipts")
        mark_as_data(self.members)  # usernames and times
        for receipt in details.members if details is not None else ():
            self.members.addItem(receipt_text(receipt))
        name_controls((self.members, translate("GroupMessageInfo", "Who received and read it")))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if details is not None:
            layout.addWidget(QLabel(translate("GroupMessageInfo", "Members:")))
            layout.addWidget(self.members, 1)
        else:
            self.members.hide()
        layout.addWidget(buttons)
        self.setMinimumWidth(360)
