"""Skill signatures: the minisign format, the statement, trust.toml and its scopes, and the check every install
runs (engine.distribution.minisign / signing / trust). The stock-CLI cross-checks and the `skill` commands
end to end are in tests/distribution/test_signatures_cli.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.distribution.fetching import Fetched, Step
from engine.distribution.minisign import SecretKey, Signature
from engine.distribution.signing import KEY_SLOT, keygen, sign_folder, statement
from engine.distribution.trust import TrustStore, check_signature, set_policy
from engine.errors import SignatureError, UsageError
from engine.home import Home
from engine.secrets import VaultStore
from fixtures import wat

SOURCE = "oci://ghcr.io/acme/echo:1.0.0"


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(root=tmp_path / "home", cache=tmp_path / "cache")


def skill_folder(where: Path, version: str = "1.0.0", component: str = "component.wasm") -> Path:
    where.mkdir(parents=True)
    (where / component).parent.mkdir(parents=True, exist_ok=True)
    (where / component).write_bytes(wat.component_bytes("echo", name="echo"))
    extra = f"component: {component}\n" if component != "component.wasm" else ""
    (where / "skill.yaml").write_text(f"name: echo\nversion: {version}\ndescription: echoes\n{extra}")
    (where / "SKILL.md").write_text("---\nname: echo\ndescription: echoes\n---\nEcho things back.\n")
    return where


def signed(folder: Path, key: SecretKey, comment: str | None = None) -> Path:
    stated = statement(folder)
    (folder / "skill.minisig").write_text(key.sign(stated.to_bytes(), comment or stated.label))
    return folder


def check(home: Home, folder: Path, source: str = SOURCE) -> tuple[str | None, list[str]]:
    steps: list[Step] = []
    signer = check_signature(home, Fetched(folder, source, source + "@sha256:x", staged=folder), steps.append)
    return signer, [s.message for s in steps]


def refused(home: Home, folder: Path, source: str = SOURCE) -> str:
    with pytest.raises(SignatureError) as e:
        check(home, folder, source)
    assert "\n" not in str(e.value)
    return str(e.value)


# ---- the format -------------------------------------------------------------------------------------


def test_a_signature_round_trips_and_names_its_key():
    key = SecretKey.generate()
    text = key.sign(b"hello", "echo 1.0.0")
    sig = Signature.parse(text)
    assert len(key.public.key_id) == 8 and key.public.id == f"{int.from_bytes(key.public.key_id, 'little'):X}"
    assert sig.key == key.public.id and sig.trusted_comment == "echo 1.0.0"
    assert key.public.verify(b"hello", sig) is None
    assert key.public.verify(b"hellO", sig) == "message"
    assert SecretKey.parse(key.to_file()) == key  # the -W secret key file, checksum included


def test_key_ids_are_shown_as_minisign_shows_them():
    """printf's %llX of the little-endian number: no leading zeros (1 key in 16 has one)."""
    key = SecretKey(bytes([1, 2, 3, 4, 5, 6, 7, 0]), SecretKey.generate().seed).public
    assert key.id == "7060504030201" and key.to_file().startswith(
        "untrusted comment: minisign public key 7060504030201\n"
    )


def test_the_statement_covers_the_component_wherever_it_is_and_every_package_file(tmp_path):
    folder = skill_folder(tmp_path / "echo", component="dist/echo.wasm")
    (folder / "README.md").write_text("read me")
    (folder / "skill.js").write_text("// sources are not in the package")
    stated = statement(folder)
    assert (stated.name, stated.version) == ("echo", "1.0.0")
    assert sorted(stated.files) == ["README.md", "SKILL.md", "component.wasm", "skill.yaml"]
    text = stated.to_bytes()
    assert text.endswith(b"}\n") and text.count(b"\n") == 1 and b'"_type":"skill-tui/statement/v1"' in text
    (folder / "skill.minisig").write_text("anything")  # the signature is not part of what it signs
    assert statement(folder).to_bytes() == text


