"""Link codes and provisioning envelopes for linking a new device (docs/protocol.md §6.11)."""

from __future__ import annotations

from urllib.parse import quote

import msgspec
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from chat_desktop.crypto.errors import InvalidKey
from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.provisioning import (
    InvalidLinkCode,
    LinkCode,
    NewDeviceEphemeral,
    ProvisionContact,
    ProvisionHistory,
    ProvisioningRejected,
    ProvisionMessage,
    check_provisioned_relay,
    open_provisioning,
    parse_link_code,
    seal_provisioning,
)
from chat_desktop.protocol.codec import b64url_encode

pytestmark = pytest.mark.unit

PROVISION_ID = "0123456789abcdef0123456789abcdef"
OTHER_PROVISION_ID = "fedcba9876543210fedcba9876543210"
RELAY = "http://127.0.0.1:8765"
#: IdentityKeyPair accepts 0x01×32 (sign bit 0) and refuses 0x02×32 (sign bit 1).
GOOD_SEED = bytes([0x01]) * 32
SIGN_BIT_SEED = bytes([0x02]) * 32

# Known-answer inputs: S = 0x11×32, E = 0x22×32, nonce = 0x33×12.
KAT_SENDER = bytes([0x11]) * 32
KAT_EPHEMERAL = bytes([0x22]) * 32
KAT_NONCE = bytes([0x33]) * 12
KAT_ENVELOPE = bytes.fromhex(
    "017b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f1333333333333333"
    "33333333331604df5ff1f3a0b6c08454b3f58149eb4f98d29f3a93180f4d50e85e4c017871031db0"
    "eae034a193aa997143b6d75e96e3a6e6910733470d2a993767622991391b20fb6bb01fa79f89b4b2"
    "5fe2889fbd0c057bdecdc4b80f6b7c676343c744cfd09beca1a53c7e706c430f121d064bda5efd26"
    "e68b9ed1b89d21bbc5e8cac20c876364bb15e46551fe38d3d775eef40c6fc24d958fe73c1094886c"
    "3ac60a178c25571f93fa4c128f8279330e10fc8ef0739db857a83ed2ebfa3f4b3b2ac0704be3f580"
    "1c53b1b5fa87add91bf276f4ed29a10ae476f66b139d54eb6518179582cab000d316d1db45c4a3be"
    "ac29473eb3d6ab3986c017baf5d66fd491e6b9378aacf4d3b2e18c855cdcc2c6c7464abdb6e68114"
    "608e9134b94f62e572e9427b4e226a31960c33734e1ee68f5683dc2120e581a576a5c5c312516683"
    "52f75d22ce9bd755821b0d0f606a287523dfc1eed2116771b8a72df9b10d098fd4375167c163615c"
    "3de25a53c9c283845dbead925f6ec0f6e02dcf5711bec48402e22cd97fe7cb5c8adc63d4dbbf8e"
)


def make_message(**changes: object) -> ProvisionMessage:
    """The KAT message (one contact, a history blob), with ``changes`` applied."""
    message = ProvisionMessage(
        username="alice",
        relay_url=RELAY,
        identity_seed=GOOD_SEED,
        link_token="token-1",
        contacts=[
            ProvisionContact(
                username="bob", identity_key=bytes([9]) * 32, verified=True, timer=3600
            )
        ],
        history=ProvisionHistory(
            blob_id="ab" * 16, key=bytes([7]) * 64, digest=bytes([8]) * 32, size=1234
        ),
    )
    return msgspec.structs.replace(message, **changes)


def raw_seal(plaintext: bytes, provision_id: str, recipient_public: bytes) -> bytes:
    """Seals arbitrary plaintext per §6.11 with raw cryptography calls (no project code)."""
    sender = X25519PrivateKey.generate()
    shared = sender.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=bytes(32), info=b"ChatDesktop_Provisioning"
    ).derive(shared)
    nonce = bytes(12)
    aad = b"chat_desktop provisioning v1" + provision_id.encode() + recipient_public
    return (
        b"\x01"
        + sender.public_key().public_bytes_raw()
        + nonce
        + AESGCM(key).encrypt(nonce, plaintext, aad)
    )


