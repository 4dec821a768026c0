"""BM25 over the same documents the embedder sees (Okapi BM25, k1 = 1.2, b = 0.75).

Tokens are lower-cased alphanumeric runs (camelCase and kebab-case split apart),
without English stop words, reduced by a small suffix stemmer so that "notes",
"note" and "noting" meet. Postings are numpy arrays with the per-document weight
precomputed, so a query costs one vector add per query term.

Raw BM25 grows with the query's length and rarity, so it says nothing on its own
about how well a document answers. The coverage divides it by the most any document
could score for that query (each term's idf × (k1 + 1); a word no document has
counts at the rarest idf): the share of the query's keyword evidence a document holds,
0..1, comparable across queries. The search's no-match decision uses it.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

STOP = frozenset(
    """a an and are as at be by can do does for from has have how i if in into is it its me my of on
or our so that the their them then there these this to too up us use used using want was we what when where which
who will with you your please not should would could get give show""".split()
)

_TOKEN = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def stem(word: str) -> str:
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("ches", "shes", "xes", "zes", "sses")):
                word = word[:-1]  # "notes" → "note", "files" → "file"
                break
            word = word[: len(word) - len(suffix)] + repl
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]  # "create", "created", "creates" all become "creat"
    return word


def tokens(text: str) -> list[str]:
    text = _CAMEL.sub(" ", text).lower()
    return [stem(t) for t in _TOKEN.findall(text) if t not in STOP]


class BM25:
    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75):
        self.n, self.k1 = len(texts), k1
        counts = [Counter(tokens(t)) for t in texts]
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float32)
        avg = float(lengths.mean()) if self.n else 1.0
        norm = k1 * (1 - b + b * lengths / max(avg, 1e-9))
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for i, c in enumerate(counts):
            for term, tf in c.items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (ids, tfs) in postings.items():
            idx = np.array(ids, dtype=np.int32)
            freq = np.array(tfs, dtype=np.float32)
            idf = self.idf(len(ids))
            self._postings[term] = (idx, (idf * freq * (k1 + 1) / (freq + norm[idx])).astype(np.float32))

    def idf(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def ceiling(self, query: str) -> float:
        """The most any document could score for `query` (scores / ceiling is the coverage, 0..1)."""
        terms = dict.fromkeys(tokens(query))
        return (self.k1 + 1) * sum(self.idf(len(self._postings[t][0]) if t in self._postings else 0) for t in terms)

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        for term in dict.fromkeys(tokens(query)):
            hit = self._postings.get(term)
            if hit is not None:
                out[hit[0]] += hit[1]
        return out
