"""Fetch a skill from a .tar.gz/.tgz/.zip URL: pinned by --sha256, verified while streaming, members checked.

The download goes through httpcore into the content-addressed BlobCache (`put_verified`: hashed while
written, kept only if it matches --sha256), so an archive already cached is never downloaded again. Then
every member is checked before anything is written: no absolute path, no `..`, no link leading out of the
folder, no device file or fifo, at most MAX_MEMBERS members and MAX_UNPACKED bytes (a decompression bomb
stops at the cap, counted on the bytes really written, not only on what the headers claim). A single
top-level folder is stripped. `resolved` is `URL#sha256=<hex>`.

--sha256 is required: a signed archive (a skill.minisig inside) is not yet accepted without it.
"""

from __future__ import annotations

import gzip
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import urljoin, urlsplit

from engine.distribution.fetching import FetchContext, Fetched, Step, reported
from engine.distribution.safety import check_plain_http, check_tree
from engine.distribution.sources import ArchiveSource
from engine.errors import SourceError, UsageError

MAX_DOWNLOAD = 256 << 20
MAX_UNPACKED = 256 << 20
MAX_MEMBERS = 10_000
MAX_REDIRECTS = 5
TIMEOUTS = {"connect": 15.0, "read": 60.0, "write": 60.0, "pool": 15.0}
_CHUNK = 1 << 16


def fetch_archive(source: ArchiveSource, ctx: FetchContext) -> Fetched:
    if source.sha256 is None:
        raise UsageError(
            f"{source.url}: an archive is pinned by its sha256; give it with --sha256 HEX (what `sha256sum` "
            "prints for the file). Signed archives without --sha256 are not supported yet"
        )
    check_plain_http(source.url, ctx.insecure, source.url)
    if ctx.cache.has(source.sha256):
        ctx.on_step(Step("download", f"{source.url}: in the cache ({source.sha256[:19]})"))
        blob = ctx.cache.path(source.sha256)
    elif ctx.offline:
        raise SourceError(f"{source.url}: not in the cache, and this run may not use the network")
    else:
        blob = _download(source.url, source.sha256, ctx)
    ctx.home.tmp.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix="archive-", dir=ctx.home.tmp))
    try:
        root = staged / "unpacked"
        root.mkdir()
        ctx.on_step(Step("verify", f"unpacking {PurePosixPath(urlsplit(source.url).path).name}, every member checked"))
        unpack(blob, root, source.url)
        entries = list(root.iterdir())
        folder = entries[0] if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink() else root
        check_tree(folder, source.url)
        resolved = f"{source.url}#sha256={source.sha256.removeprefix('sha256:')}"
        return Fetched(folder, source.spec, resolved, staged=staged)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise


def _download(url: str, digest: str, ctx: FetchContext) -> Path:
    """GET `url` (following up to MAX_REDIRECTS, each hop checked) into the cache as `digest`."""
    import httpcore  # only when something is downloaded

    first = url
    with httpcore.ConnectionPool(ssl_context=httpcore.default_ssl_context()) as pool:
        for _ in range(MAX_REDIRECTS + 1):
            check_plain_http(url, ctx.insecure, first)
            try:
                with pool.stream(
                    "GET",
                    url,
                    headers=[(b"User-Agent", b"skill-tui"), (b"Accept-Encoding", b"identity")],
                    extensions={"timeout": TIMEOUTS},
                ) as response:
                    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response.headers}
                    if response.status in (301, 302, 303, 307, 308) and "location" in headers:
                        url = urljoin(url, headers["location"])
                        continue
                    if response.status != 200:
                        raise SourceError(f"{first}: the server answered {response.status}; check the URL")
                    length = int(headers["content-length"]) if headers.get("content-length", "").isdigit() else None
                    if length is not None and length > MAX_DOWNLOAD:
                        raise SourceError(f"{first}: {length} bytes, more than the {MAX_DOWNLOAD >> 20} MiB allowed")
                    chunks = _counted(response.iter_stream(), first, length, ctx)
                    return ctx.cache.put_verified(digest, chunks, length, f"{first} (checked against --sha256)")
            except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError) as e:
                raise SourceError(
                    f"{first}: download failed ({e or type(e).__name__}); check the URL and network"
                ) from None
            except httpcore.UnsupportedProtocol:
                raise SourceError(f"{first}: redirected to {url}, which is not http(s)") from None
    raise SourceError(f"{first}: more than {MAX_REDIRECTS} redirects")


def _counted(chunks: Iterator[bytes], url: str, total: int | None, ctx: FetchContext) -> Iterator[bytes]:
    """`chunks` capped at MAX_DOWNLOAD, reported as `download` steps."""
    done = 0
    for chunk in reported(chunks, total, f"downloading {url}", ctx.on_step):
        done += len(chunk)
        if done > MAX_DOWNLOAD:
            raise SourceError(f"{url}: more than the {MAX_DOWNLOAD >> 20} MiB an archive may have")
        yield chunk


