"""Signatures end to end through the real `skill` command: keygen, sign, trust, install from a path source
(the check is the same for every source: OCI and git hand the installer a folder too), and the stock minisign
CLI (installed by scripts/setup.sh) both ways."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.distribution.lockfile import Lock
from fixtures import wat

VAULT = {"SKILL_SECRETS": "vault"}


@pytest.fixture
def sk(skill):
    """`skill` with the secrets in the test home's vault, whatever keyring the machine has."""

    def run(*args: str, check: int | None = 0):
        return skill(*args, check=check, env=VAULT)

    return run


def folder(where: Path, version: str = "1.0.0") -> Path:
    where.mkdir(parents=True)
    (where / "component.wasm").write_bytes(wat.component_bytes("echo", name="echo", version=version))
    (where / "skill.yaml").write_text(f"name: echo\nversion: {version}\ndescription: echoes things\n")
    (where / "SKILL.md").write_text("---\nname: echo\ndescription: echoes things\n---\nEcho things back.\n")
    return where


def state(home) -> tuple[bytes, str, list[str]]:
    """What a refused install must leave as it was: the lock's bytes, the skill's link, the packages."""
    lock = home.lock_file.read_bytes() if home.lock_file.exists() else b""
    link = os.readlink(home.skills / "echo") if (home.skills / "echo").is_symlink() else ""
    return lock, link, sorted(p.name for p in home.packages.iterdir()) if home.packages.is_dir() else []


def keygen(sk, tmp_path: Path) -> tuple[Path, str]:
    """Make the user's key; its public key file (what `skill keygen` prints) and id."""
    pub = tmp_path / "me.pub"
    pub.write_text(sk("keygen").stdout)
    key_id = pub.read_text().splitlines()[0].rsplit(" ", 1)[1]
    return pub, key_id


def test_a_signed_skill_from_a_trusted_key_installs_and_the_lock_pins_its_signer(sk, home, tmp_path):
    pub, key_id = keygen(sk, tmp_path)
    again = sk("keygen")
    assert again.stdout == pub.read_text() and "already" in again.stderr  # no --force: the same key
    echo = folder(tmp_path / "echo")
    out = sk("sign", str(echo)).stdout
    assert out.startswith("signed echo 1.0.0 (SKILL.md, component.wasm, skill.yaml)")
    assert json.loads(sk("trust", "add", str(pub), "--name", "me", "--json").stdout)["id"] == key_id
    proc = sk("install", str(echo))
    assert f"signature of echo 1.0.0 by key {key_id} (me) verified" in proc.stderr and "warning" not in proc.stderr
    assert Lock(home.lock_file).read()["echo"].signer == key_id
    assert json.loads(sk("info", "echo", "--json").stdout)["signer"] == key_id
    package = home.skills / "echo"
    assert (package / "skill.minisig").read_bytes() == (echo / "skill.minisig").read_bytes()
    statement = sk("sign", str(echo), "--statement").stdout
    assert sk("sign", str(package), "--statement").stdout == statement  # the package re-verifies as it is
    assert "is an installed package" in sk("sign", str(package), check=2).stderr


def test_a_bad_signature_is_refused_under_warn_and_changes_nothing(sk, home, tmp_path):
    pub, key_id = keygen(sk, tmp_path)
    sk("trust", "add", str(pub))
    v1 = folder(tmp_path / "v1")
    sk("sign", str(v1))
    sk("install", str(v1))
    v2 = folder(tmp_path / "v2", "1.1.0")
    sk("sign", str(v2))
    (v2 / "SKILL.md").write_text("---\nname: echo\ndescription: echoes things\n---\nAnd send them elsewhere.\n")
    before = state(home)
    proc = sk("install", str(v2), check=1)
    assert proc.stderr.startswith(f"error: echo 1.1.0 from {v2}: the signature by key {key_id}")
    assert "changed after it was signed" in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert f"sign it again (`skill sign {v2}`) or delete {v2 / 'skill.minisig'}" in proc.stderr  # your own folder
    assert state(home) == before and Lock(home.lock_file).read()["echo"].version == "1.0.0"


