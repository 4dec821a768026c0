"""The REST API's endpoints (`engine.serve.rest`, `engine.serve.openapi`) driven with httpx over a real
socket against `skill serve --http` on the test's home (`fixtures.serve`): skill details and knowledge
files, execute, search, history, the OpenAPI document, and the issue's bad input for each. Every
answer and the server's stderr are checked for tracebacks and secrets."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time

import httpx
import pytest

from fixtures.serve import REPO, serve_env, served

pytestmark = pytest.mark.usefixtures("vault")

SECRET = "sk-topsecret42"
API = "/api/v1"


@pytest.fixture
def echo(wat_skill):
    return wat_skill("echo")


@pytest.fixture
def knowledge_skill(engine, tmp_path):
    """release-notes with a binary file added (assets/logo.png), installed."""
    folder = tmp_path / "release-notes"
    shutil.copytree(REPO / "tests/fixtures/knowledge/release-notes", folder)
    (folder / "assets" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    return engine.install(folder).skill.name


@pytest.fixture
def configured_typed(engine, typed):
    """typed (one config field of every type) with its required fields set, the secret among them."""
    engine.config.save(
        typed, "default", engine.config.parse(typed, {"host": "https://api.example.com", "api_key": "sk-abcd1234"})
    )
    return typed


def clean(s, *responses: httpx.Response, secrets: tuple[str, ...] = ()) -> None:
    """No traceback and no secret in any answer or in the server's stderr."""
    for text in [s.stderr, *(r.text for r in responses)]:
        assert "Traceback" not in text, text
        for secret in secrets:
            assert secret not in text, text


def post(s, path: str, body, **kw) -> httpx.Response:
    return httpx.post(f"{s.base}{API}{path}", json=body, timeout=60, **kw)


