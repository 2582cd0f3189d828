"""Trust in a contact's identity key: pinned on first use, a change told and, for a verified
contact, sending paused until the user accepts (docs/protocol.md §8, "Trust").

Every function runs on the store thread, inside the caller's transaction. The outbox
(``services/sending.py``), the device-set checks (``services/device_sets.py``) and the
receiver use these; this module imports neither of them.
"""

from __future__ import annotations

from chat_desktop.services.context import PAUSED_PEERS_SETTING, EngineContext
from chat_desktop.services.events import IdentityKeyChanged
from chat_desktop.storage.models import VerifiedState
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

    A change forgets the old sessions; if the contact was verified, sending to them pauses
    until the user accepts the new key.
    """
    before = store.contacts.get(peer)
    was_verified = before is not None and before.verified_state is VerifiedState.VERIFIED
    update = store.contacts.save_identity_key(peer, identity_key)
    if update.key_change is None:
        return None
    context.sessions.drop_other_keys(store, peer, identity_key)
    if was_verified:
        set_paused(store, peer, True)
    return IdentityKeyChanged(peer=peer, sending_paused=was_verified)


def trusted_identity_key(context: EngineContext, store: MessageStore, peer: str) -> bytes | None:
    """The identity key we encrypt to for ``peer``: ours for our own devices, else the contact's."""
    if peer == context.username:
        return context.identity.public_key
    contact = store.contacts.get(peer)
    return None if contact is None else contact.identity_key
