"""The warm-slot pool in real `skill` processes with a jco-built skill: no room for the pool, the pool turned off.

The pool itself on WAT skills is tests/unit/test_pool.py.
"""

import json
import os
import resource
import subprocess
import sys

from engine.runtime.pool import pool_wanted
from fixtures.env import REPO


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (16 << 30, resource.RLIM_INFINITY))


def test_without_room_for_the_pool_runs_still_work(skill, example):
    """wasmtime aborts the process if the pool's reservation fails, so it must not be tried."""
    example("textkit")
    code = "from engine.runtime.pool import pool_wanted; print(pool_wanted())"
    probe = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, preexec_fn=_limit_address_space
    )
    assert probe.stdout.strip() == "False", probe.stderr
    run = subprocess.run(
        [sys.executable, "-m", "engine.cli", "run", "textkit:slugify", "--arg", "text=Hello World", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        preexec_fn=_limit_address_space,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["output"] == "hello-world"
    assert pool_wanted()  # this process (no limit) uses the pool


def test_the_pool_can_be_turned_off(skill, example):
    example("textkit")
    result = skill("run", "textkit:slugify", "--arg", "text=Pool Off", "--json", env={"SKILL_ENGINE_POOL": "0"})
    assert json.loads(result.stdout)["output"] == "pool-off"
