"""Semantic search: find the right tool by meaning, offline.

    hits = engine.find("turn a title into a url-safe name", top=5)

Search reads a `SkillCatalog` (the home, the installed skills, their instance names and stamp; `Engine`
is one), never the rest of the facade. Importing this package is cheap (no numpy, no model). The first `find`
in a process loads the embedder (fastembed + the vendored MiniLM model: ~0.7 s), brings the index
under `<home>/search/` up to date with the installed skills (embedding only new or
changed documents) and ranks. Later calls reuse both and re-sync only when the
installed skills changed (`Store.stamp`).

An empty result means no tool matches: nothing came close enough by meaning and
keywords (engine.search.index.MATCH_MIN). The CLI, the MCP server and the TUI all
rank through `find`; `find(..., mode=WORDS)` is the model-free stand-in the TUI shows
while the model loads.
"""

from __future__ import annotations

import re
import shlex
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from engine.errors import UsageError
from engine.protocol import Param
from engine.refs import InstanceRef, ToolRef

if TYPE_CHECKING:
    from engine.home import Home
    from engine.search.documents import Document
    from engine.search.index import SearchIndex, SyncReport
    from engine.search.keyword import BM25
    from engine.store import InstalledSkill, StoreStamp

PLACEHOLDER = "..."
WORDS = "words"  # the `find` mode that needs no model: keyword matches only (the others: index.MODES)


def no_match(query: str) -> str:
    """What every front end says when nothing matches."""
    return f"no tool matches {query!r}"


@dataclass(frozen=True)
class SearchHit:
    score: float  # relevance 0..1: 0 as close as nonsense gets, 1 a clear match (engine.search.index.relevance)
    skill: str
    instance: str  # the instance the command line uses (the one asked for, else "default", else the first)
    tool: str | None  # None: the hit is the skill's own SKILL.md knowledge, not one tool
    description: str
    excerpt: str  # the matching SKILL.md passage (the tool's section with its examples)
    params: tuple[Param, ...]
    command: str  # a `skill run ...` (`skill info ...`, or `skill show ...` for knowledge) line, ready to paste
    values: dict[str, Any] = field(default_factory=dict)  # arguments taken from quoted text in the query
    instances: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    dense: float = 0.0  # cosine similarity
    keyword: float = 0.0  # BM25
    skill_kind: str = "tools"  # the skill's kind: "tools", "knowledge" or "both" (engine.knowledge.KINDS)
    path: str | None = None  # a hit in one of the skill's files (references/x.md), not its SKILL.md

    @property
    def ref(self) -> str:
        """What the hit names: SKILL@INSTANCE:TOOL, SKILL@INSTANCE, or for a knowledge skill (which has no
        instances) SKILL or SKILL/PATH."""
        if self.skill_kind == "knowledge":
            return f"{self.skill}/{self.path}" if self.path else self.skill
        return str(
            ToolRef(self.skill, self.tool, self.instance) if self.tool else InstanceRef(self.skill, self.instance)
        )

    @property
    def kind(self) -> str:
        """What the hit is: a "tool", a "skill" (its SKILL.md) or a "file" of it (`path`)."""
        return "tool" if self.tool else "file" if self.path else "skill"

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "ref": self.ref,
            "kind": self.kind,
            "skill_kind": self.skill_kind,
            "path": self.path,
            "skill": self.skill,
            "instance": self.instance,
            "tool": self.tool,
            "description": self.description,
            "excerpt": self.excerpt,
            "parameters": [p.to_json() for p in self.params],
            "command": self.command,
            "values": self.values,
            "instances": list(self.instances),
            "tags": list(self.tags),
            "dense": round(self.dense, 4),
            "keyword": round(self.keyword, 4),
        }


# ---- command lines and pre-filled values ----------------------------------------------------------

_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|'([^']+)'")


def quoted_values(query: str, params: tuple[Param, ...]) -> dict[str, Any]:
    """Quoted text in the query fills the tool's required text parameters, in order.

    `slugify "Hello World"` → {"text": "Hello World"}.
    """
    quoted = [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(query)]
    targets = [p for p in params if p.required and p.type in ("string", "file") and not p.enum]
    return {p.name: q for p, q in zip(targets, quoted, strict=False)}


def _cli_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, separators=(",", ":"))
    return str(value)


