"""Retrieval quality of the index: recall@k and MRR per ranking mode.

Each query names the tool it should find ("skill:tool"). The rank is the
expected tool's position in the list a person would see (skill-level results
count as misses), looked up within the top `depth` results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

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
        return (f"{self.mode:<8} recall@1 {self.recall_at_1:.3f}  recall@3 {self.recall_at_3:.3f}  "
                f"MRR {self.mrr:.3f}  ({self.queries} queries)")


def evaluate(index: "SearchIndex", queries: list[tuple[str, str]], mode: str, depth: int = 10) -> Scores:
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


def evaluate_all(index: "SearchIndex", queries: list[tuple[str, str]]) -> dict[str, Scores]:
    return {mode: evaluate(index, queries, mode) for mode in ("dense", "keyword", "fused")}
