"""The rows the store hands out and takes in, as small immutable types.

They are frozen ``msgspec.Struct`` records (defined in microseconds where a dataclass takes
about a millisecond at each start; also quicker to build, a page of rows at a time); change
a field with ``msgspec.structs.replace``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import msgspec

from chat_desktop.protocol.link_preview import LinkPreview

#: The kind of the note a conversation shows when its disappearing timer changed (its body
#: is the new timer in seconds; it is never unread and never disappears itself).
TIMER_NOTE_KIND: Final = "timer"
#: The kind of the note a conversation shows when the contact's safety number changed (no
#: body; never unread, never sent, never disappears): "bob's safety number changed".
KEY_CHANGE_NOTE_KIND: Final = "key_change"
#: The kind of a group's history note ("alice added carol"): its body is a verb and its
#: argument (services/group_history_notes.py); never unread, never sent, never disappears.
GROUP_NOTE_KIND: Final = "group_note"
#: The kind of a 1:1 call's history note: its body is UTF-8 JSON ``{"outgoing", "video",
#: "outcome", "duration_s"}`` (services/call_history.py); never unread, sent or disappearing.
CALL_NOTE_KIND: Final = "call"
#: Every kind drawn as a centred note rather than a bubble (no reply, react, edit, notify).
NOTE_KINDS: Final = frozenset(
    {TIMER_NOTE_KIND, KEY_CHANGE_NOTE_KIND, GROUP_NOTE_KIND, CALL_NOTE_KIND}
)


class Direction(StrEnum):
    """Whether a message was received or sent by this device's user."""

    INCOMING = "in"
    OUTGOING = "out"


class MessageStatus(StrEnum):
    """Delivery state: pending → sent → delivered → read, or failed (outgoing, never acked).

    Incoming messages are stored as ``delivered`` and become ``read`` once the user saw them.
    """

    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


class VerifiedState(StrEnum):
    """Whether the user compared a contact's safety number (reset when the key changes)."""

    UNVERIFIED = "unverified"
    VERIFIED = "verified"


class MessageCursor(msgspec.Struct, frozen=True):
    """A message's position in its conversation, for keyset paging.

    Attributes:
        sort_key: The sort key (milliseconds; monotonic per conversation).
        seq: The insertion sequence, breaking ties between equal sort keys.
    """

    sort_key: int
    seq: int


class AttachmentInfo(msgspec.Struct, frozen=True):
    """What a message says about its attachment, and where the local copy stands.

    Attributes:
        blob_id: The relay's blob id.
        key: The attachment's 64-byte key (AES ‖ HMAC) from the sender.
        digest: SHA-256 of the encrypted blob.
        size: Plaintext size in bytes.
        mime: MIME type.
        file_name: Original file name, if any.
        width: Image width in pixels (images only), to lay out the bubble before download.
        height: Image height in pixels (images only).
        thumbnail: A small JPEG preview (≤ 2 KiB), if any.
        local_file_id: The encrypted-at-rest local file, once downloaded or sent.
        local_status: Free-form download state ("none", "downloading", "done", "failed").
        voice_ms: A voice note's length in ms as its sender claimed it (voice notes only).
        waveform: A voice note's levels to draw, 0–255 each (voice notes only).
    """

    blob_id: str | None = None
    key: bytes | None = None
    digest: bytes | None = None
    size: int | None = None
    mime: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None
    local_file_id: str | None = None
    local_status: str | None = None
    voice_ms: int | None = None
    waveform: bytes | None = None


class Quote(msgspec.Struct, frozen=True):
    """What a reply quotes, as this device shows it.

    For a received reply the target was looked up locally by id in the same conversation:
    when found, ``author``, ``excerpt`` and ``kind`` come from our own copy; when not, they
    are what the sender wrote, and ``found`` is False (show them as such).

    Attributes:
        target_id: The id of the message replied to.
        author: Who wrote it (username).
        excerpt: The start of its text (at most 200 characters; for an attachment its
            caption or file name). Empty once the target was deleted for everyone.
        kind: "text" or "attachment".
        found: Whether this device holds the target (else the sender's excerpt is shown).
        deleted: The target was deleted for everyone since (the excerpt is gone).
    """

    target_id: str
    author: str
    excerpt: str
    kind: str
    found: bool = True
    deleted: bool = False


class Reaction(msgspec.Struct, frozen=True):
    """One person's reaction to a message (each person has at most one per message).

    Attributes:
        reactor: The username of who reacted (ours included).
        emoji: The emoji.
    """

    reactor: str
    emoji: str


class MessageDetails(msgspec.Struct, frozen=True):
    """The times shown in a message's details dialog (ms, None where unknown).

    Attributes:
        sent_at: The sender's clock when it was sent.
        received_at: This device's clock when it arrived (incoming only).
        delivered_at: Outgoing: when the peer's delivery receipt came. Incoming: when it
            arrived here.
        read_at: Outgoing: when the peer's read receipt came (None if they don't send
            them). Incoming: when the user read it.
    """

    sent_at: int | None
    received_at: int | None
    delivered_at: int | None
    read_at: int | None


