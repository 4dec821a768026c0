"""What a user may type after `skill install`, parsed into one `Source` per kind.

    ./folder, /abs/skill.wasm                       PathSource
    oci://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]    OciSource
    NAME[@VERSION]                                  OciSource in the default registry (REGISTRY/NAME:VERSION)
    github:USER/REPO[@REF][#PATH]                   GitSource on https://github.com/USER/REPO.git
    git+https://HOST/REPO.git[@REF][#subdirectory=PATH], git+http://..., git+file:///...   GitSource
    https://HOST/.../skill.tar.gz|.tgz|.zip         ArchiveSource (needs --sha256 unless signed)

A name that is also a folder in the current directory is the folder: what is on disk wins, as with pip.
The `spec` of each source is its canonical text, the `source` a lock entry records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from engine.errors import UsageError

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_REPO = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*")
_ARCHIVES = (".tar.gz", ".tgz", ".zip")


@dataclass(frozen=True)
class PathSource:
    path: Path

    @property
    def spec(self) -> str:
        return str(self.path.resolve())


@dataclass(frozen=True)
class OciSource:
    registry: str  # host[:port]
    repository: str  # e.g. skills/textkit
    tag: str | None = None
    digest: str | None = None  # sha256:<hex>; when set it wins over the tag

    @property
    def spec(self) -> str:
        return (
            f"oci://{self.registry}/{self.repository}"
            + (f":{self.tag}" if self.tag else "")
            + (f"@{self.digest}" if self.digest else "")
        )

    @property
    def reference(self) -> str:
        """What goes after /manifests/: the digest if pinned, else the tag (default `latest`)."""
        return self.digest or self.tag or "latest"

    def pinned(self, digest: str) -> OciSource:
        return OciSource(self.registry, self.repository, None, digest)


@dataclass(frozen=True)
class GitSource:
    url: str  # what git fetches: https://..., http://..., file:///...
    ref: str | None = None  # a tag, branch or commit as typed; None: the default branch
    subdirectory: str | None = None  # the skill folder inside the repository (POSIX, no `..`)

    @property
    def spec(self) -> str:
        return self.pinned(self.ref) if self.ref else self.pinned(None)

    def pinned(self, commit: str | None) -> str:
        """`git+URL[@COMMIT][#subdirectory=PATH]`: the immutable form once `commit` is the full hash."""
        at = f"@{commit}" if commit else ""
        sub = f"#subdirectory={self.subdirectory}" if self.subdirectory else ""
        return f"git+{self.url}{at}{sub}"


@dataclass(frozen=True)
class ArchiveSource:
    url: str
    sha256: str | None = None  # sha256:<hex> from --sha256

    @property
    def spec(self) -> str:
        return self.url


Source = PathSource | OciSource | GitSource | ArchiveSource


def parse_source(text: str, *, default_registry: str | None = None, sha256: str | None = None) -> Source:
    """The source `text` names. `default_registry` (an `oci://HOST/PREFIX`) serves bare NAME[@VERSION]."""
    text = text.strip()
    if not text:
        raise UsageError("give a skill to install: a folder, oci://..., git+..., github:USER/REPO or NAME[@VERSION]")
    if sha256 is not None:
        sha256 = _checked_sha256(sha256)
    if text.startswith("oci://"):
        return parse_oci(text)
    if text.startswith("github:"):
        return _github(text)
    if text.startswith("git+"):
        return _git(text)
    if text.startswith(("https://", "http://")):
        if text.split("?")[0].endswith(_ARCHIVES):
            return ArchiveSource(text, sha256)
        if text.endswith(".git"):
            return _git("git+" + text)
        raise UsageError(
            f"{text}: not a .tar.gz, .tgz or .zip URL; for a git repository write git+{text}, "
            "for a registry oci://HOST/REPO:TAG"
        )
    path = Path(text).expanduser()
    if path.exists() or "/" in text or text.startswith(".") or text.endswith(".wasm"):
        return PathSource(path)
    return _named(text, default_registry)


def parse_oci(text: str) -> OciSource:
    rest = text.removeprefix("oci://")
    digest = None
    if "@" in rest:
        rest, digest = rest.rsplit("@", 1)
        if not DIGEST.fullmatch(digest):
            raise UsageError(f"{text}: {digest!r} is not a digest; write @sha256:<64 hex digits>")
    host, _, path = rest.partition("/")
    tag = None
    last = path.rsplit("/", 1)[-1]
    if ":" in last:
        path, tag = path.rsplit(":", 1)
        if not _TAG.fullmatch(tag):
            raise UsageError(f"{text}: {tag!r} is not a valid tag (letters, digits, '.', '_', '-'; at most 128)")
    if not host or not path or not _REPO.fullmatch(path):
        raise UsageError(f"{text}: write oci://HOST[:PORT]/REPOSITORY[:TAG|@sha256:DIGEST] (lowercase repository)")
    return OciSource(host, path, tag, digest)


def _named(text: str, default_registry: str | None) -> OciSource:
    name, _, version = text.partition("@")
    if not _NAME.fullmatch(name) or (version and not _TAG.fullmatch(version)):
        raise UsageError(f"{text!r} is not a folder here, nor a skill name (NAME or NAME@VERSION)")
    if not default_registry:
        raise UsageError(
            f"{text!r} is not a folder here; to install it by name set a registry with "
            "`skill registry set oci://HOST/PREFIX` or SKILL_REGISTRY"
        )
    base = parse_oci(default_registry.rstrip("/") + "/" + name)
    return OciSource(base.registry, base.repository, version or "latest")


def _github(text: str) -> GitSource:
    rest, _, path = text.removeprefix("github:").partition("#")
    repo, _, ref = rest.partition("@")
    if not re.fullmatch(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+", repo):
        raise UsageError(f"{text}: write github:USER/REPO[@REF][#PATH]")
    return GitSource(f"https://github.com/{repo.removesuffix('.git')}.git", ref or None, _subdirectory(path, text))


def _git(text: str) -> GitSource:
    url, _, fragment = text.removeprefix("git+").partition("#")
    path = ""
    for part in filter(None, fragment.split("&")):
        key, _, value = part.partition("=")
        if key != "subdirectory":
            raise UsageError(f"{text}: unknown fragment {part!r}; only #subdirectory=PATH is understood")
        path = value
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http", "file", "ssh"):
        raise UsageError(f"{text}: git+ takes https://, http://, ssh:// or file:// URLs")
    ref = None
    if "@" in parts.path:  # the ref follows '@' in the path; ssh://git@host has its own '@' in the netloc
        repo_path, _, ref = parts.path.partition("@")
        url = url[: len(url) - len(parts.path) - (len(parts.query) + 1 if parts.query else 0)] + repo_path
    return GitSource(url, ref or None, _subdirectory(path, text))


def _subdirectory(path: str, text: str) -> str | None:
    if not path:
        return None
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path:
        raise UsageError(
            f"{text}: the subdirectory {path!r} must be a relative path inside the repository, without '..'"
        )
    return str(pure) if str(pure) != "." else None


def _checked_sha256(value: str) -> str:
    hexpart = value.removeprefix("sha256:").lower()
    if not re.fullmatch(r"[0-9a-f]{64}", hexpart):
        raise UsageError(f"--sha256 {value!r}: give the archive's 64-hex-digit sha256 (as `sha256sum` prints it)")
    return "sha256:" + hexpart