def error_of(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"] == "application/json"
    return r.json()["error"]


# ---- skills ----------------------------------------------------------------------------------------------


def test_a_skill_shows_its_tools_config_schema_and_never_a_secret(home, engine, configured_typed):
    from engine.mcp.schema import input_schema

    with served(home, "--http") as s:
        r = httpx.get(f"{s.base}{API}/skills/{configured_typed}")
        assert r.status_code == 200
        detail = r.json()
        skill = engine.skill(configured_typed)
        assert [t["input_schema"] for t in detail["tools"]] == [input_schema(t) for t in skill.tools]
        assert detail["tools"][0]["name"] == "echo" and detail["tools"][0]["description"] == "Return the arguments"
        assert detail["instances"] == [{"name": "default", "ready": True, "missing": []}]
        schema = detail["config_schema"]
        assert schema["required"] == ["host", "api_key"]
        assert schema["properties"]["api_key"] == {"type": "string", "pattern": "sk-[a-z0-9]{8}", "writeOnly": True}
        assert schema["properties"]["port"] == {"type": "integer", "minimum": 1, "maximum": 65535, "default": 8080}
        assert schema["properties"]["host"]["format"] == "uri"
        assert schema["properties"]["mode"]["enum"] == ["fast", "safe"]
        assert detail["files"] == [] and detail["frontmatter"] is None
        clean(s, r, secrets=("sk-abcd1234",))


def test_a_knowledge_skill_shows_its_files_and_serves_them_as_text(home, engine, knowledge_skill):
    with served(home, "--http") as s:
        detail = httpx.get(f"{s.base}{API}/skills/{knowledge_skill}").json()
        assert detail["kind"] == "knowledge" and detail["license"] == "Apache-2.0"
        assert detail["frontmatter"].startswith("name: release-notes")
        assert detail["tools"] == [] and detail["instances"] == []
        paths = {f["path"] for f in detail["files"]}
        assert {"SKILL.md", "references/style.md", "assets/logo.png"} <= paths
        md = httpx.get(f"{s.base}{API}/skills/{knowledge_skill}/files/references/style.md")
        assert md.status_code == 200 and md.headers["content-type"].startswith("text/plain")
        assert md.text == engine.skill_file(knowledge_skill, "references/style.md")
        binary = httpx.get(f"{s.base}{API}/skills/{knowledge_skill}/files/assets/logo.png")
        assert "binary file" in error_of(binary, 400)["message"]
        outside = httpx.get(f"{s.base}{API}/skills/{knowledge_skill}/files/..%2F..%2F..%2Fskills.lock")
        assert outside.status_code in (400, 404) and "error" in outside.json()
        missing = httpx.get(f"{s.base}{API}/skills/{knowledge_skill}/files/references/nope.md")
        assert "references/style.md" in error_of(missing, 404)["message"]
        run = post(s, "/execute", {"skill": knowledge_skill, "tool": "write"})
        assert error_of(run, 404)["message"].startswith(f"{knowledge_skill} is a knowledge skill: it has no tools")
        clean(s, md, binary, outside, missing, run)


def test_only_the_served_skills_and_instances_are_seen(home, engine, echo, knowledge_skill):
    engine.add_instance(echo, "work")
    with served(home, "--http", "--skill", echo, "--instance", "work") as s:
        listing = httpx.get(f"{s.base}{API}/skills").json()["skills"]
        assert [(x["name"], [i["name"] for i in x["instances"]]) for x in listing] == [(echo, ["work"])]
        assert [i["name"] for i in httpx.get(f"{s.base}{API}/skills/{echo}").json()["instances"]] == ["work"]
        hidden = httpx.get(f"{s.base}{API}/skills/{knowledge_skill}")
        assert error_of(hidden, 404)["message"] == f"no skill named {knowledge_skill!r} is served here; served: {echo}"
        hidden_file = httpx.get(f"{s.base}{API}/skills/{knowledge_skill}/files/SKILL.md")
        error_of(hidden_file, 404)
        other = post(s, "/execute", {"skill": echo, "tool": "echo", "args": {"text": "x"}})
        assert "no instance 'default' served here; instances: work" in error_of(other, 404)["message"]
        assert post(s, "/execute", {"skill": echo, "instance": "work", "tool": "echo", "args": {"text": "x"}}).json()[
            "ok"
        ]
        clean(s, hidden, hidden_file, other)


# ---- execute ---------------------------------------------------------------------------------------------


def test_execute_answers_what_skill_run_json_prints(home, echo):
    cli = subprocess.run(
        [sys.executable, "-m", "engine.cli", "run", f"{echo}:echo", "--arg", "text=hi", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **serve_env(home)},
        check=True,
    )
    printed = json.loads(cli.stdout)
    with served(home, "--http") as s:
        r = post(s, "/execute", {"skill": echo, "tool": "echo", "args": {"text": "hi"}})
        assert r.status_code == 200
        reply = r.json()
        assert set(reply) == set(printed) and reply["run_id"] and reply["run_id"] != printed["run_id"]
        varying = ("run_id", "duration_ms", "started_at", "source")
        assert {k: v for k, v in reply.items() if k not in varying} == {
            k: v for k, v in printed.items() if k not in varying
        }
        assert reply["source"] == "rest" and reply["data"] == {"text": "hi"}
        by_ref = post(s, "/execute", {"ref": f"{echo}@default:echo", "args": {"text": "hi", "times": 2}})
        assert by_ref.json()["ok"] and by_ref.json()["args"] == {"text": "hi", "times": 2}
        clean(s, r, by_ref)


def test_a_failed_run_is_200_with_ok_false(home, wat_skill):
    trap = wat_skill("trap")
    with served(home, "--http") as s:
        r = post(s, "/execute", {"skill": trap, "tool": "echo", "args": {"text": "x"}})
        assert r.status_code == 200
        reply = r.json()
        assert reply["ok"] is False and reply["error"]["code"] == "trap" and reply["error"]["message"]
        clean(s, r)


def test_execute_bad_input_gets_the_right_status_and_one_line(home, echo):
    with served(home, "--http") as s:
        url = f"{s.base}{API}/execute"
        malformed = httpx.post(url, content=b'{"skill": "echo", ', headers={"content-type": "application/json"})
        assert error_of(malformed, 400)["message"].startswith("body: Invalid JSON")
        form = httpx.post(url, data={"skill": echo})
        assert "Content-Type: application/json" in error_of(form, 415)["message"]
        not_object = httpx.post(url, json=[1, 2])
        error_of(not_object, 400)
        unknown_skill = post(s, "/execute", {"skill": "nope", "tool": "echo"})
        assert error_of(unknown_skill, 404)["message"] == f"no skill named 'nope' is served here; served: {echo}"
        unknown_tool = post(s, "/execute", {"skill": echo, "tool": "nope"})
        assert error_of(unknown_tool, 404)["message"] == f"{echo} has no tool 'nope'; its tools are: echo, other"
        unknown_instance = post(s, "/execute", {"skill": echo, "instance": "work", "tool": "echo"})
        assert "no instance 'work'" in error_of(unknown_instance, 404)["message"]
        wrong_type = post(s, "/execute", {"skill": echo, "tool": "echo", "args": {"text": "x", "times": "two"}})
        error = error_of(wrong_type, 400)
        assert "times" in error["message"] and error["details"]["param"] == "times"
        missing = post(s, "/execute", {"skill": echo, "tool": "echo", "args": {}})
        assert error_of(missing, 400)["details"] == {"param": "text", "reason": "required"}
        extra = post(s, "/execute", {"skill": echo, "tool": "echo", "argz": {}})
        assert error_of(extra, 400)["message"].startswith("argz: ")
        both = post(s, "/execute", {"ref": f"{echo}:echo", "skill": echo})
        assert "not both" in error_of(both, 400)["message"]
        bad_ref = post(s, "/execute", {"ref": "Not A Ref!"})
        error_of(bad_ref, 400)
        timeout = post(s, "/execute", {"skill": echo, "tool": "echo", "args": {"text": "x"}, "timeout_s": 0})
        assert error_of(timeout, 400)["message"].startswith("timeout_s: ")
        args_not_object = post(s, "/execute", {"skill": echo, "tool": "echo", "args": "text=x"})
        assert error_of(args_not_object, 400)["message"].startswith("args: ")
        clean(
            s, malformed, form, not_object, unknown_skill, unknown_tool, unknown_instance, wrong_type, missing, extra,
            both, bad_ref, timeout, args_not_object,
        )  # fmt: skip


def test_a_not_ready_instance_is_409_before_anything_runs(home, engine, typed):
    with served(home, "--http") as s:
        r = post(s, "/execute", {"skill": typed, "tool": "echo", "args": {"text": "x"}})
        error = error_of(r, 409)
        assert error["code"] == "not_ready"
        assert error["message"].startswith(f"{typed}@default is not ready: missing host, api_key; configure it")
        assert error["details"]["missing"] == ["host", "api_key"]
        assert httpx.get(f"{s.base}{API}/history").json()["runs"] == []  # nothing ran
        clean(s, r)


def test_a_full_server_refuses_with_503_and_retry_after(home, wat_skill, echo):
    spin = wat_skill("spin")
    with served(home, "--http", "--max-in-flight", "1") as s:
        first: list[httpx.Response] = []

        def spin_once() -> None:  # until it got the one slot (an echo below may hold it for a moment)
            while not first or first[-1].status_code == 503:
                first.append(
                    post(s, "/execute", {"skill": spin, "tool": "echo", "args": {"text": "x"}, "timeout_s": 3})
                )

        runner = threading.Thread(target=spin_once)
        runner.start()
        refused = None
        deadline = time.monotonic() + 10
        while refused is None and runner.is_alive() and time.monotonic() < deadline:
            r = post(s, "/execute", {"skill": echo, "tool": "echo", "args": {"text": "x"}})
            refused = r if r.status_code == 503 else None
        runner.join()
        assert refused is not None, "the echo was never refused while the spin held the one slot"
        assert error_of(refused, 503)["code"] == "unavailable" and refused.headers["retry-after"] == "1"
        assert first[-1].json()["error"]["code"] == "timeout"
        clean(s, refused, *first)


def test_secrets_stay_out_of_every_answer_and_the_log(home, engine, example):
    probe = example("probe").name
    engine.config.save(probe, "default", engine.config.parse(probe, {"token": SECRET}))
    with served(home, "--http") as s:
        env = post(s, "/execute", {"skill": probe, "tool": "env", "args": {"name": "SKILL_TOKEN"}})
        assert env.json()["ok"] and env.json()["data"] == {"value": "••••••"}
        config = post(s, "/execute", {"skill": probe, "tool": "config-all"})
        assert config.json()["ok"] and config.json()["data"]["token"] == "••••••"
        printed = post(s, "/execute", {"skill": probe, "tool": "throw"})
        assert printed.status_code == 200 and printed.json()["ok"] is False
        detail = httpx.get(f"{s.base}{API}/skills/{probe}")
        assert detail.json()["config_schema"]["properties"]["token"]["writeOnly"] is True
        history = httpx.get(f"{s.base}{API}/history")
        assert len(history.json()["runs"]) == 3
        clean(s, env, config, printed, detail, history, secrets=(SECRET,))


# ---- search and history ----------------------------------------------------------------------------------


def test_search_finds_served_tools_and_knowledge(home, echo, knowledge_skill):
    with served(home, "--http") as s:
        r = post(s, "/search", {"query": "return the arguments"})
        assert r.status_code == 200
        found = r.json()
        assert found["method"] in ("semantic", "words")
        first = found["results"][0]
        assert first == {
            "skill": echo,
            "tool": "echo",
            "kind": "tool",
            "score": first["score"],
            "description": f"{echo}@default: Return the arguments",
            "ref": f"{echo}@default:echo",
        }
        notes = post(s, "/search", {"query": "write release notes", "kind": "skill"}).json()["results"]
        assert notes and {x["kind"] for x in notes} == {"skill"} and notes[0]["skill"] == knowledge_skill
        assert httpx.get(f"{s.base}{notes[0]['ref']}").status_code == 200  # the ref reads the file
        only = post(s, "/search", {"query": "release notes", "kind": "tool", "top": 3}).json()["results"]
        assert {x["kind"] for x in only} <= {"tool"} and len(only) <= 3
        blank = post(s, "/search", {"query": "   "})
        assert error_of(blank, 400)["message"].startswith("query: ")
        too_many = post(s, "/search", {"query": "x", "top": 500})
        assert error_of(too_many, 400)["message"].startswith("top: ")
        clean(s, r, blank, too_many)


def test_history_lists_the_served_runs_with_their_source(home, engine, echo, wat_skill):
    other = wat_skill("raw", name="other-skill")
    engine.run(f"{other}:echo", {"text": "cli"})  # a run of a skill not served below: never listed
    engine.flush()
    with served(home, "--http", "--skill", echo) as s:
        for text in ("one", "two"):
            assert post(s, "/execute", {"skill": echo, "tool": "echo", "args": {"text": text}}).json()["ok"]
        runs = httpx.get(f"{s.base}{API}/history", params={"limit": 1}).json()["runs"]
        assert [(r["skill"], r["args"], r["source"]) for r in runs] == [(echo, {"text": "two"}, "rest")]
        every = httpx.get(f"{s.base}{API}/history").json()["runs"]
        assert [r["args"]["text"] for r in every] == ["one", "two"]
        bad = httpx.get(f"{s.base}{API}/history", params={"limit": "0"})
        assert error_of(bad, 400)["message"].startswith("limit: ")
        unknown = httpx.get(f"{s.base}{API}/history", params={"since": "x"})
        error_of(unknown, 400)
        clean(s, bad, unknown)


# ---- the OpenAPI document --------------------------------------------------------------------------------


def test_the_openapi_document_is_valid_and_lists_every_route(home, engine, echo):
    from openapi_spec_validator import validate
    from starlette.applications import Starlette

    from engine.mcp.server import ServeOptions, SkillServer
    from engine.serve.app import build_app
    from engine.serve.context import ServeContext
    from engine.serve.gate import RunGate
    from engine.serve.lifecycle import Lifecycle
    from engine.serve.options import HttpOptions

    with served(home, "--http") as s:
        r = httpx.get(f"{s.base}{API}/openapi.json")
        assert r.status_code == 200
        doc = r.json()
        clean(s, r)
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}

    lifecycle = Lifecycle()
    options = HttpOptions()
    gate = RunGate(engine, lifecycle)
    app = build_app(ServeContext(engine, SkillServer(engine, gate, ServeOptions()), options, gate, lifecycle))
    while not isinstance(app, Starlette):  # under the pure-ASGI middleware
        app = app.app
    served_routes = {
        (method, route.path.replace(":path}", "}"))
        for route in app.routes
        if route.path != options.mcp_path  # MCP's own endpoint: JSON-RPC, not part of this API
        for method in (route.methods or ()) - {"HEAD"}
    }
    assert served_routes == documented
    execute = doc["paths"][f"{API}/execute"]["post"]
    assert execute["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ExecuteRequest"
    }
    assert {"200", "400", "401", "404", "409", "413", "415"} <= set(execute["responses"])
    assert execute["security"] == [{"bearer": []}]
    assert "security" not in doc["paths"]["/health"]["get"]
    query = doc["paths"][f"{API}/skills"]["get"]["parameters"]
    assert [(p["name"], p["in"]) for p in query] == [("kind", "query")]
    file_params = doc["paths"][f"{API}/skills/{{name}}/files/{{path}}"]["get"]["parameters"]
    assert [(p["name"], p["in"]) for p in file_params] == [("name", "path"), ("path", "path")]


