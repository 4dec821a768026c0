"""The host side of outbound HTTP, pure logic: the request JSON, the grant check of a URL, the headers a
hop carries, decoding within the size limit. Real sockets are in tests/integration/test_network.py."""

from __future__ import annotations

import gzip
import json
import zlib

import pytest

from engine.errors import RequestFailed
from engine.network import patterns
from engine.network.client import USER_AGENT, admit, hop_headers
from engine.network.decoding import BoundedBody
from engine.network.policy import Injection, NetworkPolicy
from engine.network.wire import WireRequest, audit_url, parse_request

POLICY = NetworkPolicy(
    allow=(
        patterns.parse("api.example.com"),
        patterns.parse("http://localhost:8080"),
        patterns.parse("bücher.example"),
    ),
    skill="demo",
)


def parse(**request) -> WireRequest:
    return parse_request(json.dumps(request), 1024)


def refusal(call, *args, **kwargs) -> RequestFailed:
    with pytest.raises(RequestFailed) as info:
        call(*args, **kwargs)
    return info.value


# ---- the request JSON -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kind, words",
    [
        ("not json", "invalid", "not JSON"),
        ("[1]", "invalid", "JSON object"),
        ('{"method": "GET"}', "invalid", "no url"),
        ('{"url": "https://a.example", "method": "GE T"}', "invalid", "not an HTTP method"),
        ('{"url": "https://a.example", "method": "CONNECT"}', "invalid", "not allowed"),
        ('{"url": "https://a.example", "redirect": "sometimes"}', "invalid", "follow, manual, error"),
        ('{"url": "https://a.example", "headers": [["x-a", "1\\r\\nx-b: 2"]]}', "invalid", "line break"),
        ('{"url": "https://a.example", "headers": [["bad name", "1"]]}', "invalid", "header name"),
        ('{"url": "https://a.example", "headers": "x"}', "invalid", "[name, value] pairs"),
        ('{"url": "https://a.example", "body": "a", "body_b64": "YQ=="}', "invalid", "not both"),
        ('{"url": "https://a.example", "body_b64": "!!"}', "invalid", "base64"),
        ('{"url": "https://a.example", "timeout_ms": -1}', "invalid", "timeout_ms"),
        ('{"url": "https://a.example", "body": "' + "x" * 1025 + '"}', "too-large", "1025 bytes"),
    ],
)
def test_malformed_requests_are_refused_with_the_field_named(text, kind, words):
    e = refusal(parse_request, text, 1024)
    assert e.kind == kind and words in e.message
    assert json.loads(e.to_json()) == {"error": {"kind": kind, "message": e.message}}


def test_too_many_or_too_big_request_headers_are_refused():
    assert refusal(parse, url="https://a.example", headers=[["x-a", "1"]] * 101).kind == "too-large"
    assert refusal(parse, url="https://a.example", headers=[["x-a", "v" * 70_000]]).kind == "too-large"


def test_host_owned_headers_are_dropped_and_names_lowered():
    request = parse(
        url="https://a.example",
        headers=[["Host", "evil.example"], ["Content-Length", "9"], ["Accept-Encoding", "br"], ["X-Keep", "1"]],
        body_b64="AAEC",
    )
    assert request.headers == (("x-keep", "1"),)
    assert request.body == b"\x00\x01\x02" and request.method == "GET" and request.redirect == "follow"


def test_audit_url_drops_query_fragment_and_credentials():
    assert audit_url("https://u:pw@api.example.com:8443/a/b?token=s3cret#frag") == "https://api.example.com:8443/a/b"


# ---- the grant check of a URL ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, host",
    [
        ("https://API.Example.COM/x", "api.example.com"),
        ("https://api.example.com./x", "api.example.com"),
        ("http://LOCALHOST.:8080/x", "localhost"),
        ("https://BÜCHER.example/x", "xn--bcher-kva.example"),
        ("https://xn--bcher-kva.example/x", "xn--bcher-kva.example"),
    ],
)
def test_uppercase_trailing_dot_and_idn_names_are_judged_normalised(url, host):
    target = admit(POLICY, url)
    assert target.host == host and target.url.startswith(f"{target.scheme}://{host}")  # what goes on the wire