# ---- envelope ------------------------------------------------------------------------------


def test_envelope_round_trip() -> None:
    ephemeral = NewDeviceEphemeral.generate()
    message = make_message()
    envelope = seal_provisioning(message, PROVISION_ID, ephemeral.public_key)
    assert envelope[0] == 0x01
    assert GOOD_SEED not in envelope
    opened = open_provisioning(envelope, PROVISION_ID, ephemeral)
    assert opened == message
    assert opened.v == 1
    assert IdentityKeyPair.from_seed(opened.identity_seed).seed == GOOD_SEED


def test_envelope_round_trip_without_history_or_contacts() -> None:
    ephemeral = NewDeviceEphemeral.generate()
    message = make_message(contacts=[], history=None)
    opened = open_provisioning(
        seal_provisioning(message, PROVISION_ID, ephemeral.public_key), PROVISION_ID, ephemeral
    )
    assert opened == message
    assert opened.history is None


def test_each_seal_uses_fresh_sender_key_and_nonce() -> None:
    ephemeral = NewDeviceEphemeral.generate()
    first = seal_provisioning(make_message(), PROVISION_ID, ephemeral.public_key)
    second = seal_provisioning(make_message(), PROVISION_ID, ephemeral.public_key)
    assert first[1:33] != second[1:33]
    assert first[33:45] != second[33:45]


def test_envelope_known_answer() -> None:
    ephemeral = NewDeviceEphemeral(X25519PrivateKey.from_private_bytes(KAT_EPHEMERAL))
    envelope = seal_provisioning(
        make_message(),
        PROVISION_ID,
        ephemeral.public_key,
        sender_private=X25519PrivateKey.from_private_bytes(KAT_SENDER),
        nonce=KAT_NONCE,
    )
    assert envelope == KAT_ENVELOPE
    assert open_provisioning(KAT_ENVELOPE, PROVISION_ID, ephemeral) == make_message()


def test_envelope_known_answer_follows_the_spec() -> None:
    """Recomputes the pinned envelope with raw cryptography calls, per §6.11's formulas."""
    sender = X25519PrivateKey.from_private_bytes(KAT_SENDER)
    ephemeral = X25519PrivateKey.from_private_bytes(KAT_EPHEMERAL)
    sender_public = sender.public_key().public_bytes_raw()
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    shared = sender.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    assert shared == ephemeral.exchange(X25519PublicKey.from_public_bytes(sender_public))
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=bytes(32), info=b"ChatDesktop_Provisioning"
    ).derive(shared)
    aad = b"chat_desktop provisioning v1" + PROVISION_ID.encode("ascii") + ephemeral_public

    assert KAT_ENVELOPE[:1] == b"\x01"
    assert KAT_ENVELOPE[1:33] == sender_public
    assert KAT_ENVELOPE[33:45] == KAT_NONCE
    plaintext = AESGCM(key).decrypt(KAT_NONCE, KAT_ENVELOPE[45:], aad)
    assert plaintext == msgspec.msgpack.encode(make_message())
    resealed = b"\x01" + sender_public + KAT_NONCE + AESGCM(key).encrypt(KAT_NONCE, plaintext, aad)
    assert resealed == KAT_ENVELOPE
    # The message is a msgpack map with the §6.11 keys, in that order.
    decoded = msgspec.msgpack.decode(plaintext)
    assert list(decoded) == [
        "v",
        "username",
        "relay_url",
        "identity_seed",
        "link_token",
        "contacts",
        "history",
    ]
    assert decoded["v"] == 1
    assert decoded["identity_seed"] == GOOD_SEED
    assert decoded["contacts"] == [
        {"username": "bob", "identity_key": bytes([9]) * 32, "verified": True, "timer": 3600}
    ]
    assert decoded["history"] == {
        "blob_id": "ab" * 16,
        "key": bytes([7]) * 64,
        "digest": bytes([8]) * 32,
        "size": 1234,
    }


