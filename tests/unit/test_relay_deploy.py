"""The relay's deployment files put it behind a proxy whose client address it believes
(docs/protocol.md §6.8, issue 18 §5): the systemd unit trusts the local proxy, and the
example proxy configurations set X-Forwarded-For to the client instead of passing the
client's own."""

from __future__ import annotations

import configparser
import ipaddress
import shlex
from pathlib import Path

import pytest

from chat_desktop.relay.__main__ import build_parser, config_from_args

pytestmark = pytest.mark.unit

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "relay"


def _exec_start() -> list[str]:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "chat-relay.service")
    return shlex.split(unit["Service"]["ExecStart"])


def test_the_unit_trusts_the_local_proxy_and_nothing_else(tmp_path: Path) -> None:
    command = _exec_start()
    assert command[0].endswith("/chat-relay")
    arguments = [str(tmp_path) if arg == "${STATE_DIRECTORY}" else arg for arg in command[1:]]
    config = config_from_args(build_parser().parse_args(arguments))
    assert config.host == "127.0.0.1"
    assert set(config.proxies.trusted) == {
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("::1/128"),
    }
    assert config.proxies.header.value == "x-forwarded-for"


def test_the_nginx_example_replaces_the_forwarding_headers() -> None:
    text = (DEPLOY / "nginx-site.conf").read_text()
    assert "proxy_pass http://127.0.0.1:8765;" in text
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    assert "$proxy_add_x_forwarded_for" not in text  # that would keep the client's own
    assert 'proxy_set_header Forwarded "";' in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text


def test_the_caddy_example_proxies_to_the_local_relay() -> None:
    text = (DEPLOY / "Caddyfile").read_text()
    settings = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert "\treverse_proxy 127.0.0.1:8765" in settings
    # Without trusted_proxies Caddy drops the X-Forwarded-For a client sends.
    assert not any("trusted_proxies" in line for line in settings)
