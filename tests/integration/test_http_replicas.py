"""Replicas: `skill serve --http` on a read-only home baked like an image (SKILL_ENGINE_READONLY=1),
secrets from files or variables, and two `--stateless` replicas behind the round-robin balancer of
`fixtures.balancer`, driven with httpx and the MCP SDK's streamable HTTP client over real sockets.
The two-replica run is docs/deploy.md's shell block, run as written."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import mcp_types as types
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from prometheus_client.parser import text_string_to_metric_families

from engine.home import Home
from fixtures import wat
from fixtures.balancer import balanced
from fixtures.env import SHARED_CACHE, SKILL_DIRS, run_skill
from fixtures.serve import REPO, served

pytestmark = pytest.mark.anyio
LIMIT = 90  # seconds: no test may hang longer
SECRET = "replica-token-1234"  # greeter's api_token must look like 12-128 letters, digits, . _ -
READONLY = {"SKILL_ENGINE_READONLY": "1"}


def skill(
    home: Home, *args: str, env: dict[str, str] | None = None, check: int | None = 0
) -> subprocess.CompletedProcess:
    """`skill ARGS` as a person runs it, on `home` (whose cache is inside it, as in an image)."""
    on_home = {"SKILL_ENGINE_HOME": str(home.root), "SKILL_ENGINE_CACHE": str(home.cache)}
    return run_skill(*args, env={**on_home, **(env or {})}, check=check, timeout=120)


def seed_compile_cache(cache: Path, wasm: Path) -> None:
    """Copy the machine code of `wasm` from the suite's shared cache, when it is there (the warm-up then
    reads it instead of spending 5-14 s in Cranelift; it is what the warm-up would write)."""
    sha = hashlib.sha256(wasm.read_bytes()).hexdigest()
    (cache / "compiled").mkdir(parents=True, exist_ok=True)
    for done in (SHARED_CACHE / "compiled").glob(f"{sha}-*"):
        shutil.copy2(done, cache / "compiled" / done.name)


def tree(root: Path) -> list[tuple[str, str, int, int, int]]:
    """Every entry under `root`: (path, kind, size, mtime_ns, mode). Equal before and after: nothing written."""
    out = []
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        kind = "l" if path.is_symlink() else "d" if path.is_dir() else "f"
        out.append((str(path.relative_to(root)), kind, st.st_size if kind == "f" else 0, st.st_mtime_ns, st.st_mode))
    return out


@pytest.fixture(scope="module")
def image(tmp_path_factory, built_examples):
    """A home baked as docs/deploy.md says: echo and spin (WAT) and greeter installed with `skill`, greeter's
    api_token referenced (the vault dropped), warmed up (a run each, a search), per-process files
    removed, then `chmod -R a-w`. Its cache is inside it. Shared by the module's tests: each checks that
    it changed nothing."""
    tmp_path = tmp_path_factory.mktemp("replicas")
    root = tmp_path / "image"
    home = Home(root=root, cache=root / "cache")
    echo = tmp_path / "echo.wasm"
    echo.write_bytes(wat.component_bytes("echo", name="echo"))
    seed_compile_cache(home.cache, SKILL_DIRS["greeter"] / "dist/greeter.wasm")
    skill(home, "install", str(echo))
    spin = tmp_path / "spin"  # a run that lasts its 2 s limit
    spin.mkdir()
    (spin / "spin.wasm").write_bytes(wat.component_bytes("spin", name="spin"))
    (spin / "skill.yaml").write_text("name: spin\nversion: 1.0.0\ndescription: spins\ncapabilities:\n  timeout_s: 2\n")
    skill(home, "install", str(spin))
    skill(home, "install", str(SKILL_DIRS["greeter"]))
    skill(home, "config", "greeter", "--set", "api_token=placeholder-0000", env={"SKILL_SECRETS": "vault"})
    skill(home, "run", "echo:echo", "--arg", "text=warm")
    skill(home, "run", "greeter:greet", "--arg", "name=warm", env={"SKILL_SECRETS": "vault"})
    skill(home, "find", "say hello")
    shutil.rmtree(root / "secrets")
    (root / "history.jsonl").unlink()
    shutil.rmtree(root / "tmp")
    subprocess.run(["chmod", "-R", "a-w", str(root)], check=True)
    yield home
    subprocess.run(["chmod", "-R", "u+w", str(root)], check=True)


@asynccontextmanager
async def mcp_session(url: str, hello: list | None = None):
    """A ClientSession over streamable HTTP; `hello` receives the server's initialize result."""
    async with create_mcp_http_client() as http, streamable_http_client(url, http_client=http) as (read, write):
        async with ClientSession(read, write, read_timeout_seconds=30) as session:
            (hello if hello is not None else []).append(await session.initialize())
            yield session


