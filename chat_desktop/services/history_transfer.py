"""History transfer at link time: the conversations as one encrypted archive.

The existing device exports every conversation (not sessions, not keys; no expired,
undecryptable or deleted message; a disappearing message keeps its ``expires_at``) into
``msgpack(HistoryArchive)``, encrypted like an attachment (docs/protocol.md §5) into a blob
that the new device downloads once it is registered, checks (digest and HMAC) and imports.

The archive's shape and bounds are ``services/history_archive.py``'s; groups go in and come
out through ``services/history_groups.py``. Version 2 carries everything a conversation
shows, not only its text: attachments (metadata, thumbnail and the blob pointer: id, key,
digest), reply quotes, edits (the "edited" mark and the texts each edit replaced),
reactions, and the conversation's flags (pinned, muted, archived, marked unread, disappearing
timer).

Attachments: a file this device holds (downloaded or sent) of at most
:data:`INLINE_FILE_MAX` bytes travels inside the archive, while the archive's files stay
within :data:`INLINE_TOTAL_MAX`: the new device stores it at once, whether or not the relay
still has its blob (blobs expire with the relay's retention, 30 days by default). Every other
attachment is re-pointed: the new device fetches it from the relay like a received one,
while the relay keeps it (our own files too: the sender records the blob it uploaded). A
file too large to travel inline whose blob expired comes as its message, metadata and
thumbnail, its file marked failed (a received one may be downloaded while the relay keeps it).

The archive is bounded like everything a peer sends: it comes from our own device, but
through the relay's storage. Every count, size, time and string has a bound checked when it
is decoded; an inline file must have the size its message declares. Another version is
refused with :class:`ArchiveRejected` (said to the user, nothing imported).
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from chat_desktop.services.context import now_ms
from chat_desktop.services.history_archive import (
    ARCHIVE_VERSION,
    INLINE_FILE_MAX,
    INLINE_TOTAL_MAX,
    MAX_CONVERSATIONS,
    MAX_GROUPS,
    MAX_MESSAGES_PER_CONVERSATION,
    MAX_REACTIONS_PER_MESSAGE,
    ArchivedAttachment,
    ArchivedConversation,
    ArchivedEdit,
    ArchivedGroup,
    ArchivedGroupMessage,
    ArchivedMessage,
    ArchivedQuote,
    ArchivedReaction,
    ArchiveRejected,
    HistoryArchive,
    _Version,
)
from chat_desktop.services.history_messages import (
    ARCHIVED_KINDS,
    PAGE,
    InlineBudget,
    archived_message,
    import_message,
)
from chat_desktop.storage.group_ids import group_id_of
from chat_desktop.storage.models import (
    Conversation,
    MessageKey,
)
from chat_desktop.storage.store import MessageStore

__all__ = [
    "ARCHIVE_VERSION",
    "INLINE_FILE_MAX",
    "INLINE_TOTAL_MAX",
    "MAX_CONVERSATIONS",
    "MAX_GROUPS",
    "MAX_MESSAGES_PER_CONVERSATION",
    "MAX_REACTIONS_PER_MESSAGE",
    "ArchiveRejected",
    "ArchivedAttachment",
    "ArchivedConversation",
    "ArchivedEdit",
    "ArchivedGroup",
    "ArchivedGroupMessage",
    "ArchivedMessage",
    "ArchivedQuote",
    "ArchivedReaction",
    "HistoryArchive",
    "count_messages",
    "decode_archive",
    "export_history",
    "import_history",
]

Progress = Callable[[int, int], None]


def export_history(store: MessageStore, progress: Progress | None = None) -> bytes:
    """Returns the archive of every conversation (store thread).

    ``progress(done, total)`` is called after each conversation (from this thread).
    """
    now = now_ms()
    budget = InlineBudget()
    # Groups have their own entry (a "g:" id where a username belongs would void the archive).
    listed = [
        conversation
        for conversation in store.conversations.list_recent(MAX_CONVERSATIONS)
        if group_id_of(conversation.id) is None
    ]
    conversations = []
    for done, conversation in enumerate(listed, start=1):
        conversations.append(_archived_conversation(store, conversation, now, budget))
        if progress is not None:
            progress(done, len(listed))
    from chat_desktop.services.history_groups import archived_groups  # it builds on this one

    groups = archived_groups(store, now, budget)
    return msgspec.msgpack.encode(
        HistoryArchive(v=ARCHIVE_VERSION, conversations=conversations, groups=groups)
    )


def _archived_conversation(
    store: MessageStore, conversation: Conversation, now: int, budget: InlineBudget
) -> ArchivedConversation:
    peer = conversation.id
    messages: list[ArchivedMessage] = []
    # Forward in the store's own order (sort key, then insertion), page by page.
    page = store.messages.oldest(peer, PAGE)
    while page:
        for message in page:
            archived = archived_message(store, message, now, budget)
            if archived is not None:
                messages.append(archived)
        page = store.messages.after(peer, page[-1].cursor, PAGE)
    return ArchivedConversation(
        peer=peer,
        timer=conversation.expire_timer,
        pinned=conversation.pinned,
        muted=conversation.muted,
        archived=conversation.archived,
        marked_unread=conversation.marked_unread,
        messages=messages,
    )


def decode_archive(data: bytes) -> HistoryArchive:
    """Parses an archive.

    Raises:
        ArchiveRejected: Malformed, out of bounds, or another version (said as such).
    """
    try:
        version = msgspec.msgpack.decode(data, type=_Version).v
    except (msgspec.ValidationError, msgspec.DecodeError):
        raise ArchiveRejected("the history archive is malformed") from None
    if version != ARCHIVE_VERSION:
        raise ArchiveRejected(
            f"the history archive has version {version}; this app reads version "
            f"{ARCHIVE_VERSION} (update the app on both devices)"
        )
    try:
        archive = msgspec.msgpack.decode(data, type=HistoryArchive)
    except (msgspec.ValidationError, msgspec.DecodeError):
        raise ArchiveRejected("the history archive is malformed") from None
    for conversation in archive.conversations:
        for message in conversation.messages:
            _check_attachment(message.attachment)
    for group in archive.groups:
        for group_message in group.messages:
            _check_attachment(group_message.message.attachment)
    return archive


def _check_attachment(attachment: ArchivedAttachment | None) -> None:
    if attachment is None:
        return
    if attachment.data is not None and len(attachment.data) != attachment.size:
        raise ArchiveRejected("a file in the history archive has another size than it says")


def count_messages(archive: HistoryArchive) -> int:
    """How many messages the archive holds (what the import's progress counts)."""
    return sum(len(conversation.messages) for conversation in archive.conversations) + sum(
        len(group.messages) for group in archive.groups
    )


def import_history(
    store: MessageStore,
    username: str,
    archive: HistoryArchive,
    progress: Progress | None = None,
) -> list[MessageKey]:
    """Stores the archive (what we don't have yet); returns attachments to fetch.

    Runs on the store thread, in one transaction. A message already here (it also arrived as
    a sync copy or from the peer) is left as it is. The conversation flags are set after its
    messages (an incoming message would take a conversation out of the archive).
    ``progress(done, total)`` counts conversations (from this thread).
    """
    now = now_ms()
    attachments: list[MessageKey] = []
    total = len(archive.conversations)
    with store.transaction():
        for done, conversation in enumerate(archive.conversations, start=1):
            # Our own username is the Note to Self (what we wrote there comes along).
            attachments.extend(_import_conversation(store, username, conversation, now))
            if progress is not None:
                progress(done, total)
        from chat_desktop.services.history_groups import import_groups  # builds on this one

        attachments.extend(import_groups(store, username, archive.groups, now))
    return attachments


def _import_conversation(
    store: MessageStore, username: str, conversation: ArchivedConversation, now: int
) -> list[MessageKey]:
    peer = conversation.peer
    conversations = store.conversations
    conversations.ensure(peer, peer_address=peer)
    conversations.set_expire_timer(peer, conversation.timer)
    to_fetch: list[MessageKey] = []
    for message in conversation.messages:
        if message.expires_at is not None and message.expires_at <= now:
            continue
        if message.kind not in ARCHIVED_KINDS:
            continue
        if import_message(store, username, peer, message, now):
            to_fetch.append(MessageKey(peer, message.id))
    conversations.set_pinned(peer, conversation.pinned)
    conversations.set_muted(peer, conversation.muted)
    conversations.set_archived(peer, conversation.archived)
    conversations.set_marked_unread(peer, conversation.marked_unread)
    return to_fetch