@pytest.mark.parametrize(
    "url, kind, words",
    [
        ("https://evil.example/x", "denied", "skill grant demo --net evil.example"),
        ("https://api.example.com:8443/x", "denied", "skill grant demo --net api.example.com:8443"),
        ("http://api.example.com/x", "denied", "skill grant demo --net http://api.example.com"),
        ("http://127.0.0.1:8080/x", "denied", "skill grant demo --net http://127.0.0.1:8080"),
        ("http://[::1]:8080/x", "denied", "--net http://[::1]:8080"),
        ("https://sub.api.example.com/x", "denied", "not in this skill's network grants"),
        ("file:///etc/passwd", "denied", "only http and https"),
        ("ftp://api.example.com/x", "denied", "only http and https"),
        ("https://user:pw@api.example.com/x", "invalid", "user name or password"),
        ("/relative", "invalid", "not an absolute URL"),
        ("https://exa mple.com/", "invalid", ""),
    ],
)
def test_urls_outside_the_grants_are_refused(url, kind, words):
    e = refusal(admit, POLICY, url)
    assert e.kind == kind and words in e.message
    assert "pw" not in e.message
    if kind == "denied" and "grant" in words:
        assert e.hint and e.hint in e.message


def test_a_refusal_lists_the_grants_or_says_there_are_none():
    assert (
        "(api.example.com, http://localhost:8080, bücher.example)"
        in refusal(admit, POLICY, "https://x.example").message
    )
    none = refusal(admit, NetworkPolicy(skill="demo"), "https://x.example").message
    assert none.startswith("this skill has no network access") and "skill grant demo --net x.example" in none


# ---- the headers of a hop -------------------------------------------------------------------------


def test_host_bound_secret_replaces_the_skills_header_on_its_host_only():
    policy = NetworkPolicy(
        allow=POLICY.allow,
        inject=(Injection("token", "authorization", "Bearer real", (patterns.parse("api.example.com"),)),),
    )
    skill_headers = (("authorization", "Bearer fake"), ("x-a", "1"))
    bound = hop_headers(policy, admit(policy, "https://api.example.com/x"), skill_headers)
    assert ("authorization", "Bearer real") in bound and ("authorization", "Bearer fake") not in bound
    other = hop_headers(policy, admit(policy, "http://localhost:8080/x"), skill_headers)
    assert ("authorization", "Bearer fake") in other and all(v != "Bearer real" for _, v in other)


def test_hops_carry_the_engines_user_agent_unless_the_skill_sets_one():
    target = admit(POLICY, "https://api.example.com/")
    assert ("user-agent", USER_AGENT) in hop_headers(POLICY, target, ())
    assert ("user-agent", USER_AGENT) not in hop_headers(POLICY, target, (("user-agent", "mine/1"),))
    assert ("accept-encoding", "gzip, deflate") in hop_headers(POLICY, target, ())


# ---- decoding within the limit --------------------------------------------------------------------


def feed_all(body: BoundedBody, data: bytes, chunk: int = 65536) -> bytes:
    for i in range(0, len(data), chunk):
        body.feed(data[i : i + chunk])
    return body.body()


@pytest.mark.parametrize(
    "encoding, encode",
    [
        (None, lambda b: b),
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send it
    ],
)
def test_bodies_are_decoded(encoding, encode):
    data = b"hello world " * 1000
    assert feed_all(BoundedBody(encoding, 1 << 20), encode(data)) == data


def test_a_gzip_bomb_stops_at_the_decoded_limit_without_inflating_it():
    bomb = gzip.compress(b"\0" * (16 << 20))  # 16 KiB on the wire
    body = BoundedBody("gzip", 1 << 20)
    with pytest.raises(RequestFailed) as info:
        body.feed(bomb)  # one chunk: zlib is asked for at most limit + 1 bytes
    assert info.value.kind == "too-large" and "decoded" in info.value.message
    assert body.size == (1 << 20) + 1


def test_unknown_or_corrupt_encodings_are_network_errors():
    assert refusal(BoundedBody, "br", 10).kind == "network"
    assert refusal(BoundedBody("gzip", 100).feed, b"not gzip at all").kind == "network"