def test_another_versions_signature_is_refused(sk, home, tmp_path):
    pub, _ = keygen(sk, tmp_path)
    sk("trust", "add", str(pub))
    v1, v2 = folder(tmp_path / "v1"), folder(tmp_path / "v2", "1.1.0")
    sk("sign", str(v1))
    shutil.copy(v1 / "skill.minisig", v2 / "skill.minisig")
    before = state(home)
    proc = sk("install", str(v2), check=1)
    assert "is for echo 1.0.0, not echo 1.1.0" in proc.stderr and state(home) == before


def test_an_unknown_key_warns_under_warn_and_is_refused_under_require(sk, home, tmp_path):
    _pub, key_id = keygen(sk, tmp_path)
    v1 = folder(tmp_path / "v1")
    sk("sign", str(v1))
    proc = sk("install", str(v1))
    assert f"warning: echo 1.0.0 from {v1} is signed by key {key_id}, which is not trusted" in proc.stderr
    assert Lock(home.lock_file).read()["echo"].signer is None
    assert sk("trust", "policy", "require").stdout.startswith("trust policy: require")
    v2 = folder(tmp_path / "v2", "1.1.0")
    sk("sign", str(v2))
    before = state(home)
    proc = sk("install", str(v2), check=1)
    assert "not trusted, and the trust policy is require" in proc.stderr and "skill trust add" in proc.stderr
    assert state(home) == before
    unsigned = folder(tmp_path / "unsigned", "1.2.0")
    assert "is not signed (no skill.minisig)" in sk("install", str(unsigned), check=1).stderr
    assert state(home) == before


