"""The grant grammar (`capabilities.network.allow`, issue 13): what parses, what is refused and why,
what a grant matches, which addresses it admits, and `{{ config.FIELD }}` placeholders."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from engine.errors import ManifestError, PatternError, UsageError
from engine.manifest import parse_skill_yaml
from engine.network.patterns import check_written, for_instance, parse

ACCEPTED = [
    # pattern, kind, host, schemes, ports (None: the scheme's default)
    ("api.github.com", "name", "api.github.com", {"https"}, None),
    ("http://api.test", "name", "api.test", {"http"}, None),
    ("HTTPS://API.GitHub.com.", "name", "api.github.com", {"https"}, None),
    ("*://example.com", "name", "example.com", {"http", "https"}, None),
    ("bücher.example", "name", "xn--bcher-kva.example", {"https"}, None),
    ("*.amazonaws.com", "wildcard", "amazonaws.com", {"https"}, None),
    ("*.example.org:8443", "wildcard", "example.org", {"https"}, (8443, 8443)),
    ("http://localhost:8000..8100", "localhost", "localhost", {"http"}, (8000, 8100)),
    ("localhost:*", "localhost", "localhost", {"https"}, (1, 65535)),
    ("127.0.0.1:8080", "ip", "127.0.0.1", {"https"}, (8080, 8080)),
    ("http://[::1]:8443", "ip", "::1", {"http"}, (8443, 8443)),
    ("10.0.0.0/8", "cidr", "10.0.0.0/8", {"https"}, None),
    ("[fd00::/8]:443", "cidr", "fd00::/8", {"https"}, (443, 443)),
    ("intranet", "name", "intranet", {"https"}, None),
]


@pytest.mark.parametrize(("text", "kind", "host", "schemes", "ports"), ACCEPTED)
def test_accepted_patterns_parse_to_their_parts(text, kind, host, schemes, ports):
    p = parse(text)
    assert (p.kind, p.host, set(p.schemes), p.ports) == (kind, host, schemes, ports)


REFUSED = [
    ("*", "'*' grants every host; name the hosts, e.g. api.github.com"),
    ("*://*", "'*://*' grants every host; name the hosts, e.g. api.github.com"),
    ("*://*:*", "'*://*:*' grants every host; name the hosts, e.g. api.github.com"),
    ("https://*:443", "'https://*:443' grants every host; name the hosts, e.g. api.github.com"),
    ("ftp://x.com", "'ftp://x.com': only http and https can be granted; write https://x.com"),
    ("file://etc", "'file://etc': only http and https can be granted; write https://etc"),
    ("api.github.com/repos", "'api.github.com/repos': a grant has no path; write only the host, e.g. api.github.com"),
    ("https://x.com/", "'https://x.com/': a grant has no path; write only the host, e.g. x.com"),
    ("x.com?a=1", "'x.com?a=1': a grant has no query; write only the host, e.g. x.com"),
    ("x.com#top", "'x.com#top': a grant has no fragment; write only the host, e.g. x.com"),
    ("user:pw@x.com", "'user:pw@x.com': a grant has no user name or password; write only the host, e.g. x.com"),
    ("a.*.amazonaws.com", "'a.*.amazonaws.com': '*' may only open a name, as in *.example.com (any depth below it)"),
    ("*.*.com", "'*.*.com': '*' may only open a name, as in *.example.com (any depth below it)"),
    ("api*.x.com", "'api*.x.com': '*' may only open a name, as in *.example.com (any depth below it)"),
    ("*.com", "'*.com' grants every host under .com; name the domain, e.g. *.example.com"),
    ("*.co.uk", "'*.co.uk' grants every host under .co.uk; name the domain, e.g. *.example.co.uk"),
    ("*.localhost", "'*.localhost' grants every host under .localhost; name the domain, e.g. *.example.localhost"),
    ("x.com:abc", "'x.com:abc': a port is a number, a range like 8000..8100, or *"),
    ("x.com:", "'x.com:': a port is a number, a range like 8000..8100, or *"),
    ("x.com:0", "'x.com:0': ports run from 1 to 65535, low..high, e.g. 8000..8100"),
    ("x.com:70000", "'x.com:70000': ports run from 1 to 65535, low..high, e.g. 8000..8100"),
    ("x.com:9000..8000", "'x.com:9000..8000': ports run from 1 to 65535, low..high, e.g. 8000..8100"),
    ("::1", "'::1': write an IPv6 address in brackets, e.g. [::1]"),
    ("[::1]x", "'[::1]x': after [IPv6] comes only :PORT, e.g. [::1]:8080"),
    ("10.0.0.1/8", "'10.0.0.1/8': that network has host bits set; write 10.0.0.0/8"),
    ("0.0.0.0/0", "'0.0.0.0/0': grants every address; name the network, e.g. 10.0.0.0/8"),
    ("0.0.0.0", "'0.0.0.0': 0.0.0.0 is not a host to connect to; write the server's address, e.g. 127.0.0.1"),
    ("224.0.0.1", "'224.0.0.1': 224.0.0.1 is not a host to connect to; write the server's address, e.g. 127.0.0.1"),
    ("bad_host.com", "'bad_host.com': 'bad_host.com' is not a host name; write e.g. api.github.com"),
    ("", "'': '' is not a host name; write e.g. api.github.com"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_refused_patterns_say_what_to_write_instead(text, message):
    with pytest.raises(PatternError) as caught:
        parse(text)
    assert str(caught.value) == message
    assert "\n" not in message and isinstance(caught.value, UsageError)  # one line, exit 2 at a front door


MATCHES = [
    # pattern, scheme, host, port, allowed
    ("api.github.com", "https", "api.github.com", 443, True),
    ("api.github.com", "http", "api.github.com", 80, False),  # http must be written out
    ("api.github.com", "https", "api.github.com", 8443, False),  # default port only
    ("api.github.com", "https", "evil-api.github.com", 443, False),
    ("api.github.com", "https", "api.github.com.evil.test", 443, False),
    ("api.github.com", "HTTPS", "API.GitHub.COM.", 443, True),  # request side normalised
    ("api.github.com", "https", "api..github.com", 443, False),
    ("*.amazonaws.com", "https", "s3.amazonaws.com", 443, True),
    ("*.amazonaws.com", "https", "a.b.s3.us-east-1.amazonaws.com", 443, True),  # any depth
    ("*.amazonaws.com", "https", "amazonaws.com", 443, False),  # never the apex
    ("*.amazonaws.com", "https", "evilamazonaws.com", 443, False),
    ("*.2.3.4", "https", "1.2.3.4", 443, False),  # an IP literal is not a name under the wildcard
    ("http://localhost:8000..8100", "http", "localhost", 8000, True),  # inclusive range
    ("http://localhost:8000..8100", "http", "localhost", 8100, True),
    ("http://localhost:8000..8100", "http", "localhost", 8101, False),
    ("http://localhost:8000..8100", "http", "localhost", 7999, False),
    ("http://localhost:8000..8100", "https", "localhost", 8080, False),
    ("localhost:*", "https", "localhost", 1, True),
    ("localhost", "https", "127.0.0.1", 443, False),  # the name grants the name, not the literal
    ("*://example.com", "http", "example.com", 80, True),
    ("*://example.com", "https", "example.com", 443, True),
    ("*://example.com", "https", "example.com", 80, False),  # each scheme its own default port
    ("*://example.com", "ftp", "example.com", 21, False),
    ("10.0.0.0/8", "https", "10.1.2.3", 443, True),
    ("10.0.0.0/8", "https", "11.0.0.1", 443, False),
    ("10.0.0.0/8", "https", "ten.example", 443, False),
    ("http://[::1]:8443", "http", "[::1]", 8443, True),
    ("http://[::1]:8443", "http", "0:0:0:0:0:0:0:1", 8443, True),
    ("http://[::1]:8443", "http", "127.0.0.1", 8443, False),
    ("[fd00::/8]:443", "https", "fd12::5", 443, True),
    ("bücher.example", "https", "xn--bcher-kva.example", 443, True),
    ("xn--bcher-kva.example", "https", "BÜCHER.example", 443, True),
]


@pytest.mark.parametrize(("text", "scheme", "host", "port", "allowed"), MATCHES)
def test_a_grant_allows_exactly_its_scheme_host_and_port(text, scheme, host, port, allowed):
    assert parse(text).allows(scheme, host, port) is allowed


# pattern -> (resolved addresses it admits, resolved addresses it refuses)
ADDRESSES = {
    "api.github.com": (
        ["140.82.112.5", "2606:50c0:8000::154"],
        [
            "127.0.0.1",  # loopback
            "::1",
            "10.0.0.5",  # private
            "192.168.1.1",
            "169.254.169.254",  # link-local (cloud metadata)
            "fe80::1",
            "fd00::1",  # ULA
            "100.64.0.1",  # CGNAT
            "224.0.0.1",  # multicast: Python calls it global
            "ff0e::1",
            "0.0.0.0",  # unspecified
            "::",
            "::ffff:127.0.0.1",  # IPv4-mapped loopback
            "2002:7f00:1::",  # 6to4 around 127.0.0.1
            "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
        ],
    ),
    "*.amazonaws.com": (["52.95.110.1"], ["10.0.0.5"]),
    "localhost": (["127.0.0.1", "127.5.5.5", "::1"], ["10.0.0.5", "140.82.112.5"]),
    "127.0.0.1": (["127.0.0.1"], ["127.0.0.2"]),
    "[::1]": (["::1"], ["::2"]),
    "10.0.0.0/8": (["10.9.8.7"], ["192.168.0.1"]),
    "[fd00::/8]": (["fd00::1"], ["fe80::1"]),
}
ADDRESS_CASES = [
    (text, address, admitted)
    for text, (yes, no) in ADDRESSES.items()
    for admitted, addresses in ((True, yes), (False, no))
    for address in addresses
]


@pytest.mark.parametrize(("text", "address", "admitted"), ADDRESS_CASES)
def test_only_a_grant_that_names_an_address_admits_a_non_public_one(text, address, admitted):
    p = parse(text)
    assert p.allows_address(address) is admitted
    assert p.allows_address(ipaddress.ip_address(address)) is admitted


def test_a_placeholder_takes_each_instances_value():
    assert for_instance("{{ config.host }}", {"host": "gitlab.acme.test"}).allows("https", "gitlab.acme.test", 443)
    per_port = for_instance("http://{{config.host}}:{{ config.port }}", {"host": "GitLab.acme.test", "port": 8080})
    assert per_port.allows("http", "gitlab.acme.test", 8080) and not per_port.allows("http", "gitlab.acme.test", 80)
    v6 = for_instance("{{ config.ip }}:8443", {"ip": "::1"})  # bracketed when filled, so a port can follow
    assert v6.allows("https", "[::1]", 8443) and v6.allows_address("::1")
    assert for_instance("{{ config.host }}", {"host": "x.test"}).text == "{{ config.host }}"


@pytest.mark.parametrize("value", [None, "", "  "])
def test_an_empty_placeholder_is_an_optional_endpoint_left_unset(value):
    assert for_instance("{{ config.host }}", {"host": value}) is None
    assert for_instance("{{ config.host }}", {}) is None


@pytest.mark.parametrize("value", ["*.evil.test", "*", "evil.test/x", "http://evil.test", "u@evil.test", "a b"])
def test_a_config_value_cannot_widen_the_grant_it_fills(value):
    with pytest.raises(PatternError) as caught:
        for_instance("{{ config.host }}", {"host": value})
    assert str(caught.value) == (
        f"config.host is {value!r}, which is not a host name; set it to e.g. gitlab.example.com"
    )


def test_a_filled_placeholder_still_obeys_the_grammar():
    with pytest.raises(PatternError, match=r"^'\*\.\{\{ config.tld \}\}' grants every host under .com"):
        for_instance("*.{{ config.tld }}", {"tld": "com"})


def test_install_checks_placeholders_against_declared_fields():
    check_written("https://{{ config.host }}:8443", {"host"})
    with pytest.raises(PatternError) as caught:
        check_written("{{ config.hots }}", {"host", "token"})
    assert str(caught.value) == "{{ config.hots }} names no config field (host, token); declare hots under config:"
    with pytest.raises(PatternError, match=r"^'\{\{ config.host \}\}/api': a grant has no path"):
        check_written("{{ config.host }}/api", {"host"})


def manifest(tmp_path: Path, allow: str, config: str = "") -> Path:
    path = tmp_path / "skill.yaml"
    path.write_text(f"name: net\n{config}capabilities:\n  network:\n    allow: {allow}\n")
    return path


def test_the_manifest_keeps_the_patterns_as_written(tmp_path):
    path = manifest(tmp_path, '["api.github.com", "{{ config.host }}"]', "config:\n  host: {}\n")
    assert parse_skill_yaml(path).capabilities.network == ("api.github.com", "{{ config.host }}")


@pytest.mark.parametrize(
    ("allow", "config", "message"),
    [
        (
            '["api.github.com", "x.test", "*"]',
            "",
            "capabilities.network.allow[2]: '*' grants every host; name the hosts, e.g. api.github.com",
        ),
        (
            '["{{ config.base }}"]',
            "config:\n  host: {}\n",
            "capabilities.network.allow[0]: {{ config.base }} names no config field (host); declare base under config:",
        ),
        (
            "[80]",
            "",
            "capabilities.network.allow[0]: 80 is not a pattern; write a host in quotes, e.g. 'api.github.com'",
        ),
        ("api.github.com", "", "capabilities.network.allow must be a list of patterns, e.g. [api.github.com]"),
    ],
)
def test_a_bad_manifest_entry_names_the_file_the_field_and_the_fix(tmp_path, allow, config, message):
    path = manifest(tmp_path, allow, config)
    with pytest.raises(ManifestError) as caught:
        parse_skill_yaml(path)
    assert str(caught.value) == f"{path}: {message}"
