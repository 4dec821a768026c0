"""Outbound HTTP over real sockets, to a loopback server only (tests/fixtures/http_server.py).

Requests go in as a guest sends them: JSON to the `http-request` entry (NetworkSession.request), or
through a WAT component calling the real imports (tests/fixtures/wat_http.py). Test names (api.test,
evil.test, rebind.test, localhost) reach 127.0.0.1 through the injectable resolver, never DNS. A name
grant only reaches public addresses, so requests that must succeed use a `localhost` or an IP grant.
"""

from __future__ import annotations

import json
import threading
import time
import tracemalloc

import pytest
from wasmtime import wat2wasm

from engine.errors import CallStopped
from engine.events import RequestRecord, RunEvent, RunRequest
from engine.network import patterns
from engine.network.policy import Injection, NetworkPolicy
from engine.network.session import NetworkSession
from engine.pipeline import call_tool, masker
from engine.runtime import SandboxPolicy
from engine.schema import MASK, ConfigField
from fixtures import wat_http
from fixtures.http_server import BOMB_INFLATED, serve

NAMES = {"api.test", "evil.test", "rebind.test", "localhost", "xn--bcher-kva.test"}


class FakeDns:
    """Maps the test names to 127.0.0.1 and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, name: str) -> list[str]:
        self.asked.append(name)
        if name not in NAMES:
            raise OSError(-2, "Name or service not known")
        return ["127.0.0.1"]


@pytest.fixture
def server():
    with serve() as srv:
        yield srv


@pytest.fixture
def dns() -> FakeDns:
    return FakeDns()


@pytest.fixture
def net(server, dns):
    """`net(*grants, **limits)` -> a NetworkSession for one call, as the runtime makes it."""
    sessions: list[NetworkSession] = []

    def make(*grants: str, stop=lambda: None, on_request=None, **limits) -> NetworkSession:
        policy = NetworkPolicy(
            allow=tuple(patterns.parse(g.format(port=server.port)) for g in grants), skill="demo", **limits
        )
        session = NetworkSession(
            policy, deadline=time.monotonic() + 30, stop_reason=stop, on_request=on_request, resolver=dns
        )
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()


LOCAL = "http://localhost:{port}"


def fetch(session: NetworkSession, url: str, **request) -> dict:
    return json.loads(session.request(json.dumps({"url": url, **request})))


def error(answer: dict) -> tuple[str, str]:
    assert "error" in answer, answer
    return answer["error"]["kind"], answer["error"]["message"]


# ---- what is allowed, and what it looks like ----------------------------------------------------


def test_an_allowed_request_returns_the_response_and_a_record(net, server):
    records: list[RequestRecord] = []
    session = net(LOCAL, on_request=records.append)
    answer = fetch(session, server.url("/json?secret=1", "localhost"))
    assert answer["status"] == 200 and json.loads(answer["body"]) == {"hello": "world"}
    assert answer["url"] == server.url("/json?secret=1", "localhost") and answer["redirected"] is False
    (record,) = records
    assert record == session.records[0]
    assert (record.method, record.url, record.allowed, record.status) == (
        "GET",
        server.url("/json", "localhost"),
        True,
        200,
    )
    assert record.received_bytes == 18 and record.duration_ms > 0


def test_binary_bodies_travel_as_base64_both_ways(net, server):
    answer = fetch(net(LOCAL), server.url("/echo", "localhost"), method="PUT", body_b64="AAEC/w==")
    echoed = json.loads(answer["body"])
    assert echoed["method"] == "PUT" and echoed["length"] == 4


# ---- denied host, port, scheme, IP literal, userinfo --------------------------------------------


@pytest.mark.parametrize(
    "url, words",
    [
        ("http://evil.test:{port}/json", "skill grant demo --net http://evil.test:{port}"),
        ("http://localhost:{other}/json", "skill grant demo --net http://localhost:{other}"),
        ("https://localhost:{port}/json", "skill grant demo --net localhost:{port}"),
        ("http://127.0.0.1:{port}/json", "skill grant demo --net http://127.0.0.1:{port}"),
        ("file:///etc/passwd", "only http and https"),
        ("ftp://localhost:{port}/x", "only http and https"),
    ],
)
def test_requests_outside_the_grants_never_leave_the_host(net, server, url, words):
    session = net(LOCAL)
    kind, message = error(fetch(session, url.format(port=server.port, other=server.port + 1)))
    assert kind == "denied" and words.format(port=server.port, other=server.port + 1) in message
    assert server.seen == []
    (record,) = session.records
    assert not record.allowed and record.error == "denied"
    # the record keeps why and the grant line apart; the skill's message has both
    assert (
        record.reason
        and message.startswith(record.reason)
        and (record.hint is None or record.hint not in record.reason)
    )


def test_credentials_in_the_url_are_refused_and_kept_out_of_the_record(net, server):
    session = net(LOCAL)
    kind, message = error(fetch(session, f"http://user:hunter2@localhost:{server.port}/json"))
    assert kind == "invalid" and "user name or password" in message
    assert server.seen == [] and "hunter2" not in repr(session.records)


def test_uppercase_and_trailing_dot_names_match_their_grant(net, server, dns):
    answer = fetch(net(LOCAL), f"http://LOCALHOST.:{server.port}/json")
    assert answer["status"] == 200 and dns.asked == ["localhost"]


def test_an_idn_name_is_judged_in_its_ascii_form(net, server, dns):
    session = net("http://bücher.test:{port}")
    for url in (f"http://BÜCHER.test.:{server.port}/json", f"http://xn--bcher-kva.test:{server.port}/json"):
        kind, message = error(fetch(session, url))  # admitted by the grant, then refused for where it lands
        assert kind == "denied" and "resolves to 127.0.0.1" in message
    assert dns.asked == ["xn--bcher-kva.test"] * 2
    assert "not in this skill's network grants" in error(fetch(session, f"http://bucher.test:{server.port}/"))[1]


def test_a_granted_name_that_resolves_to_loopback_is_refused(net, server):
    session = net("http://rebind.test:{port}")
    kind, message = error(fetch(session, f"http://rebind.test:{server.port}/json"))
    assert kind == "denied" and "rebind.test resolves to 127.0.0.1" in message and "'http://rebind.test:" in message
    assert server.seen == []
    assert session.records[0].allowed is False


def test_a_grant_naming_the_address_reaches_it(net, server):
    assert fetch(net("http://127.0.0.1:{port}"), server.url("/json"))["status"] == 200


def test_no_network_policy_denies_everything_with_the_grant_line(server, dns):
    session = NetworkSession(None, deadline=time.monotonic() + 5, stop_reason=lambda: None, resolver=dns)
    kind, message = error(fetch(session, server.url("/json", "localhost")))
    assert kind == "denied" and message.startswith("this skill has no network access")
    assert f"skill grant SKILL --net http://localhost:{server.port}" in message and server.seen == []


# ---- redirects ----------------------------------------------------------------------------------


def test_a_redirect_to_a_denied_host_is_refused_at_that_hop(net, server):
    session = net(LOCAL)
    target = f"http://evil.test:{server.port}/json"
    kind, message = error(fetch(session, server.url(f"/redirect?to={target}", "localhost")))
    assert kind == "denied" and message.startswith("redirect refused:") and "evil.test" in message
    assert [s.path.split("?")[0] for s in server.seen] == ["/redirect"]
    first, second = session.records
    assert first.status == 302 and first.allowed and not second.allowed and second.hint


def test_a_redirect_loop_stops_after_the_limit(net, server):
    session = net(LOCAL, max_redirects=3)
    kind, message = error(fetch(session, server.url("/loop", "localhost")))
    assert kind == "too-many" and "more than 3 redirects" in message
    assert len(server.seen) == 4 and len(session.records) == 4


def test_credentials_do_not_follow_a_cross_origin_redirect(net, server):
    session = net(LOCAL, "http://127.0.0.1:{port}")
    headers = [["authorization", "Bearer s3cret"], ["cookie", "a=1"], ["x-keep", "1"]]
    for target, kept in ((server.url("/echo"), False), ("/echo", True)):
        answer = fetch(session, server.url(f"/redirect?to={target}", "localhost"), headers=headers)
        got = dict(json.loads(answer["body"])["headers"])
        assert answer["redirected"] is True and got["x-keep"] == "1"
        assert ("authorization" in got, "cookie" in got) == (kept, kept)


def test_see_other_becomes_get_and_307_keeps_the_body(net, server):
    session = net(LOCAL)
    for code, method, length in ((303, "GET", 0), (302, "GET", 0), (307, "POST", 5)):
        answer = fetch(session, server.url(f"/redirect?code={code}&to=/echo", "localhost"), method="POST", body="hello")
        echoed = json.loads(answer["body"])
        assert (echoed["method"], echoed["length"]) == (method, length), code


def test_redirect_manual_returns_the_redirect_itself(net, server):
    answer = fetch(net(LOCAL), server.url("/redirect?to=http://evil.test/", "localhost"), redirect="manual")
    assert answer["status"] == 302 and ["location", "http://evil.test/"] in answer["headers"]


# ---- hostile servers: drips, size, headers ------------------------------------------------------


@pytest.mark.parametrize("path", ["/hdrip?n=20&d=0.3", "/drip?n=20&d=0.3"])
def test_a_dripping_server_cannot_outlast_the_request_deadline(net, server, path):
    started = time.monotonic()
    kind, message = error(fetch(net(LOCAL), server.url(path, "localhost"), timeout_ms=1000))
    elapsed = time.monotonic() - started
    assert kind == "timeout" and "within 1 s" in message
    assert elapsed < 3  # the drip takes 6 s; each read alone would arrive well within any per-read timeout


@pytest.mark.parametrize("path", [f"/big?n={10 << 20}", f"/chunked?n={10 << 20}"])
def test_a_10_mib_response_is_refused(net, server, path):
    session = net(LOCAL)
    kind, message = error(fetch(session, server.url(path, "localhost")))
    assert kind == "too-large" and "8388608" in message
    assert session.records[0].error == "too-large"


def test_head_of_a_big_resource_is_answered(net, server):
    answer = fetch(net(LOCAL), server.url(f"/big?n={10 << 20}", "localhost"), method="HEAD")
    assert answer["status"] == 200 and answer["body"] == ""


def test_a_gzip_bomb_stops_at_the_decoded_limit_without_inflating(net, server):
    session = net(LOCAL, max_response_bytes=1 << 20)
    error(fetch(session, server.url("/gzipbomb", "localhost")))  # the server builds its bomb once, untraced
    tracemalloc.start()
    try:
        kind, message = error(fetch(session, server.url("/gzipbomb", "localhost")))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kind == "too-large" and "decoded" in message
    assert peak < BOMB_INFLATED // 4  # httpx's own decoder would hold a whole inflated chunk


def test_huge_response_headers_are_refused(net, server):
    kind, message = error(fetch(net(LOCAL), server.url("/hugeheaders", "localhost")))
    assert kind == "too-large" and "headers" in message


def test_the_skills_host_header_is_dropped(net, server):
    answer = fetch(net(LOCAL), server.url("/echo", "localhost"), headers=[["Host", "evil.test"]])
    got = json.loads(answer["body"])["headers"]
    assert ["host", f"localhost:{server.port}"] in got and ["host", "evil.test"] not in got


def test_environment_proxies_are_ignored(net, server, monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    assert fetch(net(LOCAL), server.url("/json", "localhost"))["status"] == 200


def test_a_host_bound_secret_goes_to_its_host_only(server, dns):
    local = patterns.parse(f"http://localhost:{server.port}")
    policy = NetworkPolicy(
        allow=(local, patterns.parse(f"http://127.0.0.1:{server.port}")),
        inject=(Injection("token", "authorization", "Bearer real-token", (local,)),),
    )
    session = NetworkSession(policy, deadline=time.monotonic() + 5, stop_reason=lambda: None, resolver=dns)
    mine = [["authorization", "Bearer fake"]]
    bound = dict(json.loads(fetch(session, server.url("/echo", "localhost"), headers=mine)["body"])["headers"])
    other = dict(json.loads(fetch(session, server.url("/echo"), headers=mine)["body"])["headers"])
    session.close()
    assert bound["authorization"] == "Bearer real-token" and other["authorization"] == "Bearer fake"


# ---- counts, stops and concurrency through the runtime ------------------------------------------


@pytest.fixture
def runtime(engine, dns):
    runtime = engine.runtime
    runtime.resolver = dns
    return runtime


def component(runtime, mode: str, **kw):
    return runtime.compile(bytes(wat2wasm(wat_http.component(mode, **kw))), f"wat-http-{mode}")[1]


def call(runtime, comp, server, path: str, timeout_s: float = 10, **kw):
    network = NetworkPolicy(allow=(patterns.parse(f"http://localhost:{server.port}"),), skill="demo")
    policy = SandboxPolicy(network=network, timeout_s=timeout_s)
    request = json.dumps({"url": server.url(path, "localhost")})
    return runtime.call(comp, policy, "execute-tool", "fetch", request, **kw)


def test_300_requests_in_one_run_get_too_many_after_200(runtime, server):
    outcome = call(runtime, component(runtime, "repeat", times=300), server, "/json")
    assert json.loads(outcome.value)["error"]["kind"] == "too-many"
    assert len(server.seen) == 200
    assert [r.status for r in outcome.requests[:200]] == [200] * 200
    (refused,) = outcome.requests[200:]  # one record for the refusals, not 100
    assert refused.error == "too-many" and not refused.allowed


def test_a_cancel_during_a_request_stops_the_run_at_once(runtime, server):
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    outcome = call(runtime, component(runtime, "request"), server, "/slow?s=20", cancel=cancel)
    assert time.monotonic() - started < 1.0
    assert outcome.stopped == "cancelled" and f"during GET http://localhost:{server.port}/slow" in outcome.failure
    (record,) = outcome.requests
    # written by the request's own worker when its socket was cut, so that worker has ended
    assert record.error == "cancelled" and record.reason == "the run was stopped (cancelled)"


def test_the_runs_timeout_holds_while_it_waits_on_a_request(runtime, server):
    started = time.monotonic()
    outcome = call(runtime, component(runtime, "request"), server, "/slow?s=20", timeout_s=0.5)
    assert time.monotonic() - started < 1.5
    assert outcome.stopped == "timeout" and "during GET" in outcome.failure
    assert outcome.requests[0].error == "timeout"


def test_started_requests_run_concurrently(runtime, server):
    comp = component(runtime, "parallel")
    started = time.monotonic()
    outcome = call(runtime, comp, server, "/slow?s=0.4")
    elapsed = time.monotonic() - started
    assert outcome.value == "[]" and [r.status for r in outcome.requests] == [200] * 5
    assert elapsed < 1.2  # one after the other: 2 s


def test_a_request_the_tool_never_waited_for_is_cut_and_recorded(runtime, server):
    outcome = call(runtime, component(runtime, "abandon"), server, "/slow?s=20")
    assert json.loads(outcome.value) == {"id": 1}
    (record,) = outcome.requests
    assert record.error == "cancelled" and "without waiting" in record.reason


def test_a_stopped_session_refuses_new_requests(net, server):
    stop: dict[str, str | None] = {"reason": None}
    session = net(LOCAL, stop=lambda: stop["reason"])
    stop["reason"] = "cancelled"
    with pytest.raises(CallStopped, match="skill stopped: cancelled"):
        session.request(json.dumps({"url": server.url("/json", "localhost")}))
    assert server.seen == []


# ---- what a run reports -------------------------------------------------------------------------


def test_a_run_reports_its_requests_live_and_in_history(engine, runtime, server, tmp_path):
    path = tmp_path / "nettest.wasm"
    path.write_bytes(bytes(wat2wasm(wat_http.component("request"))))
    engine.install(path)
    events: list[RunEvent] = []
    result = engine.run("nettest:fetch", {"url": server.url("/json", "localhost")}, on_event=events.append)
    (live,) = [e for e in events if isinstance(e, RunRequest)]
    assert live.run_id == result.run_id and result.requests == (live.record,)
    grant = f"http://localhost:{server.port}"
    assert live.record.error == "denied" and live.record.hint == f"skill grant nettest --net {grant}"  # no grants
    assert server.seen == []
    engine.grant("nettest", "default", [grant])
    granted = engine.run("nettest:fetch", {"url": server.url("/json", "localhost")})
    (answered,) = granted.requests
    assert answered.allowed and answered.status == 200 and len(server.seen) == 1
    engine.flush()
    rows = engine.history()
    assert [row["requests"] for row in rows] == [[live.record.to_json()], [answered.to_json()]]


def test_request_records_are_masked(runtime, server):
    secret = "tok-s3cret-value"
    network = NetworkPolicy(allow=(patterns.parse(f"http://localhost:{server.port}"),), skill="demo")
    policy = SandboxPolicy(config={"token": secret}, network=network)
    live: list[RequestRecord] = []
    told = call_tool(
        runtime,
        component(runtime, "request"),
        policy,
        (ConfigField(name="token", secret=True),),
        "fetch",
        {"url": server.url(f"/echo/{secret}", "localhost")},
        on_request=live.append,
    )
    (record,) = told.requests
    assert live == [record] and record.status == 404
    assert secret not in repr(record) and record.url.endswith(f"/echo/{MASK}")


def test_host_bound_secret_values_are_masked_like_config_secrets():
    inject = Injection("token", "authorization", "Bearer inj-s3cret", ())
    policy = SandboxPolicy(network=NetworkPolicy(inject=(inject,)))
    assert masker((), policy)("echoed: Bearer inj-s3cret") == f"echoed: {MASK}"
