"""The compose deployment (deploy/compose/): two relay processes behind nginx on PostgreSQL,
Redis and S3-compatible storage (issue 25). Its relay command is the relay's own parser's
idea of a several-process relay, no secret is on a command line, nginx spreads over every
relay service and trusts only itself, and the image pins every package the optional engines
need (pip's --require-hashes would refuse the build otherwise)."""

from __future__ import annotations

import importlib.util
import ipaddress
import re
from importlib.metadata import requires
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from chat_desktop.relay.__main__ import build_parser, config_from_args

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "deploy" / "compose"
RELAY_DEPLOY = REPO / "deploy" / "relay"
ENGINE_EXTRAS = ("postgres", "redis", "s3")


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((COMPOSE / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def _relays(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in compose["services"].items() if name.startswith("relay")}


def test_every_relay_process_runs_on_the_shared_engines(tmp_path: Path) -> None:
    compose = _compose()
    relays = _relays(compose)
    assert len(relays) >= 2
    nginx_address = compose["services"]["nginx"]["networks"]["relay"]["ipv4_address"]
    for spec in relays.values():
        arguments = ["--data-dir", str(tmp_path)] + [
            argument.replace("${RELAY_PUBLIC_URL:?set RELAY_PUBLIC_URL in .env}", "https://x.org")
            for argument in spec["command"]
        ]
        config = config_from_args(build_parser().parse_args(arguments))
        assert config.database_url is not None and config.database_url.startswith("postgresql://")
        assert config.redis_url is not None and config.redis_url.startswith("redis://")
        assert config.blobs_url is not None and config.blobs_url.startswith("s3://")
        # Only nginx is believed about the client's address.
        assert set(config.proxies.trusted) == {ipaddress.ip_network(f"{nginx_address}/32")}
        command = " ".join(spec["command"])
        assert not re.search(r"://[^/@\s]*:[^/@\s]*@", command)  # no password in a URL
        assert "PGPASSWORD" in spec["environment"]
        assert "AWS_SECRET_ACCESS_KEY" in spec["environment"]
        assert spec["volumes"] == ["relay-data:/data"]  # one token_secret for every process


def test_nginx_spreads_over_every_relay_and_replaces_the_forwarding_headers() -> None:
    text = (COMPOSE / "nginx.conf").read_text()
    upstream = re.search(r"upstream relay \{(.*?)\}", text, re.S)
    assert upstream is not None
    servers = set(re.findall(r"server ([\w-]+):8765", upstream[1]))
    assert servers == set(_relays(_compose()))
    assert "proxy_pass http://relay;" in text
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    assert "$proxy_add_x_forwarded_for" not in text
    assert 'proxy_set_header Forwarded "";' in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text


def _pinned(lock_text: str) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", lock_text, re.M)
    return {canonicalize_name(name): pinned for name, pinned in pins}


def _needed(name: str, seen: set[str]) -> None:
    """``name`` and, recursively, what it requires (on this Python, no extras)."""
    if canonicalize_name(name) in seen:
        return
    seen.add(canonicalize_name(name))
    for line in requires(name) or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            _needed(requirement.name, seen)


def _relay_lock_script() -> ModuleType:
    """deploy/relay/relay_requirements.py, a script rather than a package, loaded by path."""
    spec = importlib.util.spec_from_file_location(
        "relay_requirements", RELAY_DEPLOY / "relay_requirements.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_image_pins_everything_the_engines_need() -> None:
    lock_text = (REPO / "packaging" / "requirements-lock.txt").read_text()
    relay = _pinned(_relay_lock_script().relay_lock(lock_text))
    extras = _pinned((RELAY_DEPLOY / "relay-extras-lock.txt").read_text())
    needed: set[str] = set()
    for line in requires("chat-desktop") or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is not None and any(marker.evaluate({"extra": e}) for e in ENGINE_EXTRAS):
            _needed(requirement.name, needed)
            # The image's pin is within the range pyproject.toml allows.
            pinned = extras[canonicalize_name(requirement.name)]
            assert requirement.specifier.contains(pinned), (requirement, pinned)
    assert {"asyncpg", "redis", "aiobotocore"} <= needed
    assert needed <= set(relay) | set(extras)
    assert "relay-extras-lock.txt" in (RELAY_DEPLOY / "Containerfile").read_text()
