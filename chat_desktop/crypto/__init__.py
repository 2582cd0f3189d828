"""End-to-end cryptography: pure functions and small state objects, no I/O, no globals.

Modules, from the bottom up:

- ``errors``: the typed errors (all subclasses of ``CryptoError``).
- ``primitives``: checked wrappers over pyca/cryptography (X25519, HKDF, HMAC, AES-CBC,
  ML-KEM-1024).
- ``identity``: identity keys (Ed25519 seed, X25519 public key, XEdDSA verification).
- ``prekeys``: signed, one-time and PQ prekeys with versioned secret state.
- ``x3dh``: ``PreKeyBundle`` and the PQXDH agreement (classic X3DH for the test vector).
- ``ratchet``: the Double Ratchet state.
- ``wire``: framing of 0x01 PreKey / 0x02 normal message bodies.
- ``session``: ``Session``, the API the messaging engine uses.
- ``session_record``: ``SessionRecord``, every session with one device (the current one and
  up to 40 earlier ones), so crossed first messages converge.
- ``fingerprint``: safety numbers.
- ``attachment``: streamed attachment encryption.
- ``vault``: the local key vault (Argon2id, key wrapping).
- ``sender_key_wire`` and ``sender_keys``: Sender Keys for group messages (docs/protocol.md
  §11): one encryption per message, signed by the sender's per-group signing key.

Persisting state is the caller's job: every stateful object has ``to_bytes``/``from_bytes``,
whose output holds secrets and must only be stored wrapped.
"""