@pytest.mark.parametrize(
    ("region", "index"),
    [
        ("version", 0),
        ("sender key", 1),
        ("sender key", 32),
        ("nonce", 33),
        ("nonce", 44),
        ("ciphertext", 45),
        ("ciphertext", len(KAT_ENVELOPE) - 17),
        ("tag", len(KAT_ENVELOPE) - 16),
        ("tag", len(KAT_ENVELOPE) - 1),
    ],
)
def test_tampered_envelope_is_rejected(region: str, index: int) -> None:
    ephemeral = NewDeviceEphemeral(X25519PrivateKey.from_private_bytes(KAT_EPHEMERAL))
    tampered = bytearray(KAT_ENVELOPE)
    tampered[index] ^= 0x01
    with pytest.raises(ProvisioningRejected):
        open_provisioning(bytes(tampered), PROVISION_ID, ephemeral)


@pytest.mark.parametrize(
    "sender_public",
    [
        bytes(32),
        (1).to_bytes(32, "little"),
        bytes([0xFF]) * 32,
        (2**255 - 19).to_bytes(32, "little"),
    ],
)
def test_unusable_sender_key_is_rejected(sender_public: bytes) -> None:
    ephemeral = NewDeviceEphemeral(X25519PrivateKey.from_private_bytes(KAT_EPHEMERAL))
    envelope = KAT_ENVELOPE[:1] + sender_public + KAT_ENVELOPE[33:]
    with pytest.raises(ProvisioningRejected):
        open_provisioning(envelope, PROVISION_ID, ephemeral)


@pytest.mark.parametrize("size", [0, 1, 45, 60])
def test_short_envelope_is_rejected(size: int) -> None:
    ephemeral = NewDeviceEphemeral(X25519PrivateKey.from_private_bytes(KAT_EPHEMERAL))
    with pytest.raises(ProvisioningRejected):
        open_provisioning(KAT_ENVELOPE[:size], PROVISION_ID, ephemeral)


def test_oversize_envelope_is_rejected() -> None:
    ephemeral = NewDeviceEphemeral.generate()
    envelope = raw_seal(bytes(1024 * 1024), PROVISION_ID, ephemeral.public_key)
    assert len(envelope) > 1024 * 1024
    with pytest.raises(ProvisioningRejected, match="1 MiB"):
        open_provisioning(envelope, PROVISION_ID, ephemeral)


def test_wrong_provision_id_is_rejected() -> None:
    ephemeral = NewDeviceEphemeral.generate()
    envelope = seal_provisioning(make_message(), PROVISION_ID, ephemeral.public_key)
    with pytest.raises(ProvisioningRejected):
        open_provisioning(envelope, OTHER_PROVISION_ID, ephemeral)
    with pytest.raises(ProvisioningRejected):
        open_provisioning(envelope, "not-an-id", ephemeral)


def test_relay_that_swaps_the_ephemeral_key_gets_nothing_that_opens() -> None:
    real = NewDeviceEphemeral.generate()
    attacker = NewDeviceEphemeral.generate()
    # The existing device was shown a code carrying the attacker's E': the real new device
    # cannot open what was sealed to E' …
    sealed_to_attacker = seal_provisioning(make_message(), PROVISION_ID, attacker.public_key)
    with pytest.raises(ProvisioningRejected):
        open_provisioning(sealed_to_attacker, PROVISION_ID, real)
    # … and an envelope sealed to the real E does not open for the attacker holding E'.
    sealed_to_real = seal_provisioning(make_message(), PROVISION_ID, real.public_key)
    with pytest.raises(ProvisioningRejected):
        open_provisioning(sealed_to_real, PROVISION_ID, attacker)
    # The real new device still opens it.
    assert open_provisioning(sealed_to_real, PROVISION_ID, real) == make_message()


