"""``ConversationView``: the right pane (header, key-change banner, messages, composer).

It turns what the user does to a message (reply, react, edit, delete, details, open, save,
view an image) into engine calls, keeps the shown messages in step with the engine's events
(``connect_bridge``), and takes files in (attach button, drop on the pane, paste) through
the preview dialog.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QDateTime, QLocale, QPoint, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QVBoxLayout, QWidget

from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.avatars import round_avatar
from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.common.notices import StandardButton, ask, show_notice
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.conversation.blocked_banner import BlockedBanner
from chat_desktop.gui.conversation.composer import Composer
from chat_desktop.gui.conversation.conversation_files import ConversationFiles
from chat_desktop.gui.conversation.conversation_header import CUSTOM_TIMER, ConversationHeader
from chat_desktop.gui.conversation.custom_timer import CustomTimerDialog, ask_custom_timer
from chat_desktop.gui.conversation.find_bar import FindBar
from chat_desktop.gui.conversation.forward_dialog import ForwardDialog
from chat_desktop.gui.conversation.group_source import ConversationSource, is_group
from chat_desktop.gui.conversation.key_acceptance import compare_then_accept
from chat_desktop.gui.conversation.key_change_banner import KeyChangeBanner
from chat_desktop.gui.conversation.link_preview_bar import LinkPreviewBar
from chat_desktop.gui.conversation.message_details import MessageDetailsDialog
from chat_desktop.gui.conversation.message_model import MessageWindowModel
from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.gui.conversation.message_words import duration_text
from chat_desktop.gui.conversation.reaction_picker import ReactionPicker
from chat_desktop.gui.conversation.request_banner import RequestBanner
from chat_desktop.gui.conversation.safety_number import SafetyNumberDialog
from chat_desktop.gui.conversation.selection_bar import SelectionBar
from chat_desktop.gui.conversation.voice_notes_pane import VoiceNotes
from chat_desktop.protocol.link_preview import LinkPreview
from chat_desktop.services.client import ChatClient
from chat_desktop.services.errors import UnknownPeer
from chat_desktop.services.file_types import display_file_name
from chat_desktop.services.types import Direction, Message, MessageStatus

logger = logging.getLogger(__name__)


class ConversationView(ConversationFiles):
    """One open conversation, driven by a :class:`ChatClient`.

    Its files (open, save, view, attach, drop, paste, images in bubbles) are handled by
    :class:`~chat_desktop.gui.conversation.conversation_files.ConversationFiles`; the bar
    above the messages is a
    :class:`~chat_desktop.gui.conversation.conversation_header.ConversationHeader`.

    Signals:
        conversationsChanged(): Unread counts or order may have changed (refresh the list).
    """

    conversationsChanged = Signal()  # noqa: N815
    verifiedChanged = Signal(str)  # noqa: N815

    def __init__(self, client: ChatClient, parent: QWidget | None = None) -> None:
        """Builds the pane for ``client`` (no conversation open yet)."""
        super().__init__(parent)
        self.setObjectName("conversationView")
        self._client = client
        self._peer: str | None = None
        self._bridge: EventBridge | None = None
        #: The last popup or dialog opened from a message (tests and the walk look at it).
        self.reaction_picker: ReactionPicker | None = None
        self.details_dialog: MessageDetailsDialog | None = None
        self.model = MessageWindowModel(ConversationSource(client))  # groups read too
        self.view = MessageListView(self.model, self)
        self.composer = Composer(self)
        self.composer.use_recent_emoji(client.preferences)
        self.composer.use_spelling(client.preferences)

        self.header = ConversationHeader()
        self.peer_label = self.header.peer_label
        self.verified_badge = self.header.verified_badge
        self.presence_label = self.header.presence_label
        self.timer_box = self.header.timer_box
        self.safety_button = self.header.safety_button
        #: The custom-timer dialog last opened (tests look at it).
        self.timer_dialog: CustomTimerDialog | None = None

        self.find_bar = FindBar(client, self.view)
        self.header.find_button.clicked.connect(self.show_find_bar)

        self.blocked_banner = BlockedBanner()
        self.blocked_banner.unblock_button.clicked.connect(self._unblock)
        self.request_banner = RequestBanner()  # Delete and Block: the window asks first
        self.request_banner.acceptClicked.connect(
            lambda peer: spawn(self._accept_request(peer), "accept request", self._show_error)
        )

        self.banner = KeyChangeBanner()
        self.banner_label = self.banner.label
        self.accept_key_button = self.banner.accept_button

        name_controls(
            (self.accept_key_button, self.tr("Accept new key")),
            (self.view, self.tr("Messages")),
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.blocked_banner)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.request_banner)  # in the composer's place (Signal's)
        #: The link preview card of the message being written (opt-in, link_preview_bar.py).
        self.link_preview_bar = LinkPreviewBar(
            self._client.link_previews.fetch, self._client.link_previews.enabled
        )
        layout.addWidget(self.link_preview_bar)
        self.composer.edit.textChanged.connect(
            lambda: self.link_preview_bar.watch(
                "" if self.composer.editing else self.composer.edit.toPlainText()
            )
        )
        layout.addWidget(self.composer)
        #: Shown instead of the composer while messages are picked.
        self.selection_bar = SelectionBar()
        layout.addWidget(self.selection_bar)
        #: The last forward dialog opened (tests look at it).
        self.forward_dialog: ForwardDialog | None = None

        self._typing = False
        self._presence = ""
        self.composer.sendRequested.connect(self._send_text)
        self.composer.editSubmitted.connect(self._submit_edit)
        self.composer.filesChosen.connect(self.offer_files)
        self.composer.imagePasted.connect(self.offer_image)
        self.composer.typingChanged.connect(self._send_typing)
        self.view.readUpTo.connect(self._mark_read)
        self.view.retryRequested.connect(self._retry)
        self.view.imageWanted.connect(self._load_image)
        self.view.clicked.connect(self._on_message_clicked)
        self.view.replyRequested.connect(self.start_reply)
        self.view.editRequested.connect(self.start_edit)
        self.view.deleteRequested.connect(self.delete_message)
        self.view.reactRequested.connect(self.show_reaction_picker)
        self.view.reactionToggled.connect(self.toggle_reaction)
        self.view.detailsRequested.connect(self.show_details)
        self.view.openRequested.connect(self.open_attachment)
        self.view.saveRequested.connect(self.save_attachment)
        self.view.cancelRequested.connect(self.cancel_transfer)
        self.view.imageActivated.connect(self.show_image)
        self.view.forwardRequested.connect(self.forward_messages)
        #: Recording, sending and playing voice notes (voice_notes_pane.py).
        self.voice_notes = VoiceNotes(
            self, client, self.composer, self.view, self.model, lambda: self._peer
        )
        self.view.picking.changed.connect(self._picking_changed)
        self.selection_bar.forwardClicked.connect(
            lambda: self.forward_messages(self.view.picking.picked)
        )
        self.selection_bar.deleteClicked.connect(self._delete_picked)
        self.selection_bar.cancelClicked.connect(self.view.picking.stop)
        spawn(self._load_view_preferences(), "view preferences")
        self.safety_button.clicked.connect(self.show_safety_number)
        self.accept_key_button.clicked.connect(self._accept_key)
        self.timer_box.activated.connect(self._timer_chosen)

    @property
    def peer(self) -> str | None:
        """The open conversation's peer."""
        return self._peer

    # ---- opening ----------------------------------------------------------------------------

    async def open(self, peer: str, timer_seconds: int = 0) -> None:
        """Shows the conversation with ``peer`` (newest messages at the bottom)."""
        self.voice_notes.stop()
        self._peer = peer
        self._typing = False
        self._presence = ""
        note_to_self = peer == self._client.username
        self.peer_label.setText(self.tr("Note to Self") if note_to_self else peer)
        # No one else's key to compare in a Note to Self (nor in a group: its own header).
        self.safety_button.setVisible(not note_to_self and not is_group(peer))
        self.verified_badge.hide()
        self._show_presence()
        self.banner.hide()
        self.header.select_timer(timer_seconds)
        self.composer.reset()
        self.link_preview_bar.set_active(True)  # chats and groups alike
        self.view.picking.stop()
        self.find_bar.conversation_changed(peer)
        await self.model.open_conversation(peer)
        self.composer.edit.setFocus()
        if not is_group(peer) and not note_to_self:  # (a group's header counts members)
            spawn(self._client.presence.subscribe([peer]), "subscribe presence")
        spawn(self.refresh_verified(), "verified state")
        spawn(self.refresh_blocked(), "blocked state")
        spawn(self.refresh_profile(), "profile")

    async def refresh_profile(self) -> None:
        """Shows the open contact's profile name and picture (the username stays the tooltip)."""
        peer = self._peer
        self.header.show_avatar(None)
        self.peer_label.setToolTip("")
        if peer is None or is_group(peer) or peer == self._client.username:
            return
        profile = await self._client.profile.of(peer)
        if peer != self._peer:
            return
        self.peer_label.setText(profile.name or peer)
        self.peer_label.setToolTip(peer)
        self.header.show_avatar(round_avatar(profile.avatar))

    async def refresh_verified(self) -> None:
        """Shows or hides the verified badge for the open conversation."""
        peer = self._peer
        if peer is None:
            return
        verified = await self._client.trust.is_verified(peer)
        if peer == self._peer:
            self.verified_badge.setVisible(verified)

    def connect_bridge(self, bridge: EventBridge) -> None:
        """Follows the engine's changes to shown messages (edits, deletes, reactions,
        transfers). Connecting the same bridge again does nothing."""
        if self._bridge is bridge:
            return
        self._bridge = bridge
        bridge.messageChanged.connect(self.on_message_changed)
        bridge.messagesRemoved.connect(self.on_messages_removed)
        bridge.transferProgress.connect(self.on_transfer_progress)
        bridge.transferFinished.connect(self.on_transfer_finished)
        bridge.resumedElsewhere.connect(self.on_resumed_elsewhere)
        bridge.profileChanged.connect(
            lambda peer: spawn(self.refresh_profile(), "profile") if peer == self._peer else None
        )

    # ---- engine events ----------------------------------------------------------------------

    def on_message_received(self, peer: str, message_id: str, _kind: str = "") -> None:
        """Adds a new incoming message if it belongs here."""
        if peer == self._peer:
            self._typing = False
            self._show_presence()
            spawn(self._add(peer, message_id), "show received message")

    async def _add(self, peer: str, message_id: str) -> None:
        if not await self.model.add_message(peer, message_id) and self.model.has_newer:
            self.view.notify_new_message_elsewhere()

    def on_connection_changed(self, state: str) -> None:
        """Asks for the peer's presence again once the link is (back) up.

        While the link is down the relay cannot tell us when the peer leaves, so the last
        known presence is no longer shown (it would say "online" forever).
        """
        if state == "connected" and self._peer is not None:
            spawn(self._client.presence.subscribe([self._peer]), "subscribe presence")
        elif state in ("disconnected", "unlinked"):
            self._presence = ""
            self._show_presence()

    def on_message_changed(self, peer: str, message_id: str, _change: str = "") -> None:
        """Shows the new state of an edited, deleted or reacted-to message."""
        if peer == self._peer:
            spawn(self.model.refresh_message(peer, message_id), "refresh changed message")

    def on_messages_removed(self, peer: str, message_ids: Sequence[str]) -> None:
        """Takes messages deleted on this device away (none listed: the whole conversation)."""
        if peer != self._peer:
            return
        if message_ids:
            self.view.picking.forget(message_ids)
            self.model.remove_messages(peer, message_ids)
        else:
            spawn(self.model.open_conversation(peer), "reload emptied conversation")
        self.conversationsChanged.emit()

    def on_transfer_progress(
        self, peer: str, message_id: str, _direction: str, done: int, total: int
    ) -> None:
        """Moves the progress bar of an upload or download."""
        if peer == self._peer:
            self.model.set_progress(message_id, int(done), int(total))

    def on_transfer_finished(
        self, peer: str, message_id: str, _direction: str, _ok: bool, _cancelled: bool
    ) -> None:
        """Removes the progress bar and shows the transfer's outcome."""
        if peer == self._peer:
            self.model.clear_progress(message_id)
            spawn(self.model.refresh_message(peer, message_id), "refresh transferred message")

    def on_status_changed(self, peer: str, message_id: str, status: str) -> None:
        """Updates a status mark."""
        self.model.set_status(peer, message_id, status)

    def on_messages_expired(self, peer: str, message_ids: list[str]) -> None:
        """Removes disappeared messages."""
        self.model.remove_messages(peer, message_ids)

    def on_typing_changed(self, peer: str, typing: bool) -> None:
        """Shows "typing…" under the peer's name."""
        if peer == self._peer:
            self._typing = typing
            self._show_presence()

    def on_presence_changed(self, peer: str, online: bool, last_seen: int | None) -> None:
        """Shows online / last seen under the peer's name."""
        if peer != self._peer:
            return
        if online:
            self._presence = self.tr("online")
        elif last_seen:
            stamp = QLocale().toString(
                QDateTime.fromMSecsSinceEpoch(last_seen), QLocale.FormatType.ShortFormat
            )
            self._presence = self.tr("last seen %1").replace("%1", stamp)
        else:
            self._presence = self.tr("offline")
        self._show_presence()

    def on_identity_key_changed(self, peer: str, sending_paused: bool) -> None:
        """Shows the key-change banner (with "Accept new key" and what waits for it when
        sending is paused)."""
        if peer != self._peer:
            return
        self.verified_badge.hide()  # a new key is never verified (the engine cleared it)
        self.banner.show_change(peer, sending_paused)
        if sending_paused:
            spawn(self._show_waiting(peer), "messages waiting")

    def on_messages_waiting(self, peer: str, count: int) -> None:
        """Names how many messages go to ``peer`` once the user accepts the new key."""
        if peer == self._peer:
            self.banner.set_waiting(count)

    async def _show_waiting(self, peer: str) -> None:
        count = await self._client.trust.messages_waiting(peer)
        if peer == self._peer:
            self.banner.set_waiting(count)

    def on_resumed_elsewhere(self, peer: str) -> None:
        """The user accepted ``peer``'s new key on another device: the banner goes here too."""
        if peer == self._peer:
            self.banner.hide()

    def on_timer_changed(self, peer: str, seconds: int) -> None:
        """Reflects a timer change (ours or the peer's)."""
        if peer == self._peer:
            self.header.select_timer(seconds)

    def on_attachment_stored(self, peer: str, message_id: str, ok: bool) -> None:
        """Once a download is stored, shows the image in place of its placeholder."""
        if peer == self._peer:
            spawn(self._refresh_downloaded(peer, message_id), "refresh download")

    def on_message_recovered(self, peer: str, message_id: str) -> None:
        """Shows the readable message in place of its "could not be decrypted" notice."""
        if peer == self._peer:
            spawn(self.model.refresh_message(peer, message_id), "refresh recovered message")

    async def _refresh_downloaded(self, peer: str, message_id: str) -> None:
        await self.model.refresh_message(peer, message_id)
        self.view.check_images()

    # ---- user actions ------------------------------------------------------------------------

    def _send_text(self, text: str, reply_to: str = "") -> None:
        preview = self.link_preview_bar.take(text)
        if self._peer is not None and preview is not None:
            sending = self._send_previewed(self._peer, text, reply_to or None, preview)
            spawn(sending, "send text", self._show_error)
        elif self._peer is not None:
            spawn(self._send(self._peer, text, reply_to or None), "send text", self._show_error)

    async def _send_previewed(
        self, peer: str, text: str, reply_to: str | None, preview: LinkPreview
    ) -> None:
        message_id = await self._client.messages.send_text(
            peer, text, reply_to=reply_to, link_preview=preview
        )
        await self.model.add_message(peer, message_id)
        self.view.scroll_to_newest()
        self.conversationsChanged.emit()

    async def _send(self, peer: str, text: str, reply_to: str | None) -> None:
        message_id = await self._client.messages.send_text(peer, text, reply_to=reply_to)
        await self.model.add_message(peer, message_id)
        self.view.scroll_to_newest()
        self.conversationsChanged.emit()

    # ---- reply, edit, delete, react, details --------------------------------------------------

    def start_reply(self, message_id: str) -> None:
        """Sets the composer up to answer ``message_id`` (a bar shows what is quoted)."""
        message = self._shown(message_id)
        if message is None:
            return
        outgoing = message.direction is Direction.OUTGOING
        author = self.tr("yourself") if outgoing else message.sender
        info = message.attachment
        excerpt = message.body or (
            (display_file_name(info.file_name) or self.tr("Attachment")) if info else ""
        )
        self.composer.start_reply(message_id, author, excerpt)

    def start_edit(self, message_id: str) -> None:
        """Puts the text of our message ``message_id`` in the composer for editing."""
        message = self._shown(message_id)
        if message is not None and message.body is not None:
            self.composer.start_edit(message_id, message.body)

    def _submit_edit(self, message_id: str, text: str) -> None:
        if self._peer is not None:
            spawn(self._edit(self._peer, message_id, text), "edit message", self._show_error)

    async def _edit(self, peer: str, message_id: str, text: str) -> None:
        await self._client.messages.edit(peer, message_id, text)
        await self.model.refresh_message(peer, message_id)

    def delete_message(self, message_id: str, for_everyone: bool) -> None:
        """Asks, then deletes ``message_id`` for everyone or from this device only."""
        if self._peer is not None:
            spawn(
                self._delete(self._peer, message_id, for_everyone),
                "delete message",
                self._show_error,
            )

    async def _delete(self, peer: str, message_id: str, for_everyone: bool) -> None:
        if for_everyone:
            title = self.tr("Delete for everyone")
            text = self.tr(
                "Delete this message for everyone? %1 will see that a message was deleted."
            ).replace("%1", peer)
        else:
            title = self.tr("Delete for me")
            text = self.tr("Delete this message from this device? %1 still has it.").replace(
                "%1", peer
            )
        answer = await ask(self, title, text)
        if answer != StandardButton.Yes:
            return
        if for_everyone:
            await self._client.messages.delete_for_everyone(peer, message_id)
            await self.model.refresh_message(peer, message_id)
        else:
            await self._client.messages.delete_for_me(peer, [message_id])
            self.model.remove_messages(peer, [message_id])
        if self.composer.editing == message_id or self.composer.reply_to == message_id:
            self.composer.cancel_context()
        self.conversationsChanged.emit()

    def _our_reaction(self, message: Message) -> str | None:
        return next(
            (r.emoji for r in message.reactions if r.reactor == self._client.username), None
        )

    def show_reaction_picker(self, message_id: str, global_pos: QPoint) -> None:
        """Opens the reaction popup at ``global_pos`` for ``message_id``."""
        message = self._shown(message_id)
        if message is None or self._peer is None:
            return
        peer = self._peer
        picker = ReactionPicker(
            self._our_reaction(message), self, recent_emoji=self._client.preferences
        )
        picker.chosen.connect(
            lambda emoji: spawn(self._react(peer, message_id, emoji), "react", self._show_error)
        )
        picker.popup_at(global_pos)
        self.reaction_picker = picker

    def toggle_reaction(self, message_id: str, emoji: str) -> None:
        """A click on a reaction chip: make ``emoji`` ours, or remove ours if it is that one."""
        message = self._shown(message_id)
        if message is None or self._peer is None:
            return
        wanted = None if self._our_reaction(message) == emoji else emoji
        spawn(self._react(self._peer, message_id, wanted), "react", self._show_error)

    async def _react(self, peer: str, message_id: str, emoji: str | None) -> None:
        await self._client.messages.react(peer, message_id, emoji)
        await self.model.refresh_message(peer, message_id)

    def show_details(self, message_id: str) -> None:
        """Opens the details dialog (times, earlier versions) of ``message_id``."""
        if self._peer is not None:
            spawn(self._details(self._peer, message_id), "message details", self._show_error)

    async def _details(self, peer: str, message_id: str) -> None:
        message = await self._client.messages.get(peer, message_id)
        if message is None:
            return
        details = await self._client.messages.details(peer, message_id)
        history: list[tuple[int, str]] = []
        if message.edited_at is not None:
            history = await self._client.messages.edit_history(peer, message_id)
        dialog = MessageDetailsDialog(message, details, history, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.details_dialog = dialog

    def _send_typing(self, typing: bool) -> None:
        if self._peer is not None:
            spawn(self._client.presence.set_typing(self._peer, typing), "typing")

    def _mark_read(self, message_id: str) -> None:
        if self._peer is not None:
            spawn(self._read(self._peer, message_id), "mark read")

    async def _read(self, peer: str, message_id: str) -> None:
        await self._client.conversations.mark_read(peer, message_id)
        self.conversationsChanged.emit()

    def _retry(self, message_id: str) -> None:
        if self._peer is not None:
            spawn(self._retry_message(self._peer, message_id), "retry", self._show_error)

    async def _retry_message(self, peer: str, message_id: str) -> None:
        if await self._client.messages.retry(peer, message_id):
            self.model.set_status(peer, message_id, MessageStatus.PENDING.value)

    def show_safety_number(self) -> None:
        """Opens the safety-number dialog for the open conversation."""
        if self._peer is not None:
            spawn(self._show_safety_number(self._peer), "safety number", self._show_error)

    async def _show_safety_number(self, peer: str) -> None:
        try:
            formatted = await self._client.trust.safety_number(peer)
        except UnknownPeer:
            self.safety_notice = show_notice(
                self,
                self.tr("Safety number"),
                self.tr("There is no safety number with %1 yet: exchange a message first.").replace(
                    "%1", peer
                ),
                QMessageBox.Icon.Information,
            )
            return
        verified = await self._client.trust.is_verified(peer)
        dialog = SafetyNumberDialog(peer, formatted, verified, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.verifiedChanged.connect(
            lambda state: spawn(self._mark_verified(peer, state), "mark verified")
        )
        dialog.open()
        self.safety_dialog = dialog

    async def _mark_verified(self, peer: str, verified: bool) -> None:
        await self._client.trust.mark_verified(peer, verified)
        await self.refresh_verified()
        self.verifiedChanged.emit(peer)  # the conversation list shows the mark too

    def close_conversation(self) -> None:
        """Shows no conversation any more (it was deleted): forgets the peer and its rows."""
        self.voice_notes.stop()
        self._peer = None
        self.find_bar.conversation_changed(None)
        self.model.clear()

    def forward_messages(self, message_ids: list[str]) -> None:
        """Asks which chats to forward the messages to, then forwards them."""
        if self._peer is not None and message_ids:
            spawn(self._ask_where_to_forward(self._peer, list(message_ids)), "forward")

    async def _ask_where_to_forward(self, peer: str, message_ids: list[str]) -> None:
        listed = await self._client.conversations.list(include_archived=True)
        chats: list[str] = []
        names: dict[str, str] = {}
        for row in listed:  # one-to-one chats, and the groups we are a member of
            if row.peer_address is not None:
                chats.append(row.id)
            elif row.id.startswith("g:"):
                state = await self._client.groups.get(row.id)
                if state is not None and self._client.username in state.members:
                    chats.append(row.id)
                    names[row.id] = state.title
        dialog = ForwardDialog(chats, len(message_ids), self, names)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(
            lambda targets: spawn(
                self._forward(peer, message_ids, targets), "forward", self._show_error
            )
        )
        self.forward_dialog = dialog
        dialog.open()

    async def _forward(self, peer: str, message_ids: list[str], targets: list[str]) -> None:
        await self._client.messages.forward(peer, message_ids, targets)
        self.view.picking.stop()

    def _picking_changed(self) -> None:
        picking = self.view.picking
        self.selection_bar.setVisible(picking.active)
        self.composer.setVisible(not picking.active)
        self.selection_bar.show_count(len(picking.picked))

    def _delete_picked(self) -> None:
        if self._peer is not None and self.view.picking.picked:
            picked = self.view.picking.picked
            self.view.picking.stop()
            spawn(
                self._client.messages.delete_for_me(self._peer, picked),
                "delete picked messages",
                self._show_error,
            )

    async def _load_view_preferences(self) -> None:
        self.set_double_click_reply((await self._client.preferences.load()).double_click_reply)

    def set_double_click_reply(self, on: bool) -> None:
        """Whether a double click on a message replies to it (Settings → Privacy)."""
        self.view.double_click_replies = on

    async def refresh_blocked(self) -> None:
        """Shows the blocked banner, or the message request's, (and turns the composer off)
        if the open contact is blocked or the chat a request; hides them otherwise."""
        peer = self._peer
        if peer is None:
            return
        blocked = peer in await self._client.conversations.blocked()
        request = not blocked and await self._client.conversations.is_request(peer)
        if peer != self._peer:
            return  # another conversation opened meanwhile
        self.blocked_banner.setVisible(blocked)
        if blocked:
            self.blocked_banner.show_for(peer)
        self.request_banner.setVisible(request)
        if request:
            self.request_banner.show_for(peer)
        self.composer.setEnabled(not blocked and not request)
        self.composer.setVisible(not request and not self.view.picking.active)
        one_to_one = not is_group(peer) and peer != self._client.username
        self.header.allow_calls(one_to_one and not blocked and not request)

    async def _accept_request(self, peer: str) -> None:
        await self._client.conversations.accept(peer)
        await self.refresh_blocked()
        self.conversationsChanged.emit()  # it joins the list

    def _unblock(self) -> None:
        if self._peer is not None:
            spawn(self._unblock_now(self._peer), "unblock", self._show_error)

    async def _unblock_now(self, peer: str) -> None:
        await self._client.conversations.unblock(peer)
        await self.refresh_blocked()

    def show_find_bar(self) -> None:
        """Ctrl+Shift+F or the header's search button: find words in the open chat."""
        self.find_bar.open_for(self._peer)

    def _accept_key(self) -> None:
        if self._peer is not None:
            spawn(self._accept(self._peer), "accept identity", self._show_error)

    async def _accept(self, peer: str) -> None:
        """Compares the new safety number first; only "Accept new key" resumes sending."""
        accepted = await compare_then_accept(self, self._client, peer, self._keep_safety_dialog)
        if accepted and peer == self._peer:
            self.banner.hide()

    def _keep_safety_dialog(self, dialog: SafetyNumberDialog) -> None:
        self.safety_dialog = dialog

    def _timer_chosen(self, index: int) -> None:
        seconds = int(self.timer_box.itemData(index))
        if self._peer is not None:
            spawn(self._set_timer(self._peer, seconds), "set timer", self._show_error)

    async def _set_timer(self, peer: str, seconds: int) -> None:
        """Sets the timer (asking for a custom one first) and shows our note at once; the
        value it already has changes nothing (the engine sends nothing either)."""
        if seconds == CUSTOM_TIMER:
            chosen = await ask_custom_timer(
                self, self.header.timer_seconds, self._keep_timer_dialog
            )
            if chosen is None or peer != self._peer:
                # Cancelled: the menu as it was.
                self.header.select_timer(self.header.timer_seconds)
                return
            seconds = chosen
        try:
            note_id = await self._client.conversations.set_disappearing_timer(peer, seconds)
        except BaseException:
            self.header.select_timer(self.header.timer_seconds)
            raise
        if peer != self._peer:
            return
        self.header.select_timer(seconds)
        if note_id is not None:
            await self.model.add_message(peer, note_id)
            self.view.scroll_to_newest()
            self.conversationsChanged.emit()

    def _keep_timer_dialog(self, dialog: CustomTimerDialog) -> None:
        self.timer_dialog = dialog

    # ---- helpers ---------------------------------------------------------------------------------

    def timer_label(self, seconds: int) -> str:
        """A timer the menu does not offer, in its largest whole unit ("2 days")."""
        return duration_text(seconds)

    def _show_presence(self) -> None:
        self.presence_label.setText(self.tr("typing…") if self._typing else self._presence)