def text(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


# ---- a read-only home ------------------------------------------------------------------------------


async def test_a_read_only_home_serves_and_nothing_under_it_changes(image, tmp_path):
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "greeter.default.api_token").write_text(SECRET + "\n")
    env = {**READONLY, "SKILL_SECRETS_DIR": str(secrets)}
    before = tree(image.root)
    with served(image, "--http", "--stateless", env=env) as s:
        listing = httpx.get(f"{s.base}/api/v1/skills").json()["skills"]
        assert sorted(x["name"] for x in listing) == ["echo", "greeter", "spin"]
        with anyio.fail_after(LIMIT):
            async with mcp_session(s.mcp) as session:
                echoed = await session.call_tool("echo__default__echo", {"text": "read-only"})
                assert not echoed.is_error and echoed.structured_content == {"text": "read-only"}
                status = await session.call_tool("greeter__default__config-status", {})
                assert not status.is_error, text(status)
                assert status.structured_content["api_token"]["source"] != "default"  # the file's secret reached it
        assert "Traceback" not in s.stderr and SECRET not in s.stderr
        assert not re.search(r"cannot write|read-only file system|permission denied", s.stderr, re.I), s.stderr
    ran = skill(image, "run", "greeter:config-status", "--json", env=env)
    assert json.loads(ran.stdout)["data"]["api_token"]["source"] != "default"
    assert SECRET not in ran.stdout + ran.stderr
    found = skill(image, "find", "say hello", "--json", env=env)
    assert json.loads(found.stdout)["results"][0]["skill"] == "greeter"
    assert not re.search(r"[1-9]\d* document\(s\) embedded", found.stderr), found.stderr  # the baked index, read
    assert tree(image.root) == before


@pytest.mark.parametrize(
    "command",
    [
        ["install", "SOURCE"],
        ["remove", "echo", "--yes"],
        ["config", "greeter", "--set", "greeting=Hi"],
        ["instance", "add", "echo@work"],
        ["grant", "echo", "--net", "api.example.com"],
        ["trust", "policy", "require"],
        ["prune"],
    ],
)
def test_a_command_that_would_write_says_the_home_is_read_only(image, command):
    before = tree(image.root)
    args = [str(image.root.parent / "echo.wasm") if a == "SOURCE" else a for a in command]
    proc = skill(image, *args, env=READONLY, check=2)
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert f"the home {image.root} is read-only (SKILL_ENGINE_READONLY=1)" in proc.stderr, proc.stderr
    assert tree(image.root) == before


def test_secrets_come_from_variables_and_a_missing_one_names_where_to_put_it(image):
    variable = {**READONLY, "SKILL_SECRET_GREETER__DEFAULT__API_TOKEN": SECRET}
    ran = skill(image, "run", "greeter:config-status", "--json", env=variable)
    assert json.loads(ran.stdout)["data"]["api_token"]["source"] != "default"
    assert SECRET not in ran.stdout + ran.stderr
    missing = skill(image, "run", "greeter:config-status", env=READONLY, check=None)
    assert missing.returncode != 0 and missing.stderr.count("\n") == 1, missing.stderr
    assert "greeter@default:api_token" in missing.stderr
    assert "SKILL_SECRET_GREETER__DEFAULT__API_TOKEN" in missing.stderr


