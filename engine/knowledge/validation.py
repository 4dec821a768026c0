"""`skill validate`: a SKILL.md folder against the Agent Skills specification.

Errors are what the spec requires (a reader cannot load the skill without them); warnings are the rest.
`--strict` counts warnings as errors, as the spec's reference validator does. Installing stays lenient:
a skill with only warnings installs, and they are shown.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from engine.errors import ManifestError
from engine.knowledge.frontmatter import SkillDoc, split_skill_md
from engine.knowledge.tree import collect, estimate_tokens
from engine.schema import is_valid_name, suggested_name

SPEC_FIELDS = frozenset({"name", "description", "license", "compatibility", "metadata", "allowed-tools"})
CLIENT_FIELDS = frozenset(  # Claude Code's additions: kept as data, never acted on
    {"disable-model-invocation", "user-invocable", "argument-hint", "model", "effort", "context", "agent", "hooks"}
)
MAX_BODY_LINES = 500
MAX_BODY_TOKENS = 5000
_LINK_RE = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|!\[[^\]]*\]\(\s*<?([^)\s>]+)")

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    level: Level
    file: str  # the path shown to the user
    message: str  # one line: what is wrong and what to do
    field: str | None = None  # the frontmatter field, when one is at fault

    def line(self) -> str:
        where = f"{self.file}: field {self.field!r}" if self.field else self.file
        return f"{self.level}: {where}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level, "file": self.file, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class Validation:
    folder: Path
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "warning")

    def passed(self, strict: bool = False) -> bool:
        return not (self.findings if strict else self.errors)

    def to_json(self, strict: bool = False) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "valid": self.passed(strict),
            "strict": strict,
            "errors": [f.to_json() for f in self.errors],
            "warnings": [f.to_json() for f in self.warnings],
        }


def validate(folder: Path, folder_name: str | None = None) -> Validation:
    """Check the skill in `folder`. `folder_name` stands in for the folder's own name (an installed
    package lives in a folder named by the store, not by its author)."""
    md = folder / "SKILL.md"
    shown = str(md)
    out: list[Finding] = []
    if not md.is_file():
        out.append(Finding("error", str(folder), "no SKILL.md; create one with `skill init --template knowledge`"))
        return Validation(folder, tuple(out))
    try:
        doc = split_skill_md(md.read_text(encoding="utf-8"), shown)
    except UnicodeDecodeError:
        out.append(Finding("error", shown, "not UTF-8 text; save it as UTF-8"))
        return Validation(folder, tuple(out))
    except ManifestError as e:
        out.append(Finding("error", shown, str(e).removeprefix(f"{shown}: ")))
        return Validation(folder, tuple(out))
    out += _fields(doc, shown, folder_name if folder_name is not None else folder.resolve().name)
    out += _body(doc, shown, folder)
    if folder_name is None:  # an installed package's tree was checked at install, and holds the store's files
        try:
            collect(folder, whole=True)
        except ManifestError as e:
            out.append(Finding("error", str(folder), str(e)))
    return Validation(folder, tuple(out))


def _fields(doc: SkillDoc, shown: str, folder_name: str) -> list[Finding]:
    data = doc.data
    out: list[Finding] = []

    def error(field: str, message: str) -> None:
        out.append(Finding("error", shown, message, field))

    def warn(field: str, message: str) -> None:
        out.append(Finding("warning", shown, message, field))

    name = data.get("name")
    if not isinstance(name, str) or not name:
        error("name", "required: 1-64 characters of a-z, 0-9 and '-', the folder's name")
    elif not is_valid_name(name):
        error(
            "name",
            f"{name!r} is not a valid name: 1-64 of a-z, 0-9 and single '-' inside (e.g. {suggested_name(name)!r})",
        )
    elif name != folder_name:
        warn("name", f"{name!r} differs from the folder's name {folder_name!r}; agents expect them to match")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        error("description", "required: 1-1024 characters saying what the skill does and when to use it")
    elif len(description) > 1024:
        error("description", f"{len(description)} characters; the limit is 1024")
    compatibility = data.get("compatibility")
    if compatibility is not None and (not isinstance(compatibility, str) or not 1 <= len(compatibility) <= 500):
        error("compatibility", "must be text of 1-500 characters")
    metadata = data.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            error("metadata", "must be a mapping of names to text")
        else:
            odd = sorted(str(k) for k, v in metadata.items() if not isinstance(v, str))
            if odd:
                warn("metadata", f"values should be text; quote {', '.join(odd)}")
    if isinstance(data.get("allowed-tools"), list):
        warn("allowed-tools", "the spec writes it as one space-separated string, not a list")
    for key in data:
        if key in CLIENT_FIELDS:
            warn(key, "a client-specific field (Claude Code), kept but not part of the Agent Skills spec")
        elif key not in SPEC_FIELDS:
            warn(key, "not an Agent Skills field; it is kept, but other agents will not read it")
    return out


def _body(doc: SkillDoc, shown: str, folder: Path) -> list[Finding]:
    out: list[Finding] = []
    lines = doc.body.count("\n") + 1
    tokens = estimate_tokens(doc.body)
    if lines > MAX_BODY_LINES or tokens > MAX_BODY_TOKENS:
        out.append(
            Finding(
                "warning",
                shown,
                f"the body is {lines} lines, ~{tokens} tokens (aim for under {MAX_BODY_LINES} lines and "
                f"~{MAX_BODY_TOKENS} tokens); move detail into references/",
            )
        )
    root = folder.resolve()
    for match in _LINK_RE.finditer(doc.body):
        target = (match.group(1) or match.group(2) or "").split("#", 1)[0]
        if not target or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("/"):
            continue  # a URL, an anchor or an absolute path: not a file of the skill
        cleaned = posixpath.normpath(target)
        if cleaned == ".." or cleaned.startswith("../"):
            out.append(Finding("warning", shown, f"the link {target!r} leads out of the skill's folder"))
        elif not (root / cleaned).exists():
            out.append(Finding("warning", shown, f"the link {target!r} names a file the skill does not have"))
    return out
