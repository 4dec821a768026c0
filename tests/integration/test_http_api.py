"""`skill serve --http`: the REST API and the probes beside MCP on one port, driven with httpx over a
real socket (the server is a subprocess on the test's home; see `fixtures.serve`)."""

from __future__ import annotations

import httpx
import pytest

from fixtures.serve import REPO, served


@pytest.fixture
def echo(wat_skill, engine):
    return wat_skill("echo")


@pytest.fixture
def knowledge_skill(engine):
    return engine.install(REPO / "tests/fixtures/knowledge/release-notes").skill.name


def test_one_port_serves_health_rest_and_mcp(home, echo, knowledge_skill):
    with served(home, "--http") as s:
        health = httpx.get(f"{s.base}/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        listing = httpx.get(f"{s.base}/api/v1/skills").json()["skills"]
        assert {x["name"]: x["kind"] for x in listing} == {"echo": "tools", knowledge_skill: "knowledge"}
        assert listing[0]["instances"] == [{"name": "default", "ready": True, "missing": []}]
        only = httpx.get(f"{s.base}/api/v1/skills", params={"kind": "knowledge"}).json()["skills"]
        assert [x["name"] for x in only] == [knowledge_skill]
        mcp = httpx.post(s.mcp, json={}, headers={"accept": "application/json, text/event-stream"})
        assert mcp.status_code == 400  # the SDK's transport answered (a body that is no JSON-RPC message)


def test_a_bad_query_is_a_400_with_the_error_body(home, echo):
    with served(home, "--http") as s:
        r = httpx.get(f"{s.base}/api/v1/skills", params={"kind": "plugins"})
        assert r.status_code == 400
        error = r.json()["error"]
        assert error["code"] == "bad_request" and error["message"].startswith("kind: ")


def test_http_only_drops_mcp_and_mcp_only_drops_rest(home, echo):
    with served(home, "--http-only") as s:
        assert httpx.get(f"{s.base}/api/v1/skills").status_code == 200
        assert httpx.post(s.mcp, json={}).status_code == 404
    with served(home, "--mcp-only") as s:
        assert httpx.get(f"{s.base}/api/v1/skills").status_code == 404
        assert httpx.get(f"{s.base}/health").status_code == 200
