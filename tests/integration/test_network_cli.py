"""`skill grant`, `skill revoke`, `skill grants` and the capability review of `skill install`, driven as a
person or a script does: the real `skill` command as a process, and a real terminal (tmux) for [y/N]."""

from __future__ import annotations

import json
import shlex
import shutil
import sys

import pytest

from fixtures.network import TOKEN, github_manifest, skill_folder
from fixtures.tmux import HAVE_TMUX, Tmux, terminal_env

VAULT = {"SKILL_SECRETS": "vault"}


def one_error_line(proc) -> str:
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("  ")]  # progress lines are indented
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


@pytest.fixture
def gh(skill, tmp_path) -> str:
    skill("install", str(skill_folder(tmp_path, github_manifest())), "--yes")
    return "gh"


def test_grant_revoke_and_grants_round_trip(skill, gh):
    out = skill("grant", "gh", "--net", "http://127.0.0.1:8080", "*.example.org").stdout
    assert out.splitlines() == [
        "granted gh@default: http://127.0.0.1:8080 *.example.org",
        "gh@default may reach: api.github.com, {{ config.host }}, http://127.0.0.1:8080, *.example.org",
    ]
    skill("revoke", "gh@default", "--net", "api.github.com")
    skill("instance", "add", "gh@work")
    table = skill("grants", "gh").stdout
    assert "gh@default  api.github.com         declared  no (revoked)" in table
    assert "gh@default  http://127.0.0.1:8080  granted   yes" in table
    assert "gh@work     api.github.com         declared  yes" in table
    assert "gh@default  token   Authorization  api.github.com  no" in table  # host-bound: field, header, hosts
    data = json.loads(skill("grants", "--json").stdout)
    assert [(d["instance"], d["effective"]) for d in data] == [
        ("default", ["{{ config.host }}", "http://127.0.0.1:8080", "*.example.org"]),
        ("work", ["api.github.com", "{{ config.host }}"]),
    ]
    assert data[0]["revoked"] == ["api.github.com"] and data[0]["granted"] == ["http://127.0.0.1:8080", "*.example.org"]
    assert data[0]["injections"] == [
        {"field": "token", "header": "Authorization", "hosts": ["api.github.com"], "exposed": False}
    ]
    revoked = json.loads(skill("revoke", "gh", "--net", "*.example.org", "--json").stdout)
    assert revoked["granted"] == ["http://127.0.0.1:8080"]
    granted = json.loads(skill("grant", "gh", "--net", "api.github.com", "--json").stdout)
    assert granted["revoked"] == [] and granted["effective"][0] == "api.github.com"


@pytest.mark.parametrize(
    ("pattern", "fix"),
    [
        ("*", "'*' grants every host; name the hosts, e.g. api.github.com"),
        ("https://api.example.com/v1", "a grant has no path; write only the host, e.g. api.example.com"),
        ("me:pw@api.example.com", "a grant has no user name or password; write only the host"),
    ],
)
def test_a_pattern_outside_the_grammar_is_one_line_and_exit_2(skill, gh, pattern, fix):
    proc = skill("grant", "gh", "--net", pattern, check=2)
    assert fix in one_error_line(proc)
    data = json.loads(skill("grant", "gh", "--net", pattern, "--json", check=2).stdout)
    assert data["ok"] is False and data["error"]["code"] == "pattern" and fix in data["error"]["message"]
    assert json.loads(skill("grants", "gh", "--json").stdout)[0]["granted"] == []


def test_revoking_an_unknown_pattern_and_an_unknown_instance_are_one_line(skill, gh):
    assert "nothing to revoke" in one_error_line(skill("revoke", "gh", "--net", "evil.com", check=2))
    assert "has no instance 'nope'" in one_error_line(skill("grant", "gh@nope", "--net", "a.example.com", check=2))


def test_install_without_a_terminal_refuses_network_unless_yes(skill, tmp_path):
    folder = skill_folder(tmp_path, github_manifest())
    proc = skill("install", str(folder), check=2)
    line = one_error_line(proc)
    assert "asks for network access (api.github.com, {{ config.host }}); pass --yes" in line
    assert json.loads(skill("list", "--json").stdout) == []  # nothing installed
    data = json.loads(skill("install", str(folder), "--json", check=2).stdout)
    assert data["error"]["code"] == "usage" and "--yes" in data["error"]["message"]
    installed = json.loads(skill("install", str(folder), "--yes", "--json").stdout)
    assert installed["status"] == "installed" and installed["review"]["consented"] is True
    assert installed["review"]["asked"]["network"] == ["api.github.com", "{{ config.host }}"]


