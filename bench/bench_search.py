"""Semantic search: retrieval quality, query latency at 1k/10k tools, indexing cost, cold `skill find`.

    .venv/bin/python bench/bench_search.py            # everything (10k indexing takes a minute or two)
    .venv/bin/python bench/bench_search.py --quick    # quality + 1k only

Quality: the evaluation set in tests/fixtures/search/catalog.py (the 3 example skills +
8 realistic fixture skills, 51 tools, 52 queries), recall@1/@3 and MRR per ranking; then
the "no tool matches" decision on those 52 and 40 nonsense/off-topic queries (precision
and recall, nonsense being the positive class) and the constants this set would choose
for it (engine.search.index.MATCH_MIN, NOISE, STRONG) beside the shipped ones.
Latency: warm (model loaded, index in memory), the whole ranking (query embedding,
cosine over the matrix, BM25, fusion) over synthetic tool descriptions.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, median, pct, row

sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("XDG_CACHE_HOME", tempfile.mkdtemp(prefix="skill-bench-xdg-"))  # onnxruntime's cache files
os.environ.setdefault("SKILL_ENGINE_CACHE", str(REPO / ".cache"))

VERBS = [
    "create",
    "delete",
    "list",
    "update",
    "export",
    "import",
    "sync",
    "archive",
    "restore",
    "scan",
    "rotate",
    "tag",
    "resize",
    "validate",
    "monitor",
    "notify",
    "schedule",
    "approve",
    "merge",
    "summarize",
]
OBJECTS = [
    "invoice",
    "bucket",
    "pipeline",
    "ticket",
    "container",
    "user account",
    "dns record",
    "certificate",
    "message",
    "calendar event",
    "database table",
    "metric",
    "alert",
    "repository",
    "secret",
    "queue",
    "virtual machine",
    "spreadsheet row",
    "contact",
    "backup",
    "feature flag",
    "payment",
    "order",
    "log stream",
]
SERVICES = [
    "acme cloud",
    "a CRM",
    "the billing system",
    "the data warehouse",
    "the ticket tracker",
    "the CDN",
    "the HR system",
    "the chat workspace",
    "the mail server",
    "the analytics platform",
    "the wiki",
    "the identity provider",
    "the object store",
    "the cluster",
    "the ERP",
]
QUERIES = [
    "delete an old invoice",
    "list every bucket in the object store",
    "rotate the tls certificate",
    "send a chat message to the team",
    "restore yesterday's database backup",
    "who approved the payment",
    "export the analytics metrics to a spreadsheet",
    "scale the cluster",
    "turn a title into a slug",
    "find tickets assigned to me",
    "archive old log streams",
    "schedule a meeting next week",
]


def synthetic_skills(n_tools: int, seed: int = 7, prefix: str = "svc", per_skill: int = 10):
    from engine.protocol import Param, Tool
    from engine.store import InstalledSkill

    rnd = random.Random(seed)
    skills = []
    for s in range(0, n_tools, per_skill):
        service = rnd.choice(SERVICES)
        tools = []
        for t in range(min(per_skill, n_tools - s)):
            verb, obj = rnd.choice(VERBS), rnd.choice(OBJECTS)
            tools.append(
                Tool(
                    f"{verb}-{obj.replace(' ', '-')}-{t}",
                    f"{verb.capitalize()} a {obj} in {service} (variant {s + t})",
                    (
                        Param("id", description=f"The {obj}'s id", required=True),
                        Param("dry_run", "boolean", "Only show what would change"),
                    ),
                )
            )
        skills.append(
            InstalledSkill(
                name=f"{prefix}{s // per_skill}",
                version="1.0.0",
                description=f"Automation for {service}: {obj}s and more",
                tools=tuple(tools),
                component_sha256="0" * 64,
                component_size=0,
                package_dir=Path("/none"),
                source="synthetic",
                installed_at=0.0,
            )
        )
    return skills


def quality(embedder) -> None:
    from engine.api import Engine
    from engine.home import Home
    from engine.search import index as index_mod
    from engine.search.evaluation import calibrate, evaluate_all, no_match
    from engine.search.index import SearchIndex
    from fixtures.search.catalog import NONSENSE, fixture_skills
    from fixtures.search.catalog import QUERIES as EVAL

    home = Path(tempfile.mkdtemp(prefix="skill-bench-"))
    engine = Engine(Home(root=home, cache=Path(os.environ["SKILL_ENGINE_CACHE"])))
    for name in ("textkit", "notes", "greeter"):
        engine.install(REPO / "examples" / name)
    skills = engine.skills() + fixture_skills()
    index = SearchIndex(home / "eval", embedder)
    index.sync(skills)
    tools = sum(len(s.tools) for s in skills)
    print(
        f"quality: {len(EVAL)} queries over {tools} tools in {len(skills)} skills "
        f"(+{len(skills)} skill-level documents)"
    )
    scores = evaluate_all(index, EVAL)
    for s in scores.values():
        print("  " + s.line())
    for q, expected, first in scores["fused"].misses:
        print(f"    fused miss: {q!r} → expected {expected}, first {first}")
    decision = no_match(index, EVAL, NONSENSE)
    print(f"  {decision.line()}  ({len(NONSENSE)} nonsense + {len(EVAL)} real queries)")
    for q in decision.unanswered:
        print(f"    real request answered 'no tool matches': {q!r}")
    for q in decision.answered:
        print(f"    nonsense that got a result: {q!r}")
    shipped = f"MATCH_MIN {index_mod.MATCH_MIN:.3f}  NOISE {index_mod.NOISE:.3f}  STRONG {index_mod.STRONG:.3f}"
    print(f"  calibration on this set: {calibrate(index, EVAL, NONSENSE).line()}  (shipped: {shipped})")


def latency(embedder, n_tools: int, rounds: int = 300) -> None:
    from engine.search.index import SearchIndex

    folder = Path(tempfile.mkdtemp(prefix="skill-bench-index-"))
    index = SearchIndex(folder, embedder)
    skills = synthetic_skills(n_tools, prefix=f"s{n_tools}-")
    t0 = time.perf_counter()
    report = index.sync(skills)
    build = time.perf_counter() - t0
    print(f"index of {n_tools:,} tools ({report.total:,} documents)")
    row("build from scratch (embed + BM25 + write)", f"{build:.1f} s", f"{n_tools / build:.0f} tools/s")
    for q in QUERIES:  # warm-up
        index.rank(q, top=10)
    samples = []
    for i in range(rounds):
        q = QUERIES[i % len(QUERIES)]
        t = time.perf_counter()
        index.rank(q, top=10)
        samples.append((time.perf_counter() - t) * 1000)
    row(
        "query, warm (embed + cosine + BM25 + fusion)",
        f"p50 {median(samples):.2f} ms",
        f"p99 {pct(samples, 99):.2f} ms",
    )
    q_embed = []
    for i in range(100):
        t = time.perf_counter()
        embedder.embed([QUERIES[i % len(QUERIES)]])
        q_embed.append((time.perf_counter() - t) * 1000)
    row("  of which query embedding", f"p50 {median(q_embed):.2f} ms", "")

    extra = synthetic_skills(8, seed=99, prefix="newskill", per_skill=8)  # one new skill with 8 tools
    t = time.perf_counter()
    r = index.sync(skills + extra)
    row(
        "incremental: one new 8-tool skill, warm",
        f"{(time.perf_counter() - t) * 1000:.0f} ms",
        f"{r.embedded} docs embedded (+ diff, BM25 rebuild, write)",
    )
    extra2 = synthetic_skills(8, seed=98, prefix="otherskill", per_skill=8)
    t = time.perf_counter()
    r = SearchIndex(folder, embedder).sync(skills + extra + extra2)
    row(
        "incremental: one new 8-tool skill, new process",
        f"{(time.perf_counter() - t) * 1000:.0f} ms",
        f"{r.embedded} docs embedded (+ load .npy/meta)",
    )


def cold_cli(runs: int = 5) -> None:
    home = Path(tempfile.mkdtemp(prefix="skill-bench-"))
    env = {**os.environ, "SKILL_ENGINE_HOME": str(home)}
    skill = [str(REPO / ".venv/bin/skill")]
    for name in ("textkit", "notes", "greeter"):
        subprocess.run([*skill, "install", str(REPO / "examples" / name)], env=env, check=True, capture_output=True)
    t = time.perf_counter()
    subprocess.run([*skill, "find", "count words"], env=env, check=True, capture_output=True)
    first = time.perf_counter() - t
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([*skill, "find", "turn a title into a url slug"], env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - t)
    t = time.perf_counter()
    subprocess.run([*skill, "list"], env=env, check=True, capture_output=True)
    base = time.perf_counter() - t
    print("cold `skill find` (whole process, 3 example skills)")
    row("first find (builds the index: 16 documents)", f"{first * 1000:.0f} ms", "")
    row("later finds (index on disk), median", f"{median(samples) * 1000:.0f} ms", f"min {min(samples) * 1000:.0f} ms")
    row("for scale: `skill list`", f"{base * 1000:.0f} ms", "")


def main() -> None:
    quick = "--quick" in sys.argv
    from engine.home import Home
    from engine.search.embedder import get_embedder

    t = time.perf_counter()
    embedder = get_embedder(Home(root=Path(tempfile.mkdtemp()), cache=Path(os.environ["SKILL_ENGINE_CACHE"])))
    print(
        f"model load (import fastembed + ONNX session): {(time.perf_counter() - t) * 1000:.0f} ms  [{embedder.model_id}]"
    )
    quality(embedder)
    for n in (1_000,) if quick else (1_000, 10_000):
        latency(embedder, n)
    cold_cli()


if __name__ == "__main__":
    main()