def test_seal_refuses_an_unusable_recipient_key() -> None:
    with pytest.raises(InvalidKey):
        seal_provisioning(make_message(), PROVISION_ID, bytes(32))
    with pytest.raises(InvalidKey):
        seal_provisioning(make_message(), PROVISION_ID, bytes(31))


def test_seal_refuses_a_bad_provision_id_or_nonce() -> None:
    ephemeral = NewDeviceEphemeral.generate()
    with pytest.raises(ValueError, match="provision id"):
        seal_provisioning(make_message(), PROVISION_ID.upper(), ephemeral.public_key)
    with pytest.raises(ValueError, match="nonce"):
        seal_provisioning(make_message(), PROVISION_ID, ephemeral.public_key, nonce=bytes(11))


@pytest.mark.parametrize(
    "message",
    [
        make_message(v=2),
        make_message(identity_seed=SIGN_BIT_SEED),
        make_message(
            contacts=[
                ProvisionContact(username="bob", identity_key=bytes(32), verified=False, timer=0),
                ProvisionContact(username="bob", identity_key=bytes(32), verified=True, timer=0),
            ]
        ),
        make_message(username="Alice"),
        make_message(link_token=""),
    ],
    ids=["version-2", "sign-bit-seed", "duplicate-contacts", "bad-username", "empty-token"],
)
def test_unacceptable_message_is_refused_at_seal_and_at_open(message: ProvisionMessage) -> None:
    ephemeral = NewDeviceEphemeral.generate()
    with pytest.raises(ProvisioningRejected):
        seal_provisioning(message, PROVISION_ID, ephemeral.public_key)
    envelope = raw_seal(msgspec.msgpack.encode(message), PROVISION_ID, ephemeral.public_key)
    with pytest.raises(ProvisioningRejected):
        open_provisioning(envelope, PROVISION_ID, ephemeral)


def _valid_fields() -> dict[str, object]:
    fields: dict[str, object] = msgspec.to_builtins(make_message())
    # to_builtins base64-encodes bytes; put the raw bytes back for msgpack.
    fields["identity_seed"] = GOOD_SEED
    fields["contacts"] = [
        {"username": "bob", "identity_key": bytes([9]) * 32, "verified": True, "timer": 3600}
    ]
    fields["history"] = None
    return fields


@pytest.mark.parametrize(
    "change",
    [
        {"identity_seed": bytes(31)},
        {"relay_url": "h" * 2049},
        {"link_token": "t" * 1025},
        {
            "contacts": [
                {"username": "bob", "identity_key": bytes(31), "verified": True, "timer": 0}
            ]
        },
        {"contacts": [{"username": "bob", "identity_key": bytes(32), "verified": 1, "timer": 0}]},
        {
            "contacts": [
                {"username": "bob", "identity_key": bytes(32), "verified": True, "timer": -1}
            ]
        },
        {
            "contacts": [
                {
                    "username": "bob",
                    "identity_key": bytes(32),
                    "verified": True,
                    "timer": 31_536_001,
                }
            ]
        },
        {"history": {"blob_id": "AB" * 16, "key": bytes(64), "digest": bytes(32), "size": 1}},
        {"history": {"blob_id": "ab" * 16, "key": bytes(63), "digest": bytes(32), "size": 1}},
        {"history": {"blob_id": "ab" * 16, "key": bytes(64), "digest": bytes(32), "size": -1}},
        {
            "history": {
                "blob_id": "ab" * 16,
                "key": bytes(64),
                "digest": bytes(32),
                "size": 104_857_601,
            }
        },
        {"username": None},
    ],
)
def test_message_breaking_a_bound_is_rejected(change: dict[str, object]) -> None:
    ephemeral = NewDeviceEphemeral.generate()
    fields = _valid_fields()
    fields.update(change)
    envelope = raw_seal(msgspec.msgpack.encode(fields), PROVISION_ID, ephemeral.public_key)
    with pytest.raises(ProvisioningRejected):
        open_provisioning(envelope, PROVISION_ID, ephemeral)


