"""`o`: open one of a skill's files in the person's editor ($VISUAL, else $EDITOR).

The store's package is never edited: it is what was installed and verified (its files' sha256 are
recorded). When the skill was installed from a local folder that still has the file, the editor
opens the SOURCE file, so an edit is kept (installing the folder again uses it); otherwise it opens a
read-only copy in a temporary folder, and the person is told that edits there are not kept.
"""

from __future__ import annotations

import os
import shlex
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine import InstalledSkill


@dataclass(frozen=True)
class Opening:
    file: Path
    kept: bool  # the file is the source folder's: an edit is kept


def editor_command() -> list[str] | None:
    """The editor as argv, from $VISUAL or $EDITOR (which may carry flags: `code -w`)."""
    value = os.environ.get("VISUAL") or os.environ.get("EDITOR") or ""
    return shlex.split(value) or None


def source_file(skill: InstalledSkill, path: str) -> Path | None:
    """`path` in the local folder the skill was installed from, when that folder still has it."""
    folder = Path(skill.source)
    if not folder.is_absolute() or not folder.is_dir():
        return None  # installed from a registry, git or an archive: there is no folder to edit
    candidate = (folder / path).resolve()
    inside = candidate.is_relative_to(folder.resolve())
    return candidate if inside and candidate.is_file() else None


def opening(skill: InstalledSkill, path: str, read: Callable[[], str]) -> Opening:
    """What to open for `path`: the source's file, else a read-only copy of `read()` (the package's text)."""
    found = source_file(skill, path)
    if found is not None:
        return Opening(found, kept=True)
    text = read()  # first: a binary file refuses before any folder is made
    copy = Path(tempfile.mkdtemp(prefix=f"skill-{skill.name}-")) / Path(path).name
    copy.write_text(text, encoding="utf-8")
    copy.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return Opening(copy, kept=False)