def command_line(
    skill: str, instance: str, tool: str | None, params: tuple[Param, ...], values: dict[str, Any] | None = None
) -> str:
    """`skill run skill@instance:tool --arg k=v ...` with every required parameter given.

    Values come from `values`, else the parameter's default, else its first allowed
    value, else the placeholder `...` to replace.
    """
    if tool is None:
        return f"skill info {shlex.quote(skill)}"
    values = values or {}
    parts = ["skill", "run", shlex.quote(str(ToolRef(skill, tool, instance)))]
    for p in params:
        if p.name in values:
            value = values[p.name]
        elif not p.required:
            continue
        elif p.default is not None:
            value = p.default
        elif p.enum:
            value = p.enum[0]
        else:
            value = PLACEHOLDER
        parts += ["--arg", shlex.quote(f"{p.name}={_cli_value(value)}")]
    return " ".join(parts)


def show_line(skill: str, path: str | None = None) -> str:
    """`skill show NAME [PATH]`: what an agent receives from a knowledge skill (or one of its files)."""
    return " ".join(["skill", "show", shlex.quote(skill), *([shlex.quote(path)] if path else [])])


# ---- the searcher ---------------------------------------------------------------------------------


class SkillCatalog(Protocol):
    """What search reads: the home (index folder, embedder settings), the installed skills and the names
    of their instances. `engine.api.Engine` is one; search never needs the rest of the facade."""

    @property
    def home(self) -> Home: ...

    def skills(self) -> list[InstalledSkill]: ...

    def skill(self, name: str) -> InstalledSkill: ...

    def instance_names(self, skill: str) -> list[str]: ...

    def stamp(self, instances: bool = True) -> StoreStamp: ...


class Searcher:
    """One engine home's search state: the vector index and the keyword index, each brought up to date
    with the installed skills when they change. Thread-safe; one per home and process (`searcher`).

    It keeps no catalog: each call reads the one it is given, so the process-wide searcher keeps no
    engine alive. The embedder (the model) is loaded by the first ranking that needs it (`find`,
    `refresh`), never by building a searcher or by a keyword search, which the TUI shows meanwhile.
    """

    def __init__(self, home: Home):
        self.home = home
        self._index: SearchIndex | None = None
        self._stamp: StoreStamp | None = None
        self._keywords: tuple[StoreStamp, list[Document], BM25] | None = None
        self._lock = threading.Lock()  # the vector index (held while the model loads)
        self._keyword_lock = threading.Lock()  # the keyword index: never waits for the model
        self.last_sync: SyncReport | None = None

    @property
    def index(self) -> SearchIndex:
        """The vector index (loads the embedder the first time)."""
        with self._lock:
            return self._vectors()

    def _vectors(self) -> SearchIndex:
        if self._index is None:
            from engine.search.embedder import get_embedder
            from engine.search.index import SearchIndex

            self._index = SearchIndex(
                self.home.root / "search", get_embedder(self.home), persist=not self.home.readonly
            )
        return self._index

    def refresh(self, catalog: SkillCatalog, force: bool = False) -> SyncReport | None:
        """Load the model and sync the index with the installed skills if they changed since the last sync."""
        with self._lock:
            index = self._vectors()
            stamp = catalog.stamp(instances=False)
            if not force and stamp == self._stamp:
                return None
            self.last_sync = index.sync(catalog.skills())
            self._stamp = stamp
            return self.last_sync

    def find(self, catalog: SkillCatalog, query: str, pick: Filters, mode: str = "fused") -> list[SearchHit]:
        """Ranked by meaning and keywords (engine.search.index.SearchIndex.rank); loads the model."""
        self.refresh(catalog)
        with self._lock:
            ranked = self._vectors().rank(query, top=pick.top, mode=mode, keep=pick.keep)
        return [pick.hit(r.doc, query, r.score, r.dense, r.keyword) for r in ranked]

    def find_keywords(self, catalog: SkillCatalog, query: str, pick: Filters) -> list[SearchHit]:
        """Keyword matches: BM25 over the same documents and filters as `find`, without the model or the
        index files. A match shares at least one word with the query; the order is BM25's (`keyword`)
        and `score` is 0 (relevance needs the model)."""
        docs, bm25 = self._keyword_index(catalog)
        kw = bm25.scores(query)
        found = [i for i in range(len(docs)) if kw[i] > 0 and (pick.keep is None or pick.keep(docs[i]))]
        found.sort(key=lambda i: -kw[i])
        return [pick.hit(docs[i], query, keyword=float(kw[i])) for i in found[: pick.top]]

    def _keyword_index(self, catalog: SkillCatalog) -> tuple[list[Document], BM25]:
        """The documents and their BM25, rebuilt when the installed skills change."""
        from engine.search.documents import documents, keyword_text
        from engine.search.keyword import BM25

        stamp = catalog.stamp(instances=False)
        with self._keyword_lock:
            if self._keywords is None or self._keywords[0] != stamp:
                docs = documents(catalog.skills())
                self._keywords = (stamp, docs, BM25([keyword_text(d) for d in docs]))
            return self._keywords[1], self._keywords[2]