def test_message_with_unknown_field_and_maximal_bounds_is_accepted() -> None:
    ephemeral = NewDeviceEphemeral.generate()
    fields = _valid_fields()
    fields["relay_url"] = "h" * 2048
    fields["link_token"] = "t" * 1024
    fields["future_field"] = [1, 2, 3]
    envelope = raw_seal(msgspec.msgpack.encode(fields), PROVISION_ID, ephemeral.public_key)
    opened = open_provisioning(envelope, PROVISION_ID, ephemeral)
    assert opened.link_token == "t" * 1024
    assert len(opened.relay_url) == 2048


@pytest.mark.parametrize(
    "plaintext",
    [
        b"",
        b"\xc1",
        msgspec.msgpack.encode([1, "alice"]),
        msgspec.msgpack.encode({"v": 1}),
        msgspec.msgpack.encode("just a string"),
    ],
    ids=["empty", "invalid-msgpack", "array", "missing-fields", "string"],
)
def test_plaintext_that_is_not_a_provision_message_is_rejected(plaintext: bytes) -> None:
    ephemeral = NewDeviceEphemeral.generate()
    envelope = raw_seal(plaintext, PROVISION_ID, ephemeral.public_key)
    with pytest.raises(ProvisioningRejected):
        open_provisioning(envelope, PROVISION_ID, ephemeral)


def test_contact_list_is_bounded() -> None:
    ephemeral = NewDeviceEphemeral.generate()
    fields = _valid_fields()
    fields["contacts"] = [
        {"username": f"user{index:05d}", "identity_key": bytes(32), "verified": False, "timer": 0}
        for index in range(5001)
    ]
    envelope = raw_seal(msgspec.msgpack.encode(fields), PROVISION_ID, ephemeral.public_key)
    with pytest.raises(ProvisioningRejected):
        open_provisioning(envelope, PROVISION_ID, ephemeral)
    contacts = [
        ProvisionContact(
            username=f"user{index:05d}", identity_key=bytes(32), verified=False, timer=0
        )
        for index in range(5000)
    ]
    sealed = seal_provisioning(make_message(contacts=contacts), PROVISION_ID, ephemeral.public_key)
    assert len(open_provisioning(sealed, PROVISION_ID, ephemeral).contacts) == 5000


def test_reprs_hide_secrets_and_usernames() -> None:
    message = make_message(link_token="secret-link-token")
    texts = [repr(message), str(message), repr(message.contacts[0]), repr(message.history)]
    texts += [repr(list(message.__rich_repr__()))]
    for text in texts:
        assert GOOD_SEED.hex() not in text
        assert repr(GOOD_SEED) not in text
        assert "secret-link-token" not in text
        assert "alice" not in text
        assert "bob" not in text
        assert (bytes([7]) * 64).hex() not in text
    ephemeral = NewDeviceEphemeral.generate()
    assert repr(ephemeral) == f"NewDeviceEphemeral(public_key={ephemeral.public_key.hex()})"


def test_provisioned_relay_must_match_the_code() -> None:
    code = LinkCode(RELAY, PROVISION_ID, NewDeviceEphemeral.generate().public_key, "Laptop")
    check_provisioned_relay(make_message(relay_url="http://127.0.0.1:8765/"), code)
    check_provisioned_relay(make_message(relay_url="HTTP://127.0.0.1:8765"), code)
    with pytest.raises(ProvisioningRejected):
        check_provisioned_relay(make_message(relay_url="http://127.0.0.1:8766"), code)
    with pytest.raises(ProvisioningRejected):
        check_provisioned_relay(make_message(relay_url="not a url"), code)


# ---- link code -----------------------------------------------------------------------------


def make_code(name: str = "Mein Laptop") -> LinkCode:
    return LinkCode(
        relay_origin=RELAY,
        provision_id=PROVISION_ID,
        ephemeral_public=NewDeviceEphemeral.generate().public_key,
        device_name=name,
    )


