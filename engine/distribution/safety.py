"""Checks shared by the git and archive fetchers before a fetched folder reaches a build or the store.

A skill folder from someone else's repository or archive may hold only regular files, folders and symlinks
that stay inside it: a link out of it (to ~/.ssh, /etc, the checkout's .git) would let the build or the
store read what the skill's author chose; a device file or fifo has no business in a skill and can hang a
reader. Links inside the folder are allowed (a README pointing at SKILL.md is common).

Plain http:// is only for loopback (tests, a local mirror) or a host the user named as insecure.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from pathlib import Path
from urllib.parse import urlsplit

from engine.errors import SourceError

_KINDS = {
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a fifo",
    stat.S_IFSOCK: "a socket",
}


def check_tree(root: Path, where: str) -> None:
    """SourceError naming the first entry under `root` that is a symlink resolving outside `root` (directly
    or through other links) or anything but a file, folder or symlink. `where` names the source."""
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root):  # does not descend into symlinked folders
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            mode = path.lstat().st_mode
            rel = path.relative_to(root).as_posix()
            if stat.S_ISLNK(mode):
                if not path.resolve().is_relative_to(real_root):
                    raise SourceError(
                        f"{where}: {rel} is a symlink to {os.readlink(path)}, outside the skill folder; "
                        "a fetched skill may only link inside its own folder (nothing was installed)"
                    )
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
                raise SourceError(
                    f"{where}: {rel} is {kind}; a skill holds only files and folders (nothing was installed)"
                )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_plain_http(url: str, insecure: frozenset[str], where: str) -> None:
    """Refuse an http:// URL unless its host is loopback or named insecure (host or host:port)."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        return
    host = parts.hostname or ""
    if is_loopback(host) or host in insecure or parts.netloc in insecure:
        return
    raise SourceError(
        f"{where}: plain http:// is only allowed for loopback addresses; use https:// "
        f"(or name the host with --insecure-registry {parts.netloc} if you trust the network)"
    )
