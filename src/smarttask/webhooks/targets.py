"""Where a webhook may point (SSRF): http(s) URLs whose host resolves only to public addresses.

Checked when a webhook is created or changed, and again at every delivery, where the
request then goes to the very address that was checked (the name only in the Host header
and TLS SNI), so a DNS answer that changes between the check and the connection
(rebinding) cannot send it elsewhere. SMARTTASK_WEBHOOK_ALLOW_PRIVATE=true allows every
address (tests, private networks).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL_LENGTH = 2048
DNS_TIMEOUT_SECONDS = 5.0


class TargetRefused(Exception):
    """The URL may not receive webhooks; the message says why (safe to show)."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: its parts and the addresses to connect to, in resolver order."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[IPAddress, ...]

    def connect_url(self, address: IPAddress) -> str:
        """The URL with a checked address in place of the name."""
        shown = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{shown}:{self.port}{self.path}"

    def host_header(self) -> str:
        """The Host header the name-based URL would have sent."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Parsed:
    """The parts of a syntactically acceptable webhook URL."""

    scheme: str
    host: str
    port: int
    path: str


def parse(url: str) -> Parsed:
    """The parts of a URL, or TargetRefused: http/https only, a host, no credentials."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    if any(ord(char) < 33 or ord(char) == 127 for char in url):
        raise TargetRefused("The URL contains spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise TargetRefused("The URL is not valid.") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetRefused("Only http:// and https:// URLs can receive webhooks.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise TargetRefused("The URL must not contain credentials.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetRefused("The URL has no host.")
    if parts.fragment:
        raise TargetRefused("The URL must not have a fragment.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Parsed(scheme, host, port or (443 if scheme == "https" else 80), path)


def blocked(address: IPAddress) -> str | None:
    """Why an address may not receive webhooks (None: it is public)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return blocked(address.ipv4_mapped)
    checks = (
        ("loopback", address.is_loopback),
        ("private", address.is_private),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("unspecified", address.is_unspecified),
        ("not globally routable", not address.is_global),
    )
    for name, hit in checks:
        if hit:
            return name
    return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host resolves to (an IP literal is its own answer)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(DNS_TIMEOUT_SECONDS):
            found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError) as error:
        raise TargetRefused(f"The host {host} does not resolve.") from error
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise TargetRefused(f"The host {host} does not resolve.")
    return addresses


async def check(url: str, *, allow_private: bool) -> Target:
    """The URL as a Target to connect to, or TargetRefused (every address must be public)."""
    parsed = parse(url)
    addresses = await resolve(parsed.host, parsed.port)
    if not allow_private:
        for address in addresses:
            reason = blocked(address)
            if reason is not None:
                raise TargetRefused(
                    f"The host {parsed.host} resolves to {address}, a {reason} address; "
                    "webhooks may only reach public addresses."
                )
    return Target(parsed.scheme, parsed.host, parsed.port, parsed.path, tuple(addresses))