def test_link_code_text_is_exactly_the_spec_form() -> None:
    key = NewDeviceEphemeral(X25519PrivateKey.from_private_bytes(KAT_EPHEMERAL)).public_key
    code = LinkCode(RELAY, PROVISION_ID, key, "Mein Laptop & Co")
    assert code.to_text() == (
        "chat-desktop-link:v1?relay=http%3A%2F%2F127.0.0.1%3A8765"
        "&id=0123456789abcdef0123456789abcdef"
        f"&key={b64url_encode(key)}"
        "&name=Mein%20Laptop%20%26%20Co"
    )


@pytest.mark.parametrize(
    "name", ["Laptop", "Büro & Küche = 100%", "a+b/c?d#e", "仕事用", "😀" * 64, " x "]
)
def test_link_code_round_trip(name: str) -> None:
    code = make_code(name)
    parsed = parse_link_code(code.to_text())
    assert parsed == code
    assert parsed.device_name == name


def test_link_code_round_trip_with_ipv6_and_https_origin() -> None:
    for origin in ("http://[::1]:8765", "https://relay.example:443"):
        code = LinkCode(origin, PROVISION_ID, NewDeviceEphemeral.generate().public_key, "PC")
        assert parse_link_code(code.to_text()).relay_origin == origin


def test_link_code_forgives_surrounding_whitespace_and_parameter_order() -> None:
    code = make_code()
    assert parse_link_code(f"  \n{code.to_text()}\r\n\t") == code
    prefix, query = code.to_text().split("?", 1)
    reordered = f"{prefix}?" + "&".join(reversed(query.split("&")))
    assert parse_link_code(reordered) == code


def _replace_parameter(text: str, name: str, value: str) -> str:
    prefix, query = text.split("?", 1)
    items = [
        item if not item.startswith(f"{name}=") else f"{name}={value}" for item in query.split("&")
    ]
    return f"{prefix}?" + "&".join(items)


_B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _with_trailing_bits(encoded_key: str) -> str:
    """The same 32 bytes spelled non-canonically: a padding bit of the last character set."""
    last = _B64URL_ALPHABET.index(encoded_key[-1])
    assert last % 4 == 0
    return encoded_key[:-1] + _B64URL_ALPHABET[last | 1]


def _malformed_codes() -> list[tuple[str, str]]:
    code = make_code()
    text = code.to_text()
    key = code.ephemeral_public
    prefix, query = text.split("?", 1)
    items = query.split("&")
    cases = [
        ("wrong version", text.replace(":v1?", ":v2?")),
        ("upper-case scheme", text.replace("chat-desktop-link", "CHAT-DESKTOP-LINK")),
        ("other scheme", text.replace("chat-desktop-link:", "chat-link:")),
        ("no query", prefix),
        ("empty query", f"{prefix}?"),
        ("missing name", f"{prefix}?" + "&".join(items[:3])),
        ("missing relay", f"{prefix}?" + "&".join(items[1:])),
        ("duplicated id", f"{text}&id={PROVISION_ID}"),
        ("extra parameter", f"{text}&foo=bar"),
        ("parameter without value", f"{text}&name"),
        ("trailing ampersand", f"{text}&"),
        ("inner whitespace", text.replace("&id=", " &id=")),
    ]
    origins = [
        "HTTP://127.0.0.1:8765",
        "http://RELAY.example:80",
        "http://relay.example",
        "http://relay.example:80/",
        "http://relay.example:080",
        "http://relay.example:0",
        "http://relay.example:70000",
        "ws://relay.example:80",
        "http://user@relay.example:80",
        "http://relay example:80",
        "http://rélay.example:80",
        "",
    ]
    cases += [
        (f"origin {origin!r}", _replace_parameter(text, "relay", quote(origin, safe="")))
        for origin in origins
    ]
    cases.append(("unquoted origin", _replace_parameter(text, "relay", RELAY)))
    ids = [PROVISION_ID.upper(), PROVISION_ID[:31], PROVISION_ID + "0", "g" * 32, ""]
    cases += [(f"id {value!r}", _replace_parameter(text, "id", value)) for value in ids]
    keys = [
        b64url_encode(key[:31]),
        b64url_encode(key + b"\x00"),
        b64url_encode(bytes(32)),
        b64url_encode((1).to_bytes(32, "little")),
        b64url_encode(bytes([0xFF]) * 32),
        b64url_encode(key) + "=",
        b64url_encode(key) + "%3D",  # padding, correctly percent-encoded
        _with_trailing_bits(b64url_encode(key)),
        "",
        "not base64!",
    ]
    cases += [
        (f"key #{index}", _replace_parameter(text, "key", value))
        for index, value in enumerate(keys)
    ]
    names = [
        quote("x" * 65, safe=""),
        quote("line\nbreak", safe=""),
        quote("nul\x00", safe=""),
        quote("rlo\u202e", safe=""),
        "",
        "%20%20",
        "Mein+Laptop",
        "Mein Laptop",
        "%4dein",  # 'M' percent-encoded although it needs no escape
        "B%c3%bcro",  # lower-case hex digits
        "%FF",  # not UTF-8
        "%zz",
    ]
    cases += [(f"name {value!r}", _replace_parameter(text, "name", value)) for value in names]
    return cases


