"""The README's set-up command, run as a user would: it installs the examples and they run."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from fixtures.env import REPO, SHARED_CACHE

pytestmark = pytest.mark.integration


def test_setup_installs_the_examples_and_they_run(tmp_path, built_examples):
    env = dict(os.environ, SKILL_ENGINE_HOME=str(tmp_path / "home"), SKILL_ENGINE_CACHE=str(SHARED_CACHE))
    setup = subprocess.run(["bash", "scripts/setup.sh", "--install"], cwd=REPO, env=env, capture_output=True,
                           text=True, stdin=subprocess.DEVNULL, timeout=900)
    assert setup.returncode == 0, setup.stderr[-2000:]
    skill = str(REPO / ".venv" / "bin" / "skill")
    listed = json.loads(subprocess.run([skill, "list", "--json"], env=env, capture_output=True, text=True,
                                       check=True).stdout)
    assert [s["name"] for s in listed] == ["greeter", "notes", "textkit"]
    run = subprocess.run([skill, "run", "greeter:greet", "--arg", "name=Ada", "--json"], env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0 and json.loads(run.stdout)["output"] == "Hello, Ada!"
