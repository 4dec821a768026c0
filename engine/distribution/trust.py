"""Trusted signing keys (trust.toml), the signature policy, and the signature check of every install.

trust.toml (written by `skill trust add|remove`, atomically, sorted by id):

    [[key]]
    id = "7A0A0C5E3F9B2A10"                   # minisign's key id
    name = "acme"
    public_key = "RWQQKps/XgwKehr…"           # minisign base64
    scopes = ["oci://ghcr.io/acme/*", "git+https://github.com/acme/*"]   # default ["*"]: any source

A scope is an fnmatch pattern over the source's canonical spec (what the lock records as `source`: `github:`
is spelled `git+https://github.com/...`), so a key vouches only for what comes from where it is trusted.
The policy is settings.toml's `[trust] policy`: `warn` (the default) or `require`.

`check_signature` runs on every fetched folder before it is built or reaches the store:

- no skill.minisig: unsigned. `require` refuses it; `warn` installs it, with a warning line when it was
  fetched from elsewhere (a folder of your own, named by path, is yours: no warning).
- a signature that is malformed or does not verify over the statement recomputed from the folder (a file
  changed, another name or version, the trusted comment edited, another key with the same id): always
  refused, whatever the policy. A signature present and wrong is never "unsigned".
- a valid signature by a key that is not trusted, or trusted for other sources only: `require` refuses;
  `warn` installs it as unsigned (no signer pinned), with a warning line.
- otherwise the key's id: the installer records it as the signer, and the lock pins it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from engine.distribution.fetching import Fetched, OnStep, Step, quiet
from engine.distribution.minisign import PublicKey, Signature, same_id
from engine.distribution.signing import SIGNATURE_FILE, Statement, statement
from engine.errors import MinisignFormatError, NotFoundError, SignatureError, UsageError, shown
from engine.fsutil import atomic_write_text, file_lock
from engine.home import Home
from engine.settings import Settings

POLICIES = ("warn", "require")
ANY = "*"
MAX_SIGNATURE = 64 * 1024  # a minisign signature is ~300 bytes (a long trusted comment included: < 8 KiB)


@dataclass(frozen=True)
class TrustedKey:
    public: PublicKey
    name: str = ""
    scopes: tuple[str, ...] = (ANY,)

    @property
    def id(self) -> str:
        return self.public.id

    @property
    def label(self) -> str:
        return f"key {self.id}" + (f" ({self.name})" if self.name else "")

    def allows(self, spec: str) -> bool:
        return any(fnmatchcase(spec, scope) for scope in self.scopes)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "public_key": self.public.to_base64(), "scopes": list(self.scopes)}


def parse_key(text: str) -> PublicKey:
    """A public key given as its base64 line or as a minisign .pub file; UsageError if it is neither."""
    path = Path(text).expanduser()
    where = shown(text)
    if not path.is_file() and not text.strip().startswith("RW"):  # base64("Ed"...): every minisign public key
        raise UsageError(
            f"{shown(text)} is no file and no public key; give a minisign .pub file or its base64 line (RW…)"
        )
    if path.is_file():
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"{path}: cannot read it as a minisign public key ({e})") from None
    try:
        return PublicKey.parse(text)
    except MinisignFormatError as e:
        raise UsageError(
            f"{where} is not a minisign public key ({e}); give the base64 line (RW…) or the .pub file"
        ) from None


def check_scope(scope: str) -> str:
    if not scope or scope != scope.strip() or any(c.isspace() for c in scope):
        raise UsageError(
            f"--scope {shown(scope)}: a scope is a source pattern without blanks, e.g. oci://ghcr.io/acme/*"
        )
    return scope


class TrustStore:
    """trust.toml of one home: read whole, changed under a lock, written atomically."""

    def __init__(self, home: Home):
        self.path = home.trust_file
        self._lock = home.root / ".trust.lock"

    def read(self) -> dict[str, TrustedKey]:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise UsageError(
                f"{self.path}: not valid TOML ({e}); fix it, or delete it and trust the keys again"
            ) from None
        entries = data.get("key", [])
        if not isinstance(entries, list):
            raise UsageError(f"{self.path}: `key` must be an array of [[key]] tables; fix it or delete it")
        keys = [self._entry(entry, i) for i, entry in enumerate(entries, 1)]
        return {k.id: k for k in keys}

    def _entry(self, entry: Any, number: int) -> TrustedKey:
        where = f"{self.path}: [[key]] #{number}"
        if not isinstance(entry, dict):
            raise UsageError(f"{where} is not a table; fix it or delete it")
        scopes = entry.get("scopes", [ANY])
        if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) and s for s in scopes):
            raise UsageError(f'{where}: `scopes` must be a list of source patterns, e.g. ["oci://ghcr.io/acme/*"]')
        name = entry.get("name", "")
        if not isinstance(name, str):
            raise UsageError(f"{where}: `name` must be text")
        try:
            public = PublicKey.parse(str(entry.get("public_key", "")))
        except MinisignFormatError as e:
            raise UsageError(
                f"{where}: `public_key` is not a minisign public key ({e}); fix it or remove the entry"
            ) from None
        if not same_id(str(entry.get("id", public.id)), public.id):
            raise UsageError(f"{where}: `id` {shown(entry.get('id'))} is not the id of its public key ({public.id})")
        return TrustedKey(public, name, tuple(scopes))

    def _write(self, keys: dict[str, TrustedKey]) -> None:
        import tomlkit

        doc = tomlkit.document()
        doc.add(tomlkit.comment("Keys trusted to sign skills: `skill trust add|list|remove` (policy: settings.toml)."))
        tables = tomlkit.aot()
        for key_id in sorted(keys):
            table = tomlkit.table()
            key = keys[key_id]
            table.update({"id": key.id, "name": key.name, "public_key": key.public.to_base64()})
            table["scopes"] = list(key.scopes)
            tables.append(table)
        doc["key"] = tables
        atomic_write_text(self.path, tomlkit.dumps(doc))

    def add(self, public: PublicKey, scopes: Iterable[str] = (), name: str | None = None) -> TrustedKey:
        """Trust `public` for `scopes` (default: any source). A key trusted already keeps its scopes and gains
        these, and takes `name` if one is given."""
        wanted = tuple(check_scope(s) for s in scopes)
        with file_lock(self._lock):
            keys = self.read()
            old = keys.get(public.id)
            if old is None:
                key = TrustedKey(public, name or "", wanted or (ANY,))
            elif old.public != public:
                raise UsageError(
                    f"another public key with the id {public.id} is trusted already ({old.label}); "
                    f"remove it first with `skill trust remove {public.id}` if you mean to replace it"
                )
            else:
                merged = tuple(dict.fromkeys(old.scopes + wanted))
                key = replace(old, name=old.name if name is None else name, scopes=merged)
            keys[key.id] = key
            self._write(keys)
            return key

    def remove(self, key_id: str) -> TrustedKey:
        with file_lock(self._lock):
            keys = self.read()
            key = next((k for k in keys.values() if same_id(k.id, key_id)), None)
            if key is None:
                trusted = ", ".join(keys) or "none"
                raise NotFoundError(
                    f"no trusted key has the id {shown(key_id)} (trusted: {trusted}); see `skill trust list`"
                )
            del keys[key.id]
            self._write(keys)
            return key


def policy(home: Home) -> str:
    value = Settings(home).get("trust", "policy", "warn")
    if value not in POLICIES:
        raise UsageError(
            f"{home.settings_file}: [trust] policy = {shown(value)} is not warn or require; "
            "fix it, or set it with `skill trust policy warn`"
        )
    return str(value)


def set_policy(home: Home, value: str) -> str:
    if value not in POLICIES:
        raise UsageError(f"trust policy {shown(value)} is not warn or require")
    Settings(home).set("trust", "policy", value)
    return value


def check_signature(home: Home, fetched: Fetched, on_step: OnStep = quiet) -> str | None:
    """The id of the trusted key that signed `fetched` (None: unsigned, allowed under the `warn` policy, with a
    warning as a "verify" Step on `on_step`); SignatureError when a signature does not verify, or `require`
    and none is trusted. The statement is recomputed from the folder's bytes, never read from anywhere."""
    required = policy(home) == "require"
    path = fetched.folder / SIGNATURE_FILE
    if not fetched.folder.is_dir() or not (path.exists() or path.is_symlink()):
        if required:
            raise SignatureError(
                f"{fetched.source} is not signed (no {SIGNATURE_FILE}) and the trust policy is require; install it "
                "from its publisher signed, or allow unsigned skills with `skill trust policy warn`"
            )
        if fetched.staged is not None:
            on_step(
                Step(
                    "verify", f"warning: {fetched.source} is not signed (no {SIGNATURE_FILE}); installing it unverified"
                )
            )
        return None
    stated = statement(fetched.folder)
    subject = f"{stated.label} from {fetched.source}"
    try:
        if not path.is_file():
            raise MinisignFormatError("not a regular file")
        if path.stat().st_size > MAX_SIGNATURE:
            raise MinisignFormatError(f"larger than {MAX_SIGNATURE} bytes")
        signed = Signature.parse(path.read_text(encoding="utf-8", errors="replace"))
    except MinisignFormatError as e:
        raise SignatureError(
            f"{subject}: {SIGNATURE_FILE} is not a minisign signature ({e}); {_refused(fetched)}"
        ) from None
    key = TrustStore(home).read().get(signed.key)
    if key is None:
        _untrusted(
            required,
            on_step,
            f"{subject} is signed by key {signed.key}, which is not trusted",
            "if you trust its publisher, add their public key with `skill trust add KEY.pub` and install again",
        )
        return None
    failed = key.public.verify(stated.to_bytes(), signed)
    if failed is not None:
        raise SignatureError(f"{subject}: {_why(failed, signed, stated, key)}; {_refused(fetched)}")
    if not key.allows(fetched.source):
        _untrusted(
            required,
            on_step,
            f"{subject} is signed by {key.label}, which is trusted only for {', '.join(key.scopes)}",
            f"to trust it for this source too: `skill trust add {key.public.to_base64()} --scope PATTERN`",
        )
        return None
    on_step(Step("verify", f"signature of {stated.label} by {key.label} verified"))
    return key.id


