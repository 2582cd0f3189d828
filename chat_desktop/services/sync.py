"""Sync between our own devices: transcripts of what we sent, read marks, verified state.

What one device does, the others learn through sync contents sent only to our own account
(docs/protocol.md §6.11): a ``sent`` transcript of every message, reaction, edit, delete and
timer change we send to a peer (so the conversation looks the same everywhere and a
disappearing message disappears everywhere), ``read`` marks (so unread counts agree and only
the reading device sends the read receipt), ``verified`` changes and ``contact`` changes (a
conversation started, a contact's new key accepted). Sync copies are outbox
entries of their own (recipient: our account), queued in the same transaction as the
message, sent and deduplicated like any other (the relay keys them by our account).

Functions named ``queue_*`` and ``apply_*`` run on the store thread inside the caller's
transaction.
"""

from __future__ import annotations

import logging

from chat_desktop.protocol.message_content import (
    AttachmentContent,
    ContactSyncContent,
    Content,
    ContentError,
    DeleteContent,
    EditContent,
    ReactionContent,
    ReadSyncContent,
    SentTranscriptContent,
    TextContent,
    TimerContent,
    VerifiedSyncContent,
    content_kind,
    decode_transcript,
    encode_content,
    transcript_of,
)
from chat_desktop.services.context import EngineContext, now_ms
from chat_desktop.services.conversation_actions import (
    apply_delete,
    apply_edit,
    apply_reaction,
    incoming_quote,
)
from chat_desktop.services.devices import is_removed_own_device, other_own_devices
from chat_desktop.services.events import (
    ClientEvent,
    ConversationChanged,
    MessageReceived,
    ReadElsewhere,
    ResumedElsewhere,
    TimerChanged,
    VerifiedChanged,
)
from chat_desktop.services.link_preview_checks import received_preview
from chat_desktop.services.message_rows import attachment_info_of, insert_timer_note
from chat_desktop.services.sending import (
    OutboxPayload,
    encode_payload,
    paused_peers,
    set_paused,
)
from chat_desktop.storage.models import (
    TIMER_NOTE_KIND,
    Direction,
    MessageKey,
    MessageStatus,
    NewMessage,
    VerifiedState,
)
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

#: The kinds we send a transcript of (receipts, typing, profile and retry stay per device).
TRANSCRIBED_KINDS = (
    TextContent,
    AttachmentContent,
    ReactionContent,
    EditContent,
    DeleteContent,
    TimerContent,
)


def has_other_devices(context: EngineContext, store: MessageStore) -> bool:
    """Whether sync copies have anywhere to go."""
    return bool(other_own_devices(store, context.device_id))


def queue_sync(
    context: EngineContext,
    store: MessageStore,
    conversation_id: str,
    content: Content,
    expires_at: int | None = None,
) -> bool:
    """Queues ``content`` (a sync content) to our other devices; False if there are none.

    The entry is keyed by the conversation it concerns and the content id, with our own
    account as recipient: next to the peer's entry of the same message, never instead.
    """
    if not has_other_devices(context, store):
        return False
    payload = OutboxPayload(
        content=encode_content(content),
        bodies=None,
        expires_at=expires_at,
        track_status=False,
    )
    store.outbox.enqueue(conversation_id, content.id, context.username, encode_payload(payload))
    return True


def queue_transcript(
    context: EngineContext,
    store: MessageStore,
    peer: str,
    content: Content,
    expires_at: int | None,
) -> bool:
    """Queues a ``sent`` transcript of ``content`` (just queued to ``peer``), if it is one
    our other devices should see; same id, same relay expiry."""
    if not isinstance(content, TRANSCRIBED_KINDS):
        return False
    transcript = SentTranscriptContent(
        id=content.id,
        sent_at=content.sent_at,
        expire_timer=content.expire_timer,
        peer=peer,
        content=transcript_of(content),
    )
    return queue_sync(context, store, peer, transcript, expires_at)


def apply_sync(
    context: EngineContext,
    store: MessageStore,
    content: Content,
    from_device: int,
    server_ts: int,
) -> tuple[list[ClientEvent], list[MessageKey]]:
    """Applies a sync content from one of our other devices.

    Returns:
        The events to publish and the attachment messages to fetch (none from a device
        that left the account: a relay may still deliver what it sends).
    """
    if is_removed_own_device(store, from_device):
        logger.warning("refused a sync content from a removed device of ours")
        return [], []
    if isinstance(content, SentTranscriptContent):
        return _apply_transcript(context, store, content, from_device, server_ts)
    if isinstance(content, ReadSyncContent):
        return _apply_read(store, content), []
    if isinstance(content, VerifiedSyncContent):
        return _apply_verified(store, content), []
    if isinstance(content, ContactSyncContent):
        return _apply_contact(context, store, content), []
    return [], []  # nothing else is taken from our own devices


