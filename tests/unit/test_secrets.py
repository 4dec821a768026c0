"""Secret values: the encrypted vault and keyring detection.

Real backends only: the vault on disk and `keyring`'s own fail/null backends chosen
through PYTHON_KEYRING_BACKEND. gnome-keyring-daemon in a private D-Bus session (with HOME
and XDG folders in tmp, so the user's keyrings are never touched) is
tests/integration/test_secrets_keyring.py.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.errors import SkillError
from engine.home import Home
from engine.secrets import KeyringStore, SecretsError, VaultStore, parse_reference, reference
from fixtures.env import REPO
from fixtures.secrets import SECRET, TIMEOUT, _clean_env, _files_containing, _run


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
