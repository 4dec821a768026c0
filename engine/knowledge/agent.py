"""What an agent receives from a knowledge skill: the catalog line, the text `load_skill` returns (and
`skill show NAME` prints), and the client-specific switches of its frontmatter.

One place builds these, so the MCP server, the CLI and the app show an agent the same thing. Progressive
disclosure, as the Agent Skills client guide asks: the catalog is a name and a description per skill; loading
one gives its body, its base URI and the list of its files (paths and sizes), never their contents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.errors import ManifestError
from engine.knowledge.frontmatter import split_skill_md

if TYPE_CHECKING:
    from collections.abc import Iterable

    from engine.store import InstalledSkill

SKILL_MD = "SKILL.md"


def base_uri(name: str) -> str:
    """The skill's folder as an MCP resource URI; its files are `skill://NAME/PATH`."""
    return f"skill://{name}/"


def has_skill_md(skill: InstalledSkill) -> bool:
    """A skill agents can load: a knowledge skill, or a component skill that ships a SKILL.md (`both`)."""
    return skill.kind in ("knowledge", "both") and skill.frontmatter is not None


def fields(skill: InstalledSkill) -> dict[str, Any]:
    """The frontmatter's fields, every key kept ({} for a skill without one, or one that no longer parses)."""
    if skill.frontmatter is None:
        return {}
    try:
        return split_skill_md(f"---\n{skill.frontmatter}\n---\n", skill.name).data
    except ManifestError:  # installed with the lenient loader, so this does not happen; a damaged store might
        return {}


def model_invocable(skill: InstalledSkill) -> bool:
    """False when the author asked that only a person starts it (`disable-model-invocation: true`)."""
    return fields(skill).get("disable-model-invocation") is not True


def user_invocable(skill: InstalledSkill) -> bool:
    """False when the author hid it from people's menus (`user-invocable: false`): no MCP prompt then."""
    return fields(skill).get("user-invocable") is not False


def catalog_line(skill: InstalledSkill) -> str:
    return f"{skill.name}: {' '.join(skill.description.split())}"


def catalog(skills: Iterable[InstalledSkill]) -> str:
    """One line per skill a model may load (name: description), the text `load_skill` describes itself with."""
    return "\n".join(catalog_line(s) for s in skills if has_skill_md(s) and model_invocable(s))


def skill_content(skill: InstalledSkill) -> str:
    """What an agent receives when it loads `skill`: the SKILL.md body, the base URI its relative paths resolve
    against, and its other files with their sizes (read one with `read_skill_file` or as a resource)."""
    others = [f for f in skill.files if f.path != SKILL_MD]
    lines = [
        f'<skill_content name="{skill.name}">',
        (skill.skill_md or "").strip(),
        "",
        f"Base URI: {base_uri(skill.name)} (relative paths in this skill are files under it; "
        "files are served, never run)",
    ]
    if others:
        lines.append("<skill_resources>")
        lines += [f"{f.path} ({f.size} bytes)" for f in others]
        lines.append("</skill_resources>")
    lines.append("</skill_content>")
    return "\n".join(lines)