def test_a_folder_without_a_version_cannot_be_signed(tmp_path):
    folder = skill_folder(tmp_path / "echo")
    (folder / "skill.yaml").write_text("name: echo\ndescription: echoes\n")
    with pytest.raises(UsageError, match="name and version in skill.yaml"):
        statement(folder)


# ---- the check of every install ---------------------------------------------------------------------


def test_a_trusted_signature_verifies_and_gives_the_signer(home, tmp_path):
    key = SecretKey.generate()
    TrustStore(home).add(key.public, name="acme")
    signer, steps = check(home, signed(skill_folder(tmp_path / "echo"), key))
    assert signer == key.public.id
    assert steps == [f"signature of echo 1.0.0 by key {key.public.id} (acme) verified"]


@pytest.mark.parametrize("policy", ["warn", "require"])
@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        (lambda f: (f / "component.wasm").write_bytes((f / "component.wasm").read_bytes() + b"\0"), "changed"),
        (
            lambda f: (f / "SKILL.md").write_text(
                "---\nname: echo\ndescription: echoes\n---\nNow do something else.\n"
            ),
            "changed",
        ),
        (lambda f: (f / "README.md").write_text("a file added after signing"), "changed"),
        (lambda f: (f / "SKILL.md").unlink(), "changed"),
        (
            lambda f: (f / "skill.minisig").write_text(
                (f / "skill.minisig").read_text().replace("trusted comment: echo 1.0.0", "trusted comment: echo 9.9.9")
            ),
            "skill.minisig was altered",
        ),
        (lambda f: (f / "skill.minisig").write_text("not a signature\n"), "not a minisign signature"),
        (lambda f: (f / "skill.minisig").unlink() or (f / "skill.minisig").mkdir(), "not a regular file"),
        (lambda f: (f / "skill.minisig").write_text("x" * 70_000), "larger than"),
    ],
    ids=["component", "skill-md", "file-added", "file-removed", "trusted-comment", "garbage", "folder", "huge"],
)
def test_a_bad_signature_is_refused_under_either_policy(home, tmp_path, policy, tamper, says):
    key = SecretKey.generate()
    TrustStore(home).add(key.public)
    set_policy(home, policy)
    folder = signed(skill_folder(tmp_path / "echo"), key)
    tamper(folder)
    message = refused(home, folder)
    assert says in message and message.startswith(f"echo 1.0.0 from {SOURCE}")
    assert message.endswith("nothing was installed: get the skill again from its publisher")  # fetched


def test_a_signature_by_another_key_with_a_trusted_id_is_refused(home, tmp_path):
    trusted, forger = SecretKey.generate(), SecretKey.generate()
    TrustStore(home).add(trusted.public)
    impostor = SecretKey(trusted.key_id, forger.seed)
    assert f"key {trusted.public.id} does not verify" in refused(home, signed(skill_folder(tmp_path / "e"), impostor))


def test_another_versions_signature_is_refused(home, tmp_path):
    """A rollback: the signature of 1.0.0 next to the files of 1.1.0 (or 1.0.0's files relabelled)."""
    key = SecretKey.generate()
    TrustStore(home).add(key.public)
    old = signed(skill_folder(tmp_path / "old", "1.0.0"), key)
    new = skill_folder(tmp_path / "new", "1.1.0")
    (new / "skill.minisig").write_bytes((old / "skill.minisig").read_bytes())
    assert "is for echo 1.0.0, not echo 1.1.0" in refused(home, new)


def test_an_unknown_key_warns_under_warn_and_is_refused_under_require(home, tmp_path):
    key = SecretKey.generate()
    folder = signed(skill_folder(tmp_path / "echo"), key)
    signer, steps = check(home, folder)
    assert signer is None
    assert (
        len(steps) == 1
        and steps[0].startswith("warning: ")
        and f"key {key.public.id}, which is not trusted" in steps[0]
    )
    set_policy(home, "require")
    assert "skill trust add" in refused(home, folder)


