"""Upstream Skill Engine compatibility (issue 13, item 9) and the JS fetch polyfill, through the real CLI.

The fixture (tests/fixtures/upstream/api-with-auth) is a folder holding only `skill.js` (plain exports
in the upstream cookbook's api-with-auth style), a README and tests.yaml: no skill.yaml. It is built
once for the module (content-hashed cache); every test copies the built folder into its own place.
Network traffic goes to the loopback server of tests/fixtures/http_server.py only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from fixtures.env import REPO, SHARED_CACHE, run_skill
from fixtures.http_server import USERS_TOKEN, serve

FIXTURE = REPO / "tests" / "fixtures" / "upstream" / "api-with-auth"
NAME = "api-with-auth"


def _cli(*args: str, home: Path, check: int | None = 0, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {"SKILL_ENGINE_HOME": str(home), "SKILL_ENGINE_CACHE": str(SHARED_CACHE), "SKILL_SECRETS": "vault"}
    return run_skill(*args, env=env, check=check, timeout=timeout)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    """The fixture folder copied and built with `skill build DIR --json` (one build for the module)."""
    folder = tmp_path_factory.mktemp("upstream") / NAME
    shutil.copytree(FIXTURE, folder)
    proc = _cli("build", str(folder), "--json", home=tmp_path_factory.mktemp("build-home"), timeout=600)
    return folder, json.loads(proc.stdout)


@pytest.fixture
def folder(built, tmp_path) -> Path:
    copy = tmp_path / NAME
    shutil.copytree(built[0], copy)
    return copy


@pytest.fixture
def home_dir(tmp_path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def cli(home_dir):
    home = home_dir

    def run(*args: str, check: int | None = 0, timeout: float = 120) -> subprocess.CompletedProcess:
        return _cli(*args, home=home, check=check, timeout=timeout)

    return run


@pytest.fixture
def server():
    with serve() as s:
        yield s


@pytest.fixture
def installed(folder, cli, server) -> str:
    """Installed with --yes, granted the loopback server, configured for it (api_key a secret)."""
    cli("install", str(folder), "--yes")
    cli("grant", NAME, "--net", f"http://127.0.0.1:{server.port}")
    cli("config", NAME, "--set", f"base_url=http://127.0.0.1:{server.port}", "--secret", f"api_key={USERS_TOKEN}")
    return NAME


def _run(cli, tool: str, *args: str, check: int | None = 0) -> dict:
    return json.loads(cli("run", f"{NAME}:{tool}", *args, "--json", check=check).stdout)


# ---- a folder with only skill.js ---------------------------------------------------------------


def test_a_folder_with_only_skill_js_builds(built):
    """`skill build DIR` said "DIR has no skill.yaml" (a FileNotFoundError traceback before that)."""
    folder, report = built
    assert not (folder / "skill.yaml").exists()
    assert report["tools"] == ["list-users", "fetch-json", "fetch-many", "fetch-abort"], report
    assert Path(report["component"]).is_file()


def test_it_installs_with_name_version_and_tools_from_the_component(folder, cli):
    out = cli("install", str(folder), "--yes").stdout
    assert out.startswith(f"{NAME} 1.2.0 installed: 4 tool(s): list-users, fetch-json"), out
    info = json.loads(cli("info", NAME, "--json").stdout)
    params = {t["name"]: [p["name"] for p in t["parameters"]] for t in info["tools"]}
    assert params["fetch-abort"] == ["url", "after_ms"], info
    assert info["description"] == "List users from an API that wants a Bearer token"


def test_skill_test_runs_its_tests_yaml(folder, cli):
    """`skill test DIR` built the folder through skill.yaml and ran the cases under the folder's name."""
    report = json.loads(cli("test", str(folder), "--json").stdout)
    assert report["passed"] == 2 and report["ok"], report


def test_skill_dev_reloads_it(folder, cli, server):
    """`skill dev DIR` refused a folder without skill.yaml; the dev host also needs the fetch polyfill."""
    proc = cli(
        "dev",
        str(folder),
        "--run",
        "fetch-json",
        "--arg",
        f"url=http://127.0.0.1:{server.port}/json",
        "--no-release",
        "--stop-after",
        "3",
        timeout=300,
    )
    assert "reloaded in" in proc.stdout and "4 tools: list-users" in proc.stdout, proc.stdout
    # no grant in dev for this instance: the polyfill answers with a TypeError, code denied (no trap)
    assert '\\"code\\":\\"denied\\"' in proc.stdout or '"code":"denied"' in proc.stdout, proc.stdout


# ---- config without a schema ---------------------------------------------------------------------


def test_a_skill_without_a_config_schema_takes_any_key_and_secrets(installed, cli, home_dir):
    shown = json.loads(cli("config", NAME, "--json").stdout)
    fields = {f["name"]: f for f in shown["fields"]}
    assert fields["base_url"]["value"].startswith("http://127.0.0.1:"), shown
    assert fields["api_key"]["secret"] and fields["api_key"]["value"] != USERS_TOKEN, shown
    config_toml = (home_dir / "instances" / NAME / "default" / "config.toml").read_text()
    assert USERS_TOKEN not in config_toml and "base_url" in config_toml, config_toml
    assert cli("config", NAME, "--get", "api_key").stdout.strip() == USERS_TOKEN