MALFORMED_CODES = _malformed_codes()


@pytest.mark.parametrize(
    ("reason", "text"), MALFORMED_CODES, ids=[case[0] for case in MALFORMED_CODES]
)
def test_malformed_link_code_is_rejected(reason: str, text: str) -> None:
    with pytest.raises(InvalidLinkCode) as caught:
        parse_link_code(text)
    assert PROVISION_ID not in str(caught.value)
    assert "Laptop" not in str(caught.value)


def _code_of_length(length: int) -> str:
    """A link code of exactly ``length`` characters: a long host and 64 four-byte characters."""
    name = "😀" * 64
    base = LinkCode("http://a:80", PROVISION_ID, make_code().ephemeral_public, name)
    host = "a" * (1 + length - len(base.to_text()))
    text = base.to_text().replace("%2F%2Fa%3A80", f"%2F%2F{host}%3A80")
    assert len(text) == length
    return text


def test_link_code_of_1000_characters_is_accepted_and_1001_rejected() -> None:
    assert parse_link_code(_code_of_length(1000)).device_name == "😀" * 64
    with pytest.raises(InvalidLinkCode, match="1000"):
        parse_link_code(_code_of_length(1001))
    with pytest.raises(InvalidLinkCode):
        parse_link_code("chat-desktop-link:v1?" + "x" * 980)


def test_link_code_fields_are_checked_at_construction() -> None:
    key = NewDeviceEphemeral.generate().public_key
    with pytest.raises(InvalidLinkCode):
        LinkCode("http://relay.example", PROVISION_ID, key, "PC")
    with pytest.raises(InvalidLinkCode):
        LinkCode(RELAY, "xyz", key, "PC")
    with pytest.raises(InvalidLinkCode):
        LinkCode(RELAY, PROVISION_ID, bytes(32), "PC")
    with pytest.raises(InvalidLinkCode):
        LinkCode(RELAY, PROVISION_ID, key, "x" * 65)
    with pytest.raises(InvalidLinkCode):
        LinkCode("http://" + "a" * 400 + ":80", PROVISION_ID, key, "😀" * 64)


def test_link_code_repr_hides_name_id_and_key() -> None:
    code = make_code("Secret Name")
    text = repr(code)
    assert "Secret Name" not in text
    assert PROVISION_ID not in text
    assert code.ephemeral_public.hex() not in text
    assert RELAY in text


def test_link_code_feeds_seal_and_open_end_to_end() -> None:
    ephemeral = NewDeviceEphemeral.generate()
    shown = LinkCode(RELAY, PROVISION_ID, ephemeral.public_key, "New PC").to_text()
    scanned = parse_link_code(shown)
    envelope = seal_provisioning(make_message(), scanned.provision_id, scanned.ephemeral_public)
    opened = open_provisioning(envelope, PROVISION_ID, ephemeral)
    check_provisioned_relay(opened, scanned)
    assert opened == make_message()
