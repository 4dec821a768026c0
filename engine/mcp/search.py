"""`search_skills`: the engine's search over the served tools and knowledge skills (a skill's SKILL.md, or a
section of one of its reference files: what `load_skill` and `read_skill_file` give).

The first search of a process starts loading the model in the background and waits for it a
little (`MODEL_WAIT`: it takes ~0.7 s here). When the model is not there by then (a busy or slow
machine, or none installed), the answer comes from the engine's keyword search
(`engine.search.WORDS`), the same ranking the app shows meanwhile: an agent never waits long, and
later calls rank by meaning.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from engine.errors import SkillError
from engine.search import WORDS

if TYPE_CHECKING:
    from engine.api import Engine
    from engine.mcp.catalog import Exposed
    from engine.search import SearchHit

log = logging.getLogger("skill.serve")

MODEL_WAIT = 3.0  # seconds a search waits for the model before answering from keywords
_loading = threading.Lock()  # held while a background load of the model runs


def search(
    engine: Engine,
    catalog: dict[str, Exposed],
    query: str,
    top: int = 10,
    skill: str | None = None,
    knowledge: frozenset[str] = frozenset(),
) -> tuple[str, list[tuple[Exposed | SearchHit, float]]]:
    """(method, hits): "semantic" (relevance 0..1) once the model is loaded, else "words" (BM25 scores).
    Hits are limited to the tools this server exposes and the `knowledge` skills it serves (those come
    back as the engine's hits: kind "skill" or "file"); none means nothing matches."""
    wide = max(top * 4, top + 10)  # the engine ranks every installed tool; this server may serve fewer
    if not engine.search_ready():
        _load_in_background(engine)
        deadline = time.monotonic() + MODEL_WAIT
        while not engine.search_ready() and time.monotonic() < deadline:
            time.sleep(0.05)
    if engine.search_ready():
        return "semantic", served(engine.find(query, top=wide, skill=skill), catalog, top, knowledge)
    return "words", served(engine.find(query, top=wide, skill=skill, mode=WORDS), catalog, top, knowledge)


def served(
    hits: list[SearchHit], catalog: dict[str, Exposed], top: int, knowledge: frozenset[str] = frozenset()
) -> list[tuple[Exposed | SearchHit, float]]:
    """The served tools and knowledge behind `hits`, best first, with the hit's score. A tool hit names one
    skill tool and the instance a command line would use, so every served instance of that tool matches
    (that one first); a knowledge hit (kind "skill" or "file" of a served knowledge skill) stays as it is."""
    by_tool: dict[tuple[str, str], list[Exposed]] = {}
    for e in catalog.values():
        by_tool.setdefault((e.skill, e.tool.name), []).append(e)
    out: list[tuple[Exposed | SearchHit, float]] = []
    for h in hits:
        score = round(h.score or h.keyword, 4)
        if h.tool is None and h.skill in knowledge and (h.path or h.skill_kind != "tools"):
            out.append((h, score))
        for e in sorted(by_tool.get((h.skill, h.tool or ""), []), key=lambda e: e.instance != h.instance):
            out.append((e, score))
    return out[:top]


def _load_in_background(engine: Engine) -> None:
    if not _loading.acquire(blocking=False):
        return  # already loading

    def load() -> None:
        try:
            engine.prepare_search()
        except SkillError as e:  # no model here: keyword answers go on
            log.warning("semantic search unavailable (%s); answering from keywords", e)
        finally:
            _loading.release()

    threading.Thread(target=load, name="skill-serve-model", daemon=True).start()
