"""A real JS skill calling `fetch` (the build's polyfill over http-start/http-wait) against the loopback
server: built by the real toolchain from tests/fixtures/netskill, run by the real `skill` command and by
the runtime with a network policy. Loopback only (127.0.0.1); `localhost` resolves through the injected
resolver in-process.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from engine.build import build_folder
from engine.home import Home
from engine.network import patterns
from engine.network.policy import NetworkPolicy
from engine.runtime import SandboxPolicy
from fixtures.env import REPO, SHARED_CACHE
from fixtures.http_server import serve

FIXTURE = REPO / "tests" / "fixtures" / "netskill"


@pytest.fixture(scope="session")
def netskill(tmp_path_factory) -> Path:
    """tests/fixtures/netskill copied out of the tree and built (cached by content hash): its folder."""
    folder = tmp_path_factory.mktemp("netskill") / "netskill"
    shutil.copytree(FIXTURE, folder)
    build_folder(Home(root=SHARED_CACHE / "build-home", cache=SHARED_CACHE), folder)
    return folder


@pytest.fixture
def server():
    with serve() as srv:
        yield srv


def test_skill_run_json_carries_the_fetch_of_a_skill_without_grants(skill, netskill, server):
    skill("install", str(netskill))
    url = server.url("/json?token=abc")
    proc = skill("run", "netskill:get", "--arg", f"url={url}", "--json", check=None)
    result = json.loads(proc.stdout)
    assert not result["ok"] and "this skill has no network access" in result["error"]["message"]
    assert server.seen == []
    (record,) = result["requests"]
    assert record["method"] == "GET" and record["url"] == server.url("/json")  # no query string
    assert record["allowed"] is False and record["error"] == "denied"
    assert f"--net http://127.0.0.1:{server.port}" in record["hint"]
    (row,) = json.loads(skill("history", "--json").stdout)
    assert row["requests"] == [record]


@pytest.fixture
def run_tool(engine, netskill):
    """Run a netskill tool in the runtime with a `localhost` grant for the server's port."""
    runtime = engine.runtime
    runtime.resolver = lambda name: ["127.0.0.1"] if name == "localhost" else []
    component = runtime.load(*_installed(engine, netskill))

    def run(server, tool: str, args: dict, **kw):
        network = NetworkPolicy(allow=(patterns.parse(f"http://localhost:{server.port}"),), skill="netskill")
        return runtime.call(component, SandboxPolicy(network=network), "execute-tool", tool, json.dumps(args), **kw)

    return run


def _installed(engine, folder: Path) -> tuple[str, Path]:
    installed = engine.install(folder).skill
    return installed.component_sha256, installed.component_path


def test_fetch_in_a_skill_reaches_a_granted_server(run_tool, server):
    outcome = run_tool(server, "get", {"url": server.url("/echo", "localhost")})
    result = json.loads(outcome.value)
    answer = json.loads(result["output"])
    assert answer["status"] == 200 and ["x-from", "netskill"] in json.loads(answer["body"])["headers"]
    assert [r.status for r in outcome.requests] == [200]


def test_fetch_outside_the_grants_is_a_typeerror_with_code_denied(run_tool, server):
    outcome = run_tool(server, "get", {"url": f"http://evil.test:{server.port}/json"})
    result = json.loads(outcome.value)
    assert json.loads(result["output"]) == {"code": "denied"}
    assert "skill grant netskill --net http://evil.test:" in result["errorMessage"] and server.seen == []


def test_promise_all_of_five_fetches_overlaps(run_tool, server):
    urls = ",".join([server.url("/slow?s=0.4", "localhost")] * 5)
    started = time.monotonic()
    outcome = run_tool(server, "all", {"urls": urls})
    elapsed = time.monotonic() - started
    answer = json.loads(json.loads(outcome.value)["output"])
    assert answer["statuses"] == [200] * 5
    assert elapsed < 1.2  # one after the other: 2 s


def test_a_cancel_during_a_fetch_stops_the_skill_at_once(run_tool, server):
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    outcome = run_tool(server, "get", {"url": server.url("/slow?s=20", "localhost")}, cancel=cancel)
    assert time.monotonic() - started < 1.0
    assert outcome.stopped == "cancelled" and "during GET" in outcome.failure
    assert outcome.requests[0].reason == "the run was stopped (cancelled)"


HOST_BOUND = """\
name: netskill
version: 1.0.0
description: Calls fetch for the network tests
source: skill.js
component: dist/netskill.wasm
config:
  token:
    type: string
    secret: true
    expose: false
    inject: {header: Authorization, format: "Bearer {value}", hosts: ["http://localhost:*"]}
  region:
    type: string
capabilities:
  network:
    allow: ["http://localhost:*", "http://127.0.0.1:*"]
"""


def test_a_host_bound_secret_reaches_its_host_and_no_route_shows_it_to_the_skill(skill, netskill, server, tmp_path):
    """Through the real `skill` command: the token goes out to localhost (its host) on every request,
    and the skill cannot get it from env, get-config, validateConfig's JSON, or by asking another
    allowed host (127.0.0.1, an echo server) to reflect what it was sent."""
    token = "tok-hostbound-Zq81vXw3"
    folder = tmp_path / "netskill"
    shutil.copytree(netskill, folder)
    (folder / "skill.yaml").write_text(HOST_BOUND, encoding="utf-8")
    skill("install", str(folder), "--yes")
    skill("config", "netskill", "--set", f"token={token}", "--set", "region=eu")

    def run(tool: str, *args: str) -> dict:
        proc = skill("run", f"netskill:{tool}", *args, "--json")
        assert token not in proc.stdout + proc.stderr
        return json.loads(proc.stdout)

    seen = json.loads(run("seen")["output"])
    assert ["SKILL_REGION", "eu"] in seen["env"] and not any(k == "SKILL_TOKEN" for k, _ in seen["env"])
    assert seen["config"] == [["region", "eu"]]
    assert json.loads(seen["validated"]) == {"region": "eu"}

    elsewhere = json.loads(run("get", "--arg", f"url={server.url('/echo')}")["output"])
    reflected = dict(json.loads(elsewhere["body"])["headers"])
    assert "authorization" not in reflected and reflected["x-from"] == "netskill"

    bound = run("get", "--arg", f"url={server.url('/echo', 'localhost')}")
    assert {k.lower(): v for k, v in server.seen[-1].headers}["authorization"] == f"Bearer {token}"
    assert (
        dict(json.loads(json.loads(bound["output"])["body"])["headers"])["authorization"] == "••••••"
    )  # the whole header value is masked
    assert token not in skill("history", "--json").stdout
