"""The client address a request is charged to, behind a reverse proxy or not (§6.8).

Per-address limits (registrations, provisioning channels) must see the client, not the
reverse proxy in front of the relay: behind a proxy every request comes from 127.0.0.1, so
one bucket would serve every user. The relay believes a forwarding header only from a peer
in ``--trusted-proxy``; it walks the header from the right (the hop nearest to it) past the
trusted proxies, and the first address that is not one of them is the client. Everything to
the left of that address was written by the client itself and is ignored, as is the header
of a peer that is not trusted. Only one header is read, the one the operator names
(``X-Forwarded-For`` by default, or RFC 7239 ``Forwarded``): a proxy that sets one passes
the other through from the client unchanged.

Buckets are per address, with IPv6 addresses grouped by their /64 (one host usually holds a
whole /64, so per-address buckets would not limit it at all).
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: The prefix length IPv6 clients are grouped by.
IPV6_BUCKET_PREFIX: Final = 64
#: The bucket of a request whose peer address is not known (not an IP socket).
UNKNOWN_CLIENT: Final = "unknown"
#: Most hops of a forwarding header looked at (a longer chain is cut at that hop).
MAX_HOPS: Final = 32

# One element of RFC 7239: pairs `name=value` separated by ";", value a token or a quoted
# string (which may hold "," and ";").
_FORWARDED_PAIR: Final = re.compile(
    r'\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)\s*'
)


class ProxyHeader(enum.StrEnum):
    """The forwarding header a trusted proxy writes."""

    X_FORWARDED_FOR = "x-forwarded-for"
    FORWARDED = "forwarded"


@dataclass(frozen=True)
class ProxySettings:
    """Which peers may tell the relay the client's address, and in which header.

    Attributes:
        trusted: The networks of the reverse proxies; empty: no header is believed.
        header: The header they write.
    """

    trusted: tuple[IPNetwork, ...] = ()
    header: ProxyHeader = ProxyHeader.X_FORWARDED_FOR

    def trusts(self, address: IPAddress) -> bool:
        """Whether ``address`` is one of the trusted proxies."""
        plain = _unmapped(address)
        return any(plain in network for network in self.trusted)


def parse_network(text: str) -> IPNetwork:
    """Parses a ``--trusted-proxy`` value: an address or a network in CIDR notation.

    Raises:
        ValueError: Not an IPv4 or IPv6 address or network (host bits set included).
    """
    try:
        return ipaddress.ip_network(text.strip())
    except ValueError:
        raise ValueError(f"not an IP address or network: {text!r}") from None


def client_address(peer: str | None, headers: Sequence[str], proxies: ProxySettings) -> str:
    """Returns the client's address as text, or :data:`UNKNOWN_CLIENT`.

    Args:
        peer: The address of the TCP peer (aiohttp's ``request.remote``).
        headers: Every value of the configured forwarding header, in the order received.
        proxies: The trusted proxies and their header.
    """
    current = _parse_address(peer)
    if current is None:
        return peer or UNKNOWN_CLIENT
    if not proxies.trusted:
        return str(_unmapped(current))
    hops = _hops(headers, proxies.header)
    # Walk from the nearest hop outwards while the hop that handed us the request is trusted.
    for hop in reversed(hops[-MAX_HOPS:]):
        if not proxies.trusts(current):
            break
        forwarded = _parse_address(hop)
        if forwarded is None:
            break  # garbage (or "unknown") from here on: the last trusted hop is the client
        current = forwarded
    return str(_unmapped(current))


def rate_key(address: str) -> str:
    """Returns the bucket key of a client address: IPv4 as is, IPv6 by its /64."""
    parsed = _parse_address(address)
    if parsed is None:
        return address
    parsed = _unmapped(parsed)
    if isinstance(parsed, ipaddress.IPv6Address):
        network = ipaddress.IPv6Network((parsed.packed, IPV6_BUCKET_PREFIX), strict=False)
        return str(network)
    return str(parsed)


def _hops(headers: Sequence[str], header: ProxyHeader) -> list[str]:
    """Returns the addresses a forwarding header lists, leftmost (the client's claim) first."""
    if header is ProxyHeader.X_FORWARDED_FOR:
        return [hop.strip() for value in headers for hop in value.split(",")]
    hops = []
    for value in headers:
        for element in _forwarded_elements(value):
            hops.append(_forwarded_for(element))
    return hops


def _forwarded_elements(value: str) -> list[str]:
    """Splits an RFC 7239 header value at the commas outside quoted strings."""
    elements: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            elements.append("".join(current))
            current = []
            continue
        current.append(char)
    elements.append("".join(current))
    return elements


def _forwarded_for(element: str) -> str:
    """Returns the node of an element's ``for=`` pair without port or brackets ("" if none)."""
    for pair in element.split(";"):
        match = _FORWARDED_PAIR.fullmatch(pair)
        if match is None or match[1].lower() != "for":
            continue
        node = match[2]
        if node.startswith('"'):
            node = re.sub(r"\\(.)", r"\1", node[1:-1])
        if node.startswith("["):  # "[2001:db8::1]:4711" or "[2001:db8::1]"
            return node[1:].partition("]")[0]
        host, _, _ = node.partition(":")  # "192.0.2.1:4711"; bare IPv6 is not valid here
        return host if node.count(":") <= 1 else ""
    return ""


def _parse_address(text: str | None) -> IPAddress | None:
    if not text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _unmapped(address: IPAddress) -> IPAddress:
    """Returns the IPv4 address of an IPv4-mapped IPv6 one (``::ffff:a.b.c.d``), else it."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
