"""Local storage: the encrypted vault and message store of a profile.

Entry points: :class:`chat_desktop.storage.vault_file.Vault` (create / unlock a profile) gives
an :class:`~chat_desktop.storage.vault_file.UnlockedVault`, whose ``open_store()`` returns the
:class:`chat_desktop.storage.store.MessageStore`. Errors live in
:mod:`chat_desktop.storage.errors`, row types in :mod:`chat_desktop.storage.models`.
This layer knows SQL and files; it imports only ``chat_desktop.crypto`` and ``protocol``.
"""