def unpack(blob: Path, root: Path, url: str) -> None:
    """Unpack the archive `blob` (kind from `url`) into the empty folder `root`, every member checked."""
    writer = _Writer(root, url)
    if urlsplit(url).path.endswith(".zip"):
        try:
            with zipfile.ZipFile(blob) as zf:
                infos = zf.infolist()
                writer.expect(len(infos), sum(i.file_size for i in infos))
                for info in infos:
                    mode = info.external_attr >> 16
                    if info.is_dir():
                        writer.folder(info.filename)
                    elif stat.S_ISLNK(mode):
                        writer.link(info.filename, zf.read(info)[:4096].decode("utf-8", "replace"))
                    elif stat.S_IFMT(mode) in (0, stat.S_IFREG):
                        with zf.open(info) as data:
                            writer.file(info.filename, data, info.file_size, bool(mode & 0o111))
                    else:
                        writer.refuse(info.filename, "is a device file or fifo")
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as e:
            raise SourceError(f"{url}: not a readable zip archive ({e})") from None
        return
    try:
        with tarfile.open(blob, "r:gz") as tf:
            for member in tf:
                writer.expect(1, 0)
                if member.isdir():
                    writer.folder(member.name)
                elif member.issym():
                    writer.link(member.name, member.linkname)
                elif member.islnk():
                    writer.hardlink(member.name, member.linkname)
                elif member.isreg():
                    stream = tf.extractfile(member)
                    assert stream is not None  # a regular member always has data
                    writer.file(member.name, stream, member.size, bool(member.mode & 0o111))
                else:
                    writer.refuse(member.name, "is a device file or fifo")
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise SourceError(f"{url}: not a readable .tar.gz archive ({e})") from None


class _Writer:
    """Writes checked members under `root`: never through a symlink, never outside, within the caps."""

    def __init__(self, root: Path, url: str):
        self.root = root
        self.url = url
        self.members = 0
        self.written = 0

    def refuse(self, name: str, why: str) -> None:
        raise SourceError(f"{self.url}: member {name!r} {why}; the archive was refused (nothing was installed)")

    def expect(self, members: int, size: int) -> None:
        self.members += members
        if self.members > MAX_MEMBERS:
            raise SourceError(f"{self.url}: more than {MAX_MEMBERS} members; refused as a possible archive bomb")
        if size > MAX_UNPACKED:
            self._bomb()

    def _bomb(self) -> None:
        raise SourceError(f"{self.url}: unpacks to more than {MAX_UNPACKED >> 20} MiB; refused as a decompression bomb")

    def parts(self, name: str) -> list[str]:
        """The path parts of member `name`; refused if absolute or with `..`."""
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
            self.refuse(name, "has an absolute path")
        parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
        if ".." in parts:
            self.refuse(name, "has '..' in its path")
        return parts

    def target(self, name: str) -> Path | None:
        """Where member `name` goes (None for the archive's root), its parent folders made."""
        parts = self.parts(name)
        if not parts:
            return None
        path = self.root.joinpath(*parts)
        parent = self.root
        for part in parts[:-1]:  # never write through a link (one made by an earlier member)
            parent = parent / part
            if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
                self.refuse(name, f"goes through {parent.relative_to(self.root).as_posix()}, which is not a folder")
            parent.mkdir(exist_ok=True)
        if path.is_symlink() or path.exists() and not path.is_dir():
            self.refuse(name, "appears twice")
        return path

    def folder(self, name: str) -> None:
        path = self.target(name)
        if path is not None:
            path.mkdir(exist_ok=True)

    def file(self, name: str, data: IO[bytes], size: int, executable: bool) -> None:
        path = self.target(name)
        if path is None:
            return self.refuse(name, "is a file at the archive's root")
        if self.written + size > MAX_UNPACKED:
            self._bomb()
        with open(path, "xb") as out:
            while chunk := data.read(_CHUNK):
                self.written += len(chunk)
                if self.written > MAX_UNPACKED:
                    self._bomb()
                out.write(chunk)
        path.chmod(0o755 if executable else 0o644)

    def link(self, name: str, target: str) -> None:
        path = self.target(name)
        if path is None:
            return self.refuse(name, "is a link at the archive's root")
        inside = PurePosixPath(path.relative_to(self.root).as_posix()).parent / target
        if target.startswith("/") or not _within(inside):
            self.refuse(name, f"is a link to {target}, outside the archive's folder")
        path.symlink_to(target)
        if not path.resolve().is_relative_to(self.root.resolve()):  # through another link
            self.refuse(name, f"is a link to {target}, outside the archive's folder")

    def hardlink(self, name: str, target: str) -> None:
        """A tar hard link: a copy of a regular member unpacked before it, inside the folder."""
        if target.startswith("/") or ".." in target.replace("\\", "/").split("/"):
            return self.refuse(name, f"is a hard link to {target}, outside the archive's folder")
        parts = self.parts(target)
        source = self.root.joinpath(*parts)
        if source.resolve() != self.root.resolve().joinpath(*parts) or not source.is_file():  # reached through no link
            return self.refuse(name, f"is a hard link to {target}, which is not a file of the archive")
        with open(source, "rb") as data:
            self.file(name, data, source.stat().st_size, False)


def _within(path: PurePosixPath) -> bool:
    """True if the relative `path`, read part by part, never climbs above its start."""
    depth = 0
    for part in path.parts:
        depth += -1 if part == ".." else 0 if part == "." else 1
        if depth < 0:
            return False
    return True