# ---- two replicas behind a balancer ---------------------------------------------------------------


def runs(base: str, source: str) -> float:
    """skill_runs_total of one replica for runs that came in by `source` (its own /metrics)."""
    r = httpx.get(f"{base}/metrics")
    assert r.status_code == 200
    found = [s for family in text_string_to_metric_families(r.text) for s in family.samples]
    return sum(s.value for s in found if s.name == "skill_runs_total" and s.labels.get("source") == source)


async def test_two_stateless_replicas_answer_through_the_balancer_and_sigterm_drains_one(image, tmp_path):
    state_a = tmp_path / "state-a"
    env_a = {**READONLY, "SKILL_ENGINE_STATE": str(state_a), "SKILL_SECRET_GREETER__DEFAULT__API_TOKEN": SECRET}
    env_b = {**READONLY, "SKILL_SECRET_GREETER__DEFAULT__API_TOKEN": SECRET}  # no state folder: history in memory
    with (
        served(image, "--http", "--stateless", env=env_a) as a,
        served(image, "--http", "--stateless", env=env_b) as b,
        balanced([a.base, b.base]) as lb,  # health: /ready
    ):
        executed: dict[str, int] = {a.base: 0, b.base: 0}
        for i in range(4):
            r = httpx.post(f"{lb.url}/api/v1/execute", json={"skill": "echo", "tool": "echo", "args": {"text": str(i)}})
            assert r.status_code == 200 and r.json()["ok"] and r.json()["data"] == {"text": str(i)}, r.text
            executed[r.headers["x-backend"]] += 1
        assert executed == {a.base: 2, b.base: 2}  # round robin
        with anyio.fail_after(LIMIT):
            async with mcp_session(f"{lb.url}/mcp") as session:  # each POST may land on either replica
                for i in range(4):
                    called = await session.call_tool("echo__default__echo", {"text": f"call {i}"})
                    assert not called.is_error and called.structured_content == {"text": f"call {i}"}
        for replica in (a, b):  # each counts and records its own runs, and only those
            assert runs(replica.base, "rest") == executed[replica.base]
            history = httpx.get(f"{replica.base}/api/v1/history").json()["runs"]
            assert sorted(r["source"] for r in history) == sorted(
                ["rest"] * executed[replica.base] + ["mcp"] * int(runs(replica.base, "mcp"))
            )
        assert runs(a.base, "mcp") + runs(b.base, "mcp") == 4 and runs(a.base, "mcp") > 0 < runs(b.base, "mcp")
        on_disk = [json.loads(line) for line in (state_a / "history.jsonl").read_text().splitlines()]
        assert len(on_disk) == runs(a.base, "rest") + runs(a.base, "mcp")

        # SIGTERM on a with a run in flight: a leaves the rotation at once (/ready 503), b answers
        # everything, a's run finishes (spin: stopped at its 2 s limit), then a exits 0
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(
                httpx.post, f"{a.base}/api/v1/execute", json={"ref": "spin:echo", "args": {"text": "x"}}, timeout=30
            )
            deadline = time.monotonic() + 10
            while httpx.get(f"{a.base}/metrics").text.find("skill_runs_in_flight 1.0") < 0:
                assert time.monotonic() < deadline, "the spin run did not start"
                time.sleep(0.05)
            a.proc.send_signal(signal.SIGTERM)
            while a.base in lb.healthy:
                assert time.monotonic() < deadline + 5, "the draining replica stayed in the rotation"
                time.sleep(0.02)
            assert a.proc.poll() is None  # still draining
            for _ in range(4):
                r = httpx.get(f"{lb.url}/api/v1/skills")
                assert r.status_code == 200 and r.headers["x-backend"] == b.base
            spun = slow.result().json()
        assert (spun["ok"], spun["stopped"]) == (False, "timeout")
        assert a.proc.wait(timeout=10) == 0
        assert httpx.post(f"{lb.url}/api/v1/execute", json={"ref": "echo:echo", "args": {"text": "b"}}).json()["ok"]
        assert "Traceback" not in a.stderr + b.stderr and SECRET not in a.stderr + b.stderr


