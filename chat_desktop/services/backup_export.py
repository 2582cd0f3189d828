"""Reading a profile into a backup's records, a bounded batch at a time (store thread).

:func:`export_batches` is a generator whose every step runs on the store's thread (the
caller advances it there) and returns the framed records of one batch: the manifest and
account first, then settings, contacts, and each conversation's messages a page at a time,
with each stored file read in pieces. The caller seals and writes a batch elsewhere, so the
store thread is free between batches and memory holds one batch, never the whole history.

What goes in (docs/protocol.md §12.3): the account (identity key, device id and key, relay,
key-id counters), settings (less the current-prekey pointers: those keys stay behind),
contacts and their trust, one-to-one conversations with their flags, timer and draft, and
every message still shown (not expired) with its reply quote, edits, reactions and file.
Not sessions, not prekey private keys, not the outbox (a message still waiting to go is
marked failed), not group conversations (their state and sender keys have no entry yet).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Final

import msgspec

from chat_desktop.protocol.link_preview import encode_preview
from chat_desktop.services import devices, own_keys
from chat_desktop.services.account_record import load_account
from chat_desktop.services.backup_format import BackupError
from chat_desktop.services.backup_records import (
    FILE_PIECE_BYTES,
    MAX_CONTACTS,
    MAX_CONVERSATIONS,
    MAX_REACTIONS,
    MAX_SETTINGS,
    RECORDS_VERSION,
    Account,
    Appearance,
    Chat,
    ContactRecord,
    EditRecord,
    End,
    Entry,
    FileData,
    FileInfo,
    KeyCounter,
    Manifest,
    QuoteRecord,
    ReactionRecord,
    Setting,
    frame,
)
from chat_desktop.services.client_errors import ClientError
from chat_desktop.services.context import now_ms
from chat_desktop.services.preferences import load_appearance
from chat_desktop.storage.edits import MAX_EDITS
from chat_desktop.storage.errors import StorageError
from chat_desktop.storage.group_ids import group_id_of
from chat_desktop.storage.models import (
    AttachmentInfo,
    Conversation,
    Direction,
    Message,
    MessageStatus,
    VerifiedState,
)
from chat_desktop.storage.store import MessageStore

#: Messages read per batch (one page of the store), and file bytes per batch.
PAGE: Final = 2000
FILE_BATCH_BYTES: Final = 4 * FILE_PIECE_BYTES
#: Settings that name keys the backup does not carry (the restored device makes new ones).
_LEFT_OUT_PREFIXES: Final = ("own_keys.", "linking.pending_history")
_KEY_KINDS: Final = (
    own_keys.SIGNED,
    own_keys.ONE_TIME,
    own_keys.PQ,
    own_keys.PQ_LAST_RESORT,
)


class ExportCounts:
    """What an export wrote so far (for progress and the End record); ``total`` is the
    number of messages it expects (known after the first batch)."""

    def __init__(self, total: int) -> None:
        self.conversations = 0
        self.messages = 0
        self.files = 0
        self.total = total


def export_batches(
    store: MessageStore, counts: ExportCounts | None = None
) -> Generator[bytes, None, None]:
    """The backup's plaintext stream, one bounded batch per step (advance on the store thread).

    Raises (while iterating):
        BackupError: The profile has no account, or a stored file could not be read.
    """
    now = now_ms()
    try:
        username, device_id, relay_url, identity = load_account(store)
    except (ClientError, LookupError, StorageError) as error:
        raise BackupError("this profile has no account to back up") from error
    chats = [
        conversation
        for conversation in store.conversations.list_recent(MAX_CONVERSATIONS)
        if group_id_of(conversation.id) is None
    ]
    estimate = sum(store.messages.count(chat.id) for chat in chats)
    if counts is None:
        counts = ExportCounts(0)
    counts.total = estimate
    head = [
        frame(
            Manifest(
                version=RECORDS_VERSION,
                created_at=now,
                username=username,
                device_id=device_id,
                conversations=len(chats),
                messages=estimate,
            )
        ),
        frame(_account(store, relay_url, identity.seed)),
    ]
    head += [frame(setting) for setting in _settings(store)]
    head.append(frame(Appearance(json=_appearance_json(store))))
    head += [frame(contact) for contact in _contacts(store)]
    yield b"".join(head)
    drafts = store.drafts.all()
    for conversation in chats:
        yield from _conversation(store, conversation, drafts.get(conversation.id, ""), counts)
        counts.conversations += 1
    yield frame(End(counts.conversations, counts.messages, counts.files))


def _account(store: MessageStore, relay_url: str, identity_seed: bytes) -> Account:
    device_key = devices.load_device_key(store)
    counters = store.secrets.key_id_counters()
    return Account(
        relay_url=relay_url,
        identity_seed=identity_seed,
        device_key_seed=None if device_key is None else device_key.seed,
        device_key_registered=devices.device_key_registered(store),
        key_counters=[
            KeyCounter(kind=kind, next_id=next_id)
            for kind, next_id in sorted(counters.items())
            if kind in _KEY_KINDS
        ],
    )


def _settings(store: MessageStore) -> list[Setting]:
    kept = [
        Setting(key=key, value_json=value)
        for key, value in store.settings.items_json()
        if not key.startswith(_LEFT_OUT_PREFIXES)
    ]
    if len(kept) > MAX_SETTINGS:
        raise BackupError("this profile has more settings than a backup holds")
    return kept


def _appearance_json(store: MessageStore) -> str:
    return msgspec.json.encode(load_appearance(store.paths.root)).decode()


def _contacts(store: MessageStore) -> list[ContactRecord]:
    contacts = [
        ContactRecord(
            address=contact.address,
            display_name=contact.display_name,
            identity_key=contact.identity_key,
            verified=contact.verified_state is VerifiedState.VERIFIED,
        )
        for contact in store.contacts.list_all()
    ]
    if len(contacts) > MAX_CONTACTS:
        raise BackupError("this profile has more contacts than a backup holds")
    return contacts


def _conversation(
    store: MessageStore, conversation: Conversation, draft: str, counts: ExportCounts
) -> Iterator[bytes]:
    parts = [
        frame(
            Chat(
                id=conversation.id,
                peer_address=conversation.peer_address,
                title=conversation.title,
                timer=conversation.expire_timer,
                pinned=conversation.pinned,
                muted=conversation.muted,
                archived=conversation.archived,
                marked_unread=conversation.marked_unread,
                draft=draft,
            )
        )
    ]
    page = store.messages.oldest(conversation.id, PAGE)
    while page:
        for message in page:
            stored = _stored_file(store, message.attachment)
            parts.append(frame(_entry(store, message, stored)))
            counts.messages += 1
            if stored is not None:
                yield b"".join(parts)
                parts = []
                yield from _file_pieces(store, stored[0], stored[1])
                counts.files += 1
        yield b"".join(parts)
        parts = []
        page = store.messages.after(conversation.id, page[-1].cursor, PAGE)
    if parts:
        yield b"".join(parts)


def _stored_file(store: MessageStore, info: AttachmentInfo | None) -> tuple[str, int] | None:
    """The local file's id and size when this device holds the file, else None."""
    if info is None or not info.local_file_id or info.local_status != "done":
        return None
    size = store.attachments.size_of(info.local_file_id)
    return None if size is None else (info.local_file_id, size)


