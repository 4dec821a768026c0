"""SKILL.md: the frontmatter as written (kept verbatim for agents and the MCP skills extension), its
fields, and the body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.errors import ManifestError

_FRONTMATTER_RE = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.S | re.M)
_UNQUOTED_COLON_RE = re.compile(r"^(\s*[A-Za-z0-9_-]+):[ \t]+([^'\"\n|>][^\n]*:[ \t][^\n]*)$", re.M)


@dataclass(frozen=True)
class SkillDoc:
    raw: str  # the frontmatter between the `---` lines, exactly as written
    data: dict[str, Any]  # its fields, every key kept (client-specific ones too)
    body: str  # the Markdown after the closing `---`


def split_skill_md(text: str, where: str) -> SkillDoc:
    """Parse SKILL.md's text; `where` (its path) starts every error line."""
    match = _FRONTMATTER_RE.match(text)
    if not match:
        raise ManifestError(
            f"{where}: missing YAML frontmatter; start the file with '---', the fields "
            "'name' and 'description', then '---'"
        )
    raw, body = match.group(1), match.group(2)
    data = _load(raw, where)
    if not isinstance(data, dict):
        raise ManifestError(f"{where}: the frontmatter must be a YAML mapping of fields (name: ..., description: ...)")
    return SkillDoc(raw, {str(k): v for k, v in data.items()}, body)


def _load(raw: str, where: str) -> Any:
    """YAML, retried once with unquoted `key: a: b` values quoted (a common hand-written mistake the
    spec's client guide tells loaders to forgive)."""
    import yaml

    try:
        return yaml.safe_load(raw) or {}
    except yaml.YAMLError as first:
        quoted = _UNQUOTED_COLON_RE.sub(lambda m: f"{m.group(1)}: {_quote(m.group(2))}", raw)
        if quoted != raw:
            try:
                return yaml.safe_load(quoted) or {}
            except yaml.YAMLError:
                pass
        mark = getattr(first, "problem_mark", None)
        line = f":{mark.line + 2}" if mark else ""  # +1 for 1-based, +1 for the opening ---
        problem = getattr(first, "problem", None) or str(first).splitlines()[0]
        raise ManifestError(f"{where}{line}: invalid YAML in the frontmatter ({problem}); fix the syntax") from None


def _quote(value: str) -> str:
    return '"' + value.strip().replace("\\", "\\\\").replace('"', '\\"') + '"'
