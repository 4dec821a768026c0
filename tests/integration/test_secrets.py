"""Secret values: the encrypted vault, keyring detection, and a real Secret Service.

Real backends only: the vault on disk, `keyring`'s own fail/null backends chosen
through PYTHON_KEYRING_BACKEND, and gnome-keyring-daemon in a private D-Bus session
(with HOME and XDG folders in tmp, so the user's keyrings are never touched).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.errors import SkillError
from engine.home import Home
from engine.secrets import KeyringStore, SecretsError, VaultStore, parse_reference, reference
from fixtures.env import REPO, SHARED_CACHE

SECRET = "s3cr3t-Zq8YwX1-not-in-any-file"
DBUS_SCRIPT = REPO / "tests" / "fixtures" / "secrets_dbus.py"
TIMEOUT = 20


def _run(cmd: list[str], env: dict[str, str], timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    """Run with a timeout; on expiry kill the whole process group (dbus-daemon, keyring daemon…)."""
    proc = subprocess.Popen(
        cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"timed out after {timeout}s: {cmd}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """A minimal environment: no D-Bus address, no keyring/secret overrides from the caller."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "SKILL_ENGINE_CACHE")}
    env.update(
        SKILL_ENGINE_HOME=str(tmp / "engine-home"),
        PYTHONPATH=str(REPO),
        HOME=str(tmp / "home"),
        XDG_DATA_HOME=str(tmp / "home/.local/share"),
        XDG_CONFIG_HOME=str(tmp / "home/.config"),
        XDG_CACHE_HOME=str(tmp / "home/.cache"),
    )
    env.update(extra)
    return env


def _files_containing(root: Path, needle: str) -> list[Path]:
    data = needle.encode()
    return [p for p in root.rglob("*") if p.is_file() and data in p.read_bytes()]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# ---------------------------------------------------------------- references


def test_references_round_trip_and_ordinary_values_are_not_references():
    kr = reference("keyring", "greeter", "default", "api_token")
    vault = reference("vault", "greeter", "work-2", "API_key-x")
    assert kr == "keyring:skill-tui/greeter@default:api_token"
    assert vault == "vault:greeter@work-2:API_key-x"
    assert parse_reference(kr) == ("keyring", "greeter", "default", "api_token")
    assert parse_reference(vault) == ("vault", "greeter", "work-2", "API_key-x")
    for value in (
        "hunter2",
        "",
        "vault:",
        "keyring:greeter@default:k",
        "keyring:other/greeter@default:k",
        "vault:greeter:k",
        "vault:a@b:c d",
        "https://user@host:443/x",
        42,
        None,
    ):
        assert parse_reference(value) is None, value
    with pytest.raises(ValueError):
        reference("plaintext", "a", "b", "c")


def test_resolving_a_reference_from_the_other_backend_says_where_it_is(home: Home):
    vault = VaultStore(home)
    assert vault.resolve("plain value") == "plain value" and vault.resolve(3) == 3
    with pytest.raises(
        SecretsError,
        match=r"^greeter@default:api_token is in the OS keyring, which is not "
        r"available now \(no D-Bus session",
    ) as e:
        vault.resolve(reference("keyring", "greeter", "default", "api_token"))
    assert "\n" not in str(e.value) and e.value.exit_code == 1 and isinstance(e.value, SkillError)
    with pytest.raises(SecretsError, match="missing from the vault"):
        vault.resolve(reference("vault", "greeter", "default", "api_token"))
    vault.set("greeter", "default", "api_token", SECRET)
    assert vault.resolve(reference("vault", "greeter", "default", "api_token")) == SECRET

    class Unused:  # resolving a vault reference with the keyring store active never touches the keyring
        pass

    keyring_store = KeyringStore(home, keyring_backend=Unused())
    with pytest.raises(
        SecretsError,
        match=r"is in the vault .*vault\.bin, but the OS keyring is in use now; "
        r"run with SKILL_SECRETS=vault",
    ):
        keyring_store.resolve(reference("vault", "greeter", "default", "api_token"))


# ---------------------------------------------------------------- the vault


