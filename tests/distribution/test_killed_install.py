"""A `skill install` killed (SIGKILL) mid-install: the installed version keeps serving, nothing half-made
is in the store or the lock, and the next install recovers and completes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

from fixtures.lock import skill_folder, tree


def test_an_upgrade_killed_while_compiling_leaves_the_old_version_and_the_next_run_recovers(
    skill, home, tmp_path, built_examples
):
    env = {"SKILL_ENGINE_CACHE": str(tmp_path / "cache")}  # a cache of its own: the big component compiles
    skill("install", str(skill_folder(tmp_path / "v1", "big")), env=env)
    v2 = tmp_path / "v2" / "big"
    v2.mkdir(parents=True)
    shutil.copyfile(built_examples["textkit"] / "dist" / "textkit.wasm", v2 / "big.wasm")  # 12.8 MB
    (v2 / "skill.yaml").write_text("name: big\nversion: 2.0.0\ncomponent: big.wasm\n")
    before = (tree(home.skills), tree(home.packages), home.lock_file.read_bytes())

    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "install", str(v2)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # Cranelift takes seconds on 12.8 MB: the kill lands inside it
            if "compiling big.wasm" in line:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert (tree(home.skills), tree(home.packages), home.lock_file.read_bytes()) == before
    run = json.loads(skill("run", "big:echo", "--arg", "text=v1 serves", "--json", env=env).stdout)
    assert run["ok"] and run["data"] == {"text": "v1 serves"}

    proc2 = skill("install", str(v2), env=env)
    assert "big 2.0.0 upgraded from 1.0.0" in proc2.stdout
    assert [p.name for p in home.packages.iterdir()] == [(home.skills / "big").resolve().name]
    assert list(home.tmp.glob("install-*")) == []
    assert 'version = "2.0.0"' in home.lock_file.read_text()
