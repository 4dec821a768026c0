"""The `github` example end to end, through the real `skill` command, against a loopback server
that answers with GitHub's API shapes (tests/fixtures/github_api.py). Nothing leaves 127.0.0.1:
the instance's `enterprise_host` is 127.0.0.1 and its `api_url` the server's address.

The token is a host-bound secret: the server must receive it on every request, and the skill
must never hold it (its results, the run records and history carry no trace of it).
"""

from __future__ import annotations

import json

import pytest

from fixtures.env import EXAMPLES
from fixtures.github_api import GitHubAPI, GitHubServer

pytestmark = pytest.mark.usefixtures("vault", "built_examples")

TOKEN = "ghp_loopbackTokenQ8w3Zr5Tn1"


@pytest.fixture
def github(skill):
    """A GitHub-shaped server with one repository, and the example installed and configured for it."""
    api = GitHubAPI(token=TOKEN)
    api.issue("octo-org/hello", "Crash on empty input")
    api.issue("octo-org/hello", "Add a --json flag", pull_request=True)
    with GitHubServer(api):
        skill("install", str(EXAMPLES / "github"), "--yes")
        skill(
            "config",
            "github",
            "--set",
            "enterprise_host=127.0.0.1",
            "--set",
            f"api_url={api.url}",
            "--set",
            f"token={TOKEN}",
        )
        yield api


def run_json(skill, ref: str, *args: str, check: int = 0) -> dict:
    proc = skill("run", ref, *args, "--json", check=check)
    assert TOKEN not in proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def test_the_token_reaches_github_and_only_the_engine_holds_it(github, skill):
    saved = github.seen[-1]  # `skill config` ran the skill's validate-config: GET /user
    assert (saved.method, saved.path) == ("GET", "/user")
    assert saved.headers["authorization"] == f"Bearer {TOKEN}"

    result = run_json(skill, "github:list-issues", "--arg", "repo=octo-org/hello")
    assert result["ok"], result
    assert result["output"] == "#1 Crash on empty input (octocat)"  # the pull request is left out
    assert github.seen[-1].headers["authorization"] == f"Bearer {TOKEN}"
    assert github.seen[-1].headers["user-agent"].startswith("skill-engine")
    [request] = result["requests"]
    assert request["method"] == "GET" and request["status"] == 200 and request["allowed"]
    assert request["url"] == f"{github.url}/repos/octo-org/hello/issues"  # no query string in the audit
    assert request["received_bytes"] > 0

    history = json.loads(skill("history", "--json").stdout)
    assert history[0]["requests"][0]["url"] == request["url"]
    assert TOKEN not in json.dumps(history)


def test_search_and_create_issue(github, skill):
    found = run_json(skill, "github:search-repositories", "--arg", "query=bytecodealliance", "--arg", "limit=2")
    assert found["output"].splitlines() == [
        "1. bytecodealliance/wasmtime ★ 1000 - A fast and secure runtime for WebAssembly",
        "2. bytecodealliance/jco ★ 990 - JavaScript tooling for WebAssembly components",
    ]
    made = run_json(
        skill, "github:create-issue", "--args", json.dumps({"repo": "octo-org/hello", "title": "Docs: typo"})
    )
    assert made["output"] == "opened #3: https://github.com/octo-org/hello/issues/3"
    assert json.loads(github.seen[-1].body) == {"title": "Docs: typo"}
    assert made["requests"][0]["method"] == "POST" and made["requests"][0]["sent_bytes"] > 0


def test_github_errors_are_one_line_that_says_what_to_do(github, skill):
    missing = run_json(skill, "github:list-issues", "--arg", "repo=octo-org/nothing", check=1)
    assert missing["error"]["message"].endswith(
        "not found on GitHub: /repos/octo-org/nothing/issues (or the token cannot see it)"
    )
    bad = run_json(skill, "github:list-issues", "--arg", "repo=not a repo", check=1)
    assert "repo must be owner/name" in bad["error"]["message"]
    assert bad["requests"] == []


def test_a_wrong_token_is_refused_when_it_is_saved(github, skill):
    proc = skill("config", "github", "--set", "token=ghp_wrongWrongWrong123", check=None)
    assert proc.returncode != 0
    assert "GitHub rejected the token (401 Bad credentials)" in proc.stderr
    assert "ghp_wrongWrongWrong123" not in proc.stderr
    assert github.seen[-1].headers["authorization"] == "Bearer ghp_wrongWrongWrong123"  # sent to its host only


def test_a_revoked_grant_denies_the_request_before_it_leaves(github, skill):
    seen = len(github.seen)
    skill("revoke", "github", "--net", "*://{{ config.enterprise_host }}:*")
    result = run_json(skill, "github:list-issues", "--arg", "repo=octo-org/hello", check=1)
    assert "cannot reach GitHub" in result["error"]["message"]
    [request] = result["requests"]
    assert not request["allowed"] and request["error"] == "denied"
    assert request["hint"] == f"skill grant github --net http://127.0.0.1:{github.port}"
    assert len(github.seen) == seen  # nothing reached the server


def test_an_api_url_the_instance_is_not_granted_is_refused_when_saved(github, skill):
    skill("instance", "add", "github@elsewhere")
    seen = len(github.seen)
    proc = skill("config", "github@elsewhere", "--set", f"api_url={github.url}", "--set", f"token={TOKEN}", check=None)
    assert proc.returncode != 0
    assert f"skill grant github@elsewhere --net http://127.0.0.1:{github.port}" in proc.stderr
    assert TOKEN not in proc.stderr
    assert len(github.seen) == seen
