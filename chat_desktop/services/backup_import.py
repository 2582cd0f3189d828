"""Writing a backup's records into a new profile's store, checking their order (store thread).

:class:`BackupImporter` takes the records of docs/protocol.md §12.3 one by one, as
:mod:`chat_desktop.services.backup_restore` reads them from the authenticated stream, and
refuses (:class:`~chat_desktop.services.backup_format.BackupDamaged`) any out of place: a
missing manifest or account, a record twice, a file cut short or too long, a message
outside a conversation, counts that do not match the End record, records after it. The
store it writes into is thrown away whole on any refusal, so it never undoes a write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import msgspec

from chat_desktop.crypto.device_key import DeviceKeyPair
from chat_desktop.crypto.errors import InvalidKey
from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.services import devices
from chat_desktop.services.account_record import save_account
from chat_desktop.services.backup_format import BackupDamaged
from chat_desktop.services.backup_records import (
    MAX_CONTACTS,
    MAX_SETTINGS,
    RECORDS_VERSION,
    Account,
    Appearance,
    Chat,
    ContactRecord,
    End,
    Entry,
    FileData,
    Manifest,
    Record,
    Setting,
)
from chat_desktop.services.link_preview_checks import checked_preview
from chat_desktop.services.preferences import Appearance as AppearanceSettings
from chat_desktop.services.preferences import InvalidPreference, save_appearance
from chat_desktop.storage.attachment_files import AttachmentWriter
from chat_desktop.storage.group_ids import group_id_of
from chat_desktop.storage.models import (
    AttachmentInfo,
    Direction,
    MessageStatus,
    NewMessage,
    Quote,
)
from chat_desktop.storage.store import MessageStore

#: Settings never restored whatever a file says (they name keys a backup does not carry).
LEFT_OUT_PREFIXES: Final = ("own_keys.", "linking.pending_history")
#: The content id of restored edits and reactions (the originals are not carried).
_CONTENT_ID: Final = "backup"


def _damaged(detail: str) -> BackupDamaged:
    return BackupDamaged(f"the backup is damaged ({detail})")


class BackupImporter:
    """Takes the records in order and writes them into the new store (store thread)."""

    def __init__(self, store: MessageStore, root: Path) -> None:
        """Writes into ``store`` (fresh) and the profile folder ``root`` (appearance)."""
        self._store = store
        self._root = root
        self._manifest: Manifest | None = None
        self._account: Account | None = None
        self._chat: Chat | None = None
        self._ended = False
        self._settings = 0
        self._contacts = 0
        self._conversations = 0
        self._seen_chats: set[str] = set()
        self._pending: Entry | None = None
        self._file: AttachmentWriter | None = None
        self._file_left = 0
        self.messages = 0
        self.files = 0
        self.username = ""

    def take(self, record: Record) -> None:
        """Stores one record, or raises BackupDamaged if it is out of place."""
        if self._ended:
            raise _damaged("records after its end")
        if self._pending is not None and not isinstance(record, FileData):
            raise _damaged("a file is cut short")
        if isinstance(record, Manifest):
            self._take_manifest(record)
        elif self._manifest is None:
            raise _damaged("it does not start with its manifest")
        elif isinstance(record, Account):
            self._take_account(record)
        elif self._account is None:
            raise _damaged("the account is missing")
        elif isinstance(record, Setting):
            self._take_setting(record)
        elif isinstance(record, Appearance):
            self._take_appearance(record)
        elif isinstance(record, ContactRecord):
            self._take_contact(record)
        elif isinstance(record, Chat):
            self._take_chat(record)
        elif isinstance(record, Entry):
            self._take_entry(record)
        elif isinstance(record, FileData):
            self._take_file_data(record)
        else:
            self._take_end(record)

    def _take_manifest(self, manifest: Manifest) -> None:
        if self._manifest is not None:
            raise _damaged("two manifests")
        if manifest.version != RECORDS_VERSION:
            raise _damaged("unknown record version")
        self._manifest = manifest
        self.username = manifest.username

    def _take_account(self, account: Account) -> None:
        if self._account is not None:
            raise _damaged("two accounts")
        self._account = account
        secrets = self._store.secrets
        try:
            IdentityKeyPair.from_seed(account.identity_seed)
            device_key = (
                None
                if account.device_key_seed is None
                else DeviceKeyPair.from_seed(account.device_key_seed)
            )
        except (InvalidKey, ValueError):
            # A real backup holds the keys the device made (an identity seed always has
            # sign bit 0, §1): anything else is damage, refused like any other.
            raise _damaged("the account's keys are not valid") from None
        secrets.put_identity(account.identity_seed)
        if device_key is not None:
            secrets.put_prekey(devices.DEVICE_KEY_KIND, 1, device_key.seed, device_key.public_key)
        for counter in account.key_counters:
            secrets.raise_key_id_counter(counter.kind, counter.next_id)

    def _before_chats(self, what: str) -> None:
        if self._conversations:
            raise _damaged(f"{what} after the conversations")

    def _take_setting(self, setting: Setting) -> None:
        self._before_chats("a setting")
        self._settings += 1
        if self._settings > MAX_SETTINGS:
            raise _damaged("too many settings")
        if setting.key.startswith(LEFT_OUT_PREFIXES):
            return
        try:
            self._store.settings.set_json(setting.key, setting.value_json)
        except ValueError:
            raise _damaged("a setting is not JSON") from None

    def _take_appearance(self, appearance: Appearance) -> None:
        self._before_chats("the appearance")
        try:
            settings = msgspec.json.decode(appearance.json, type=AppearanceSettings)
            save_appearance(self._root, settings)
        except (msgspec.ValidationError, msgspec.DecodeError, InvalidPreference):
            raise _damaged("the appearance is malformed") from None

    def _take_contact(self, contact: ContactRecord) -> None:
        self._before_chats("a contact")
        self._contacts += 1
        if self._contacts > MAX_CONTACTS:
            raise _damaged("too many contacts")
        contacts = self._store.contacts
        contacts.ensure(contact.address, display_name=contact.display_name)
        if contact.identity_key is not None:
            contacts.save_identity_key(contact.address, contact.identity_key)
            if contact.verified:
                contacts.set_verified(contact.address, True)

    def _take_chat(self, chat: Chat) -> None:
        if group_id_of(chat.id) is not None:
            raise _damaged("a group conversation")
        if chat.id in self._seen_chats:
            raise _damaged("a conversation twice")
        self._finish_chat()
        self._seen_chats.add(chat.id)
        self._conversations += 1
        self._chat = chat
        conversations = self._store.conversations
        conversations.ensure(chat.id, peer_address=chat.peer_address, title=chat.title)
        conversations.set_expire_timer(chat.id, chat.timer)

    def _finish_chat(self) -> None:
        """Sets the flags and draft of the conversation whose messages are all in."""
        chat = self._chat
        if chat is None:
            return
        conversations = self._store.conversations
        conversations.set_pinned(chat.id, chat.pinned)
        conversations.set_muted(chat.id, chat.muted)
        conversations.set_archived(chat.id, chat.archived)
        conversations.set_marked_unread(chat.id, chat.marked_unread)
        if chat.draft:
            self._store.drafts.set(chat.id, chat.draft)
        self._chat = None

    def _take_entry(self, entry: Entry) -> None:
        if self._chat is None:
            raise _damaged("a message outside a conversation")
        stored = None if entry.attachment is None else entry.attachment.stored_size
        if stored is None:
            self._insert(entry, None)
            return
        self._pending = entry
        self._file = self._store.attachments.begin()
        self._file_left = stored
        if stored == 0:
            self._finish_file()

    def _take_file_data(self, piece: FileData) -> None:
        if self._pending is None or self._file is None:
            raise _damaged("file bytes without their message")
        if len(piece.data) > self._file_left:
            raise _damaged("a file is longer than it says")
        self._file.write(piece.data)
        self._file_left -= len(piece.data)
        if not self._file_left:
            self._finish_file()

    def _finish_file(self) -> None:
        assert self._file is not None and self._pending is not None
        writer, entry = self._file, self._pending
        self._file, self._pending = None, None
        try:
            finished = writer.finish()
        except BaseException:
            writer.discard()
            raise
        stored = self._store.attachments.commit(finished)
        self.files += 1
        self._insert(entry, stored.file_id)

    def discard_open_file(self) -> None:
        """Drops a file left half written (the staging folder goes anyway)."""
        if self._file is not None:
            self._file.discard()
            self._file = None

    def _insert(self, entry: Entry, file_id: str | None) -> None:
        chat = self._chat
        assert chat is not None
        try:
            status = MessageStatus(entry.status)
            direction = Direction.OUTGOING if entry.outgoing else Direction.INCOMING
        except ValueError:
            raise _damaged("a message has an unknown status") from None
        info = entry.attachment
        attachment = None
        if info is not None:
            attachment = AttachmentInfo(
                blob_id=info.blob_id,
                key=info.key,
                digest=info.digest,
                size=info.size,
                mime=info.mime,
                file_name=info.file_name,
                width=info.width,
                height=info.height,
                thumbnail=info.thumbnail,
                local_file_id=file_id,
                local_status=info.local_status,
            )
        quote = entry.quote
        messages = self._store.messages
        inserted = messages.insert(
            NewMessage(
                id=entry.id,
                conversation_id=chat.id,
                sender=entry.sender,
                direction=direction,
                sort_key=entry.sort_key,
                kind=entry.kind,
                body=entry.body,
                status=status,
                sender_device=entry.sender_device,
                sent_at=entry.sent_at,
                received_at=entry.received_at,
                read_at=entry.read_at,
                server_ts=entry.server_ts,
                expire_timer=entry.expire_timer,
                expires_at=entry.expires_at,
                undecryptable=entry.undecryptable,
                attachment=attachment,
                quote=None
                if quote is None
                else Quote(
                    target_id=quote.target_id,
                    author=quote.author,
                    excerpt=quote.excerpt,
                    kind=quote.kind,
                    found=quote.found,
                    deleted=quote.deleted,
                ),
                edited_at=entry.edited_at,
                deleted=entry.deleted,
                delivered_at=entry.delivered_at,
                read_by_peer_at=entry.read_by_peer_at,
                link_preview=None
                if entry.preview is None or entry.kind != "text" or entry.deleted
                else checked_preview(entry.preview, entry.body or ""),
            )
        )
        if not inserted:
            raise _damaged("a message twice")
        for index, edit in enumerate(entry.edits):
            messages.edits.add(
                chat.id,
                entry.id,
                content_id=f"{_CONTENT_ID}-{index}",
                edited_at=edit.edited_at,
                previous_body=edit.previous_body,
            )
        # The reactions' own times are not carried; increasing times keep their order.
        base = entry.sent_at or entry.sort_key
        for index, reaction in enumerate(entry.reactions):
            messages.reactions.set(
                chat.id,
                entry.id,
                reaction.reactor,
                reaction.emoji,
                sent_at=base + index,
                content_id=_CONTENT_ID,
            )
        self.messages += 1

    def _take_end(self, end: End) -> None:
        self._finish_chat()
        if (end.conversations, end.messages, end.files) != (
            self._conversations,
            self.messages,
            self.files,
        ):
            raise _damaged("its counts do not match what it holds")
        manifest, account = self._manifest, self._account
        assert manifest is not None and account is not None
        save_account(self._store, manifest.username, manifest.device_id, account.relay_url)
        self._store.settings.set(
            devices.DEVICE_KEY_REGISTERED_SETTING,
            account.device_key_registered and account.device_key_seed is not None,
        )
        self._ended = True

    def check_finished(self) -> None:
        """Raises BackupDamaged unless the End record came (a stream cut at a record)."""
        if not self._ended:
            raise _damaged("it is cut short")
