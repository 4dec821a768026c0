"""The README's set-up, test, CLI and screenshot commands, run as a person runs them.

The orders are run from a fresh clone of the committed HEAD, with a fresh HOME, and
without SKILL_ENGINE_* set: exactly what a new user has. So that npm and the builds are
not redone, the fresh HOME's engine cache (~/.cache/skill-tui) is the suite's shared,
content-hashed cache. (Sharing it through SKILL_ENGINE_CACHE instead would hide the bug
these tests are for: each script picking a cache of its own.)
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from fixtures.env import REPO, SHARED_CACHE
from fixtures.tmux import Tmux

EXAMPLES = ["code-review", "commit-messages", "github", "greeter", "notes", "release-notes", "tables", "textkit"]
"""What set-up installs: the component examples and the knowledge ones (SKILL.md folders)."""
STEP_TIMEOUT_S = 900  # a first step in a fresh clone creates .venv (pip) before anything else


def test_setup_installs_the_examples_and_they_run(tmp_path, built_examples):
    env = dict(os.environ, SKILL_ENGINE_HOME=str(tmp_path / "home"), SKILL_ENGINE_CACHE=str(SHARED_CACHE))
    setup = subprocess.run(
        ["bash", "scripts/setup.sh", "--install"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=900,
    )
    assert setup.returncode == 0, setup.stderr[-2000:]
    skill = str(REPO / ".venv" / "bin" / "skill")
    listed = json.loads(
        subprocess.run([skill, "list", "--json"], env=env, capture_output=True, text=True, check=True).stdout
    )
    assert [s["name"] for s in listed] == EXAMPLES
    run = subprocess.run(
        [skill, "run", "greeter:greet", "--arg", "name=Ada", "--json"], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0 and json.loads(run.stdout)["output"] == "Hello, Ada!"


def test_setup_reports_an_example_it_cannot_install_in_one_line_and_goes_on(tmp_path, built_examples):
    """Another textkit 1.0.0 is installed: set-up (hence start.sh) says so and carries on."""
    env = dict(os.environ, SKILL_ENGINE_HOME=str(tmp_path / "home"), SKILL_ENGINE_CACHE=str(SHARED_CACHE))
    skill = str(REPO / ".venv" / "bin" / "skill")
    other = tmp_path / "textkit"
    shutil.copytree(built_examples["textkit"], other)
    manifest = other / "skill.yaml"
    manifest.write_text(re.sub(r"(?m)^description: .*$", "description: my own textkit", manifest.read_text()))
    subprocess.run([skill, "install", str(other)], env=env, capture_output=True, check=True)
    setup = subprocess.run(
        ["bash", "scripts/setup.sh", "--install"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=900,
    )
    assert setup.returncode == 0, setup.stderr[-2000:]
    warnings = [ln for ln in setup.stderr.splitlines() if "examples/textkit" in ln]
    assert warnings == [
        "warning: examples/textkit was not installed: textkit 1.0.0 is already installed with "
        "different content; bump its version or pass --force to replace it"
    ], setup.stderr
    listed = json.loads(
        subprocess.run([skill, "list", "--json"], env=env, capture_output=True, text=True, check=True).stdout
    )
    assert {s["name"]: s["description"] for s in listed}["textkit"] == "my own textkit"
    assert [s["name"] for s in listed] == EXAMPLES


# ---------------------------------------------------------------------------------------------
# the README's commands in either order, from a fresh clone


@pytest.fixture
def person(tmp_path, built_examples) -> tuple[Path, dict[str, str]]:
    """(a fresh clone of HEAD, the environment of a new user whose HOME is empty but for the cache)."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True, timeout=120)
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)
    (home / ".cache" / "skill-tui").symlink_to(SHARED_CACHE.resolve(), target_is_directory=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SKILL_", "XDG_", "VIRTUAL_ENV", "PYTEST", "COLUMNS", "LINES"))
    }
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if "/.venv/" not in p + "/")
    # pip's package index settings live in the user's config folder; only caches and data must be fresh
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=os.environ.get("XDG_CONFIG_HOME", str(Path.home() / ".config")),
        TERM="xterm-256color",
        LANG="C.UTF-8",
    )
    return clone, env


