"""Retrieval quality of the index: recall@k and MRR per ranking mode, and the no-match decision.

Each query names the tool it should find ("skill:tool"). The rank is the
expected tool's position in the list a person would see (skill-level results
count as misses), looked up within the top `depth` results; a query answered
with "no tool matches" is a miss.

Nonsense queries (gibberish, requests no tool answers) should get no result at
all. `no_match` scores that decision as it ships; `calibrate` re-derives the
constants it rests on (engine.search.index.MATCH_MIN, NOISE, STRONG).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from engine.search.index import SearchIndex


@dataclass(frozen=True)
class Scores:
    mode: str
    queries: int
    recall_at_1: float
    recall_at_3: float
    mrr: float
    misses: tuple[tuple[str, str, str], ...]  # (query, expected, what came first) for rank > 3

    def line(self) -> str:
        return (
            f"{self.mode:<8} recall@1 {self.recall_at_1:.3f}  recall@3 {self.recall_at_3:.3f}  "
            f"MRR {self.mrr:.3f}  ({self.queries} queries)"
        )


def evaluate(index: SearchIndex, queries: list[tuple[str, str]], mode: str, depth: int = 10) -> Scores:
    r1 = r3 = 0
    rr = 0.0
    misses = []
    for query, expected in queries:
        ids = [r.doc.id for r in index.rank(query, top=depth, mode=mode)]
        rank = ids.index(expected) + 1 if expected in ids else None
        if rank == 1:
            r1 += 1
        if rank is not None and rank <= 3:
            r3 += 1
        else:
            misses.append((query, expected, ids[0] if ids else "-"))
        rr += 1.0 / rank if rank else 0.0
    n = len(queries)
    return Scores(mode, n, r1 / n, r3 / n, rr / n, tuple(misses))


def evaluate_all(index: SearchIndex, queries: list[tuple[str, str]]) -> dict[str, Scores]:
    return {mode: evaluate(index, queries, mode) for mode in ("dense", "keyword", "fused")}


@dataclass(frozen=True)
class NoMatch:
    """The "no tool matches" decision; its positives are the nonsense queries."""

    precision: float  # of the queries answered "no tool matches", the share that were nonsense
    recall: float  # of the nonsense queries, the share answered "no tool matches"
    unanswered: tuple[str, ...]  # real requests answered "no tool matches"
    answered: tuple[str, ...]  # nonsense that got a result

    def line(self) -> str:
        return f"no-match decision: precision {self.precision:.3f}  recall {self.recall:.3f}"


def no_match(index: SearchIndex, queries: list[tuple[str, str]], nonsense: list[str]) -> NoMatch:
    unanswered = tuple(q for q, _ in queries if not index.rank(q, top=1))
    answered = tuple(q for q in nonsense if index.rank(q, top=1))
    caught = len(nonsense) - len(answered)
    said = caught + len(unanswered)
    return NoMatch(caught / said if said else 1.0, caught / len(nonsense) if nonsense else 1.0, unanswered, answered)


@dataclass(frozen=True)
class Calibration:
    match_min: float
    noise: float
    strong: float

    def line(self) -> str:
        return f"MATCH_MIN {self.match_min:.3f}  NOISE {self.noise:.3f}  STRONG {self.strong:.3f}"


def calibrate(index: SearchIndex, queries: list[tuple[str, str]], nonsense: list[str]) -> Calibration:
    """The constants as this evaluation set would choose them.

    MATCH_MIN: the threshold on the best document's strength that answers the most queries
    right (real ones get a result, nonsense none), in the middle of the widest such gap.
    NOISE: the median best strength of the nonsense queries. STRONG: the 90th percentile of
    the expected tools' strength.
    """
    ids = [d.id for d in index.docs]
    real_best, expected = [], []
    for query, want in queries:
        strength = index.signals(query).strength
        real_best.append(float(strength.max()))
        expected.append(float(strength[ids.index(want)]))
    junk_best = [float(index.signals(q).strength.max()) for q in nonsense]
    values = sorted(set(real_best + junk_best))
    best = (-1, 0.0, 0.0)  # (right decisions, gap width, threshold)
    for lo, hi in zip(values, values[1:], strict=False):
        t = (lo + hi) / 2
        right = sum(v >= t for v in real_best) + sum(v < t for v in junk_best)
        best = max(best, (right, hi - lo, t))
    return Calibration(best[2], float(np.median(junk_best)), float(np.percentile(expected, 90)))
