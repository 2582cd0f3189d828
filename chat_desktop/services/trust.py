"""Trust in a contact's identity key: pinned on first use, a change told and, for a verified
contact, sending paused until the user accepts (docs/protocol.md §8, "Trust").

Every function runs on the store thread, inside the caller's transaction. The outbox
(``services/sending.py``), the device-set checks (``services/device_sets.py``) and the
receiver use these; this module imports neither of them.
"""

from __future__ import annotations

from chat_desktop.services.context import (
    PAUSED_PEERS_SETTING,
    EngineContext,
    new_message_id,
    now_ms,
)
from chat_desktop.services.events import ClientEvent, IdentityKeyChanged, MessageReceived
from chat_desktop.storage.models import (
    KEY_CHANGE_NOTE_KIND,
    Direction,
    MessageStatus,
    NewMessage,
    VerifiedState,
)
from chat_desktop.storage.store import MessageStore


def paused_peers(store: MessageStore) -> set[str]:
    """Peers we stopped sending to until the user accepts their new identity key."""
    return set(store.settings.get(PAUSED_PEERS_SETTING, []))


def set_paused(store: MessageStore, peer: str, paused: bool) -> None:
    """Pauses or resumes sending to ``peer``."""
    peers = paused_peers(store)
    if paused:
        peers.add(peer)
    else:
        peers.discard(peer)
    store.settings.set(PAUSED_PEERS_SETTING, sorted(peers))


def messages_waiting(store: MessageStore, peer: str) -> int:
    """How many of our messages wait for the user to accept ``peer``'s new key (0 when
    sending to them is not paused): what the key-change banner says will go on accept."""
    return store.send_log.waiting(peer) if peer in paused_peers(store) else 0


def record_identity(
    context: EngineContext, store: MessageStore, peer: str, identity_key: bytes
) -> IdentityKeyChanged | None:
    """Trust on first use; a different key than before is a key change.

    A change forgets the old sessions and clears "verified" (the store does, with the key);
    if the contact was verified, sending to them pauses until the user accepts the new key.
    It leaves a note in the conversation, in the same transaction (:func:`insert_key_note`).
    """
    before = store.contacts.get(peer)
    was_verified = before is not None and before.verified_state is VerifiedState.VERIFIED
    update = store.contacts.save_identity_key(peer, identity_key)
    if update.key_change is None:
        return None
    context.sessions.drop_other_keys(store, peer, identity_key)
    if was_verified:
        set_paused(store, peer, True)
    return IdentityKeyChanged(
        peer=peer,
        sending_paused=was_verified,
        verified_cleared=was_verified,
        note_id=insert_key_note(store, peer),
    )


def insert_key_note(store: MessageStore, peer: str) -> str:
    """Stores the note "``peer``'s safety number changed" in their conversation; its id.

    Like a timer note it is read at once (never unread), never disappears and is never sent;
    it has no body, so no search finds it.
    """
    store.conversations.ensure(peer, peer_address=peer)
    now = now_ms()
    note_id = new_message_id()
    store.messages.insert(
        NewMessage(
            id=note_id,
            conversation_id=peer,
            sender=peer,
            direction=Direction.INCOMING,
            sort_key=now,
            kind=KEY_CHANGE_NOTE_KIND,
            status=MessageStatus.READ,
            sent_at=now,
            received_at=now,
            read_at=now,
        )
    )
    return note_id


def key_change_events(change: IdentityKeyChanged) -> list[ClientEvent]:
    """What a key change tells: the change, and its note as a received message of the note's
    kind (how a timer note is told), so an open conversation and the list show it."""
    if change.note_id is None:
        return [change]
    note = MessageReceived(
        peer=change.peer,
        message_id=change.note_id,
        kind=KEY_CHANGE_NOTE_KIND,
        text="",
        sent_at=now_ms(),
    )
    return [change, note]


def trusted_identity_key(context: EngineContext, store: MessageStore, peer: str) -> bytes | None:
    """The identity key we encrypt to for ``peer``: ours for our own devices, else the contact's."""
    if peer == context.username:
        return context.identity.public_key
    contact = store.contacts.get(peer)
    return None if contact is None else contact.identity_key
