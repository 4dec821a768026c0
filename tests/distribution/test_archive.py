"""Archive URLs through the real `skill` command, served by a static server on 127.0.0.1: a .tar.gz (one
top-level folder stripped) and a .zip with --sha256, pinned as URL#sha256=HEX, a second install from the
blob cache with the server gone; and each bad input: one clear line, exit 1 or 2, store, lock and blob
cache as they were (a wrong --sha256 keeps nothing)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tomllib
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from fixtures.dist_state import home_state, leftovers, one_error
from fixtures.env import SHARED_CACHE
from fixtures.static_server import StaticServer

pytestmark = pytest.mark.usefixtures("built_examples")

SKILL_FILES = ("skill.yaml", "SKILL.md", "skill.js", "dist/textkit.wasm")


@pytest.fixture
def blobs(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An env whose cache has its own blobs (every download is real) and the shared compile/build caches."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in ("compiled", "builds", "toolchain"):
        if (SHARED_CACHE / name).exists():
            (cache / name).symlink_to(SHARED_CACHE / name)
    return {"SKILL_ENGINE_CACHE": str(cache)}, cache / "blobs"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Tar:
    """A .tar.gz made member by member (including the ones no honest tool would write)."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()
        self.tf = tarfile.open(fileobj=self.buf, mode="w:gz", compresslevel=1)

    def add(self, name: str, data: bytes | None = None, *, kind: bytes = tarfile.REGTYPE, link: str = "", size=None):
        info = tarfile.TarInfo(name)
        info.type, info.linkname, info.mode = kind, link, 0o644
        info.size = size if size is not None else len(data or b"")
        self.tf.addfile(info, io.BytesIO(data) if data is not None else _Zeros(info.size) if size else None)
        return self

    def bytes(self) -> bytes:
        self.tf.close()
        return self.buf.getvalue()


class _Zeros(io.RawIOBase):
    def __init__(self, size: int):
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def textkit_tar(folder: Path, top: str = "textkit-1.0.0/") -> Tar:
    tar = Tar()
    for name in SKILL_FILES:
        tar.add(top + name, (folder / name).read_bytes())
    return tar