async def test_stateless_mcp_answers_and_promises_no_list_changed_while_a_session_does(image):
    """What --stateless loses (docs/deploy.md): list_changed, which needs a session to be sent on."""
    for flags, promised in ((("--stateless",), False), ((), True)):
        with served(image, "--http", *flags, env=READONLY) as s:
            hello: list = []
            with anyio.fail_after(LIMIT):
                async with mcp_session(s.mcp, hello) as session:
                    assert not (await session.call_tool("echo__default__echo", {"text": "x"})).is_error
            assert bool(hello[0].capabilities.tools.list_changed) is promised, flags


async def test_without_stateless_a_session_needs_affinity(image):
    """A handshake-era session lives in the replica that made it: round robin breaks it (what
    docs/deploy.md says), while each replica alone serves it."""
    with (
        served(image, "--http", env=READONLY) as a,
        served(image, "--http", env=READONLY) as b,
        balanced([a.base, b.base], health="/health") as lb,
    ):
        with anyio.fail_after(LIMIT):
            for s in (a, b):
                async with mcp_session(s.mcp) as session:
                    assert not (await session.call_tool("echo__default__echo", {"text": "direct"})).is_error
        with pytest.raises(Exception) as broken:  # noqa: PT011 - the SDK raises its own error types
            with anyio.fail_after(20):
                async with mcp_session(f"{lb.url}/mcp") as session:
                    for i in range(4):
                        called = await session.call_tool("echo__default__echo", {"text": str(i)})
                        if called.is_error:
                            raise RuntimeError(text(called))
        assert broken.value is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shell_block(doc: Path, heading: str) -> str:
    """The ```sh block under `heading` of a Markdown file, as written."""
    text = doc.read_text(encoding="utf-8").split(heading, 1)[1]
    return re.search(r"```sh\n(.*?)```", text, re.S)[1]  # type: ignore[index]


def test_the_two_replica_run_of_docs_deploy_works_as_written(tmp_path, built_examples):
    block = shell_block(REPO / "docs/deploy.md", "## Two replicas on one machine")
    for name in ("examples", "tests"):
        (tmp_path / name).symlink_to(REPO / name)
    seed_compile_cache(tmp_path / "image/cache", SKILL_DIRS["textkit"] / "dist/textkit.wasm")
    ports = {"PORT_A": free_port(), "PORT_B": free_port(), "PORT_LB": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_")}
    env.update({k: str(v) for k, v in ports.items()})
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", block],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        listing, slug = (json.loads(line) for line in out.splitlines()[-2:])
        assert [x["name"] for x in listing["skills"]] == ["textkit"]
        assert slug["ok"] and "hello-world" in slug["output"], slug
        lb = f"http://127.0.0.1:{ports['PORT_LB']}"
        ran = {httpx.get(f"{lb}/api/v1/skills").headers["x-backend"] for _ in range(4)}
        assert ran == {f"http://127.0.0.1:{ports['PORT_A']}", f"http://127.0.0.1:{ports['PORT_B']}"}
        os.kill(int((tmp_path / "a.pid").read_text()), signal.SIGTERM)  # as the doc says
        deadline = time.monotonic() + 10
        while True:
            backends = {httpx.get(f"{lb}/api/v1/skills").headers.get("x-backend") for _ in range(4)}
            if backends == {f"http://127.0.0.1:{ports['PORT_B']}"}:
                break
            assert time.monotonic() < deadline, backends
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        for pid_file in ("a.pid", "b.pid", "lb.pid"):
            try:
                os.kill(int((tmp_path / pid_file).read_text()), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        subprocess.run(["chmod", "-R", "u+w", str(tmp_path / "image")], check=False)
