"""The grant grammar: `[scheme://]host[:port]`, parsed once, matched on every request and redirect hop.

    scheme  https (default) | http (written out) | *  (both)
    host    name | *.name (any depth below it, never the apex) | IPv4 | [IPv6] | CIDR | localhost
    port    the scheme's default (omitted) | n | a..b (inclusive) | *

Two checks, because a name is not an address: `allows` judges the URL a skill asked for, and
`allows_address` judges where its name resolved. Only a grant that names an address (IP, CIDR,
`localhost`) admits non-public addresses, so `api.example.com` pointed at 127.0.0.1 (DNS rebinding,
SSRF) is refused. Every refusal is one line saying what to write instead.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from engine.errors import PatternError
from engine.network import placeholders
from engine.network.hosts import IPAddress, is_public_address, is_public_suffix, normalise_host, parse_ip

DEFAULT_PORTS = {"http": 80, "https": 443}
Kind = Literal["name", "wildcard", "localhost", "ip", "cidr"]


@dataclass(frozen=True)
class Pattern:
    """One parsed grant. `ports` None means the request scheme's default port."""

    text: str
    schemes: frozenset[str]
    kind: Kind
    host: str  # a normalised name, the suffix after "*.", an IP, or a network
    ports: tuple[int, int] | None

    def allows(self, scheme: str, host: str, port: int) -> bool:
        """May a request go to scheme://host:port? The host is normalised as the pattern was."""
        scheme = scheme.lower()
        if scheme not in self.schemes:
            return False
        low, high = self.ports or (DEFAULT_PORTS[scheme],) * 2
        if not low <= port <= high:
            return False
        name = normalise_host(host)
        if name is None:
            return False
        if self.kind == "wildcard":  # a name below the domain; never an IP literal that ends alike
            return name.endswith("." + self.host) and parse_ip(name) is None
        if self.kind == "cidr":
            ip = parse_ip(name)
            return ip is not None and ip in ipaddress.ip_network(self.host)
        return name == self.host

    def allows_address(self, address: IPAddress | str) -> bool:
        """May the connection for a request this grant allowed land on `address` (as resolved)?"""
        ip = ipaddress.ip_address(address)
        if self.kind == "ip":
            return ip == ipaddress.ip_address(self.host)
        if self.kind == "cidr":
            return ip in ipaddress.ip_network(self.host)
        if self.kind == "localhost":
            return ip.is_loopback
        return is_public_address(ip)


def parse(text: str, *, written: str | None = None) -> Pattern:
    """One grant without placeholders; `written` is the pattern as the author wrote it, for messages."""
    label = text if written is None else written
    schemes, rest = _scheme(label, text.strip())
    for char, what in (("@", "user name or password"), ("?", "query"), ("#", "fragment")):
        if char in rest:
            raise PatternError(f"{label!r}: a grant has no {what}; write only the host, e.g. {_example(rest)}")
    host, ports = _split_port(label, rest)
    kind, value = _host(label, host)
    return Pattern(text=label, schemes=schemes, kind=kind, host=value, ports=ports)


def for_instance(written: str, config: Mapping[str, object]) -> Pattern | None:
    """The grant `written` for one instance: placeholders filled from its config, then parsed.

    None when a placeholder's field is empty: the grant is an optional endpoint this instance left unset.
    """
    text = placeholders.resolve(written, config)
    return None if text is None else parse(text, written=written)


def check_written(written: str, declared: set[str]) -> None:
    """Install-time check of a manifest entry: fields declared, grammar valid with stand-ins for them."""
    placeholders.check_declared(written, declared)
    parse(placeholders.with_stand_ins(written), written=written)


def _example(rest: str) -> str:
    """The host part of what the author wrote, for 'write this instead' hints."""
    host = rest.split("@")[-1].split("?")[0].split("#")[0]
    return host.split("/")[0] or "api.github.com"


def _scheme(text: str, rest: str) -> tuple[frozenset[str], str]:
    scheme, sep, after = rest.partition("://")
    if not sep:
        return frozenset({"https"}), rest
    scheme = scheme.lower()
    if scheme == "*":
        return frozenset(DEFAULT_PORTS), after
    if scheme not in DEFAULT_PORTS:
        raise PatternError(f"{text!r}: only http and https can be granted; write https://{_example(after)}")
    return frozenset({scheme}), after


def _split_port(text: str, rest: str) -> tuple[str, tuple[int, int] | None]:
    if rest.startswith("["):
        host, bracket, port = rest.partition("]")
        host += bracket
        if port and not port.startswith(":"):
            raise PatternError(f"{text!r}: after [IPv6] comes only :PORT, e.g. [::1]:8080")
        port = port[1:]
    elif rest.count(":") > 1:
        raise PatternError(f"{text!r}: write an IPv6 address in brackets, e.g. [{rest}]")
    else:
        host, _, port = rest.partition(":")
    if not port and not rest.endswith(":"):
        return host, None
    return host, _ports(text, port)


def _ports(text: str, port: str) -> tuple[int, int]:
    if port == "*":
        return 1, 65535
    low, dots, high = port.partition("..")
    if not (low.isdigit() and (high.isdigit() if dots else True)):
        raise PatternError(f"{text!r}: a port is a number, a range like 8000..8100, or *")
    first, last = int(low), int(high if dots else low)
    if not 1 <= first <= last <= 65535:
        raise PatternError(f"{text!r}: ports run from 1 to 65535, low..high, e.g. 8000..8100")
    return first, last


def _host(text: str, host: str) -> tuple[Kind, str]:
    if host == "*":
        raise PatternError(f"{text!r} grants every host; name the hosts, e.g. api.github.com")
    inner = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if "/" in inner:
        return "cidr", _network(text, inner)
    ip = parse_ip(host)
    if ip is not None:
        if ip.is_unspecified or ip.is_multicast:
            raise PatternError(
                f"{text!r}: {ip} is not a host to connect to; write the server's address, e.g. 127.0.0.1"
            )
        return "ip", str(ip)
    if host.startswith("*."):
        return "wildcard", _wildcard(text, host[2:])
    if "*" in host:
        raise PatternError(f"{text!r}: '*' may only open a name, as in *.example.com (any depth below it)")
    name = normalise_host(host)
    if name is None:
        raise PatternError(f"{text!r}: {host!r} is not a host name; write e.g. api.github.com")
    return ("localhost" if name == "localhost" else "name"), name


def _wildcard(text: str, domain: str) -> str:
    name = normalise_host(domain) if "*" not in domain else None
    if name is None:
        raise PatternError(f"{text!r}: '*' may only open a name, as in *.example.com (any depth below it)")
    if is_public_suffix(name):
        raise PatternError(f"{text!r} grants every host under .{name}; name the domain, e.g. *.example.{name}")
    return name


def _network(text: str, host: str) -> str:
    hint = f"{text!r}: "
    try:
        network = ipaddress.ip_network(host)
    except ValueError:
        try:
            network = ipaddress.ip_network(host, strict=False)
        except ValueError:
            raise PatternError(hint + "a grant has no path; write only the host, e.g. " + _example(host)) from None
        raise PatternError(hint + f"that network has host bits set; write {network}") from None
    if network.prefixlen == 0:
        raise PatternError(hint + "grants every address; name the network, e.g. 10.0.0.0/8")
    return str(network)
