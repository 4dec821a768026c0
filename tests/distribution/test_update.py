"""`skill update` through the real CLI, on folder sources (re-resolved by content digest): --check shows
version and capability changes and changes nothing; wider network needs --yes; a lower version needs
--allow-downgrade; a failing update leaves the installed version serving."""

from __future__ import annotations

import json
import shutil

from fixtures.lock import infos, listed, skill_folder, tree


def pictures(home) -> tuple:
    return tree(home.skills), tree(home.packages), home.lock_file.read_bytes()


def test_update_check_shows_version_and_capability_changes_and_changes_nothing(skill, home, tmp_path):
    skill_folder(tmp_path / "src", "quiet")
    folder = skill_folder(tmp_path / "src", "growing")
    for name in ("quiet", "growing"):
        skill("install", str(tmp_path / "src" / name))
    assert {n: i["available"] for n, i in infos(skill).items()} == {"growing": False, "quiet": False}

    skill_folder(tmp_path / "src", "growing", version="1.1.0", network=("api.example.com",))
    before = pictures(home)
    out = skill("update", "--check").stdout.splitlines()
    assert out[0] == "growing 1.0.0: update available (1.1.0)"
    assert out[1] == "  version: 1.0.0 -> 1.1.0"
    assert out[2].startswith("  content: sha256:")
    assert out[3] == "  asks for network: api.example.com (new)"
    assert out[4] == "quiet 1.0.0: up to date"
    info = infos(skill, "growing")["growing"]
    assert info["available"] and info["version"] == "1.1.0" and info["widened"] == ["network: api.example.com (new)"]
    assert info["source"] == str(folder) and info["installed"] != info["resolved"]
    assert pictures(home) == before


def test_an_update_asking_for_wider_network_needs_yes(skill, home, tmp_path):
    folder = skill_folder(tmp_path / "src", "net", network=("api.example.com",))
    skill("install", str(folder), "--yes")
    skill_folder(tmp_path / "src", "net", version="1.1.0", network=("api.example.com", "uploads.example.com"))
    before = pictures(home)
    proc = skill("update", "net", check=2)
    assert proc.stderr.splitlines()[-1] == (
        "error: net 1.1.0 asks for more than its installed version 1.0.0 "
        "(network: uploads.example.com (new)); pass --yes to accept it (nothing was installed)"
    )
    assert pictures(home) == before
    proc = skill("update", "net", "--yes")
    assert proc.stdout.strip() == "net: updated 1.0.0 -> 1.1.0"
    assert listed(skill)["net"]["version"] == "1.1.0"
    lock = home.lock_file.read_text()
    assert 'version = "1.1.0"' in lock and "uploads.example.com" in lock
    assert skill("update", "net").stdout.strip() == "net 1.1.0: up to date"


def test_an_update_asking_for_nothing_more_needs_no_yes(skill, home, tmp_path):
    skill("install", str(skill_folder(tmp_path / "src", "net", network=("api.example.com",))), "--yes")
    skill_folder(tmp_path / "src", "net", version="1.0.1", network=("api.example.com",))
    assert skill("update", "--all").stdout.strip() == "net: updated 1.0.0 -> 1.0.1"


def test_a_lower_version_needs_allow_downgrade(skill, home, tmp_path):
    skill("install", str(skill_folder(tmp_path / "src", "echo", version="2.0.0")))
    skill_folder(tmp_path / "src", "echo", version="1.9.0")
    assert "(lower: needs --allow-downgrade)" in skill("update", "--check").stdout
    before = pictures(home)
    proc = skill("update", "echo", check=2)
    assert "now has 1.9.0, lower than the installed 2.0.0; pass --allow-downgrade" in proc.stderr
    assert pictures(home) == before
    skill("update", "echo", "--allow-downgrade")
    assert listed(skill)["echo"]["version"] == "1.9.0"
    assert 'version = "1.9.0"' in home.lock_file.read_text()


def test_a_failing_update_leaves_the_installed_version_serving(skill, home, tmp_path):
    skill("install", str(skill_folder(tmp_path / "src", "echo")))
    # 1.1.0 is not a skill component: no get-tools export (the store refuses it after compiling)
    skill_folder(tmp_path / "src", "echo", version="1.1.0", exports=("get-metadata", "execute-tool"))
    before = pictures(home)
    proc = skill("update", "echo", check=None)
    assert proc.returncode != 0 and proc.stderr.splitlines()[-1].startswith("error: ")
    assert pictures(home) == before
    run = json.loads(skill("run", "echo:echo", "--arg", "text=still here", "--json").stdout)
    assert run["ok"] and run["data"] == {"text": "still here"}
    assert infos(skill)["echo"]["available"]  # still offered: the source has something newer


def test_update_needs_a_name_all_or_check(skill):
    proc = skill("update", check=2)
    assert proc.stderr.strip() == "error: skill update: give a skill name, --all, or --check to see what would change"
    assert "no skill named 'ghost'" in skill("update", "ghost", "--check", check=2).stderr


def test_update_check_reports_a_source_it_cannot_read_and_checks_the_others(skill, home, tmp_path):
    for name in ("gone", "here"):
        skill("install", str(skill_folder(tmp_path / "src", name)))
    shutil.rmtree(tmp_path / "src" / "gone")
    proc = skill("update", "--check", check=1)
    assert proc.stdout.splitlines() == [
        f"gone 1.0.0: cannot check: {tmp_path / 'src' / 'gone'} does not exist; give a skill folder or a .wasm component",
        "here 1.0.0: up to date",
    ]
    out = json.loads(skill("update", "--check", "--json", check=1).stdout)
    assert not out["ok"] and out["error"]["code"] == "usage" and out["error"]["message"].startswith("gone: ")
    assert [(s["name"], s["available"]) for s in out["skills"]] == [("gone", False), ("here", False)]
