"""Schema v13: message requests (issue 23, item 1).

``conversations.accepted``: 1 once the conversation is one of ours (we started it, wrote in
it, accepted it, or it is a Note to Self or a group), 0 while it is a message request: a
one-to-one chat someone not in our conversations opened by writing to us. Every conversation
that exists at the upgrade is accepted (the column's default), and so is every conversation
the app creates by itself: only the receiver opens a request, explicitly
(:meth:`~chat_desktop.storage.conversations.ConversationRepository.open_incoming`).
"""

from __future__ import annotations

STATEMENTS: tuple[str, ...] = (
    "ALTER TABLE conversations ADD COLUMN accepted INTEGER NOT NULL DEFAULT 1 "
    "CHECK (accepted IN (0, 1))",
)
