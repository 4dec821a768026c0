"""Semantic search: find the right tool by meaning, offline.

    hits = engine.find("turn a title into a url-safe name", top=5)

Importing this package is cheap (no numpy, no model). The first `find` in a process
loads the embedder (fastembed + the vendored MiniLM model: ~0.7 s), brings the index
under `<home>/search/` up to date with the installed skills (embedding only new or
changed documents) and ranks. Later calls reuse both and re-sync only when the
skills folder changed (an install, upgrade or removal swaps a symlink there).

An empty result means no tool matches: nothing came close enough by meaning and
keywords (engine.search.index.MATCH_MIN). The CLI, the MCP server and the TUI all
rank through `find`; `find_keywords` is the model-free stand-in the TUI shows while
the model loads.
"""

from __future__ import annotations

import os
import re
import shlex
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.errors import UsageError
from engine.protocol import Param

if TYPE_CHECKING:
    from engine.api import Engine
    from engine.search.documents import Document
    from engine.search.index import SearchIndex, SyncReport

PLACEHOLDER = "..."


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
    command: str  # a `skill run ...` (or `skill info ...`) line, ready to paste
    values: dict[str, Any] = field(default_factory=dict)  # arguments taken from quoted text in the query
    instances: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    dense: float = 0.0  # cosine similarity
    keyword: float = 0.0  # BM25

    @property
    def ref(self) -> str:
        return f"{self.skill}@{self.instance}:{self.tool}" if self.tool else f"{self.skill}@{self.instance}"

    @property
    def kind(self) -> str:
        return "tool" if self.tool else "skill"

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "ref": self.ref,
            "kind": self.kind,
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
    parts = ["skill", "run", shlex.quote(f"{skill}@{instance}:{tool}")]
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


# ---- the searcher ---------------------------------------------------------------------------------


class Searcher:
    """One engine home's index plus the embedder; thread-safe; reused by `find_hits`."""

    def __init__(self, engine: Engine):
        from engine.search.embedder import get_embedder
        from engine.search.index import SearchIndex

        self.engine = engine
        self.index: SearchIndex = SearchIndex(engine.home.root / "search", get_embedder(engine.home))
        self._stamp: object = None
        self._lock = threading.Lock()
        self.last_sync: SyncReport | None = None

    def _skills_stamp(self) -> object:
        """Changes whenever a skill is installed, upgraded or removed (each swaps a symlink)."""
        folder = self.engine.home.skills
        try:
            with os.scandir(folder) as it:
                return tuple(sorted((e.name, os.readlink(e.path) if e.is_symlink() else "") for e in it))
        except FileNotFoundError:
            return ()

    def refresh(self, force: bool = False) -> SyncReport | None:
        """Sync the index with the installed skills if they changed since the last sync."""
        with self._lock:
            stamp = self._skills_stamp()
            if not force and stamp == self._stamp:
                return None
            self.last_sync = self.index.sync(self.engine.skills())
            self._stamp = stamp
            return self.last_sync

    def find(
        self,
        query: str,
        top: int = 5,
        skill: str | None = None,
        instance: str | None = None,
        tag: str | None = None,
        mode: str = "fused",
    ) -> list[SearchHit]:
        if top < 1:
            raise UsageError(f"--top {top}: give a number of results of at least 1")
        self.refresh()
        instances = self.engine.instances
        names: dict[str, list[str]] = {}

        def instances_of(name: str) -> list[str]:
            if name not in names:
                names[name] = instances.names(name)
            return names[name]

        tag_l = tag.lower() if tag else None

        def keep(d: Document) -> bool:
            return (
                (skill is None or d.skill == skill)
                and (tag_l is None or tag_l in d.tags)
                and (instance is None or instance in instances_of(d.skill))
            )

        with self._lock:
            ranked = self.index.rank(query, top=top, mode=mode, keep=keep if (skill or instance or tag) else None)
        return [
            _hit(
                d=r.doc,
                score=r.score,
                query=query,
                instance=instance,
                insts=tuple(instances_of(r.doc.skill)),
                dense=r.dense,
                keyword=r.keyword,
            )
            for r in ranked
        ]


def _hit(
    d: Document,
    score: float,
    query: str,
    instance: str | None,
    insts: tuple[str, ...],
    dense: float = 0.0,
    keyword: float = 0.0,
) -> SearchHit:
    inst = instance or ("default" if "default" in insts or not insts else insts[0])
    values = quoted_values(query, d.params) if d.tool else {}
    return SearchHit(
        score=score,
        skill=d.skill,
        instance=inst,
        tool=d.tool,
        description=d.description,
        excerpt=d.excerpt,
        params=d.params,
        command=command_line(d.skill, inst, d.tool, d.params, values),
        values=values,
        instances=insts,
        tags=d.tags,
        dense=dense,
        keyword=keyword,
    )


_searchers: dict[tuple[str, str], Searcher] = {}
_searchers_lock = threading.Lock()


def searcher(engine: Engine) -> Searcher:
    """The process-wide searcher of this engine's home (created, and the model loaded, on first use)."""
    from engine.search.embedder import load_config

    key = (str(engine.home.root), load_config(engine.home).key)
    with _searchers_lock:
        s = _searchers.get(key)
        if s is None or s.engine.home != engine.home:
            s = _searchers[key] = Searcher(engine)
        return s


def is_ready(engine: Engine) -> bool:
    """Whether the model is loaded (a first search would not wait for it)."""
    from engine.search.embedder import is_loaded

    return is_loaded(engine.home)


def find(
    engine: Engine,
    query: str,
    top: int = 5,
    skill: str | None = None,
    instance: str | None = None,
    tag: str | None = None,
    mode: str = "fused",
) -> list[SearchHit]:
    if skill is not None:
        engine.skill(skill)  # NotFoundError names the installed ones
    return searcher(engine).find(query, top=top, skill=skill, instance=instance, tag=tag, mode=mode)


def find_keywords(engine: Engine, query: str, top: int = 5) -> list[SearchHit]:
    """Keyword matches (BM25 over the same documents) for while the model loads: no model, no index
    files. A match shares at least one word with the query; the order is BM25's and the score is 0
    (relevance needs the model)."""
    from engine.search.documents import documents, keyword_text
    from engine.search.keyword import BM25

    docs = documents(engine.skills())
    kw = BM25([keyword_text(d) for d in docs]).scores(query)
    order = sorted((i for i in range(len(docs)) if kw[i] > 0), key=lambda i: -kw[i])[:top]
    instances = engine.instances
    return [_hit(docs[i], 0.0, query, None, tuple(instances.names(docs[i].skill)), keyword=float(kw[i])) for i in order]
