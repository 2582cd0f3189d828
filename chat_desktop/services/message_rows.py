"""Rows the engine stores for received contents, shared by the receiver and the sync of our
own devices (a transcript of what another device of ours sent is stored like what a peer
sent, as ours)."""

from __future__ import annotations

from chat_desktop.protocol.message_content import AttachmentContent, TimerContent
from chat_desktop.services.context import now_ms
from chat_desktop.storage.models import (
    TIMER_NOTE_KIND,
    AttachmentInfo,
    Direction,
    MessageStatus,
    NewMessage,
)
from chat_desktop.storage.store import MessageStore


def attachment_info_of(content: AttachmentContent) -> AttachmentInfo:
    """The attachment metadata of a received attachment content (not downloaded yet)."""
    return AttachmentInfo(
        blob_id=content.blob_id,
        key=content.key,
        digest=content.digest,
        size=content.size,
        mime=content.mime_type,
        file_name=content.file_name,
        width=content.width,
        height=content.height,
        thumbnail=content.thumbnail,
        local_status="none",
        voice_ms=None if content.voice is None else content.voice.duration_ms,
        waveform=None if content.voice is None else content.voice.waveform,
    )


def insert_timer_note(
    store: MessageStore,
    peer: str,
    content: TimerContent,
    *,
    sender: str,
    sender_device: int,
    server_ts: int,
) -> bool:
    """Sets ``peer``'s conversation timer and stores the note saying so; False if a repeat.

    The note ("bob set disappearing messages to 1 day") is read at once: it never counts as
    unread and never disappears itself.
    """
    store.conversations.ensure(peer, peer_address=peer)
    store.conversations.set_expire_timer(peer, content.seconds)
    arrived = now_ms()
    ours = sender != peer
    return store.messages.insert(
        NewMessage(
            id=content.id,
            conversation_id=peer,
            sender=sender,
            sender_device=sender_device,
            direction=Direction.OUTGOING if ours else Direction.INCOMING,
            sort_key=content.sent_at,
            kind=TIMER_NOTE_KIND,
            body=str(content.seconds),
            status=MessageStatus.SENT if ours else MessageStatus.READ,
            sent_at=content.sent_at,
            received_at=arrived,
            read_at=arrived,
            server_ts=server_ts,
        )
    )