def textkit_zip(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in SKILL_FILES:
            zf.writestr(name, (folder / name).read_bytes())
    return buf.getvalue()


def test_tarball_and_zip_with_sha256(skill, home, static_server: StaticServer, built_examples, blobs):
    env, blob_dir = blobs
    tarball = textkit_tar(built_examples["textkit"]).bytes()
    url = static_server.put("dl/textkit-1.0.0.tar.gz", tarball)
    out = skill("install", url, "--sha256", sha(tarball), env=env)
    assert "textkit 1.0.0 installed" in out.stdout
    lock = tomllib.loads(home.lock_file.read_text())["skill"][0]
    assert (lock["source"], lock["resolved"]) == (url, f"{url}#sha256={sha(tarball)}")
    assert (blob_dir / "sha256" / sha(tarball)).read_bytes() == tarball
    assert json.loads(skill("run", "textkit:slugify", "--arg", "text=A b", "--json").stdout)["output"] == "a-b"

    # from the blob cache: the server no longer has it
    (static_server.root / "dl/textkit-1.0.0.tar.gz").unlink()
    skill("remove", "textkit", "--yes")
    skill("install", url, "--sha256", "sha256:" + sha(tarball), env=env)

    archive = textkit_zip(built_examples["textkit"])  # no top-level folder
    url = static_server.put("dl/textkit.zip", archive)
    skill("install", url, "--sha256", sha(archive), "--force", env=env)
    assert tomllib.loads(home.lock_file.read_text())["skill"][0]["resolved"] == f"{url}#sha256={sha(archive)}"
    assert leftovers(home.root) == []


def _bomb() -> bytes:
    return Tar().add("skill/skill.yaml", b"name: bomb\n").add("skill/zeros", size=300 << 20).bytes()


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("zeros", "w", force_zip64=True) as f:
            for _ in range(300):
                f.write(bytes(1 << 20))
    return buf.getvalue()


def _many() -> bytes:
    tar = Tar()
    for i in range(10_001):
        tar.add(f"skill/f{i}", b"")
    return tar.bytes()


def _zip_link() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("skill/passwd")
        info.external_attr = (0o120777) << 16
        zf.writestr(info, "../../../../etc/passwd")
    return buf.getvalue()


BAD: dict[str, tuple[Callable[[Path], bytes], str, str]] = {
    "dot-dot": (lambda f: textkit_tar(f).add("../evil", b"x").bytes(), "tar.gz", "member '../evil' has '..'"),
    "deep-dot-dot": (lambda f: textkit_tar(f).add("a/../../evil", b"x").bytes(), "tgz", "has '..' in its path"),
    "absolute": (lambda f: textkit_tar(f).add("/tmp/evil", b"x").bytes(), "tar.gz", "'/tmp/evil' has an absolute path"),
    "symlink-out": (
        lambda f: textkit_tar(f).add("textkit-1.0.0/k", kind=tarfile.SYMTYPE, link="../../x").bytes(),
        "tar.gz",
        "is a link to ../../x, outside the archive's folder",
    ),
    "symlink-absolute": (
        lambda f: textkit_tar(f).add("textkit-1.0.0/k", kind=tarfile.SYMTYPE, link="/etc/passwd").bytes(),
        "tar.gz",
        "is a link to /etc/passwd, outside",
    ),
    "hardlink-out": (
        lambda f: textkit_tar(f).add("textkit-1.0.0/k", kind=tarfile.LNKTYPE, link="/etc/passwd").bytes(),
        "tar.gz",
        "is a hard link to /etc/passwd",
    ),
    "zip-symlink-out": (lambda f: _zip_link(), "zip", "is a link to ../../../../etc/passwd, outside"),
    "device": (
        lambda f: textkit_tar(f).add("textkit-1.0.0/null", kind=tarfile.CHRTYPE).bytes(),
        "tar.gz",
        "is a device file or fifo",
    ),
    "fifo": (
        lambda f: textkit_tar(f).add("textkit-1.0.0/p", kind=tarfile.FIFOTYPE).bytes(),
        "tar.gz",
        "device file or fifo",
    ),
    "bomb": (lambda f: _bomb(), "tar.gz", "refused as a decompression bomb"),
    "zip-bomb": (lambda f: _zip_bomb(), "zip", "refused as a decompression bomb"),
    "many-members": (lambda f: _many(), "tar.gz", "more than 10000 members"),
    "not-gzip": (lambda f: b"not an archive at all", "tar.gz", "not a readable .tar.gz archive"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_archives_change_nothing(skill, home, static_server, built_examples, blobs, case):
    env, _ = blobs
    skill("install", str(built_examples["notes"]), env=env)
    before = home_state(home.root)
    make, suffix, words = BAD[case]
    data = make(built_examples["textkit"])
    url = static_server.put(f"dl/{case}.{suffix}", data)
    out = skill("install", url, "--sha256", sha(data), check=1, env=env)
    one_error(out.stderr, words)
    assert home_state(home.root) == before and leftovers(home.root) == []
    assert not (home.root.parent / "evil").exists() and not Path("/tmp/evil").exists()


@pytest.mark.parametrize(
    "case, code, words",
    [
        ("wrong-sha256", 1, "checked against --sha256): got sha256:"),
        ("missing-sha256", 2, "give it with --sha256"),
        ("not-hex", 2, "give the archive's 64-hex-digit sha256"),
        ("plain-http-elsewhere", 1, "plain http:// is only allowed for loopback"),
        ("not-found", 1, "the server answered 404"),
    ],
)
def test_bad_sha256_and_urls_change_nothing(skill, home, static_server, built_examples, blobs, case, code, words):
    env, blob_dir = blobs
    skill("install", str(built_examples["notes"]), env=env)
    before = home_state(home.root)
    tarball = textkit_tar(built_examples["textkit"]).bytes()
    url = static_server.put("dl/textkit.tar.gz", tarball)
    wrong = sha(tarball + b"x")
    args = {
        "wrong-sha256": [url, "--sha256", wrong],
        "missing-sha256": [url],
        "not-hex": [url, "--sha256", "abc"],
        "plain-http-elsewhere": ["http://example.com/textkit.tar.gz", "--sha256", sha(tarball)],
        "not-found": [static_server.base + "/dl/nope.tar.gz", "--sha256", sha(tarball)],
    }[case]
    out = skill("install", *args, check=code, env=env)
    one_error(out.stderr, words)
    assert home_state(home.root) == before and leftovers(home.root) == []
    kept = [p.name for p in blob_dir.rglob("*") if p.is_file()] if blob_dir.exists() else []
    assert kept == [], kept  # nothing unverified (nor a .part file) stays in the cache
