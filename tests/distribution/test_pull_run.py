"""`skill pull-run` through the real CLI: a run in a throw-away home that leaves store and lock as they
were (--keep installs and pins), config applied with secrets never written, recorded for prune."""

from __future__ import annotations

import json
import shutil

from engine.events import RunStarted
from engine.schema import MASK
from fixtures.config.skills import HERE, files_containing
from fixtures.lock import listed, skill_folder, tree


def test_pull_run_leaves_store_and_lock_untouched(skill, home, tmp_path):
    skill("install", str(skill_folder(tmp_path / "src", "resident")))
    folder = skill_folder(tmp_path / "src", "visitor")
    before = (tree(home.skills), tree(home.packages), home.lock_file.read_bytes(), tree(home.instances))
    proc = skill("pull-run", str(folder), "echo", "--arg", "text=hi", "--arg", "times=3", "--json")
    result = json.loads(proc.stdout)
    assert result["ok"] and result["skill"] == "visitor" and result["source"] == "pull-run"
    assert result["data"] == {"text": "hi", "times": 3}  # --arg typed as the tool declares it
    assert (tree(home.skills), tree(home.packages), home.lock_file.read_bytes(), tree(home.instances)) == before
    assert list(home.tmp.glob("pull-*")) == []  # the throw-away home is gone
    recorded = json.loads((home.root / "pull-runs.json").read_text())
    assert [r["skill"]["name"] for r in recorded] == ["visitor"]
    assert recorded[0]["skill"]["component"].startswith("sha256:")


def test_pull_run_keep_installs_and_pins_it(skill, home, tmp_path):
    folder = skill_folder(tmp_path / "src", "visitor")
    proc = skill("pull-run", str(folder), "echo", "--args", '{"text": "kept"}', "--keep")
    assert proc.stdout.strip() == "echo"
    assert set(listed(skill)) == {"visitor"}
    assert 'name = "visitor"' in home.lock_file.read_text()
    run = json.loads(skill("run", "visitor:echo", "--arg", "text=again", "--json").stdout)
    assert run["data"] == {"text": "again"}


def probe_folder(built_examples, tmp_path):
    """The jco-built probe under probe.yaml: config fields label (plain) and token (secret)."""
    folder = tmp_path / "probe"
    folder.mkdir()
    shutil.copyfile(built_examples["probe"] / "dist" / "probe.wasm", folder / "probe.wasm")
    shutil.copyfile(HERE / "probe.yaml", folder / "skill.yaml")
    return folder


def test_pull_run_config_reaches_the_skill(skill, built_examples, tmp_path):
    folder = probe_folder(built_examples, tmp_path)
    proc = skill("pull-run", str(folder), "config", "--arg", "key=label", "--config", "label=from the command line")
    assert proc.stdout.strip() == "from the command line"


def test_a_pull_run_secret_reaches_the_skill_and_never_a_file(engine, built_examples, tmp_path):
    folder = probe_folder(built_examples, tmp_path)
    secret = "s3cr3t-pull-run-value"
    during = []

    def on_event(event):
        if isinstance(event, RunStarted):  # the throw-away home exists now, configured
            during.append(files_containing(engine.home.root, secret))

    result = engine.pull_run(str(folder), "config", {"key": "token"}, config={"token": secret}, on_event=on_event)
    assert result.ok and result.output == MASK  # the skill read it (and the run's output masks it)
    assert during == [[]]
    assert files_containing(engine.home.root, secret) == []


def test_pull_run_refuses_a_network_skill_without_yes_in_a_script(skill, home, tmp_path):
    folder = skill_folder(tmp_path / "src", "net", network=("api.example.com",))
    proc = skill("pull-run", str(folder), "echo", "--arg", "text=x", check=2)
    assert "asks for network access (api.example.com); pass --yes" in proc.stderr
    ok = json.loads(skill("pull-run", str(folder), "echo", "--arg", "text=x", "--yes", "--json").stdout)
    assert ok["ok"] and not home.lock_file.exists()