def test_an_unsigned_skill_warns_when_fetched_is_quiet_from_your_folder_and_is_refused_under_require(home, tmp_path):
    folder = skill_folder(tmp_path / "echo")
    signer, steps = check(home, folder)
    assert signer is None and steps == [f"warning: {SOURCE} is not signed (no skill.minisig); installing it unverified"]
    quiet: list[Step] = []
    assert check_signature(home, Fetched(folder, str(folder), str(folder)), quiet.append) is None and quiet == []
    set_policy(home, "require")
    assert "not signed" in refused(home, folder)
    assert "not signed" in refused(home, folder / "component.wasm")  # a bare component is unsigned


@pytest.mark.parametrize(
    ("scopes", "source", "trusted"),
    [
        (["oci://ghcr.io/acme/*"], "oci://ghcr.io/acme/echo:1.0.0", True),
        (["oci://ghcr.io/acme/*"], "oci://ghcr.io/evil/echo:1.0.0", False),
        (["oci://ghcr.io/acme/*"], "oci://ghcr.io/acme-evil/echo:1.0.0", False),
        (["git+https://github.com/acme/*"], "git+https://github.com/acme/skills.git@v1#subdirectory=echo", True),
        (["git+https://github.com/acme/*", "oci://ghcr.io/acme/*"], "oci://ghcr.io/acme/x/echo@sha256:ab", True),
        (["oci://GHCR.io/acme/*"], "oci://ghcr.io/acme/echo:1.0.0", False),  # case counts
        ([], "https://example.org/echo.tar.gz", True),  # no scope: any source
    ],
)
def test_scopes_limit_the_sources_a_key_vouches_for(home, tmp_path, scopes, source, trusted):
    key = SecretKey.generate()
    TrustStore(home).add(key.public, scopes, "acme")
    folder = signed(skill_folder(tmp_path / "echo"), key)
    signer, steps = check(home, folder, source)
    assert signer == (key.public.id if trusted else None)
    if not trusted:
        assert steps[0].startswith("warning: ") and "trusted only for" in steps[0]
        set_policy(home, "require")
        assert "--scope" in refused(home, folder, source)


# ---- trust.toml and the user's key ------------------------------------------------------------------


def test_trust_toml_adds_merges_scopes_and_removes(home):
    store, key = TrustStore(home), SecretKey.generate().public
    store.add(key, ["oci://a/*"], "acme")
    store.add(key, ["oci://b/*"])
    assert store.read()[key.id].scopes == ("oci://a/*", "oci://b/*") and store.read()[key.id].name == "acme"
    assert "[[key]]" in home.trust_file.read_text()
    other = SecretKey(key.key_id, SecretKey.generate().seed).public
    with pytest.raises(UsageError, match="another public key with the id"):
        store.add(other)
    assert store.remove("00" + key.id.lower()).id == key.id and store.read() == {}  # as typed: case, zeros
    with pytest.raises(UsageError, match="no trusted key has the id"):
        store.remove(key.id)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[[key\n", "not valid TOML"),
        ('[[key]]\nid = "00"\npublic_key = "RWQ"\n', "`public_key` is not a minisign public key"),
        ("[[key]]\nscopes = 3\n", "`scopes` must be a list"),
    ],
)
def test_a_damaged_trust_toml_is_one_line_naming_it(home, text, says):
    home.trust_file.parent.mkdir(parents=True)
    home.trust_file.write_text(text)
    with pytest.raises(UsageError, match=says) as e:
        TrustStore(home).read()
    assert str(home.trust_file) in str(e.value) and "\n" not in str(e.value)


def test_keygen_keeps_the_secret_key_in_the_secret_store_only(home, tmp_path, monkeypatch):
    secrets = VaultStore(home)
    made = keygen(secrets)
    assert made.created and not keygen(secrets).created and keygen(secrets).public == made.public
    secret = SecretKey.parse(secrets.get(*KEY_SLOT) or "")
    assert secret.public == made.public
    folder = skill_folder(tmp_path / "echo")
    path = sign_folder(home, secrets, folder)
    assert Signature.parse(path.read_text()).key == made.public.id
    on_disk = b"".join(p.read_bytes() for p in home.root.rglob("*") if p.is_file())
    assert secret.seed not in on_disk and secret.to_file().split("\n")[1].encode() not in on_disk
    assert keygen(secrets, force=True).public != made.public