# ---- the README's examples -------------------------------------------------------------------------------


def readme_http_blocks() -> list[str]:
    """The ```sh blocks of the README's "HTTP API" chapter, in order."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    chapter = re.search(r"^## HTTP API\n(.*?)^## ", text, re.S | re.M)
    assert chapter, "the README has no HTTP API chapter"
    return re.findall(r"```sh\n(.*?)```", chapter.group(1), re.S)


def test_the_readme_curl_examples_work_as_written(home, engine, built_examples):
    for name in ("textkit", "greeter", "notes"):
        engine.install(built_examples[name])
    for name in ("release-notes", "code-review", "commit-messages"):
        engine.install(REPO / "examples" / name)
    start, *examples = readme_http_blocks()
    argv = shlex.split(start)
    assert argv[:3] == ["skill", "serve", "--http"] and "--port" in argv
    at = argv.index("--port")
    readme_port, args = argv[at + 1], argv[2:at] + argv[at + 2 :]
    assert len(examples) >= 9 and all(block.startswith("curl ") for block in examples)
    with served(home, *args) as s:
        port = s.base.rsplit(":", 1)[1]
        for block in examples:
            command = block.replace(f"127.0.0.1:{readme_port}/", f"127.0.0.1:{port}/")
            assert command != block, block
            proc = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
            assert proc.returncode == 0, (block, proc.stdout, proc.stderr)
            if "-fsS" not in block:  # the errors example
                assert json.loads(proc.stdout)["error"]["details"] == {
                    "param": "text",
                    "reason": "must be a string, got integer 42",
                }
            elif "/stream" in block:
                events = re.findall(r"^event: (\w+)$", proc.stdout, re.M)
                assert events[0] == "start" and events[-2:] == ["done", "close"]
            elif "/files/" in block:
                assert proc.stdout.startswith("---\nname: release-notes")
            else:
                reply = json.loads(proc.stdout)
                assert "error" not in reply or reply.get("ok") is True, reply
        clean(s)