def _untrusted(required: bool, on_step: OnStep, what: str, fix: str) -> None:
    """A valid-looking signature no trusted key vouches for: refused under `require`, unsigned under `warn`."""
    if required:
        raise SignatureError(f"{what}, and the trust policy is require; {fix}")
    on_step(Step("verify", f"warning: {what}; installing it as unsigned ({fix})"))


def _refused(fetched: Fetched) -> str:
    """What to do about a bad signature: a fetched skill comes again from its publisher; in a folder of your
    own, a change since you signed it needs a new signature."""
    if fetched.staged is not None:
        return "nothing was installed: get the skill again from its publisher"
    folder = fetched.folder
    return f"nothing was installed: if you changed it, sign it again (`skill sign {folder}`) or delete {folder / SIGNATURE_FILE}"


def _why(failed: str, signed: Signature, stated: Statement, key: TrustedKey) -> str:
    if failed == "comment":
        return f"the signature by {key.label} does not verify: {SIGNATURE_FILE} was altered"
    claimed = signed.trusted_comment.split()[:2]  # "NAME VERSION" when signed as documented
    if len(claimed) == 2 and ":" not in claimed[0] and claimed != [stated.name, stated.version]:
        return f"the signature by {key.label} is for {' '.join(claimed)}, not {stated.label}"
    return (
        f"the signature by {key.label} does not match the files ({', '.join(stated.files)}): "
        "they changed after it was signed"
    )
