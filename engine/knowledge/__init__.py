"""Knowledge skills: Agent Skills folders (a `SKILL.md` with YAML frontmatter, plus `references/`,
`scripts/`, `assets/`), read from the package the store keeps. Headless; nothing here runs a file.

- `frontmatter`: split SKILL.md into its verbatim frontmatter, the parsed fields and the body (lenient,
  as the spec's client guide asks: one retry that quotes an unquoted `key: a: b`).
- `tree`: the files a package keeps, with a sha256 each, the limits, and reading one safely.
- `validation`: `skill validate`'s errors (what the spec requires) and warnings (the rest).
"""

from engine.knowledge.frontmatter import SkillDoc, split_skill_md
from engine.knowledge.tree import PackageFile, estimate_tokens, read_text, resolve_inside

KINDS = ("tools", "knowledge", "both")
"""An installed skill is a component (`tools`), a SKILL.md folder (`knowledge`), or a component with a SKILL.md."""

__all__ = ["KINDS", "PackageFile", "SkillDoc", "estimate_tokens", "read_text", "resolve_inside", "split_skill_md"]