def test_an_undeclared_secret_is_masked_in_runs(installed, cli, server, home_dir):
    from engine.schema import MASK

    echoed = f"http://127.0.0.1:{server.port}/echo?{USERS_TOKEN}"
    proc = cli("run", f"{NAME}:fetch-json", "--arg", f"url={echoed}", "--json")
    assert USERS_TOKEN not in proc.stdout + proc.stderr and MASK in proc.stdout, proc.stdout
    history = json.loads(cli("history", "--json").stdout)
    assert history and USERS_TOKEN not in json.dumps(history), history


# ---- fetch, end to end -------------------------------------------------------------------------


def test_upstream_api_with_auth_fetches_with_its_bearer_token(installed, cli, server):
    """validateConfig keeps the key in a module global; the engine calls it before executeTool."""
    result = _run(cli, "list-users")
    assert result["ok"] and result["output"] == "Ada, Grace", result
    sent = [dict((k.lower(), v) for k, v in s.headers) for s in server.seen if s.path == "/users"]
    assert sent and sent[0]["authorization"] == f"Bearer {USERS_TOKEN}", server.seen
    assert USERS_TOKEN not in json.dumps(result)


def test_validate_config_complaint_refuses_the_config(installed, cli):
    """The skill's validateConfig is asked before a save (a run with a bad key fails with the same message:
    tests.yaml's second case, run by test_skill_test_runs_its_tests_yaml)."""
    refused = cli("config", NAME, "--secret", "api_key=abc", check=2)
    assert "the skill rejects this configuration: API key appears to be invalid (too short)" in refused.stderr
    assert _run(cli, "list-users")["output"] == "Ada, Grace"  # the good key is still there


def test_fetch_json_reads_status_headers_url(installed, cli, server):
    url = f"http://127.0.0.1:{server.port}"
    out = json.loads(_run(cli, "fetch-json", "--arg", f"url={url}/json")["output"])
    assert out["status"] == 200 and json.loads(out["body"]) == {"hello": "world"}, out
    assert out["headers"]["content-type"] == "application/json" and out["url"] == f"{url}/json"
    hop = json.loads(_run(cli, "fetch-json", "--arg", f"url={url}/redirect?to=/json")["output"])
    assert hop["redirected"] and hop["url"] == f"{url}/json" and hop["status"] == 200, hop
    manual = _run(cli, "fetch-json", "--arg", f"url={url}/redirect?to=/json", "--arg", "redirect=manual")
    assert json.loads(manual["output"])["status"] == 302, manual
    head = json.loads(_run(cli, "fetch-json", "--arg", f"url={url}/json", "--arg", "method=HEAD")["output"])
    assert head["status"] == 200 and head["body"] == "", head
    empty = json.loads(_run(cli, "fetch-json", "--arg", f"url={url}/status?code=204")["output"])
    assert empty["status"] == 204 and empty["body"] == "", empty


def test_fetch_sends_text_and_binary_bodies(installed, cli, server):
    echo = f"http://127.0.0.1:{server.port}/echo"
    text = json.loads(
        _run(cli, "fetch-json", "--args", json.dumps({"url": echo, "method": "POST", "body": "héllo"}))["output"]
    )
    seen = json.loads(text["body"])
    assert seen["method"] == "POST" and seen["body"] == "héllo" and seen["length"] == 6, seen
    assert ["content-type", "text/plain;charset=UTF-8"] in seen["headers"], seen
    raw = json.loads(
        _run(cli, "fetch-json", "--args", json.dumps({"url": echo, "method": "PUT", "bytes": 256}))["output"]
    )
    seen = json.loads(raw["body"])
    assert seen["method"] == "PUT" and seen["length"] == 256, seen  # 0x80.. is not UTF-8: sent as base64


def test_a_denied_host_is_a_type_error_with_code_denied(installed, cli):
    out = json.loads(_run(cli, "fetch-json", "--arg", "url=https://api.example.invalid/users")["output"])
    error = out["error"]
    assert error["name"] == "TypeError" and error["code"] == "denied", out
    assert "skill grant api-with-auth --net api.example.invalid" in error["message"], out


def test_promise_all_overlaps_five_requests(installed, cli, server):
    urls = [f"http://127.0.0.1:{server.port}/slow?s=0.4"] * 5
    result = _run(cli, "fetch-many", "--args", json.dumps({"urls": urls}))
    out = json.loads(result["output"])
    assert out["bodies"] == ['{"slow": true}'] * 5, out
    assert out["ms"] < 5 * 400 * 0.6, out  # one after the other would take 2 s


def test_abort_before_and_during_a_request(installed, cli, server):
    url = f"http://127.0.0.1:{server.port}/slow?s=5"
    before = json.loads(_run(cli, "fetch-abort", "--arg", f"url={url}", "--arg", "after_ms=-1")["output"])
    assert before["error"]["name"] == "AbortError", before
    during = json.loads(_run(cli, "fetch-abort", "--arg", f"url={url}", "--arg", "after_ms=200")["output"])
    assert during["error"]["name"] == "AbortError" and during["ms"] < 2000, during
    fast = f"http://127.0.0.1:{server.port}/json"
    unused = json.loads(_run(cli, "fetch-abort", "--arg", f"url={fast}", "--arg", "after_ms=3000")["output"])
    assert unused["status"] == 200, unused  # a signal that never fires leaves the response alone