def _run(clone: Path, env: dict[str, str], command: str) -> str:
    proc = subprocess.run(
        ["bash", "-c", command],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=STEP_TIMEOUT_S,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, (command, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc.stdout + proc.stderr


def run_tests(clone: Path, env: dict[str, str]) -> None:
    """./scripts/test.sh on one test that builds the examples (the whole suite runs elsewhere)."""
    _run(clone, env, "./scripts/test.sh -q -p no:cacheprovider tests/integration/test_build.py::test_examples_script")


def readme_cli(clone: Path) -> list[str]:
    """The commands of the README's CLI walkthrough, in order."""
    text = (clone / "README.md").read_text()
    block = re.search(r"## The CLI\s+```sh\n(.*?)```", text, re.S).group(1)
    lines = [re.sub(r"\s+#.*$", "", ln).strip() for ln in block.splitlines()]
    return [ln for ln in lines if ln and ln != "source .venv/bin/activate"]


def walk_through_the_cli(clone: Path, env: dict[str, str]) -> None:
    venv = dict(env, VIRTUAL_ENV=str(clone / ".venv"), PATH=f"{clone / '.venv' / 'bin'}{os.pathsep}{env['PATH']}")
    commands = readme_cli(clone)
    assert commands[0] == "skill install examples/textkit" and "skill list" in commands
    for command in commands:
        _run(clone, venv, command)


def start(clone: Path, env: dict[str, str]) -> None:
    """./scripts/start.sh in a real terminal: the app opens on the examples and quits on ctrl+q."""
    tmux = Tmux(f"skill-setup-{os.getpid()}")
    done = "start.sh exited with"
    script = f'cd {shlex.quote(str(clone))} && ./scripts/start.sh; echo "{done} $?"; sleep 600'
    tmux(
        "new-session",
        "-d",
        "-s",
        "app",
        "-x",
        "150",
        "-y",
        "42",
        shlex.join(["env", "-i", *(f"{k}={v}" for k, v in env.items()), "bash", "-c", script]),
    )
    try:
        end = time.monotonic() + STEP_TIMEOUT_S  # a first start creates .venv
        opened = re.compile(r"│ textkit .*1\.0\.0 ")  # the last example listed: the skills pane is filled
        while not (opened.search(screen := tmux.screen()) or done in screen):
            assert time.monotonic() < end, screen
            time.sleep(0.2)
        assert done not in screen, transcript(tmux)  # the app is open, on the examples
        assert all(re.search(rf"│ {name} .*1\.0\.0 ", screen) for name in ("notes", "textkit")), screen
        tmux.keys("C-q")
        tmux.wait_for(done)
        lines = transcript(tmux)
    finally:
        tmux.kill()
    assert f"{done} 0" in lines and not re.search(r"(?m)^(warning|error)", lines), lines


def transcript(tmux: Tmux) -> str:
    """What the terminal showed on its normal screen, scrolled-off lines included."""
    return tmux("capture-pane", "-p", "-S", "-", "-t", "app")


def take_screenshots(clone: Path, env: dict[str, str]) -> None:
    out = _run(clone, env, ".venv/bin/python scripts/screenshots.py")
    for step in ("building examples/textkit", "installing", "running skill-tui headless", "screenshots/main.png"):
        assert step in out, out


def test_readme_commands_in_order_from_a_fresh_clone(person):
    clone, env = person
    run_tests(clone, env)
    walk_through_the_cli(clone, env)
    start(clone, env)
    assert not (clone / ".cache").exists(), "every script uses the engine's one cache"


def test_readme_commands_in_reverse_order_and_again(person):
    clone, env = person
    start(clone, env)
    walk_through_the_cli(clone, env)
    run_tests(clone, env)
    take_screenshots(clone, env)
    start(clone, env)
    assert not (clone / ".cache").exists(), "every script uses the engine's one cache"
