"""Content-addressed blobs under the cache: blobs/sha256/<hex>, shared by OCI pulls, archives and pull-run.

A blob enters only through `BlobCache.put_verified` (a temp file beside it, hashed while written, renamed in
only if its sha256 and size match), so whatever sits at a digest's path has that digest.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from engine.errors import IntegrityError
from engine.fsutil import remove_orphans

PART = ".part-"  # a download in progress: .part-<pid>-<random>, removed when its process is gone


class BlobCache:
    def __init__(self, root: Path):
        self.root = root  # <cache>/blobs

    def path(self, digest: str) -> Path:
        algo, _, hexpart = digest.partition(":")
        return self.root / algo / hexpart

    def sweep(self) -> None:
        """Remove what killed downloads left (their process is gone); live downloads are kept."""
        folder = self.root / "sha256"
        if folder.is_dir():
            remove_orphans(folder, PART)

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def put_verified(self, digest: str, chunks: Iterable[bytes], size: int | None, what: str) -> Path:
        """Stream `chunks` into the cache as `digest`; IntegrityError (and nothing kept) if they differ
        from it or run past `size`. `what` names the blob in the error (a layer, the manifest)."""
        final = self.path(digest)
        final.parent.mkdir(parents=True, exist_ok=True)
        h, seen = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(prefix=f"{PART}{os.getpid()}-", dir=final.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in chunks:
                    seen += len(chunk)
                    if size is not None and seen > size:
                        raise IntegrityError(f"{what}: more than the {size} bytes announced; nothing was kept")
                    h.update(chunk)
                    f.write(chunk)
            got = "sha256:" + h.hexdigest()
            if got != digest or (size is not None and seen != size):
                raise IntegrityError(
                    f"{what}: got {got} ({seen} bytes), expected {digest}"
                    + (f" ({size} bytes)" if size is not None else "")
                    + "; nothing was kept"
                )
            os.replace(tmp, final)
            return final
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
