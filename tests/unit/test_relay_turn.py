"""TURN credentials in coturn's REST API scheme (docs/protocol.md §14.6)."""

from __future__ import annotations

import pytest

from chat_desktop.protocol.call_content import IceServersAck
from chat_desktop.relay.turn_credentials import TurnConfig, ice_servers_for, turn_credentials


def test_credentials_follow_the_coturn_scheme() -> None:
    # echo -n "1700086400:alice" | openssl dgst -binary -sha1 -hmac north | base64
    assert turn_credentials(b"north", "alice", 1_700_000_000, 86_400) == (
        "1700086400:alice",
        "SXua5ne/+mDhiHTp0pQJzRO4ESg=",
    )


def test_the_answer_names_the_servers_or_none() -> None:
    turn = TurnConfig(secret=b"north", urls=("turn:turn.example.org:3478",), ttl_s=600)
    answer = ice_servers_for(turn, "bob", 1_000)
    assert answer.urls == ["turn:turn.example.org:3478"]
    assert answer.username == "1600:bob" and answer.ttl == 600
    assert answer.credential == turn_credentials(b"north", "bob", 1_000, 600)[1]
    assert ice_servers_for(None, "bob", 1_000) == IceServersAck(urls=[])


@pytest.mark.parametrize(
    ("secret", "urls", "ttl"),
    [
        (b"", ("turn:a",), 600),
        (b"s", (), 600),
        (b"s", ("http://a",), 600),
        (b"s", ("turn:a",), 10),
        (b"s", ("turn:a",), 30 * 24 * 3600),
    ],
)
def test_a_bad_configuration_is_refused(secret: bytes, urls: tuple[str, ...], ttl: int) -> None:
    with pytest.raises(ValueError):
        TurnConfig(secret=secret, urls=urls, ttl_s=ttl)