def test_vault_set_get_rotate_delete(home: Home):
    store = VaultStore(home)
    assert store.backend == "vault"
    assert store.get("greeter", "default", "api_token") is None
    assert not (home.root / "secrets" / "vault.bin").exists(), "reading must not create files"
    store.set("greeter", "default", "api_token", SECRET)
    store.set("greeter", "default", "other", "o1")
    store.set("greeter", "work", "api_token", "w1")
    store.set("notes", "default", "api_token", "n1")
    assert store.get("greeter", "default", "api_token") == SECRET
    store.set("greeter", "default", "api_token", SECRET + "-rotated")
    assert store.get("greeter", "default", "api_token") == SECRET + "-rotated"
    assert store.keys("greeter", "default") == ["api_token", "other"]
    assert store.instances("greeter") == ["default", "work"]

    store.delete("greeter", "default", "other")
    store.delete("greeter", "default", "other")  # missing is fine
    store.delete("nobody", "nowhere", "nothing")
    assert store.get("greeter", "default", "other") is None

    assert store.copy_instance("greeter", "default", "copy") == ["api_token"]
    assert store.get("greeter", "copy", "api_token") == SECRET + "-rotated"
    assert store.rename_instance("greeter", "copy", "renamed") == ["api_token"]
    assert store.keys("greeter", "copy") == [] and store.get("greeter", "renamed", "api_token") == SECRET + "-rotated"

    store.delete_instance("greeter", "default")
    assert store.keys("greeter", "default") == []
    assert store.get("greeter", "work", "api_token") == "w1"
    store.delete_skill("greeter")
    assert store.instances("greeter") == [] and store.get("notes", "default", "api_token") == "n1"
    with pytest.raises(TypeError):
        store.set("greeter", "default", "api_token", 42)  # type: ignore[arg-type]


def test_vault_files_are_private_and_hold_no_plain_secret(home: Home):
    store = VaultStore(home)
    store.set("greeter", "default", "api_token", SECRET)
    store.set("greeter", "default", "api_token", SECRET + "2")  # a rewrite keeps the modes
    folder = home.root / "secrets"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "vault.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "vault.bin").stat().st_mode) == 0o600
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")], "temp files left behind"
    assert _files_containing(home.root, SECRET) == []
    assert _files_containing(home.root, "greeter@default") == [], "even the names are encrypted"


def test_corrupt_vault_raises_and_leaves_the_files_untouched(home: Home):
    store = VaultStore(home)
    store.set("greeter", "default", "api_token", SECRET)
    folder = home.root / "secrets"
    vault = folder / "vault.bin"
    vault.write_bytes(vault.read_bytes()[:-10] + b"0123456789")
    before = _snapshot(folder)
    for attempt in (
        lambda: store.get("greeter", "default", "api_token"),
        lambda: store.set("greeter", "default", "api_token", "new"),
        lambda: store.delete("greeter", "default", "api_token"),
        lambda: store.delete_instance("greeter", "default"),
    ):
        with pytest.raises(SecretsError) as e:
            attempt()
        assert str(e.value) == (
            f"the vault {vault} cannot be decrypted with {folder / 'vault.key'} (corrupt or "
            "replaced); restore them from a backup, or remove both and set the secrets again"
        )
    assert _snapshot(folder) == before


def test_replaced_key_raises(home: Home):
    from cryptography.fernet import Fernet

    store = VaultStore(home)
    store.set("greeter", "default", "api_token", SECRET)
    key = home.root / "secrets" / "vault.key"
    key.write_bytes(Fernet.generate_key())
    with pytest.raises(SecretsError, match="cannot be decrypted"):
        store.get("greeter", "default", "api_token")
    key.write_bytes(b"not a key")
    with pytest.raises(SecretsError, match=r"vault\.key is not a valid key"):
        store.set("greeter", "default", "api_token", "x")


def test_missing_key_raises_and_never_starts_over(home: Home):
    store = VaultStore(home)
    store.set("greeter", "default", "api_token", SECRET)
    folder = home.root / "secrets"
    (folder / "vault.key").unlink()
    before = _snapshot(folder)
    for attempt in (
        lambda: store.get("greeter", "default", "api_token"),
        lambda: store.set("greeter", "default", "other", "x"),
        lambda: store.keys("greeter", "default"),
    ):
        with pytest.raises(
            SecretsError,
            match=r"^the vault .*vault\.bin exists but its key .*vault\.key is "
            r"missing; restore them from a backup",
        ):
            attempt()
    assert _snapshot(folder) == before and not (folder / "vault.key").exists()