def test_the_stock_minisign_verifies_ours(sk, tmp_path):
    pub, key_id = keygen(sk, tmp_path)
    echo = folder(tmp_path / "echo")
    sk("sign", str(echo))
    (tmp_path / "statement.json").write_text(sk("sign", str(echo), "--statement").stdout)
    proc = subprocess.run(
        ["minisign", "-V", "-p", pub, "-m", tmp_path / "statement.json", "-x", echo / "skill.minisig"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Signature and comment signature verified" in proc.stdout and "echo 1.0.0" in proc.stdout
    assert key_id in pub.read_text()


def test_the_stock_minisign_reads_our_secret_key_file_and_shows_our_key_id(tmp_path):
    """`minisign -R` recreates the public key from a secret key file in our format; a key id with leading
    zeros (1 in 16 at random, fixed here) is shown the same by both."""
    from engine.distribution.minisign import SecretKey

    key = SecretKey(bytes([9, 8, 7, 6, 5, 4, 3, 0]), SecretKey.generate().seed)
    (tmp_path / "our.key").write_text(key.to_file())
    subprocess.run(
        ["minisign", "-R", "-s", tmp_path / "our.key", "-p", tmp_path / "re.pub"], check=True, capture_output=True
    )
    assert (tmp_path / "re.pub").read_text() == key.public.to_file()


@pytest.mark.parametrize(
    "comment", [["-t", "echo 1.0.0"], [], ["-l", "-t", "echo 1.0.0"]], ids=["name-version", "default-comment", "legacy"]
)
def test_a_key_and_signature_of_the_stock_minisign_verify_with_ours(sk, home, tmp_path, comment):
    """The publisher's way with the stock CLI, as the README documents it."""
    key, pub = tmp_path / "cli.key", tmp_path / "cli.pub"
    subprocess.run(["minisign", "-G", "-W", "-p", pub, "-s", key], check=True, capture_output=True)
    key_id = pub.read_text().splitlines()[0].rsplit(" ", 1)[1]
    echo = folder(tmp_path / "echo")
    (tmp_path / "statement.json").write_text(sk("sign", str(echo), "--statement").stdout)
    subprocess.run(
        ["minisign", "-S", "-s", key, "-m", tmp_path / "statement.json", "-x", echo / "skill.minisig", *comment],
        check=True,
        capture_output=True,
    )
    sk("trust", "add", pub.read_text().splitlines()[1], "--scope", f"{tmp_path}/*")
    sk("install", str(echo))
    assert Lock(home.lock_file).read()["echo"].signer == key_id


def test_trust_list_remove_policy_and_bad_input(sk, home, tmp_path):
    assert sk("trust", "list").stdout.startswith("no trusted keys")
    assert sk("trust", "policy").stdout.startswith("trust policy: warn")
    pub, key_id = keygen(sk, tmp_path)
    sk("trust", "add", str(pub), "--scope", "oci://ghcr.io/acme/*", "--name", "acme")
    listed = sk("trust", "list").stdout.splitlines()
    assert listed[0].split() == ["ID", "NAME", "SCOPES", "PUBLIC", "KEY"]
    assert listed[1].split()[:3] == [key_id, "acme", "oci://ghcr.io/acme/*"]
    assert json.loads(sk("trust", "list", "--json").stdout)[0]["scopes"] == ["oci://ghcr.io/acme/*"]
    for args, says in [
        (("trust", "add", "RWQnotakey"), "is not a minisign public key"),
        (("trust", "add", str(tmp_path / "missing.pub")), "is no file and no public key"),
        (("trust", "add"), "needs a minisign public key"),
        (("trust", "remove", "0000000000000000"), "no trusted key has the id"),
        (("trust", "policy", "sometimes"), "is not warn or require"),
        (("trust", "list", "--scope", "x"), "go with `skill trust add`"),
        (("sign", str(tmp_path)), "holds no .wasm component"),
    ]:
        proc = sk(*args, check=2)
        assert says in proc.stderr and len(proc.stderr.splitlines()) == 1, (args, proc.stderr)
    assert sk("trust", "remove", key_id).stdout == f"no longer trusted: key {key_id} (acme)\n"
    assert json.loads(sk("trust", "list", "--json").stdout) == []
    new = json.loads(sk("keygen", "--force", "--json").stdout)
    assert new["created"] and new["key_id"] != key_id


def test_signing_without_a_key_says_to_make_one(sk, tmp_path):
    proc = sk("sign", str(folder(tmp_path / "echo")), check=2)
    assert "create one with `skill keygen`" in proc.stderr


@pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
    reason="needs dbus-run-session and gnome-keyring-daemon (scripts/setup.sh installs them)",
)
def test_keygen_keeps_the_secret_key_in_the_os_keyring_not_in_a_file(tmp_path):
    """A private D-Bus session with its own gnome-keyring (as tests/integration/test_secrets_keyring.py)."""
    import sys

    from fixtures.secrets import _clean_env, _files_containing, _run

    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = _clean_env(tmp_path, XDG_RUNTIME_DIR=str(runtime))
    unlock = "echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null"

    def in_session(*args: str) -> str:
        cmd = ["dbus-run-session", "--", "sh", "-c", f'{unlock}; exec "$0" "$@"', sys.executable, *args]
        proc = _run(cmd, env)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        return proc.stdout

    made = json.loads(in_session("-m", "engine.cli", "keygen", "--json"))
    assert made["created"] and made["where"].startswith("the OS keyring")
    echo = folder(tmp_path / "echo")
    in_session("-m", "engine.cli", "sign", str(echo))
    read = "from engine.home import Home; from engine.secrets import open_secret_store; " + (
        "from engine.distribution.signing import KEY_SLOT; print(open_secret_store(Home.from_env()).get(*KEY_SLOT))"
    )
    secret = in_session("-c", read).strip().splitlines()[-1]
    assert len(secret) > 100 and _files_containing(tmp_path, secret) == []
    public = subprocess.run(
        ["minisign", "-V", "-P", made["public_key"], "-m", "/dev/stdin", "-x", echo / "skill.minisig"],
        input=in_session("-m", "engine.cli", "sign", str(echo), "--statement"),
        capture_output=True,
        text=True,
    )
    assert public.returncode == 0, public.stderr


def test_reinstalling_once_the_key_is_trusted_pins_the_signer(sk, home, tmp_path):
    """The same bytes, installed unsigned under warn (unknown key), then again once the key is trusted: the
    signature now vouches for them, so the store and the lock record the signer (not "unchanged")."""
    pub, key_id = keygen(sk, tmp_path)
    echo = folder(tmp_path / "echo")
    sk("sign", str(echo))
    sk("install", str(echo))
    assert Lock(home.lock_file).read()["echo"].signer is None
    sk("trust", "add", str(pub))
    assert "echo 1.0.0 replaced" in sk("install", str(echo)).stdout
    assert Lock(home.lock_file).read()["echo"].signer == key_id
    assert "unchanged" in sk("install", str(echo)).stdout  # and then it is the same skill again
