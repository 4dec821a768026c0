"""What gets indexed: one document per tool, one per skill (its SKILL.md knowledge), and one per
section (split at headings) of each of a skill's `references/*.md` files (kind "file").

A tool's document holds the skill's name and description, the tool's name and
description, its parameters, and the tool's own section of SKILL.md with its
examples. The most telling text comes first, because the embedding model reads
only the first 256 tokens. Each document carries the sha256 of its text: the
index re-embeds a document only when that hash changes.

Pure Python: no numpy, no model.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.errors import ManifestError, SkillError
from engine.knowledge.frontmatter import split_skill_md
from engine.protocol import Param, Tool

if TYPE_CHECKING:
    from engine.store import InstalledSkill

FORMAT = 1  # bump when the text layout changes (hashes change with it, so everything re-embeds)
EXCERPT_CHARS = 600
MAX_SECTIONS = 200  # reference sections of one skill indexed (a package holds up to 1000 files)


@dataclass(frozen=True)
class Document:
    id: str  # "skill:tool", "skill" for the skill's own document, "skill/path#n" for a file's section
    skill: str
    tool: str | None
    text: str  # what is embedded and keyword-indexed
    description: str
    excerpt: str  # the SKILL.md passage shown with a result
    params: tuple[Param, ...]
    tags: tuple[str, ...]
    hash: str
    skill_kind: str = "tools"  # the skill's kind (engine.knowledge.KINDS)
    path: str | None = None  # the file a section comes from (references/x.md)

    @property
    def kind(self) -> str:
        return "tool" if self.tool is not None else "file" if self.path else "skill"


def _body(md: str) -> str:
    """SKILL.md without its YAML frontmatter (the store keeps the body alone; a whole file has one)."""
    try:
        return split_skill_md(md, "SKILL.md").body
    except ManifestError:  # no frontmatter: already the body
        return md


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def _start_pattern(name: str) -> re.Pattern[str]:
    # `### add-note`, `**add-note**`, `` `add-note` ``, `- **add-note**:`, `add-note:` at the start of a line
    return re.compile(rf"^\s*(?:#{{1,6}}\s+|[-*+]\s+)?(?:\*\*|__|`)*{re.escape(name)}(?:\*\*|__|`)*(?=[\s:(—–-]|$)")


def tool_sections(md: str | None, tool_names: list[str]) -> tuple[dict[str, str], str]:
    """(tool name → that tool's section with its examples, what is left for the skill itself).

    A section starts at a heading or a paragraph that begins with the tool's name
    (`### name`, `**name**`, `` `name` ``) and runs to the next tool's start or the
    next heading.
    """
    if not md:
        return {}, ""
    lines = _body(md).splitlines()
    patterns = [(n, _start_pattern(n)) for n in sorted(tool_names, key=len, reverse=True)]
    starts: dict[int, str] = {}
    seen: set[str] = set()
    for i, line in enumerate(lines):
        for name, pat in patterns:
            if name not in seen and pat.match(line):
                starts[i] = name
                seen.add(name)
                break
    sections: dict[str, str] = {}
    used: set[int] = set()
    order = sorted(starts)
    for k, start in enumerate(order):
        end = order[k + 1] if k + 1 < len(order) else len(lines)
        for j in range(start + 1, end):
            if _HEADING.match(lines[j]):
                end = j
                break
        sections[starts[start]] = "\n".join(lines[start:end]).strip()
        used.update(range(start, end))
    rest = "\n".join(line for i, line in enumerate(lines) if i not in used)
    return sections, re.sub(r"\n{3,}", "\n\n", rest).strip()


def _words(name: str) -> str:
    return re.sub(r"[-_.]+", " ", name)


def _param_text(p: Param) -> str:
    bits = [p.name]
    if p.description:
        bits.append(f"({p.description})")
    if p.enum:
        bits.append("one of " + ", ".join(str(e) for e in p.enum))
    return " ".join(bits)


def _clean(text: str) -> str:
    """Markdown to plain-ish text: no emphasis marks or heading hashes, single spaces."""
    text = re.sub(r"^#{1,6}\s*", "", text, flags=re.M)
    text = text.replace("**", "").replace("__", "").replace("`", "")
    return " ".join(text.split())


def tags_of(skill: InstalledSkill) -> tuple[str, ...]:
    raw: Any = []
    for key in ("tags", "keywords"):
        v = (skill.metadata or {}).get(key)
        if isinstance(v, str):
            raw += [t for t in re.split(r"[,\s]+", v) if t]
        elif isinstance(v, (list, tuple)):
            raw += [str(t) for t in v]
    return tuple(dict.fromkeys(t.strip().lower() for t in raw if str(t).strip()))


def _digest(*parts: str) -> str:
    h = hashlib.sha256(f"format {FORMAT}".encode())
    for p in parts:
        h.update(b"\0" + p.encode("utf-8"))
    return h.hexdigest()


def _excerpt(text: str) -> str:
    text = text.strip()
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


def tool_document(skill: InstalledSkill, tool: Tool, section: str, tags: tuple[str, ...]) -> Document:
    params = "; ".join(_param_text(p) for p in tool.params)
    text = ". ".join(
        x
        for x in (
            f"{_words(tool.name)}: {tool.description}".strip(" :"),
            f"Parameters: {params}" if params else "",
            f"Skill {skill.name}: {skill.description}".strip(" :"),
            f"Tags: {', '.join(tags)}" if tags else "",
            _clean(section),
        )
        if x
    )
    return Document(
        id=f"{skill.name}:{tool.name}",
        skill=skill.name,
        tool=tool.name,
        text=text,
        description=tool.description,
        excerpt=_excerpt(section),
        params=tool.params,
        tags=tags,
        hash=_digest(text),
        skill_kind=skill.kind,
    )


def skill_document(skill: InstalledSkill, rest: str, tags: tuple[str, ...]) -> Document:
    tools = ", ".join(_words(t.name) for t in skill.tools)
    text = ". ".join(
        x
        for x in (
            f"{_words(skill.name)}: {skill.description}".strip(" :"),
            f"Tools: {tools}" if tools else "",
            f"Tags: {', '.join(tags)}" if tags else "",
            _clean(rest),
        )
        if x
    )
    return Document(
        id=skill.name,
        skill=skill.name,
        tool=None,
        text=text,
        description=skill.description,
        excerpt=_excerpt(rest),
        params=(),
        tags=tags,
        hash=_digest(text),
        skill_kind=skill.kind,
    )


def headed_sections(text: str) -> list[tuple[str, str]]:
    """(heading, section) of a Markdown file split at its headings: the text before the first heading
    is a section of its own (heading ""); a section with nothing under its heading is dropped."""
    out: list[tuple[str, list[str]]] = [("", [])]
    fence = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        heading = None if fence else _HEADING.match(line)
        if heading:
            out.append((heading.group(2).strip(), [line]))
        else:
            out[-1][1].append(line)
    return [(h, "\n".join(lines).strip()) for h, lines in out if _clean("\n".join(lines[1:] if h else lines))]


def reference_documents(skill: InstalledSkill, tags: tuple[str, ...]) -> list[Document]:
    """One document per heading section of each `references/*.md` file the package records (text files
    only: one that cannot be read as text is left out)."""
    from engine.knowledge.tree import read_text

    docs: list[Document] = []
    for f in skill.files:
        if not (f.path.startswith("references/") and f.path.lower().endswith(".md")):
            continue
        try:
            text = read_text(skill.package_dir, f.path, skill.files)
        except SkillError:
            continue
        title = _words(f.path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
        for n, (heading, section) in enumerate(headed_sections(text)):
            if len(docs) >= MAX_SECTIONS:
                return docs
            body = _clean(section)
            indexed = ". ".join(x for x in (heading or title, body, f"Skill {skill.name}: {skill.description}") if x)
            docs.append(
                Document(
                    id=f"{skill.name}/{f.path}#{n}",
                    skill=skill.name,
                    tool=None,
                    text=indexed,
                    description=f"{f.path}: {heading or title}",
                    excerpt=_excerpt(section),
                    params=(),
                    tags=tags,
                    hash=_digest(f.path, indexed),
                    skill_kind=skill.kind,
                    path=f.path,
                )
            )
    return docs


def keyword_text(doc: Document) -> str:
    """The BM25 text: a tool's name and description count three times (a poor man's BM25F)."""
    if doc.tool is None:
        return doc.text
    return " ".join([_words(doc.tool), doc.description] * 2 + [doc.text])


def documents_for(skill: InstalledSkill) -> list[Document]:
    sections, rest = tool_sections(skill.skill_md, [t.name for t in skill.tools])
    tags = tags_of(skill)
    docs = [tool_document(skill, t, sections.get(t.name, ""), tags) for t in skill.tools]
    docs.append(skill_document(skill, rest, tags))
    return docs + reference_documents(skill, tags)


def documents(skills: list[InstalledSkill]) -> list[Document]:
    return [d for s in skills for d in documents_for(s)]