def _apply_transcript(
    context: EngineContext,
    store: MessageStore,
    transcript: SentTranscriptContent,
    from_device: int,
    server_ts: int,
) -> tuple[list[ClientEvent], list[MessageKey]]:
    try:
        content = decode_transcript(transcript.content)
    except ContentError:
        logger.warning("a transcript from our other device does not hold valid content")
        return [], []
    if content.id != transcript.id:
        return [], []  # a transcript is of the message with its own id, nothing else
    peer = transcript.peer  # the contact, or our own username (a Note to Self)
    me = context.username
    if isinstance(content, ReactionContent):
        store.conversations.ensure(peer, peer_address=peer)
        return apply_reaction(store, peer, content, author=me), []
    if isinstance(content, EditContent):
        return apply_edit(store, peer, content, author=me), []
    if isinstance(content, DeleteContent):
        return apply_delete(store, peer, content, author=me), []
    if isinstance(content, TimerContent):
        return _apply_timer(context, store, peer, content, from_device, server_ts), []
    if isinstance(content, TextContent | AttachmentContent):
        return _apply_sent_message(context, store, peer, content, from_device, server_ts)
    return [], []


def _apply_sent_message(
    context: EngineContext,
    store: MessageStore,
    peer: str,
    content: TextContent | AttachmentContent,
    from_device: int,
    server_ts: int,
) -> tuple[list[ClientEvent], list[MessageKey]]:
    """A message we sent from another device appears here as sent."""
    attachment = None
    if isinstance(content, TextContent):
        body: str | None = content.text
    else:
        body = content.caption or None
        attachment = attachment_info_of(content)
    store.conversations.ensure(peer, peer_address=peer)
    store.conversations.set_accepted(peer)  # we wrote in it: no request any more
    arrived = now_ms()
    key = MessageKey(peer, content.id)
    inserted = store.messages.insert(
        NewMessage(
            id=content.id,
            conversation_id=peer,
            sender=context.username,
            sender_device=from_device,
            direction=Direction.OUTGOING,
            sort_key=content.sent_at,
            kind=content_kind(content),
            body=body,
            status=MessageStatus.SENT,
            sent_at=content.sent_at,
            received_at=arrived,
            server_ts=server_ts,
            expire_timer=content.expire_timer,
            attachment=attachment,
            quote=incoming_quote(store, peer, content.quote),
            link_preview=received_preview(content),
        )
    )
    if not inserted:
        return [], []
    if content.expire_timer:
        # The sending device deletes its copy `timer` after the relay's ack; this copy goes
        # `timer` after it arrived here, which is no earlier.
        store.messages.set_expiry(key, arrived + content.expire_timer * 1000)
    events: list[ClientEvent] = [
        MessageReceived(
            peer=peer,
            message_id=content.id,
            kind=content_kind(content),
            text=body or "",
            sent_at=content.sent_at,
        )
    ]
    return events, [key] if attachment is not None else []


def _apply_timer(
    context: EngineContext,
    store: MessageStore,
    peer: str,
    content: TimerContent,
    from_device: int,
    server_ts: int,
) -> list[ClientEvent]:
    inserted = insert_timer_note(
        store,
        peer,
        content,
        sender=context.username,
        sender_device=from_device,
        server_ts=server_ts,
    )
    events: list[ClientEvent] = [TimerChanged(peer=peer, seconds=content.seconds)]
    if inserted:
        events.append(
            MessageReceived(
                peer=peer,
                message_id=content.id,
                kind=TIMER_NOTE_KIND,
                text="",
                sent_at=content.sent_at,
            )
        )
    return events


def _apply_read(store: MessageStore, content: ReadSyncContent) -> list[ClientEvent]:
    """Marks messages read that another device of ours read (no receipt goes from here)."""
    read_at = now_ms()
    read = store.messages.mark_read_ids(content.peer, list(content.message_ids), read_at)
    for message in read:
        if message.expire_timer:
            store.messages.set_expiry(
                MessageKey(content.peer, message.id), read_at + message.expire_timer * 1000
            )
    if not read:
        return []
    return [ReadElsewhere(peer=content.peer, message_ids=tuple(m.id for m in read))]


def _apply_verified(store: MessageStore, content: VerifiedSyncContent) -> list[ClientEvent]:
    """Takes a verification made on another device, if it is of the key we have here."""
    contact = store.contacts.get(content.peer)
    if contact is None or contact.identity_key != content.identity_key:
        return []  # another key than ours: that device saw something else; we don't follow
    if (contact.verified_state is VerifiedState.VERIFIED) == content.verified:
        return []
    store.contacts.set_verified(content.peer, content.verified)
    return [VerifiedChanged(peer=content.peer, verified=content.verified)]


def _apply_contact(
    context: EngineContext, store: MessageStore, content: ContactSyncContent
) -> list[ClientEvent]:
    """Another device of ours started a conversation with a contact, or accepted its key.

    The conversation appears here too. A key is pinned only where we know none yet; the
    same key as ours, while sending to the contact is paused here after a key change, means
    the user accepted it on the other device: sending resumes here too. A different key is
    not taken from a sync: this device learns keys only from the contact's own messages and
    bundles.
    """
    peer = content.peer
    if peer == context.username:
        return []
    store.conversations.ensure(peer, peer_address=peer)
    store.conversations.set_accepted(peer)  # started or accepted there: accepted here too
    events: list[ClientEvent] = [ConversationChanged(peer)]
    key = content.identity_key
    contact = store.contacts.get(peer)
    known = None if contact is None else contact.identity_key
    if key is not None and known is None:
        store.contacts.save_identity_key(peer, key)
    elif key is not None and key == known and peer in paused_peers(store):
        set_paused(store, peer, False)
        events.append(ResumedElsewhere(peer))
    return events