def test_a_skill_asking_for_no_network_installs_without_a_prompt(skill, tmp_path):
    proc = skill("install", str(skill_folder(tmp_path, "name: quiet\nversion: 1.0.0\n", name="quiet")))
    assert proc.stdout.startswith("quiet 1.0.0 installed")
    assert "  quiet 1.0.0 asks for:" in proc.stderr and "    network: none" in proc.stderr


def test_an_upgrade_that_widens_asks_again_and_a_refusal_keeps_everything(skill, gh, tmp_path):
    skill("grant", "gh", "--net", "http://127.0.0.1:8080")
    skill("config", "gh", "--set", "host=git.example.com", env=VAULT)
    wider = skill_folder(tmp_path, github_manifest("1.1.0", "api.github.com, uploads.github.com"), folder="v2")
    line = one_error_line(skill("install", str(wider), check=2))
    assert "gh 1.1.0 asks for more than its installed version 1.0.0 (network: uploads.github.com (new))" in line
    info = json.loads(skill("info", "gh", "--json").stdout)
    assert info["version"] == "1.0.0"
    assert skill("run", "gh:echo", "--arg", "text=still here").returncode == 0
    assert json.loads(skill("grants", "gh", "--json").stdout)[0]["granted"] == ["http://127.0.0.1:8080"]
    assert skill("config", "gh", "--get", "host").stdout.strip() == "git.example.com"
    proc = skill("install", str(wider), "--yes")
    assert "upgraded from 1.0.0" in proc.stdout and "network: uploads.github.com (new)" in proc.stderr
    same = skill_folder(tmp_path, github_manifest("1.2.0", "api.github.com"), folder="v3")  # narrower: no question
    assert "upgraded from 1.1.0" in skill("install", str(same)).stdout


@pytest.mark.skipif(not HAVE_TMUX, reason="tmux is installed by scripts/setup.sh")
@pytest.mark.parametrize(("answer", "installed"), [("y", True), ("n", False), ("", False)])
def test_the_review_is_answered_in_a_real_terminal(home, tmp_path, answer, installed):
    folder = skill_folder(tmp_path, github_manifest())
    script = f"{shlex.quote(sys.executable)} -m engine.cli install {shlex.quote(str(folder))}; echo EXIT=$?; sleep 30"
    tmux = Tmux(f"net-review-{answer or 'enter'}-{tmp_path.name}")
    tmux.start(["sh", "-c", shlex.quote(script)], terminal_env(home), width=150, height=30)
    try:
        screen = tmux.wait_for("with these capabilities? [y/N]")
        assert "gh 1.0.0 asks for:" in screen and "network: api.github.com, {{ config.host }}" in screen
        assert "secret token, sent as Authorization to api.github.com only, never shown to the skill" in screen
        tmux.type(answer)
        tmux.keys("Enter")
        screen = tmux.wait_for("EXIT=")
    finally:
        tmux.kill()
    if installed:
        assert "EXIT=0" in screen and "gh 1.0.0 installed" in screen
        assert (home.skills / "gh").exists()
    else:
        assert "EXIT=2" in screen and "not installed: its capabilities were not accepted" in screen
        assert not (home.skills / "gh").exists()


# ---- expose: false, proved with the real probe component ------------------------------------------


PROBE = """name: probe
version: 0.1.0
config:
  token:
    secret: true
    expose: false
    inject: {header: Authorization, format: "Bearer {value}", hosts: [api.github.com]}
  visible:
    secret: true
"""


def test_an_unexposed_secret_is_in_no_env_and_no_get_config(skill, built_examples, tmp_path):
    folder = tmp_path / "probe"
    folder.mkdir()
    shutil.copyfile(built_examples["probe"] / "dist" / "probe.wasm", folder / "probe.wasm")
    (folder / "skill.yaml").write_text(PROBE, encoding="utf-8")
    skill("install", str(folder))
    skill("config", "probe", "--set", f"token={TOKEN}", "--set", "visible=plain-secret-1", env=VAULT)

    def run(tool: str, *args: str) -> dict:
        out = json.loads(skill("run", f"probe:{tool}", *args, "--json", env=VAULT).stdout)
        assert out["ok"], out
        return out

    env_names = run("list-env")["data"]
    assert "SKILL_VISIBLE" in env_names and "SKILL_TOKEN" not in env_names
    assert run("env", "--arg", "name=SKILL_TOKEN")["data"] == {"value": None}
    assert run("config", "--arg", "key=token")["data"] == {"value": None}
    assert run("config", "--arg", "key=visible")["data"] == {"value": "••••••"}  # raw config stays the default
    everything = run("config-all")["data"]
    assert "token" not in everything and everything["visible"] == "••••••"
    history = skill("history", "--json").stdout
    assert TOKEN not in history
    # the owner can still read it back on purpose
    assert skill("config", "probe", "--get", "token", env=VAULT).stdout.strip() == TOKEN