class Filters:
    """One query's limits (how many results; only this skill, instance, tag) and how its hits name their
    instance. Built before anything is ranked, so a bad `top` or an unknown skill fails first."""

    def __init__(
        self,
        catalog: SkillCatalog,
        top: int = 5,
        skill: str | None = None,
        instance: str | None = None,
        tag: str | None = None,
    ):
        if top < 1:
            raise UsageError(f"--top {top}: give a number of results of at least 1")
        if skill is not None:
            catalog.skill(skill)  # NotFoundError names the installed ones
        self.top, self.catalog = top, catalog
        self.skill, self.instance, self.tag = skill, instance, tag.lower() if tag else None
        self._names: dict[str, tuple[str, ...]] = {}
        self.keep = None if skill is None and instance is None and tag is None else self._keep

    def instances_of(self, skill: str) -> tuple[str, ...]:
        if skill not in self._names:
            self._names[skill] = tuple(self.catalog.instance_names(skill))
        return self._names[skill]

    def _keep(self, d: Document) -> bool:
        return (
            (self.skill is None or d.skill == self.skill)
            and (self.tag is None or self.tag in d.tags)
            and (self.instance is None or self.instance in self.instances_of(d.skill))
        )

    def hit(self, d: Document, query: str, score: float = 0.0, dense: float = 0.0, keyword: float = 0.0) -> SearchHit:
        insts = self.instances_of(d.skill)
        inst = self.instance or ("default" if "default" in insts or not insts else insts[0])
        values = quoted_values(query, d.params) if d.tool else {}
        knowledge = d.tool is None and (d.path is not None or d.skill_kind != "tools")
        return SearchHit(
            score=score,
            skill=d.skill,
            instance=inst,
            tool=d.tool,
            description=d.description,
            excerpt=d.excerpt,
            params=d.params,
            command=show_line(d.skill, d.path) if knowledge else command_line(d.skill, inst, d.tool, d.params, values),
            values=values,
            instances=insts,
            tags=d.tags,
            dense=dense,
            keyword=keyword,
            skill_kind=d.skill_kind,
            path=d.path,
        )


_searchers: dict[tuple[str, str], Searcher] = {}
_searchers_lock = threading.Lock()


def searcher(catalog: SkillCatalog) -> Searcher:
    """The process-wide searcher of this catalog's home (cheap to create: the model loads on first use)."""
    from engine.search.embedder import load_config

    key = (str(catalog.home.root), load_config(catalog.home).key)
    with _searchers_lock:
        s = _searchers.get(key)
        if s is None or s.home != catalog.home:
            s = _searchers[key] = Searcher(catalog.home)
        return s


def is_ready(catalog: SkillCatalog) -> bool:
    """Whether the model is loaded (a first search would not wait for it)."""
    from engine.search.embedder import is_loaded

    return is_loaded(catalog.home)


def find(
    catalog: SkillCatalog,
    query: str,
    top: int = 5,
    skill: str | None = None,
    instance: str | None = None,
    tag: str | None = None,
    mode: str = "fused",
) -> list[SearchHit]:
    """Tools and skills ranked by meaning and keywords (`Searcher.find`; the first call loads the model),
    or with `mode=WORDS` keyword matches that never load it (`Searcher.find_keywords`): what front ends
    show while the model loads, with the same filters and the same `SearchHit`s, unscored."""
    pick = Filters(catalog, top, skill, instance, tag)
    if mode == WORDS:
        return searcher(catalog).find_keywords(catalog, query, pick)
    return searcher(catalog).find(catalog, query, pick, mode)
