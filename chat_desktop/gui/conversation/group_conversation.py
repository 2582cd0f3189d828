"""``GroupConversationView``: the conversation pane, also for groups (issue 21).

A group's conversation id (``"g:…"``) is refused by ``client.messages`` and
``client.conversations``; this pane sends a group's actions to ``client.groups`` instead
(send, edit, react, delete for everyone, mark read, the timer, message info) and keeps the
one-to-one path of :class:`ConversationView` as it is. For a group the header shows the
title and "N members" (instead of presence), a "Members" button opens the members page, and
the safety-number button is hidden (a group has no one safety number); message info lists
who received and read our message.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from chat_desktop.gui.common.avatars import round_avatar
from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.common.notices import StandardButton, ask, show_notice
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.conversation.conversation_header import CUSTOM_TIMER
from chat_desktop.gui.conversation.conversation_view import ConversationView
from chat_desktop.gui.conversation.custom_timer import ask_custom_timer
from chat_desktop.gui.conversation.group_members import GroupMembersDialog, group_error_text
from chat_desktop.gui.conversation.group_message_info import GroupMessageInfoDialog
from chat_desktop.gui.conversation.group_source import is_group
from chat_desktop.protocol.link_preview import LinkPreview
from chat_desktop.services.capabilities.groups import GroupMessageDetails
from chat_desktop.services.client import ChatClient
from chat_desktop.services.group_state import GroupState
from chat_desktop.services.types import Direction

#: ``translate("GroupConversation", …)`` at each call: ``pyside6-lupdate`` finds them.
translate = QCoreApplication.translate


def members_text(count: int) -> str:
    """ "1 member" / "5 members" (the header's line under a group's title)."""
    return (
        translate("GroupConversation", "1 member")
        if count == 1
        else translate("GroupConversation", "%1 members").replace("%1", str(count))
    )


def typing_text(members: list[str]) -> str:
    """Who is typing in a group: one name, two names, or how many."""
    if len(members) == 1:
        return translate("GroupConversation", "%1 is typing…").replace("%1", members[0])
    if len(members) == 2:
        return (
            translate("GroupConversation", "%1 and %2 are typing…")
            .replace("%1", members[0])
            .replace("%2", members[1])
        )
    return translate("GroupConversation", "%1 people are typing…").replace("%1", str(len(members)))


async def known_contacts(client: ChatClient) -> list[str]:
    """The people this account has one-to-one chats with (the names a group may add)."""
    listed = await client.conversations.list(500, include_archived=True)
    return [c.id for c in listed if not is_group(c.id) and c.id != client.username]


class GroupConversationView(ConversationView):
    """:class:`ConversationView` that also opens groups.

    Attributes:
        group_state: The open group's state (None: a one-to-one chat is open).
        members_dialog: The members page last opened (tests and the walk look at it).
        info_dialog: The group message info last opened.

    Signals:
        groupLeft(str): We left this group (the list refreshes).
    """

    groupLeft = Signal(str)  # noqa: N815

    def __init__(self, client: ChatClient, parent: QWidget | None = None) -> None:
        """Builds the pane for ``client`` (no conversation open yet)."""
        super().__init__(client, parent)
        self.group_state: GroupState | None = None
        self.members_dialog: GroupMembersDialog | None = None
        self.info_dialog: GroupMessageInfoDialog | None = None
        #: The members typing in the open group, in the order they started.
        self.typing_members: list[str] = []
        self.header.members_button.clicked.connect(self.show_members)

    @property
    def group_open(self) -> bool:
        """Whether the open conversation is a group."""
        return is_group(self.peer)

    # ---- opening ----------------------------------------------------------------------------

    async def open(self, peer: str, timer_seconds: int = 0) -> None:
        """Shows the conversation with ``peer``, or the group ``peer`` ("g:…")."""
        group = is_group(peer)
        self.group_state = None
        self.typing_members = []
        self.safety_button.setVisible(not group)
        self.header.members_button.setVisible(group)
        await super().open(peer, timer_seconds)
        if group:
            await self.refresh_group()

    async def refresh_group(self) -> None:
        """Reads the open group's state again: title, member count, timer, members page."""
        peer = self.peer
        if not is_group(peer):
            return
        assert peer is not None
        state = await self._client.groups.get(peer)
        if state is None or peer != self.peer:
            return
        self.group_state = state
        self.peer_label.setText(state.title)
        self._presence = members_text(len(state.members))
        self._show_presence()
        self.header.select_timer(state.timer_seconds)
        still_member = self._client.username in state.members
        self.composer.setEnabled(still_member)
        self.header.timer_box.setEnabled(still_member)
        if self.members_dialog is not None and self.members_dialog.isVisible():
            self.members_dialog.show_state(state)
        await self.refresh_profile()

    async def refresh_profile(self) -> None:
        """A group shows its picture in the header (fetched once by the engine); a chat, its
        contact's profile."""
        peer = self.peer
        if not is_group(peer):
            await super().refresh_profile()
            return
        assert peer is not None
        picture = await self._client.groups.avatar(peer)
        if peer == self.peer:
            self.header.show_avatar(round_avatar(picture))

    async def refresh_verified(self) -> None:
        """Shows or hides the verified badge (a group has none)."""
        if not self.group_open:
            await super().refresh_verified()

    def connect_bridge(self, bridge: EventBridge) -> None:
        """Also follows group changes (members, title, timer) of the open group."""
        first = self._bridge is not bridge
        super().connect_bridge(bridge)
        if first:
            bridge.groupChanged.connect(self.on_group_changed)
            bridge.groupTypingChanged.connect(self.on_group_typing_changed)

    def on_group_typing_changed(self, peer: str, member: str, typing: bool) -> None:
        """Says who types in the open group ("bob is typing…") instead of its member count."""
        if peer != self.peer:
            return
        if member in self.typing_members:
            self.typing_members.remove(member)
        if typing:
            self.typing_members.append(member)
        self._show_presence()

    def _show_presence(self) -> None:
        if self.group_open and self.typing_members:
            self.presence_label.setText(typing_text(self.typing_members))
            return
        super()._show_presence()

    def on_group_changed(self, peer: str) -> None:
        """A group's state changed: the open one's header and members page follow."""
        if peer == self.peer:
            spawn(self.refresh_group(), "refresh group")

    def on_connection_changed(self, state: str) -> None:
        """As for a chat, but a group shows its member count, never presence."""
        if not self.group_open:
            super().on_connection_changed(state)

    def show_safety_number(self) -> None:
        """Opens the safety-number dialog (one-to-one chats only)."""
        if not self.group_open:
            super().show_safety_number()

    # ---- the members page --------------------------------------------------------------------

    def show_members(self) -> None:
        """Opens the open group's members page."""
        if self.group_open:
            spawn(self._show_members(), "members page", self._show_error)

    async def _show_members(self) -> None:
        peer = self.peer
        assert peer is not None
        state = await self._client.groups.get(peer)
        contacts = await known_contacts(self._client)
        if state is None or peer != self.peer:
            return
        dialog = GroupMembersDialog(self._client, peer, state, contacts, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.left.connect(self.groupLeft.emit)
        dialog.left.connect(lambda _peer: spawn(self.refresh_group(), "refresh group"))
        dialog.open()
        self.members_dialog = dialog

    # ---- a group's actions go to client.groups ------------------------------------------------

    async def _send(self, peer: str, text: str, reply_to: str | None) -> None:
        if not is_group(peer):
            await super()._send(peer, text, reply_to)
            return
        message_id = await self._client.groups.send_text(peer, text, reply_to=reply_to)
        await self.model.add_message(peer, message_id)
        self.view.scroll_to_newest()
        self.conversationsChanged.emit()

    async def _send_previewed(
        self, peer: str, text: str, reply_to: str | None, preview: LinkPreview
    ) -> None:
        if not is_group(peer):
            await super()._send_previewed(peer, text, reply_to, preview)
            return
        message_id = await self._client.groups.send_text(
            peer, text, reply_to=reply_to, link_preview=preview
        )
        await self.model.add_message(peer, message_id)
        self.view.scroll_to_newest()
        self.conversationsChanged.emit()

    async def _edit(self, peer: str, message_id: str, text: str) -> None:
        if not is_group(peer):
            await super()._edit(peer, message_id, text)
            return
        await self._client.groups.edit_message(peer, message_id, text)
        await self.model.refresh_message(peer, message_id)

    async def _react(self, peer: str, message_id: str, emoji: str | None) -> None:
        if not is_group(peer):
            await super()._react(peer, message_id, emoji)
            return
        await self._client.groups.react(peer, message_id, emoji)
        await self.model.refresh_message(peer, message_id)

    async def _delete(self, peer: str, message_id: str, for_everyone: bool) -> None:
        if not is_group(peer):
            await super()._delete(peer, message_id, for_everyone)
            return
        if not for_everyone:
            answer = await ask(
                self,
                translate("GroupConversation", "Delete for me"),
                translate(
                    "GroupConversation",
                    "Delete this message from this device? The other members still have it.",
                ),
            )
            if answer != StandardButton.Yes:
                return
            await self._client.messages.delete_for_me(peer, [message_id])
            self.model.remove_messages(peer, [message_id])
            if self.composer.editing == message_id or self.composer.reply_to == message_id:
                self.composer.cancel_context()
            self.conversationsChanged.emit()
            return
        answer = await ask(
            self,
            translate("GroupConversation", "Delete for everyone"),
            translate("GroupConversation", "Delete this message for everyone in the group?"),
        )
        if answer != StandardButton.Yes:
            return
        await self._client.groups.delete_for_everyone(peer, message_id)
        await self.model.refresh_message(peer, message_id)
        if self.composer.editing == message_id or self.composer.reply_to == message_id:
            self.composer.cancel_context()
        self.conversationsChanged.emit()

    async def _details(self, peer: str, message_id: str) -> None:
        if not is_group(peer):
            await super()._details(peer, message_id)
            return
        message = await self._client.messages.get(peer, message_id)
        if message is None:
            return
        details: GroupMessageDetails | None = None
        if message.direction is Direction.OUTGOING:
            details = await self._client.groups.details(peer, message_id)
        dialog = GroupMessageInfoDialog(message, details, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.info_dialog = dialog

    async def _read(self, peer: str, message_id: str) -> None:
        if not is_group(peer):
            await super()._read(peer, message_id)
            return
        await self._client.groups.mark_read(peer, message_id)
        self.conversationsChanged.emit()

    def _send_typing(self, typing: bool) -> None:
        if not self.group_open:
            super()._send_typing(typing)
        elif self.peer is not None:
            spawn(self._client.groups.set_typing(self.peer, typing), "typing")

    async def _set_timer(self, peer: str, seconds: int) -> None:
        if not is_group(peer):
            await super()._set_timer(peer, seconds)
            return
        if seconds == CUSTOM_TIMER:
            chosen = await ask_custom_timer(
                self, self.header.timer_seconds, self._keep_timer_dialog
            )
            if chosen is None or peer != self.peer:
                self.header.select_timer(self.header.timer_seconds)
                return
            seconds = chosen
        if seconds == self.header.timer_seconds:
            self.header.select_timer(seconds)
            return
        try:
            await self._client.groups.set_timer(peer, seconds)
        except BaseException:
            self.header.select_timer(self.header.timer_seconds)
            raise
        if peer == self.peer:
            self.header.select_timer(seconds)
            self.conversationsChanged.emit()

    def _show_error(self, error: BaseException) -> None:
        if self.group_open:
            show_notice(
                self,
                translate("GroupConversation", "Group"),
                group_error_text(error),
                QMessageBox.Icon.Warning,
            )
            return
        super()._show_error(error)
