"""skills.lock through the real CLI: the same installs give the same bytes in any home and order;
`install --locked` refuses a change before anything is written; `sync` makes a store equal to a lock."""

from __future__ import annotations

import json
import re
import shutil

from fixtures.lock import listed, skill_folder, tree


def store_picture(home) -> dict:
    """What a failed command must not change: the store's links and packages, and the lock."""
    lock = home.lock_file.read_bytes() if home.lock_file.exists() else b""
    return {"store": tree(home.skills), "packages": tree(home.packages), "lock": lock}


def test_the_same_installs_give_the_same_lock_bytes_in_two_homes_and_orders(skill, home, tmp_path):
    folders = [skill_folder(tmp_path / "src", n, network=("api.example.com",) if n == "b" else ()) for n in "abc"]
    for folder in folders:
        skill("install", str(folder), "--yes")
    other = {"SKILL_ENGINE_HOME": str(tmp_path / "other")}
    for folder in reversed(folders):
        skill("install", str(folder), "--yes", env=other)
    first = home.lock_file.read_bytes()
    assert first == (tmp_path / "other" / "skills.lock").read_bytes()
    assert first.decode().count("[[skill]]") == 3 and "api.example.com" in first.decode()
    skill("install", str(folders[0]))  # an unchanged reinstall rewrites nothing
    assert home.lock_file.read_bytes() == first


def test_install_locked_passes_when_nothing_would_change(skill, home, tmp_path):
    folder = skill_folder(tmp_path / "src", "echo")
    skill("install", str(folder))
    before = store_picture(home)
    proc = skill("install", str(folder), "--locked")
    assert "unchanged" in proc.stdout
    assert store_picture(home) == before


def test_install_locked_refuses_a_drifted_lock_and_changes_nothing(skill, home, tmp_path):
    folder = skill_folder(tmp_path / "src", "echo")
    skill("install", str(folder))
    text = home.lock_file.read_text()
    locked = json.loads(skill("list", "--json").stdout)[0]
    assert locked["version"] == "1.0.0"
    # the lock was written for other bytes (say, committed from another machine's build)
    home.lock_file.write_text(re.sub(r'component = "sha256:[0-9a-f]{64}"', f'component = "sha256:{"f" * 64}"', text))
    before = store_picture(home)
    proc = skill("install", str(folder), "--locked", check=2)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors == [proc.stderr.splitlines()[-1]]  # one line, the last (progress lines come before it)
    line = errors[0]
    assert line.startswith("error: --locked: echo would change") and "nothing was installed" in line
    assert "component sha256:ffffffffffff… -> sha256:" in line
    assert store_picture(home) == before

    # a new version of the folder: the lock would change too (version, component, skill.yaml)
    home.lock_file.write_text(text)
    skill_folder(tmp_path / "src", "echo", version="1.1.0")
    before = store_picture(home)
    line = skill("install", str(folder), "--locked", check=2).stderr.splitlines()[-1]
    assert "version 1.0.0 -> 1.1.0" in line and "skill.yaml changed" in line
    assert store_picture(home) == before
    assert listed(skill)["echo"]["version"] == "1.0.0"


def test_install_locked_refuses_a_skill_the_lock_does_not_list(skill, home, tmp_path):
    folder = skill_folder(tmp_path / "src", "echo")
    proc = skill("install", str(folder), "--locked", "--json", check=2)
    error = json.loads(proc.stdout)["error"]
    assert error["code"] == "lock_mismatch" and "echo is not in" in error["message"]
    assert not home.lock_file.exists() and listed(skill) == {}


def test_sync_into_a_fresh_home_reproduces_the_store(skill, home, tmp_path):
    for name in ("alpha", "beta"):
        skill("install", str(skill_folder(tmp_path / "src", name, network=("api.example.com",))), "--yes")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copyfile(home.lock_file, fresh / "skills.lock")
    env = {"SKILL_ENGINE_HOME": str(fresh)}
    refused = skill("sync", env=env, check=2)  # network skills: the review needs a yes
    assert "pass --yes" in refused.stdout and listed(skill, env) == {}
    proc = skill("sync", "--yes", "--json", env=env)
    assert [(s["name"], s["status"]) for s in json.loads(proc.stdout)["skills"]] == [
        ("alpha", "installed"),
        ("beta", "installed"),
    ]
    ours, theirs = listed(skill), listed(skill, env)
    assert theirs.keys() == ours.keys()
    for name in ours:
        mine = json.loads(skill("info", name, "--json").stdout)
        synced = json.loads(skill("info", name, "--json", env=env).stdout)
        assert synced["component_sha256"] == mine["component_sha256"] and synced["version"] == mine["version"]
    assert (fresh / "skills.lock").read_bytes() == home.lock_file.read_bytes()
    again = skill("sync", env=env)  # already equal: nothing fetched or installed
    assert again.stdout.splitlines() == ["alpha 1.0.0: ok", "beta 1.0.0: ok"]


def test_sync_repairs_an_altered_package_and_refuses_a_source_that_no_longer_matches(skill, home, tmp_path):
    folder = skill_folder(tmp_path / "src", "echo")
    skill("install", str(folder))
    package = (home.skills / "echo").resolve()
    (package / "component.wasm").write_bytes(b"\0asm tampered")
    proc = skill("sync")
    assert proc.stdout.startswith("echo 1.0.0: repaired (component.wasm is sha256:")
    run = skill("run", "echo:echo", "--arg", "text=hi", "--json")
    assert json.loads(run.stdout)["data"] == {"text": "hi"}

    # the folder the lock pins changed since: sync fetches it, finds other bytes, refuses before installing
    (home.skills / "echo").resolve().joinpath("skill.yaml").write_text("name: echo\nversion: 1.0.0\n# edited\n")
    skill_folder(tmp_path / "src", "echo", version="2.0.0")
    before = store_picture(home)
    proc = skill("sync", check=2)
    assert proc.stdout.startswith("echo 1.0.0: failed (echo: ")
    assert "does not match skills.lock" in proc.stdout and "nothing was installed" in proc.stdout
    out = json.loads(skill("sync", "--json", check=2).stdout)
    assert not out["ok"] and out["error"]["code"] == "lock_mismatch"
    assert out["skills"][0]["status"] == "failed" and "component.wasm is missing" not in out["skills"][0]["detail"]
    assert store_picture(home) == before


def test_sync_prune_removes_skills_the_lock_does_not_list(skill, home, tmp_path):
    kept, extra = (skill_folder(tmp_path / "src", n) for n in ("kept", "extra"))
    skill("install", str(kept))
    lock = home.lock_file.read_bytes()
    skill("install", str(extra))
    home.lock_file.write_bytes(lock)  # the lock as committed before `extra` was tried out
    assert skill("sync").stdout.splitlines() == ["kept 1.0.0: ok"]
    assert set(listed(skill)) == {"kept", "extra"}
    assert skill("sync", "--prune").stdout.splitlines() == ["kept 1.0.0: ok", "extra 1.0.0: removed (not in the lock)"]
    assert set(listed(skill)) == {"kept"}
