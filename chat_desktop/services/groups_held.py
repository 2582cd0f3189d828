"""A group's held state in the store: encoding, loading, and who its recipients are.

The store keeps a group's :class:`~chat_desktop.services.group_state.HeldGroup` as opaque
bytes (``store.groups``); this module is the one place that encodes and decodes them, and
answers what the other group modules ask of a held group: is it held, are we a member, which
devices of which member we can write to. Every function runs on the store thread.
"""

from __future__ import annotations

import msgspec

from chat_desktop.services.context import EngineContext
from chat_desktop.services.devices import is_removed_own_device
from chat_desktop.services.group_state import GroupState, HeldGroup
from chat_desktop.services.groups_gone import gone_accounts
from chat_desktop.services.trust import paused_peers, trusted_identity_key
from chat_desktop.storage.group_ids import group_conversation_id
from chat_desktop.storage.store import MessageStore

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(HeldGroup)


class NotAGroupMember(Exception):
    """We are not (or no longer) a member of the group: nothing can be sent to it."""


def encode_held(held: HeldGroup) -> bytes:
    """The bytes ``store.groups`` keeps for a held group."""
    return _encoder.encode(held)


def load_held(store: MessageStore, conversation_id: str) -> HeldGroup | None:
    """The group held under ``conversation_id``, or None (not a group we hold)."""
    stored = store.groups.get(conversation_id)
    if stored is None:
        return None
    try:
        return _decoder.decode(stored.held)
    except msgspec.DecodeError:
        return None  # damaged: treated as not held (the next update heals it)


def save_held(store: MessageStore, held: HeldGroup) -> str:
    """Keeps ``held`` as its group's state; returns the group's conversation id."""
    state = held.state
    conversation_id = group_conversation_id(state.group_id)
    store.groups.save(conversation_id, state.group_id, encode_held(held), state.revision)
    return conversation_id


def member_state(context: EngineContext, store: MessageStore, conversation_id: str) -> GroupState:
    """The state of a group we are a member of.

    Raises:
        NotAGroupMember: The group is not held, or we are not a member of it.
    """
    held = load_held(store, conversation_id)
    if held is None or context.username not in held.state.members:
        raise NotAGroupMember("not a member of this group")
    return held.state


def writable_devices(context: EngineContext, store: MessageStore, user: str) -> list[int]:
    """The devices of ``user`` a pairwise send reaches: sessions bound to the trusted key.

    The same devices :func:`~chat_desktop.services.sending.encrypt_to_peer` encrypts to; for
    our own account, our other devices that did not leave it.
    """
    trusted_key = trusted_identity_key(context, store, user)
    sessions = context.sessions
    devices = []
    for device_id in sessions.devices(store, user):
        if user == context.username and (
            device_id == context.device_id or is_removed_own_device(store, device_id)
        ):
            continue
        session = sessions.get(store, user, device_id)
        if session is not None and session.remote_identity_key == trusted_key:
            devices.append(device_id)
    return sorted(devices)


def recipient_users(context: EngineContext, state: GroupState) -> list[str]:
    """Who a group message or update goes to: the other members, then our own account."""
    return [member for member in state.members if member != context.username] + [context.username]


def recipient_devices(
    context: EngineContext, store: MessageStore, state: GroupState
) -> dict[str, list[int]]:
    """Each recipient user not paused (a key change waits for the user) nor gone (no account
    any more, ``groups_gone.py``) and its devices we can write to, possibly none: the relay's
    ``mismatched_devices`` answer names the missing."""
    left_out = paused_peers(store) | gone_accounts(store)
    return {
        user: writable_devices(context, store, user)
        for user in recipient_users(context, state)
        if user not in left_out
    }