class NewMessage(msgspec.Struct, frozen=True):
    """A message to insert.

    Attributes:
        id: Sender-made UUID string, unique within the conversation.
        conversation_id: The conversation it belongs to (created if missing).
        sender: The sender's address.
        direction: Incoming or outgoing.
        sort_key: Position in the conversation (e.g. server_ts or sent_at, in ms).
        kind: Content kind ("text", "attachment", ...).
        body: Text, if any.
        status: Initial status (outgoing: pending; incoming: delivered).
        sender_device: The sending device id, if known.
        sent_at: Sender's clock, ms.
        received_at: This device's clock at reception, ms.
        read_at: When the user read it, ms.
        server_ts: The relay's timestamp, ms.
        expire_timer: Disappearing timer in seconds (0 = off).
        expires_at: When it disappears, ms, or None.
        undecryptable: True for a placeholder of a message that could not be decrypted.
        attachment: Attachment metadata, if any.
        quote: The message this one replies to, if it is a reply.
        edited_at: When its text was last edited (the edit's ``sent_at``), or None.
        deleted: Deleted for everyone: a tombstone without body, attachment or quote.
        reactions: Reactions to it, oldest first (filled when loaded; ignored on insert).
        delivered_at: Outgoing: when the peer's delivery receipt came, ms.
        read_by_peer_at: Outgoing: when the peer's read receipt came, ms.
        link_preview: The first link's preview the sender put in it, checked (text only;
            filled when loaded by windows and ``get``).
    """

    id: str
    conversation_id: str
    sender: str
    direction: Direction
    sort_key: int
    kind: str
    body: str | None = None
    status: MessageStatus = MessageStatus.PENDING
    sender_device: int | None = None
    sent_at: int | None = None
    received_at: int | None = None
    read_at: int | None = None
    server_ts: int | None = None
    expire_timer: int = 0
    expires_at: int | None = None
    undecryptable: bool = False
    attachment: AttachmentInfo | None = None
    quote: Quote | None = None
    edited_at: int | None = None
    deleted: bool = False
    reactions: tuple[Reaction, ...] = ()
    delivered_at: int | None = None
    read_by_peer_at: int | None = None
    link_preview: LinkPreview | None = None


class Message(NewMessage, frozen=True):
    """A stored message.

    Attributes:
        seq: The store's insertion sequence (tiebreak of the keyset position).
    """

    seq: int = 0

    @property
    def cursor(self) -> MessageCursor:
        """This message's keyset position."""
        return MessageCursor(sort_key=self.sort_key, seq=self.seq)


class MessageKey(msgspec.Struct, frozen=True):
    """Identifies a message: its id is unique only within its conversation.

    Attributes:
        conversation_id: The conversation.
        message_id: The sender-made id.
    """

    conversation_id: str
    message_id: str


class Conversation(msgspec.Struct, frozen=True):
    """A conversation summary for the conversation list.

    Attributes:
        id: Conversation id (the peer's address for a one-to-one chat).
        peer_address: The other party, if one-to-one.
        title: Display title, if set.
        expire_timer: Disappearing-messages timer in seconds (0 = off).
        unread_count: Unread incoming messages.
        last_activity_at: Sort key of the newest message, ms.
        created_at: Creation time, ms.
        last_message: The newest message still shown (not deleted, not expired), for the
            list's preview; None when there is none or the summary was read without it.
        muted: No notifications for new messages (they still count as unread).
        pinned: Kept at the top of the list.
        archived: Hidden from the main list until a new incoming message arrives (unless
            muted too).
        marked_unread: The user marked it unread from the list (shown unread until opened).
        draft: The unsent text of its box ("" for none), for the list's "Draft: …".
        accepted: False while it is a message request (someone not in our conversations
            wrote first; nothing goes back until the user accepts it).
    """

    id: str
    peer_address: str | None
    title: str | None
    expire_timer: int
    unread_count: int
    last_activity_at: int
    created_at: int
    # issue 10 (E3)
    last_message: Message | None = None
    muted: bool = False
    pinned: bool = False
    archived: bool = False
    # issue 19 (H2)
    marked_unread: bool = False
    draft: str = ""
    # issue 23 (message requests)
    accepted: bool = True


class Contact(msgspec.Struct, frozen=True):
    """A contact and the identity key we trust for it.

    Attributes:
        address: The contact's username.
        display_name: Name from their profile, if any.
        identity_key: Their current identity public key, if known.
        verified_state: Whether the user verified the safety number for this key.
        created_at: When first seen, ms.
        updated_at: Last change, ms.
    """

    address: str
    display_name: str | None
    identity_key: bytes | None
    verified_state: VerifiedState
    created_at: int
    updated_at: int


class KeyChange(msgspec.Struct, frozen=True):
    """One change of a contact's identity key (shown as a notice in the conversation).

    Attributes:
        address: The contact.
        old_identity_key: The key before, if there was one.
        new_identity_key: The key after.
        changed_at: When the store saw the change, ms.
    """

    address: str
    old_identity_key: bytes | None
    new_identity_key: bytes
    changed_at: int


class OutboxEntry(msgspec.Struct, frozen=True):
    """An encrypted message waiting for the relay's ack.

    Attributes:
        seq: Order of enqueueing (resend order).
        message_id: The message's id.
        conversation_id: Its conversation.
        recipient: The recipient address.
        payload: The exact bytes to emit again on reconnect (already encrypted).
        failed: True once it gave up (e.g. unacked for 24 h); ``retry`` clears it.
        attempts: How many times it was emitted.
        created_at: Enqueue time, ms.
        last_attempt_at: Last emit time, ms.
    """

    seq: int
    message_id: str
    conversation_id: str
    recipient: str
    payload: bytes
    failed: bool
    attempts: int
    created_at: int
    last_attempt_at: int | None = None


class StoredGroup(msgspec.Struct, frozen=True):
    """A group as the store keeps it (issue 21); its secrets are read separately, sealed.

    Attributes:
        conversation_id: The group's conversation (``"g:"`` + the group id in hex).
        group_id: The group's 32-byte id.
        held: The engine's encoded state of the group (opaque to the store).
        revision: The revision of that state.
        updated_at: When it was last saved, ms.
    """

    conversation_id: str
    group_id: bytes
    held: bytes
    revision: int
    updated_at: int
