"""Where outgoing webhooks may go: only to global addresses, never to private, loopback, link-local
(cloud metadata), shared, reserved or multicast ones, unless an allow-list of networks permits them.

Checked when a subscription is saved (an address literal, or a name that resolves now) and again at every
delivery after DNS resolution; the delivery then connects to the address that was checked (the name is kept
for the Host header and TLS), so a name that re-resolves elsewhere (DNS rebinding) gains nothing."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".home.arpa")


class BlockedAddress(Exception):
    """The URL points at an address webhooks may not reach."""


def networks(allowed: Sequence[str]) -> list[Network]:
    return [ipaddress.ip_network(entry, strict=False) for entry in allowed]


def _permitted(address: IPAddress, allowed: Sequence[Network]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed):
        return True
    return address.is_global and not address.is_multicast


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def resolve(host: str, port: int) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0]) for info in infos]


def check_url(url: str, allowed: Sequence[str]) -> None:
    """At save time: refuse an address literal or a local name that is not allowed, and a name that resolves
    now to such an address. A name that does not resolve yet is accepted; each delivery checks again."""
    parsed = httpx.URL(url)
    host = parsed.host.lower()
    permitted = networks(allowed)
    literal = _literal(host)
    if literal is not None:
        if not _permitted(literal, permitted):
            raise BlockedAddress(f"{literal} is not a public address.")
        return
    if host.endswith(_LOCAL_NAMES) or "." not in host:
        resolved = _resolve_or_empty(host, parsed.port or _default_port(parsed))
        if not resolved or not all(_permitted(a, permitted) for a in resolved):
            raise BlockedAddress(f"{host} is a local name.")
        return
    for address in _resolve_or_empty(host, parsed.port or _default_port(parsed)):
        if not _permitted(address, permitted):
            raise BlockedAddress(f"{host} resolves to {address}, which is not a public address.")


def _resolve_or_empty(host: str, port: int) -> list[IPAddress]:
    try:
        return resolve(host, port)
    except (OSError, UnicodeError):
        return []


def _default_port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80


@dataclass(frozen=True)
class PinnedTarget:
    """A request target whose host is the checked address; the name goes in Host and TLS SNI."""

    url: httpx.URL
    headers: dict[str, str]
    extensions: dict[str, str]


def pin(url: str, allowed: Sequence[str]) -> PinnedTarget:
    """At delivery time: resolve, check every address, and aim the request at the first one."""
    parsed = httpx.URL(url)
    host = parsed.host
    port = parsed.port or _default_port(parsed)
    literal = _literal(host)
    try:
        addresses = [literal] if literal is not None else resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise httpx.ConnectError(f"cannot resolve {host}") from exc
    permitted = networks(allowed)
    if not addresses or not all(_permitted(a, permitted) for a in addresses):
        raise BlockedAddress(f"{host} is not a public address.")
    address = addresses[0]
    pinned_host = str(address)
    host_header = host if parsed.port is None else f"{host}:{parsed.port}"
    extensions = {"sni_hostname": host} if parsed.scheme == "https" and literal is None else {}
    return PinnedTarget(parsed.copy_with(host=pinned_host), {"host": host_header}, extensions)
