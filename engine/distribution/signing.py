"""Skill signatures: a minisign signature (`engine.distribution.minisign`) over a statement of the skill.

The statement names the skill and the sha256 of every file it is made of, as canonical JSON and one newline:

    {"_type":"skill-tui/statement/v1","files":{"SKILL.md":"sha256:…","component.wasm":"sha256:…",
     "skill.yaml":"sha256:…"},"name":"textkit","version":"1.0.0"}

`component.wasm` is the component wherever the folder keeps it (skill.yaml's `component`, or the one .wasm),
which is the name the store gives it, and the other files are every file the package records
(`engine.knowledge.tree.collect`: a knowledge skill's whole folder; a component skill's documents and its
references/ scripts/ assets/), but not the signature. The statement's type says which file set it covers:

- `skill-tui/statement/v1`: a component and only the documents (skill.yaml/yml, SKILL.md, README.md): the
  statement as it was before packages kept more, byte for byte, so those signatures still verify;
- `skill-tui/statement/v2`: anything else: a knowledge skill (no `component.wasm`), or a component skill
  with resource files. A v1 signature over such a folder does not verify (it never covered those files).

A knowledge skill's version is skill.yaml's or SKILL.md's `metadata.version`. The signature is
`skill.minisig` at the folder's top, so it travels with the folder through every source, and the store
keeps it in the package. A verifier never reads a statement: it
recomputes it from the bytes it got (`trust.check_signature`), so a changed file, or another version's
signature (name and version are inside: a rollback is seen), does not verify.

The user's own key (`skill keygen`) is a minisign secret key kept in the engine's secret store (keyring or
vault) under a name no skill can have; it never touches a plain file. Publishers who prefer the stock CLI
sign the statement file themselves: `skill sign FOLDER --statement > statement.json`, then
`minisign -S -m statement.json -x FOLDER/skill.minisig -t "NAME VERSION"`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.distribution.lockfile import recorded_files, sha256_file
from engine.distribution.minisign import PublicKey, SecretKey
from engine.errors import MinisignFormatError, SecretsError, UsageError
from engine.fsutil import atomic_write_text
from engine.home import Home
from engine.secrets import SecretStore

SIGNATURE_FILE = "skill.minisig"
STATEMENT_TYPE = "skill-tui/statement/v1"
STATEMENT_TYPE_V2 = "skill-tui/statement/v2"
V1_FILES = frozenset({"skill.yaml", "skill.yml", "SKILL.md", "README.md"})  # with the component: a v1 statement
COMPONENT = "component.wasm"
# The secret store keeps values per (skill, instance, key): "_signing" is no skill's name (skill names are
# a-z, 0-9 and '-'), so the key can never be read, copied or purged as a skill's secret.
KEY_SLOT = ("_signing", "default", "secret-key")


@dataclass(frozen=True)
class Statement:
    """What a signature covers: the skill's name and version and its files' sha256 (`files`)."""

    name: str
    version: str
    files: dict[str, str]

    @property
    def type(self) -> str:
        v1 = COMPONENT in self.files and set(self.files) - {COMPONENT} <= V1_FILES
        return STATEMENT_TYPE if v1 else STATEMENT_TYPE_V2

    def to_bytes(self) -> bytes:
        body = {"_type": self.type, "name": self.name, "version": self.version, "files": self.files}
        return (json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=True) + "\n").encode()

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


def statement(folder: Path) -> Statement:
    """The statement of the skill in `folder`, from the bytes it holds now. UsageError when its skill.yaml or
    SKILL.md lacks a name or a version (a signature is bound to both); the store's ManifestError for a tree
    it would refuse."""
    from engine.knowledge.tree import collect
    from engine.store import locate

    if folder.is_file():
        raise UsageError(f"{folder} is a bare component; signatures cover a skill folder (skill.yaml beside it)")
    manifest, component = locate(folder)
    version = manifest.declared_version
    if not manifest.name or not version:
        where = "skill.yaml" if component is not None else "SKILL.md's frontmatter (metadata: {version: 1.0.0})"
        raise UsageError(f"{folder}: a signed skill names its name and version in {where}; add them and sign again")
    files = recorded_files(f for f in collect(folder, whole=component is None) if f.path != SIGNATURE_FILE)
    if component is not None:
        files[COMPONENT] = sha256_file(component)
    return Statement(manifest.name, version, dict(sorted(files.items())))


@dataclass(frozen=True)
class SigningKey:
    """The user's signing key as people see it: its id and public key (never the secret)."""

    public: PublicKey
    created: bool  # False: it already existed (keygen without --force)
    where: str  # the secret store that keeps the secret key

    def to_json(self) -> dict[str, Any]:
        return {
            "key_id": self.public.id,
            "public_key": self.public.to_base64(),
            "created": self.created,
            "where": self.where,
        }


def _secret_key(secrets: SecretStore) -> SecretKey | None:
    text = secrets.get(*KEY_SLOT)
    if text is None:
        return None
    try:
        return SecretKey.parse(text)
    except MinisignFormatError as e:
        raise SecretsError(
            f"the signing key in {secrets.where} is damaged ({e}); make a new one with `skill keygen --force` "
            "(skills signed with the old one then need signing again)"
        ) from None


def keygen(secrets: SecretStore, force: bool = False) -> SigningKey:
    """The user's signing key: made and kept in `secrets` if there is none (or `force`), else the one there."""
    existing = _secret_key(secrets)
    if existing is not None and not force:
        return SigningKey(existing.public, False, secrets.where)
    key = SecretKey.generate()
    secrets.set(*KEY_SLOT, key.to_file())
    return SigningKey(key.public, True, secrets.where)


def signature(secrets: SecretStore, folder: Path) -> tuple[Statement, str]:
    """The statement of the skill in `folder` and the text of its signature with the user's key."""
    key = _secret_key(secrets)
    if key is None:
        raise UsageError(f"there is no signing key in {secrets.where}; create one with `skill keygen`")
    stated = statement(folder)
    try:
        return stated, key.sign(stated.to_bytes(), stated.label, f"signature from skill-tui secret key {key.public.id}")
    except MinisignFormatError as e:  # a name or version spanning lines cannot be a trusted comment
        raise UsageError(f"{folder}: cannot sign {stated.label!r}: {e}") from None


def sign_folder(home: Home, secrets: SecretStore, folder: Path) -> Path:
    """Sign the skill in `folder` (skill.yaml's name and version, every file's sha256) with the user's key
    from `skill keygen`; writes and returns `folder/skill.minisig`. Not in an installed package: the store's
    packages are immutable (the lock pins each file), so sign the skill's own folder or a copy."""
    real = folder.resolve()
    if any(real.is_relative_to(p.resolve()) for p in (home.packages, home.skills)):
        raise UsageError(f"{folder} is an installed package, which never changes; sign the skill's own folder")
    _stated, text = signature(secrets, folder)
    path = folder / SIGNATURE_FILE
    try:
        atomic_write_text(path, text)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror}; sign a folder you can write to") from None
    return path
