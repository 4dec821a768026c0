"""The search index: document vectors on disk, kept in step with the installed skills.

Files under `<home>/search/`:

- `vectors-<token>.npy`: one float32 row per document, L2-normalised;
- `meta.json`: the embedder's `model_id`, the vector file's name and, per row,
  the document id and content hash.

A sync embeds only the documents whose hash is not in the index yet, drops the
ones that are gone, and rebuilds everything if the model changed. It writes a
new vector file first and then swaps `meta.json` (both atomically), so a crash
at any point leaves the previous consistent index; stale vector files are removed
on the next sync. Syncs hold `search/.lock`, so two processes never embed the same
documents at once. A read-only home's index (`persist` False) is read if it was baked in, and what
is missing from it is embedded in memory only.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.fsutil import atomic_write_bytes, atomic_write_text, file_lock
from engine.search.documents import Document, documents, keyword_text
from engine.search.keyword import BM25

if TYPE_CHECKING:
    from engine.search.embedder import Embedder
    from engine.store import InstalledSkill

META_FORMAT = 1
MODES = ("fused", "dense", "keyword")
# How strongly a document answers a query ("strength"): its cosine similarity with the query plus
# KEYWORD_WEIGHT x its keyword coverage (BM25 / the most the query could score, 0..1), less
# SKILL_DOC_PENALTY for a skill's own documents when it has tools (its prose should not push them down).
# Chosen on the evaluation in bench/bench_search.py (ranking every document, before the no-match cut):
# MRR 0.832, recall@1 0.731 where reciprocal-rank fusion of the two rankings made 0.811, 0.692. Rank
# fusion throws away how far apart the cosines are, so a tool with a much better meaning lost to one
# that merely repeats a query word ("make a url friendly version of a title": read-note over slugify).
KEYWORD_WEIGHT, SKILL_DOC_PENALTY = 0.5, 0.2
# Nothing matches unless the best document reaches MATCH_MIN strength: the threshold that best separates
# the best documents of the 52 evaluation requests from those of 40 nonsense and off-topic requests
# (tests/fixtures/search/catalog.py). bench/bench_search.py re-derives it and prints the no-match
# decision's precision and recall. Below the best, results go on down to NOISE (score 0).
MATCH_MIN = 0.34
# The score shown (0..1): strength mapped linearly from NOISE (how close the best document of a nonsense
# request typically gets: their median) to STRONG (a clear match: the 90th percentile of the expected
# tools' strength), clipped. Unlike a rank-based score, it says how well the top hit answers, and
# neighbours with different cosines get different scores.
NOISE, STRONG = 0.16, 0.80


@dataclass(frozen=True)
class SyncReport:
    total: int
    embedded: int  # documents (re-)embedded by this sync
    removed: int
    rebuilt: bool  # the model changed (or the index was unreadable): everything re-embedded
    seconds: float


@dataclass(frozen=True)
class Ranked:
    doc: Document
    score: float  # relevance 0..1 (see NOISE, STRONG), the same in every mode
    dense: float  # cosine similarity with the query
    keyword: float  # BM25 score


@dataclass(frozen=True)
class Signals:
    """Per document, for one query: what ranking and the no-match decision are made of."""

    dense: np.ndarray  # cosine similarity
    keyword: np.ndarray  # BM25
    coverage: np.ndarray  # BM25 / the query's ceiling, 0..1
    strength: np.ndarray  # dense + KEYWORD_WEIGHT x coverage - SKILL_DOC_PENALTY (skill documents)


def relevance(strength: float) -> float:
    """The score a person sees, 0..1 (0: as close as nonsense gets; 1: a clear match)."""
    return round(min(1.0, max(0.0, (strength - NOISE) / (STRONG - NOISE))), 4)


class SearchIndex:
    def __init__(self, folder: Path, embedder: Embedder, *, persist: bool = True):
        self.folder = folder
        self.persist = persist
        self.embedder = embedder
        self.docs: list[Document] = []
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        self._bm25: BM25 | None = None
        self._penalty = np.zeros(0, dtype=np.float32)  # SKILL_DOC_PENALTY for skill documents, 0 for tools
        self._loaded = False

    # ---- persistence -------------------------------------------------------------------------

    @property
    def meta_path(self) -> Path:
        return self.folder / "meta.json"

    def _read(self) -> tuple[dict[str, int], np.ndarray, str] | None:
        """(hash → row, matrix, vector file name) of the index on disk, if readable and made by this model."""
        for _attempt in range(3):  # a concurrent sync may swap files between the two reads
            try:
                meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
                if meta.get("format") != META_FORMAT or meta.get("model") != self.embedder.model_id:
                    return None
                matrix = np.load(self.folder / meta["vectors"], allow_pickle=False)
            except FileNotFoundError:
                if not self.meta_path.exists():
                    return None
                continue
            except (OSError, ValueError, KeyError, TypeError):
                return None
            rows = meta.get("docs", [])
            if matrix.ndim != 2 or matrix.shape[0] != len(rows):
                return None
            return ({r["hash"]: i for i, r in enumerate(rows)}, matrix.astype(np.float32, copy=False), meta["vectors"])
        return None

    def _write(self, docs: list[Document], matrix: np.ndarray) -> None:
        buf = io.BytesIO()
        np.save(buf, matrix, allow_pickle=False)
        name = f"vectors-{int(time.time())}-{os.urandom(4).hex()}.npy"
        atomic_write_bytes(self.folder / name, buf.getvalue())
        meta = {
            "format": META_FORMAT,
            "model": self.embedder.model_id,
            "dim": int(matrix.shape[1]) if matrix.size else 0,
            "vectors": name,
            "docs": [{"id": d.id, "hash": d.hash} for d in docs],
        }
        atomic_write_text(self.meta_path, json.dumps(meta, separators=(",", ":")))
        self._drop_stale(name)

    def _drop_stale(self, current: str) -> None:
        """Delete vector files meta.json does not name (left by an earlier sync or a crashed one)."""
        for old in self.folder.glob("vectors-*.npy"):
            if old.name != current:
                old.unlink(missing_ok=True)

    # ---- sync --------------------------------------------------------------------------------

    def sync(self, skills: list[InstalledSkill]) -> SyncReport:
        """Bring the index in line with `skills`: embed new/changed documents only."""
        return self.sync_documents(documents(skills))

    def sync_documents(self, docs: list[Document]) -> SyncReport:
        t0 = time.perf_counter()
        if self.persist:
            self.folder.mkdir(parents=True, exist_ok=True)
        with file_lock(self.folder / ".lock") if self.persist else contextlib.nullcontext():
            stored = self._read()
            rebuilt = stored is None
            by_hash, old, current = stored if stored is not None else ({}, np.zeros((0, 0), dtype=np.float32), "")
            todo = [d for d in dict((d.hash, d) for d in docs if d.hash not in by_hash).values()]
            fresh, new_rows = _embed_documents(self.embedder, todo)
            dim = fresh.shape[1] if fresh is not None else (old.shape[1] if old.size else 0)
            matrix = np.empty((len(docs), dim), dtype=np.float32)
            for i, d in enumerate(docs):
                row = new_rows.get(d.hash)  # a row only where something was embedded, so `fresh` is set
                matrix[i] = old[by_hash[d.hash]] if row is None or fresh is None else fresh[row]
            kept_hashes = {d.hash for d in docs}
            removed = sum(1 for h in by_hash if h not in kept_hashes)
            unchanged = (
                not rebuilt
                and not todo
                and removed == 0
                and len(by_hash) == len(docs)
                and all(by_hash[d.hash] == i for i, d in enumerate(docs))
            )
            if self.persist and not unchanged:
                self._write(docs, matrix)
            elif self.persist:
                self._drop_stale(current)
        self.docs, self.matrix = docs, matrix
        self._bm25 = BM25([keyword_text(d) for d in docs])
        self._penalty = np.array([SKILL_DOC_PENALTY if prose_beside_tools(d) else 0.0 for d in docs], np.float32)
        self._loaded = True
        return SyncReport(
            total=len(docs),
            embedded=len(todo),
            removed=removed,
            rebuilt=rebuilt and bool(docs),
            seconds=time.perf_counter() - t0,
        )

    # ---- ranking -----------------------------------------------------------------------------

    def signals(self, query: str) -> Signals:
        assert self._bm25 is not None, "sync the index first"
        n = len(self.docs)
        dense = self.matrix @ self.embedder.embed([query])[0] if self.matrix.size else np.zeros(n, np.float32)
        kw, coverage = keyword_signals(self._bm25, query)
        return Signals(dense, kw, coverage, dense + KEYWORD_WEIGHT * coverage - self._penalty)

    def rank(
        self, query: str, top: int = 10, mode: str = "fused", keep: Callable[[Document], bool] | None = None
    ) -> list[Ranked]:
        """The `top` best matches for `query`, ordered by strength (fused), cosine or BM25.

        Empty (nothing matches) unless the strongest document allowed reaches MATCH_MIN; then every
        document above NOISE (score > 0) is a result. All modes return the same results with the
        same scores, only ordered differently.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        n = len(self.docs)
        if n == 0 or not query.strip() or top <= 0:
            return []
        sig = self.signals(query)
        ok = sig.strength > NOISE
        if keep is not None:
            ok &= np.fromiter((keep(d) for d in self.docs), dtype=bool, count=n)
        if not ok.any() or sig.strength[ok].max() < MATCH_MIN:
            return []
        found = np.flatnonzero(ok)
        key = {"fused": sig.strength, "dense": sig.dense, "keyword": sig.keyword}[mode]
        order = found[np.lexsort((-sig.strength[found], -key[found]))][:top]
        return [
            Ranked(self.docs[i], relevance(float(sig.strength[i])), float(sig.dense[i]), float(sig.keyword[i]))
            for i in order
        ]