def test_unused_damaged_key_is_replaced(home: Home):
    """A key that never encrypted anything (e.g. a crash while creating it) is safe to replace."""
    folder = home.root / "secrets"
    folder.mkdir(parents=True)
    (folder / "vault.key").write_bytes(b"")
    store = VaultStore(home)
    store.set("greeter", "default", "api_token", SECRET)
    assert store.get("greeter", "default", "api_token") == SECRET
    assert stat.S_IMODE((folder / "vault.key").stat().st_mode) == 0o600


_WRITER = """
import sys, time
from pathlib import Path
from engine.home import Home
from engine.secrets import VaultStore
n, sync = sys.argv[1], Path(sys.argv[2])
store = VaultStore(Home.from_env())
(sync / f"ready-{n}").touch()
deadline = time.monotonic() + 10
while not (sync / "go").exists() and time.monotonic() < deadline:
    time.sleep(0.001)
for i in range(20):
    store.set("greeter", f"p{n}", f"k{i}", f"v{n}-{i}")
"""


def test_concurrent_writers_lose_nothing(home: Home, tmp_path: Path):
    sync = tmp_path / "sync"
    sync.mkdir()
    env = {**os.environ, "SKILL_ENGINE_HOME": str(home.root), "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(n), str(sync)], env=env, cwd=REPO) for n in range(4)]
    try:
        deadline = time.monotonic() + TIMEOUT
        while len(list(sync.glob("ready-*"))) < len(procs) and time.monotonic() < deadline:
            time.sleep(0.005)
        (sync / "go").touch()  # all four start writing at once
        for p in procs:
            assert p.wait(timeout=TIMEOUT) == 0
    finally:
        for p in procs:
            p.kill()
    store = VaultStore(home)
    assert store.instances("greeter") == ["p0", "p1", "p2", "p3"]
    for n in range(4):
        assert store.keys("greeter", f"p{n}") == sorted(f"k{i}" for i in range(20))
        assert all(store.get("greeter", f"p{n}", f"k{i}") == f"v{n}-{i}" for i in range(20))


# ---------------------------------------------------------------- choosing a store


_CHOOSE = """
import json, os
from engine.home import Home
from engine.secrets import SecretsError, open_secret_store
out = {}
for forced in ("", "vault", "keyring", "plaintext"):
    os.environ["SKILL_SECRETS"] = forced
    try:
        out[forced or "auto"] = open_secret_store(Home.from_env()).backend
    except SecretsError as e:
        out[forced or "auto"] = "error: " + str(e)
print(json.dumps(out))
"""


@pytest.mark.parametrize("backend", ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"])
def test_without_a_real_keyring_the_vault_is_used(tmp_path: Path, backend: str):
    result = _run([sys.executable, "-c", _CHOOSE], _clean_env(tmp_path, PYTHON_KEYRING_BACKEND=backend))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["auto"] == "vault" and out["vault"] == "vault"
    assert out["keyring"].startswith("error: SKILL_SECRETS=keyring, but ")
    assert "unset SKILL_SECRETS to use the encrypted vault" in out["keyring"]
    assert out["plaintext"].startswith("error: SKILL_SECRETS='plaintext' is not understood")


def test_the_store_interface_is_abstract_and_names_no_backend(tmp_path: Path):
    """A backend that leaves out a primitive cannot be made; the interface imports no backend."""
    import ast

    import engine.secrets.base as base
    from engine.secrets import SecretStore

    class Partial(SecretStore):
        backend = "partial"

        def get(self, skill: str, instance: str, key: str) -> str | None:
            return None

    with pytest.raises(TypeError, match="abstract"):
        Partial(Home(tmp_path, tmp_path / "cache"))  # type: ignore[abstract]  # what the test is about
    imported = {
        n.module
        for n in ast.walk(ast.parse(Path(base.__file__).read_text(encoding="utf-8")))
        if isinstance(n, ast.ImportFrom)
    }
    assert not {m for m in imported if m and m.startswith("engine.secrets.") and m != "engine.secrets.refs"}
    assert "VaultStore" not in Path(base.__file__).read_text(encoding="utf-8")


def test_importing_secrets_loads_neither_keyring_nor_cryptography():
    code = (
        "import engine.secrets, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('keyring', 'cryptography', 'secretstorage', 'jeepney')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=TIMEOUT, check=True
    ).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------- a real Secret Service

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
