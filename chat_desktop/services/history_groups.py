"""Groups in the history transfer: a newly linked device gets the groups held (issue 21).

Each group held goes into the archive (``services/history_archive.py``'s
:class:`~chat_desktop.services.history_archive.ArchivedGroup`) with its state as the
engine keeps it, its flags and its messages with their senders, under the same rules as a
1:1 chat's (no expired, undecryptable or deleted message; files inline within the same
budget). No sender key travels: the new device makes its own at its first group message,
and each member hands it theirs when their next send finds the new device
(``mismatched_devices``, docs/protocol.md §11.6).

On import a group's state is checked as a received one is decoded (the schema's bounds, and
the conversation id its group id gives) and kept unless the new device already holds the
group (a ``group_update`` that came since is at least as new); its messages are stored as
any imported message, each with its sender. Runs on the store thread inside the import's
transaction.
"""

from __future__ import annotations

import msgspec

from chat_desktop.services.group_state import HeldGroup
from chat_desktop.services.groups_held import load_held, save_held
from chat_desktop.services.history_archive import (
    MAX_MESSAGES_PER_CONVERSATION,
    ArchivedGroup,
    ArchivedGroupMessage,
)
from chat_desktop.services.history_messages import (
    PAGE,
    InlineBudget,
    archived_message,
    import_message,
)
from chat_desktop.storage.group_ids import group_conversation_id
from chat_desktop.storage.models import MessageKey
from chat_desktop.storage.store import MessageStore

_held_decoder = msgspec.msgpack.Decoder(HeldGroup)


def archived_groups(store: MessageStore, now: int, budget: InlineBudget) -> list[ArchivedGroup]:
    """Every group held, with its state, flags and messages, for the archive."""
    found = []
    for stored in store.groups.list():
        conversation = store.conversations.get(stored.conversation_id)
        if conversation is None or load_held(store, stored.conversation_id) is None:
            continue  # a damaged state is not carried (the next update heals it here)
        messages: list[ArchivedGroupMessage] = []
        page = store.messages.oldest(stored.conversation_id, PAGE)
        while page and len(messages) < MAX_MESSAGES_PER_CONVERSATION:
            for message in page:
                archived = archived_message(store, message, now, budget)
                if archived is not None:
                    messages.append(ArchivedGroupMessage(sender=message.sender, message=archived))
            page = store.messages.after(stored.conversation_id, page[-1].cursor, PAGE)
        found.append(
            ArchivedGroup(
                group_id=stored.group_id,
                held=stored.held,
                timer=conversation.expire_timer,
                pinned=conversation.pinned,
                muted=conversation.muted,
                archived=conversation.archived,
                marked_unread=conversation.marked_unread,
                messages=messages[:MAX_MESSAGES_PER_CONVERSATION],
            )
        )
    return found


def import_groups(
    store: MessageStore, username: str, groups: list[ArchivedGroup], now: int
) -> list[MessageKey]:
    """Stores the archive's groups (see the module docstring); returns files to fetch.

    A group whose state does not decode, or is not the one its group id names, is skipped
    whole: nothing of it is stored.
    """
    to_fetch: list[MessageKey] = []
    for group in groups:
        try:
            held = _held_decoder.decode(group.held)
        except (msgspec.ValidationError, msgspec.DecodeError):
            continue
        if held.state.group_id != group.group_id:
            continue
        conversation_id = group_conversation_id(group.group_id)
        if store.groups.get(conversation_id) is None:
            save_held(store, held)
        conversations = store.conversations
        conversations.set_expire_timer(conversation_id, group.timer)
        for item in group.messages:
            message = item.message
            if message.expires_at is not None and message.expires_at <= now:
                continue
            if message.kind not in ("text", "attachment", "timer"):
                continue
            if import_message(store, username, conversation_id, message, now, sender=item.sender):
                to_fetch.append(MessageKey(conversation_id, message.id))
        conversations.set_pinned(conversation_id, group.pinned)
        conversations.set_muted(conversation_id, group.muted)
        conversations.set_archived(conversation_id, group.archived)
        conversations.set_marked_unread(conversation_id, group.marked_unread)
    return to_fetch