def _file_pieces(store: MessageStore, file_id: str, size: int) -> Iterator[bytes]:
    """The file's FileData records, a few MiB per batch; exactly ``size`` bytes."""
    left = size
    try:
        with store.attachments.open(file_id) as source:
            while left:
                batch = []
                for _ in range(FILE_BATCH_BYTES // FILE_PIECE_BYTES):
                    data = source.read(min(FILE_PIECE_BYTES, left))
                    if not data:
                        break
                    left -= len(data)
                    batch.append(frame(FileData(data=data)))
                    if not left:
                        break
                if not batch:
                    break
                yield b"".join(batch)
    except (StorageError, OSError) as error:
        raise BackupError("a stored file could not be read; no backup was made") from error
    if left:
        raise BackupError("a stored file is shorter than recorded; no backup was made")


def _entry(store: MessageStore, message: Message, stored: tuple[str, int] | None) -> Entry:
    status = message.status
    outgoing = message.direction is Direction.OUTGOING
    if outgoing and status is MessageStatus.PENDING:
        status = MessageStatus.FAILED  # the outbox (ciphertext on old sessions) stays behind
    edits: list[EditRecord] = []
    if message.edited_at is not None:
        history = store.messages.edits.history(message.conversation_id, message.id)
        edits = [EditRecord(at, body) for at, body in history[-MAX_EDITS:]]
    quote = message.quote
    return Entry(
        id=message.id,
        sender=message.sender,
        sender_device=message.sender_device,
        outgoing=outgoing,
        sort_key=message.sort_key,
        kind=message.kind,
        body=message.body,
        status=status.value,
        sent_at=message.sent_at,
        received_at=message.received_at,
        read_at=message.read_at,
        server_ts=message.server_ts,
        expire_timer=message.expire_timer,
        expires_at=message.expires_at,
        undecryptable=message.undecryptable,
        deleted=message.deleted,
        attachment=_file_info(message.attachment, stored),
        quote=None
        if quote is None
        else QuoteRecord(
            target_id=quote.target_id,
            author=quote.author,
            excerpt=quote.excerpt,
            kind=quote.kind,
            found=quote.found,
            deleted=quote.deleted,
        ),
        edited_at=message.edited_at,
        delivered_at=message.delivered_at,
        read_by_peer_at=message.read_by_peer_at,
        edits=edits,
        reactions=[
            ReactionRecord(reactor=r.reactor, emoji=r.emoji)
            for r in message.reactions[:MAX_REACTIONS]
        ],
        preview=None
        if message.link_preview is None
        else bytes(encode_preview(message.link_preview)),
    )


def _file_info(info: AttachmentInfo | None, stored: tuple[str, int] | None) -> FileInfo | None:
    if info is None:
        return None
    pointer = bool(info.blob_id) and info.key is not None and info.digest is not None
    if stored is not None:
        status: str | None = "done"
    elif info.local_status in (None, "none", "failed"):
        status = info.local_status
    else:  # "downloading", or "done" with the file gone: fetch it again if the relay can
        status = "none" if pointer else "failed"
    return FileInfo(
        blob_id=info.blob_id,
        key=info.key,
        digest=info.digest,
        size=info.size,
        mime=info.mime,
        file_name=info.file_name,
        width=info.width,
        height=info.height,
        thumbnail=info.thumbnail,
        local_status=status,
        stored_size=None if stored is None else stored[1],
    )
