"""Secrets in a real Secret Service: a private D-Bus session with its own gnome-keyring, and the CLI on it.

The vault, the references and the store interface are tests/unit/test_secrets.py.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from fixtures.env import REPO, SHARED_CACHE
from fixtures.secrets import SECRET, _clean_env, _files_containing, _run

DBUS_SCRIPT = REPO / "tests" / "fixtures" / "secrets_dbus.py"


_needs_dbus = pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
    reason="needs dbus-run-session and gnome-keyring-daemon (apt-get install dbus gnome-keyring)",
)
UNLOCKED = "echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null"
NOT_UNLOCKED = "gnome-keyring-daemon --components=secrets >/dev/null </dev/null"


def _in_dbus_session(tmp: Path, start_daemon: str, *args: str) -> dict:
    """Run tests/fixtures/secrets_dbus.py in a private D-Bus session with its own gnome-keyring."""
    runtime = tmp / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = _clean_env(tmp, XDG_RUNTIME_DIR=str(runtime))
    cmd = [
        "dbus-run-session",
        "--",
        "sh",
        "-c",
        f'{start_daemon}; exec "$0" "$@"',
        sys.executable,
        str(DBUS_SCRIPT),
        *args,
    ]
    result = _run(cmd, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@_needs_dbus
def test_real_secret_service_round_trip(tmp_path: Path):
    out = _in_dbus_session(tmp_path, UNLOCKED, "roundtrip", SECRET)
    assert out["backend"] == "keyring" and out["where"] == "the OS keyring (SecretService)"
    assert out["get1"] == SECRET and out["get2"] == SECRET + "-rotated"
    assert out["keys"] == ["api_token", "other"]
    assert out["ref"] == "keyring:skill-tui/greeter@default:api_token"
    assert out["parsed"] == ["keyring", "greeter", "default", "api_token"]
    assert out["resolved"] == SECRET + "-rotated"
    assert out["copied"] == out["moved"] == ["api_token", "other"]
    assert out["after_rename"] == {
        "copy": {"api_token": None, "other": None},
        "renamed": {"api_token": SECRET + "-rotated", "other": SECRET + "-other"},
    }
    assert out["after_delete"] is None and out["after_delete_instance"] is None
    assert out["after_delete_skill"] is None and out["instances_left"] == []
    engine_home = tmp_path / "engine-home"
    assert (engine_home / "secrets" / "keyring-index.json").exists()
    assert not (engine_home / "secrets" / "vault.bin").exists()
    assert _files_containing(tmp_path, SECRET) == [], "the secret leaked into a file (engine home or keyring)"


@_needs_dbus
def test_locked_keyring_is_a_clear_error(tmp_path: Path):
    assert _in_dbus_session(tmp_path, UNLOCKED, "set", SECRET) == {"backend": "keyring"}
    out = _in_dbus_session(tmp_path, NOT_UNLOCKED, "get")  # same login keyring, now not unlocked
    assert out["backend"] == "keyring" and out["exit_code"] == 1
    assert out["error"].startswith("cannot read greeter@default:api_token: the OS keyring is locked (")
    assert "unlock it" in out["error"] and "\n" not in out["error"]


@_needs_dbus
def test_keyring_without_a_default_collection_is_a_clear_error(tmp_path: Path):
    out = _in_dbus_session(tmp_path, NOT_UNLOCKED, "get")  # no login keyring yet, and no one to create it
    assert out["backend"] == "keyring"
    assert out["error"].startswith("cannot read greeter@default:api_token: the OS keyring cannot be opened (")
    assert "SKILL_SECRETS=vault" in out["error"]


@_needs_dbus
def test_cli_with_the_real_keyring_set_run_rotate_delete_and_nothing_leaks(tmp_path: Path, built_examples):
    """The whole user path through `skill` in a D-Bus session: the secret lives only in gnome-keyring."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = _clean_env(tmp_path, XDG_RUNTIME_DIR=str(runtime), SKILL_ENGINE_CACHE=str(SHARED_CACHE))
    skill = f"{sys.executable} -m engine.cli"
    script = f"""set -e
{UNLOCKED}
{skill} install {built_examples["greeter"]} >/dev/null
{skill} config greeter --set api_token={SECRET}
{skill} run greeter:config-status --json > "$1/run1.json"
{skill} config greeter --get api_token > "$1/get1.txt"
{skill} config greeter --set api_token={SECRET}-rotated
{skill} config greeter --get api_token > "$1/get2.txt"
{skill} run greeter:config-status --json > "$1/run2.json"
{skill} config greeter --show --json > "$1/show.json"
cp "$SKILL_ENGINE_HOME/instances/greeter/default/config.toml" "$1/config-with-secret.toml"
{skill} config greeter --unset api_token
{skill} config greeter --get api_token > "$1/get3.txt"
"""
    out = tmp_path / "out"
    out.mkdir()
    result = _run(["dbus-run-session", "--", "sh", "-c", script, "sh", str(out)], env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (out / "get1.txt").read_text().strip() == SECRET
    assert (out / "get2.txt").read_text().strip() == SECRET + "-rotated"
    assert (out / "get3.txt").read_text().strip() == ""
    assert json.loads((out / "run1.json").read_text())["data"]["api_token"]["value"] == "set"
    show = json.loads((out / "show.json").read_text())
    assert next(f for f in show["fields"] if f["name"] == "api_token")["source"] == "secret store"
    assert 'api_token = "keyring:skill-tui/greeter@default:api_token"' in (out / "config-with-secret.toml").read_text()
    config = (tmp_path / "engine-home" / "instances" / "greeter" / "default" / "config.toml").read_text()
    assert "keyring:" not in config  # unset removed the reference too
    leaks = [p for p in _files_containing(tmp_path / "engine-home", SECRET)]
    assert leaks == [], f"the secret reached a plain file: {leaks}"
    assert (tmp_path / "engine-home" / "history.jsonl").exists()
