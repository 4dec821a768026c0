"""`skill export`: an installed skill written where agents load skills natively.

Claude Code reads `~/.claude/skills/NAME` (and a project's `.claude/skills/NAME`); the Agent Skills
client guide has agents scan `.agents/skills/NAME` in the user's home and in the project. Exporting is
the one path that reaches every agent: MCP resources and prompts are attached by hand in most clients.

- A knowledge skill is copied as recorded (its files, never the store's skill.json), or with `link`
  linked to the store's stable link `skills/NAME`, so it follows upgrades and vanishes on removal.
- A skill with a component gets a generated SKILL.md naming its MCP tools (as `skill serve` names
  them) and their parameters, after its own body if it has one: the tools run in our sandbox, called
  through the MCP server, never from the exported folder. A link would show the agent the component
  and no tool names, so `link` is refused for it.

The folder is staged beside the target and renamed into place. A target that is not an earlier export
(ours, unchanged since: `.skill-tui-export.json` records each file's digest) is left alone unless `force`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import UsageError
from engine.fsutil import sha256_of
from engine.refs import DEFAULT, mcp_tool_name

if TYPE_CHECKING:
    from engine.protocol import Param, Tool
    from engine.store import InstalledSkill

TARGETS = {"claude": ".claude/skills", "agents": ".agents/skills"}
MARKER = ".skill-tui-export.json"
LEFTOVERS = ("export", "old", "link")  # `.NAME.<kind>-<random>`: staging that a killed export left
STALE_S = 60.0  # an export takes milliseconds: staging this old belongs to a process that died
_NOT_EXPORTED = frozenset({"SKILL.md", "skill.yaml", "skill.yml", "skill.minisig"})  # a component skill's own


def export_dir(name: str, to: str, home: Path, project: Path | None) -> Path:
    """Where `to` (claude | agents) loads the skill `name` from: under the user's `home`, or under
    `project` when given."""
    if to not in TARGETS:
        raise UsageError(f"--to {to!r}: choose claude or agents")
    base = project if project is not None else home
    return base.expanduser().absolute() / TARGETS[to] / name


def export(skill: InstalledSkill, target: Path, stable_link: Path, *, link: bool = False, force: bool = False) -> Path:
    """Write `skill` to `target` (a copy, or with `link` a symlink to `stable_link`); the target."""
    if link and skill.has_component:
        raise UsageError(
            f"--link works for knowledge skills; {skill.name} has tools, whose SKILL.md is generated: "
            "export a copy (drop --link)"
        )
    _check_replaceable(target, stable_link, force)
    target.parent.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(target)
    if link:
        tmp = target.parent / f".{target.name}.link-{os.urandom(4).hex()}"
        os.symlink(stable_link, tmp)
        _swap_in(tmp, target)
        return target
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.export-", dir=target.parent))
    try:
        files = _write(skill, stage)
        marker = {"skill": skill.name, "version": skill.version, "kind": skill.kind, "files": files}
        (stage / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        os.chmod(stage, 0o755)
        _swap_in(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return target


def skill_md_for_tools(skill: InstalledSkill) -> str:
    """The SKILL.md of a skill with a component: frontmatter valid under `skill validate --strict`, its
    own body if it has one, then its tools by MCP name with their parameters."""
    import yaml  # export-time only

    tools = "\n".join(_tool_section(skill.name, t) for t in skill.tools) or "(This skill declares no tools.)\n"
    description = skill.description.strip() or f"The {skill.name} tools ({', '.join(t.name for t in skill.tools)})"
    front = {"name": skill.name, "description": _clip(" ".join(description.split()), 1024)}
    if skill.license:
        front["license"] = skill.license
    body = (skill.skill_md or "").strip()
    own = f"{body}\n\n" if body else f"# {skill.name}\n\n"
    return (
        f"---\n{yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=10**6)}---\n\n{own}"
        "## Tools (served by skill-tui over MCP)\n\n"
        f"The {skill.name} tools run in skill-tui's WebAssembly sandbox, not on this machine's shell. Call them "
        "through the skill-tui MCP server: if your client does not list them yet, register the server with "
        "the configuration `skill mcp-config` prints (e.g. `skill mcp-config --client claude-code`). When "
        "the server runs with `--lazy`, call them through `call_skill` with the reference shown beside "
        "each name.\n\n"
        f"{tools}"
    )


def _tool_section(skill: str, tool: Tool) -> str:
    lines = [f"### `{mcp_tool_name(skill, DEFAULT, tool.name)}`", ""]
    lines.append(f"Reference: `{skill}:{tool.name}`. {tool.description}".rstrip())
    lines.append("")
    lines += [_param_line(p) for p in tool.params] or ["No parameters."]
    return "\n".join(lines) + "\n"


def _param_line(p: Param) -> str:
    facts = [p.type, "required" if p.required else "optional"]
    if p.enum:
        facts.append("one of " + ", ".join(json.dumps(v) for v in p.enum))
    if p.default is not None:
        facts.append(f"default {json.dumps(p.default)}")
    text = f"- `{p.name}` ({'; '.join(facts)})"
    return f"{text}: {p.description}" if p.description else text


def _write(skill: InstalledSkill, stage: Path) -> dict[str, str]:
    """The exported files into `stage`; their digests by path."""
    out: dict[str, str] = {}
    for f in skill.files:
        if skill.has_component and f.path in _NOT_EXPORTED:
            continue
        dest = stage / f.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(skill.package_dir / f.path, dest)
        out[f.path] = f.sha256
    if skill.has_component:
        text = skill_md_for_tools(skill).encode("utf-8")
        (stage / "SKILL.md").write_bytes(text)
        out["SKILL.md"] = hashlib.sha256(text).hexdigest()
    return dict(sorted(out.items()))


def _check_replaceable(target: Path, stable_link: Path, force: bool) -> None:
    """Refuse to replace what is not an earlier export of ours left as it was (unless `force`)."""
    if force or not os.path.lexists(target) or _ours(target, stable_link):
        return
    raise UsageError(
        f"{target} exists and is not an unchanged export of skill-tui; move it away, or pass --force to replace it"
    )


def _ours(target: Path, stable_link: Path) -> bool:
    if target.is_symlink():
        return os.readlink(target) == str(stable_link)
    if not target.is_dir():
        return False
    try:
        recorded: dict[str, Any] = json.loads((target / MARKER).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    present = {p.relative_to(target).as_posix(): p for p in target.rglob("*") if p.is_file() or p.is_symlink()}
    present.pop(MARKER, None)
    if set(present) != set(recorded):
        return False
    return all(not p.is_symlink() and sha256_of(p) == recorded[rel] for rel, p in present.items())


def _clear_leftovers(target: Path) -> None:
    """Remove the hidden staging an earlier export of this skill left when it was killed midway."""
    import time

    prefixes = tuple(f".{target.name}.{kind}-" for kind in LEFTOVERS)
    for entry in target.parent.iterdir():
        try:
            if not entry.name.startswith(prefixes) or time.time() - entry.lstat().st_mtime < STALE_S:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError:
            continue  # gone meanwhile, or not ours to remove: the export itself does not need it gone


def _swap_in(new: Path, target: Path) -> None:
    """Put `new` (a folder or a link) at `target`: a rename, after moving a previous export aside."""
    old = None
    if os.path.lexists(target):
        old = target.parent / f".{target.name}.old-{os.urandom(4).hex()}"
        os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        if old.is_symlink() or not old.is_dir():
            old.unlink()
        else:
            shutil.rmtree(old, ignore_errors=True)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
