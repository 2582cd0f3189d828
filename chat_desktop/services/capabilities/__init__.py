"""What a caller of the engine can do, one capability per module.

:class:`~chat_desktop.services.client.ChatClient` is the composition root: it unlocks the
profile, starts and stops the machinery, and holds one service object per capability:

- ``client.account`` (:mod:`.account`): password, recovery key, keychain, relay address,
  deleting the account or this computer's copy.
- ``client.devices`` (:mod:`.devices`): the account's linked devices: list, link, unlink.
- ``client.conversations`` (:mod:`.conversations`): the list, starting one, mute / pin /
  archive / mark unread, drafts, the disappearing timer, read marks, deleting one.
- ``client.messages`` (:mod:`.messages`): send, reply, react, edit, delete, forward, retry,
  history, search (everywhere or in one chat), details.
- ``client.groups`` (:mod:`.groups`): group chats: create, rename, members and admins, the
  timer, leave; send, react, edit and delete in a group; its history.
- ``client.attachments`` (:mod:`.attachments`): send a file, download, save, open, read.
- ``client.trust`` (:mod:`.trust`): safety numbers, verifying, accepting a new key.
- ``client.presence`` (:mod:`.presence`): online status, "show when I'm online", typing.
- ``client.preferences`` (:mod:`.preferences`): privacy choices, crash reports, the
  window's state, notes told once, recent emoji and the skin tone, the spell-check's words.
- ``client.profile`` (:mod:`.profile`): our name and picture, sealed with a profile key
  shared with our contacts; theirs, as they shared them.
- ``client.backup`` (:mod:`.backup`): the whole history to one passphrase-encrypted file
  (restoring it needs no client: :mod:`chat_desktop.services.backup_restore`).

The machinery below them (outbox queue and sender, receiver, resends, sync, key upkeep,
expiry, supervisor) lives in the other modules of :mod:`chat_desktop.services` and is not
part of this surface.
"""
