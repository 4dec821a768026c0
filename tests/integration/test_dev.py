"""Dev mode: every save is live in milliseconds through the dev host; errors keep the last good version.

The dev host is componentized and compiled once per cache; after that each reload is an
esbuild bundle plus a fresh instance.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engine.build.dev import DevRunResult, DevSession, ReleaseInstalled, Reloaded, ReloadFailed
from engine.build.scaffold import init_project
from fixtures.authoring.edits import set_greet_return
from fixtures.env import REPO, SHARED_CACHE


@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "demo"
    init_project(folder, "js", description="Demo skill")
    return folder


def test_edits_are_live_errors_keep_the_last_good_version(engine, project):
    events = []
    src = project / "skill.js"
    with DevSession(
        engine, project, on_event=events.append, release=False, run_tool="greet", run_args={"name": "Ada"}
    ) as s:
        first = s.start()
        assert isinstance(first, Reloaded) and first.tools == ("greet", "word-count")
        assert events[-1].output == "Hello, Ada!"
        for i in range(6):
            set_greet_return(src, f"return ok(`v{i}: ${{greeting}}, ${{name}}`);")
            r = s.reload()
            assert isinstance(r, Reloaded) and r.ms < 2000
            assert isinstance(events[-1], DevRunResult) and events[-1].output == f"v{i}: Hello, Ada", events[-1]

        # a syntax error is reported at file:line; v5 keeps answering
        text = src.read_text()
        src.write_text(text.replace("return ok(`v5", "return ok(( `v5"))
        bad = s.reload()
        assert isinstance(bad, ReloadFailed) and bad.serving
        line = 1 + text[: text.index("return ok(`v5")].count("\n")
        assert f"skill.js:{line}:" in bad.error, bad.error
        assert s.run("greet", {"name": "Bo"}).output == "v5: Hello, Bo"

        # an error while the module loads (defineSkill refuses a tool) is reported too
        src.write_text(text.replace('name: "word-count"', 'name: "greet"'))
        bad = s.reload()
        assert isinstance(bad, ReloadFailed) and "defined twice" in bad.error, bad.error
        assert s.run("greet", {"name": "Bo"}).output == "v5: Hello, Bo"

        # fixing it recovers; a new tool appears
        src.write_text(text.replace("return ok(`v5", "return ok(`fixed"))
        assert isinstance(s.reload(), Reloaded)
        assert events[-1].output == "fixed: Hello, Ada"

        # the run still has the instance's sandbox: config, no view of the dev source
        from fixtures.env import set_config

        set_config(engine, "demo", "default", {"greeting": "Hoi"})
        assert s.run("greet", {"name": "Ada"}).output == "fixed: Hoi, Ada"
        r = s.run("nope", {})
        assert not r.ok and "no tool 'nope'" in r.error


def test_watch_reloads_on_save(engine, project):
    events = []
    src = project / "skill.js"
    got = threading.Condition()

    def on_event(e):
        with got:
            events.append(e)
            got.notify_all()

    s = DevSession(engine, project, on_event=on_event, release=False, run_tool="greet", run_args={"name": "Ada"})
    s.start()
    stop = threading.Event()
    watching = threading.Event()
    t = threading.Thread(target=s.watch, args=(stop,), kwargs={"on_watching": watching.set}, daemon=True)
    t.start()
    try:
        assert watching.wait(10)
        time.sleep(0.3)  # let the watcher arm
        for i in range(3):
            set_greet_return(src, f"return ok(`w{i} ${{name}}`);")
            with got:
                assert got.wait_for(
                    lambda i=i: any(isinstance(e, DevRunResult) and e.output == f"w{i} Ada" for e in events), timeout=10
                ), events[-3:]
    finally:
        stop.set()
        t.join(5)
        s.close()


def test_release_build_installs_the_real_component(engine, project):
    events = []
    with DevSession(engine, project, on_event=events.append, release=True, release_delay=0.0) as s:
        s.start()
        assert s.wait_release(300)
    done = [e for e in events if isinstance(e, ReleaseInstalled)]
    assert done, events
    assert engine.run("demo:greet", {"name": "Ada"}).output == "Hello, Ada!"
    assert (project / "dist" / "demo.wasm").is_file()


def test_skill_dev_cli(project, home):
    env = dict(os.environ, SKILL_ENGINE_HOME=str(home.root), SKILL_ENGINE_CACHE=str(SHARED_CACHE))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine.cli",
            "dev",
            str(project),
            "--run",
            "greet",
            "--args",
            '{"name": "Ada"}',
            "--no-release",
            "--max-reloads",
            "1",
            "--stop-after",
            "60",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("watching"):
            time.sleep(0.3)
            set_greet_return(project / "skill.js", "return ok(`cli ${name}`);")
    proc.wait(30)
    assert proc.returncode == 0, proc.stderr.read()
    assert lines[0].startswith("reloaded in ") and lines[1] == "  greet → Hello, Ada!", lines
    assert lines[-2].startswith("reloaded in ") and lines[-1] == "  greet → cli Ada", lines


def test_npm_dependency_is_bundled_in_dev_mode(engine, tmp_path):
    import shutil

    folder = tmp_path / "npm-skill"
    shutil.copytree(REPO / "tests" / "fixtures" / "authoring" / "npm-skill", folder)
    with DevSession(engine, folder, release=False) as s:
        assert isinstance(s.start(), Reloaded)
        assert s.run("case", {"text": "hello big WORLD"}).output == "hello-big-world | Hello Big World"


# ---- secrets and arguments: dev mode runs through the same pipeline as `skill run` ----------------

CANARY = "canary-Dev7Secret-Qx42"


@pytest.fixture
def secret_project(engine, project, monkeypatch) -> Path:
    """The template skill with a secret `token` (value CANARY, in the vault) that greet echoes."""
    from fixtures.authoring.edits import add_secret_echo
    from fixtures.env import set_config

    monkeypatch.setenv("SKILL_SECRETS", "vault")
    add_secret_echo(project)
    set_config(engine, "demo", "default", {"token": engine.config.put_secret("demo", "default", "token", CANARY)})
    return project


def test_skill_dev_run_masks_secrets(secret_project, home, skill):
    from engine.schema import MASK
    from fixtures.config.skills import files_containing

    proc = skill("dev", str(secret_project), "--run", "greet", "--arg", "name=Ada", "--no-release", "--stop-after", "1")
    assert f"  greet → token={MASK}" in proc.stdout.splitlines(), proc.stdout  # the skill saw the secret
    assert CANARY not in proc.stdout + proc.stderr
    assert files_containing(home.root, CANARY) == [], "the secret reached a plain file"


def test_dev_session_run_result_is_masked_everywhere(engine, secret_project):
    from engine.schema import MASK

    lines = []
    with DevSession(engine, secret_project, release=False) as s:
        s.start()
        r = s.run("greet", {"name": "Ada"}, on_line=lambda stream, text: lines.append(text))
    assert r.ok and r.output == f"token={MASK}" and r.data["token"] == MASK
    assert f"out {MASK}" in r.stdout and f"err {MASK}" in r.stderr and lines, (r, lines)
    assert CANARY not in repr(r) + repr(lines)


def test_dev_and_run_read_arg_alike(engine, project, skill):
    """`--arg name=123` is the string "123" for a string parameter, `excited=no` is false: in both commands."""
    proc = skill(
        "dev",
        str(project),
        "--run",
        "greet",
        "--arg",
        "name=123",
        "--arg",
        "excited=no",
        "--no-release",
        "--stop-after",
        "1",
    )
    assert "  greet → Hello, 123." in proc.stdout.splitlines(), proc.stdout
    engine.install(engine.build(project).wasm_path)
    assert skill("run", "demo:greet", "--arg", "name=123", "--arg", "excited=no").stdout == "Hello, 123.\n"
    bad = skill("dev", str(project), "--run", "greet", "--arg", "excited=maybe", "--no-release", "--stop-after", "1")
    assert "  greet → error: --arg excited=maybe: expected a boolean (true/false)" in bad.stdout.splitlines()