def prose_beside_tools(d: Document) -> bool:
    """A skill's own prose (its SKILL.md, a reference section) where the skill has tools: ranked below the
    tools it explains. A knowledge skill's documents are all it has, so they are ranked as they are."""
    return d.tool is None and d.skill_kind != "knowledge"


def keyword_signals(bm25: BM25, query: str) -> tuple[np.ndarray, np.ndarray]:
    """(BM25 per document, its coverage: BM25 / the most the query could score, 0..1)."""
    kw = bm25.scores(query)
    ceiling = bm25.ceiling(query)
    return kw, kw / ceiling if ceiling > 0 else np.zeros(bm25.n, np.float32)


def rank_texts(embedder: Embedder, query: str, texts: list[str]) -> list[tuple[int, float]]:
    """(index, score) of the `texts` that answer `query`, best first, ranked as `find` ranks tools (meaning +
    KEYWORD_WEIGHT x keyword coverage, the same MATCH_MIN cut and score): for lists that are not the
    installed skills (a registry's catalog), embedded on the spot and kept nowhere."""
    if not texts or not query.strip():
        return []
    dense = embedder.embed(texts) @ embedder.embed([query])[0]
    strength = dense + KEYWORD_WEIGHT * keyword_signals(BM25(texts), query)[1]
    if float(strength.max()) < MATCH_MIN:
        return []
    order = [int(i) for i in np.argsort(-strength, kind="stable") if strength[i] > NOISE]
    return [(i, relevance(float(strength[i]))) for i in order]


_memo: dict[tuple[str, str], np.ndarray] = {}  # (model id, document hash) → vector, for this process
_MEMO_LIMIT = 20_000


def _embed_documents(embedder: Embedder, todo: list[Document]) -> tuple[np.ndarray | None, dict[str, int]]:
    """Vectors of `todo` (one row per document, in order), reusing what this process embedded already
    (another home's index, an earlier sync): a document's hash covers its whole text."""
    if not todo:
        return None, {}
    model = embedder.model_id
    missing = [d for d in todo if (model, d.hash) not in _memo]
    if missing:
        vectors = embedder.embed([d.text for d in missing])
        if len(_memo) + len(missing) > _MEMO_LIMIT:
            _memo.clear()
        for d, v in zip(missing, vectors, strict=True):
            _memo[(model, d.hash)] = v
        if len(missing) == len(todo):
            return vectors, {d.hash: i for i, d in enumerate(todo)}
    return np.vstack([_memo[(model, d.hash)] for d in todo]), {d.hash: i for i, d in enumerate(todo)}
