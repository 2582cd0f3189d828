"""Schema v11: profiles, a name and an avatar sealed with a profile key (issue 23).

``profiles`` holds one row per account whose profile we know, our own included (its
``address`` is our username):

* ``profile_key`` and ``version``: the key and version of the profile we hold (checked: it
  opened and fit its bounds); for our own row, the profile we publish.
* ``name`` ("" for none) and ``avatar`` (JPEG or PNG bytes, or NULL): what it said.
* ``pending_key`` and ``pending_version``: what the account's last ``profile`` content told
  us and we have not fetched yet (NULL when nothing waits).
* ``shared_version``: on a contact's row, the version of OUR profile we last sent them
  (0: never), so our first message to someone carries our profile key once.
* ``uploaded``: on our own row, whether the relay holds ``version`` (0 while a change waits
  for a connection).
"""

from __future__ import annotations

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE profiles (
        address TEXT PRIMARY KEY,
        profile_key BLOB CHECK (profile_key IS NULL OR length(profile_key) = 32),
        version INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
        name TEXT NOT NULL DEFAULT '',
        avatar BLOB,
        pending_key BLOB CHECK (pending_key IS NULL OR length(pending_key) = 32),
        pending_version INTEGER CHECK (pending_version IS NULL OR pending_version >= 1),
        shared_version INTEGER NOT NULL DEFAULT 0 CHECK (shared_version >= 0),
        uploaded INTEGER NOT NULL DEFAULT 0 CHECK (uploaded IN (0, 1)),
        updated_at INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
)
