"""`search_skills`: the engine's semantic search over the served tools, and a word match for
when it cannot answer (no model, no index yet). `word_search` is to be replaced by the
engine's model-free keyword search."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.api import Engine
    from engine.mcp.catalog import Exposed

log = logging.getLogger("skill.serve")

_WORD = re.compile(r"[a-z0-9]+")


def word_search(catalog: dict[str, Exposed], query: str, top: int = 10) -> list[tuple[Exposed, float]]:
    """Rank tools by the share of query words found in their names, descriptions and parameters."""
    words = set(_WORD.findall(query.lower()))
    if not words:
        return []
    scored = []
    for e in catalog.values():
        hay = " ".join(
            [
                e.skill,
                e.instance,
                e.tool.name,
                e.tool.description,
                e.skill_description,
                *(f"{p.name} {p.description}" for p in e.tool.params),
            ]
        ).lower()
        tokens = set(_WORD.findall(hay))
        score = sum(1.0 if w in tokens else 0.5 if w in hay else 0.0 for w in words) / len(words)
        if score > 0:
            scored.append((e, round(score, 3)))
    scored.sort(key=lambda pair: (-pair[1], pair[0].name))
    return scored[:top]


def search(
    engine: Engine, catalog: dict[str, Exposed], query: str, top: int = 10, skill: str | None = None
) -> tuple[str, list[tuple[Exposed, float]]]:
    """(method, hits): the engine's semantic search (`Engine.find`) when it has one and it works,
    else word matching. Hits are limited to the tools this server exposes; none means no tool
    matches (the semantic search decides that itself: it answers nothing rather than noise)."""
    pool = {n: e for n, e in catalog.items() if skill is None or e.skill == skill}
    find = getattr(engine, "find", None)
    if callable(find):
        try:
            kwargs: dict[str, Any] = {"top": max(top * 4, top + 10)}
            if skill is not None:
                kwargs["skill"] = skill
            hits = find(query, **kwargs)
            by_ref: dict[tuple[object, object], list[Exposed]] = {}  # (skill, tool)
            for e in pool.values():
                by_ref.setdefault((e.skill, e.tool.name), []).append(e)
            out: list[tuple[Exposed, float]] = []
            seen: set[str] = set()
            for h in hits:
                # a hit is one skill tool; its `instance` is only the one a command line would use,
                # so every served instance of that tool is a match (the named one first)
                candidates = by_ref.get((getattr(h, "skill", None), getattr(h, "tool", None)), [])
                instance = getattr(h, "instance", None)
                for e in sorted(candidates, key=lambda e: e.instance != instance):
                    if e.name not in seen:
                        seen.add(e.name)
                        out.append((e, round(float(getattr(h, "score", 0.0) or 0.0), 4)))
            return "semantic", out[:top]
        except Exception as exc:  # no model, no index yet...: words still work
            log.info("semantic search unavailable (%s); using word matching", exc)
    return "words", word_search(pool, query, top)
