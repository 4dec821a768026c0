"""Semantic search: documents, index sync and crash safety, ranking, `skill find`, offline use.

Everything runs the real model (loaded once per process) on real embeddings.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import NotFoundError
from engine.search import index as index_mod
from engine.search import searcher
from engine.search.documents import documents_for, tool_sections
from engine.search.embedder import get_embedder
from engine.search.evaluation import calibrate, evaluate_all, no_match
from engine.search.index import SearchIndex
from fixtures.search.catalog import NONSENSE, QUERIES, fixture_skills, tool_count

# ---- documents and command lines (no model) ---------------------------------------------------------


def test_skill_md_is_split_into_tool_sections_with_their_examples(example):
    notes = example("notes")
    sections, rest = tool_sections(notes.skill_md, [t.name for t in notes.tools])
    assert set(sections) == {t.name for t in notes.tools}
    assert sections["add-note"].startswith("**add-note**")
    assert 'add-note {"title": "Release checklist"' in sections["add-note"]
    assert "list-notes" not in sections["add-note"]
    assert "Each note is a Markdown file" in rest and "**add-note**" not in rest
    docs = {d.id: d for d in documents_for(notes)}
    assert set(docs) == {"notes", *(f"notes:{t.name}" for t in notes.tools)}
    add = docs["notes:add-note"]
    assert add.text.startswith("add note: ") and "Parameters: title" in add.text and "Release checklist" in add.text
    assert add.excerpt == sections["add-note"]
    assert docs["notes"].tool is None and "Each note is a Markdown file" in docs["notes"].excerpt


# ---- the real model: ranking, filters, CLI ------------------------------------------------------------


def test_find_ranks_the_right_tool_first_with_everything_a_result_needs(search_engine):
    hits = search_engine.find("turn a blog post title into a url-safe name", top=5)
    top = hits[0]
    assert top.ref == "textkit@default:slugify" and top.kind == "tool"
    assert top.score == max(h.score for h in hits) and 0 < top.score <= 1
    assert top.description and "slugify {" in top.excerpt
    assert [p.name for p in top.params][:1] == ["text"]
    assert top.command == "skill run textkit@default:slugify --arg text=..."
    assert top.to_json()["ref"] == "textkit@default:slugify"
    quoted = search_engine.find('slugify "Hello Wörld"', top=1)[0]
    assert quoted.values == {"text": "Hello Wörld"} and quoted.command.endswith("--arg 'text=Hello Wörld'")


def test_filters_by_skill_instance_and_mode(search_engine):
    assert {h.skill for h in search_engine.find("write something down", top=10, skill="notes")} == {"notes"}
    with pytest.raises(NotFoundError):
        search_engine.find("x", skill="nope")
    search_engine.add_instance("greeter", "work")
    hits = search_engine.find("say hello to someone", top=10, instance="work")
    assert hits and {h.skill for h in hits} == {"greeter"}
    assert hits[0].ref == "greeter@work:greet" and "greeter@work:greet" in hits[0].command
    assert search_engine.find("say hello", top=3, mode="keyword")[0].skill == "greeter"
    assert search_engine.find("say hello", top=3, mode="dense")[0].skill == "greeter"


def test_keyword_find_needs_no_model_and_takes_the_same_filters(search_engine, monkeypatch):
    """What the control panel shows while the model loads (and what MCP can answer without it): building
    the searcher and ranking by keywords never creates the embedder."""
    import engine.search as search_mod
    import engine.search.embedder as embedder_mod

    def no_model(*_args):
        raise AssertionError("a keyword search created the embedder")

    monkeypatch.setattr(embedder_mod, "_cache", {})
    monkeypatch.setattr(embedder_mod, "_create", no_model)
    monkeypatch.setattr(search_mod, "_searchers", {})
    hits = search_mod.find(search_engine, "say hello", top=3, mode=search_mod.WORDS)
    assert hits[0].skill == "greeter" and "greeter@default:greet" in [h.ref for h in hits]
    assert all(h.score == 0 and h.keyword > 0 for h in hits)
    assert [h.keyword for h in hits] == sorted((h.keyword for h in hits), reverse=True)
    assert {
        h.skill for h in search_mod.find(search_engine, "text note", top=20, skill="notes", mode=search_mod.WORDS)
    } == {"notes"}
    with pytest.raises(NotFoundError):
        search_mod.find(search_engine, "x", skill="nope", mode=search_mod.WORDS)
    search_engine.add_instance("greeter", "work")
    work = search_mod.find(search_engine, "say hello", top=10, instance="work", mode=search_mod.WORDS)
    assert {h.skill for h in work} == {"greeter"} and "greeter@work:greet" in [h.ref for h in work]
    assert search_mod.find(search_engine, "xyzzy plugh", mode=search_mod.WORDS) == []
    assert not search_mod.is_ready(search_engine)


def test_the_process_wide_searcher_keeps_no_engine_alive(search_engine):
    """Every engine of one home shares its searcher, which holds none of them."""
    import gc
    import weakref

    from engine.api import Engine

    other = Engine(search_engine.home)
    shared = searcher(other)
    assert other.find("count words")[0].skill == "textkit"
    gone = weakref.ref(other)
    del other
    gc.collect()
    assert gone() is None
    assert searcher(search_engine) is shared


def test_index_is_updated_incrementally_on_install_upgrade_and_remove(search_engine, wat_skill, tmp_path):
    s = searcher(search_engine)
    search_engine.find("count words")
    first = s.last_sync
    assert first.total == 13 + 3 and first.embedded == 16
    assert s.refresh(search_engine) is None  # nothing changed: no sync at all
    files = sorted(p.name for p in (search_engine.home.root / "search").iterdir())
    assert "meta.json" in files and sum(f.startswith("vectors-") for f in files) == 1

    wat_skill("echo", name="echo")  # install: its tools + the skill's own document
    n = len(search_engine.skill("echo").tools) + 1
    search_engine.find("repeat my text back")
    assert (s.last_sync.embedded, s.last_sync.removed, s.last_sync.total) == (n, 0, 16 + n)

    folder = tmp_path / "echo-src"
    folder.mkdir()
    from fixtures import wat

    (folder / "echo.wasm").write_bytes(wat.component_bytes("echo", name="echo"))
    (folder / "skill.yaml").write_text("name: echo\nversion: 2.0.0\ndescription: Parrots text back verbatim\n")
    assert search_engine.install(folder).status == "upgraded"
    hits = search_engine.find("parrot my words")
    assert (s.last_sync.embedded, s.last_sync.removed) == (n, n)  # the description is in every document
    assert hits[0].skill == "echo"

    search_engine.remove("echo")
    hits = search_engine.find("parrot my words")
    assert (s.last_sync.embedded, s.last_sync.removed, s.last_sync.total) == (0, n, 16)
    assert all(h.skill != "echo" for h in hits)

    # a new process (fresh searcher, same files) re-embeds nothing
    fresh = SearchIndex(search_engine.home.root / "search", s.index.embedder)
    assert fresh.sync(search_engine.skills()).embedded == 0


def test_works_with_the_network_unreachable(search_engine, monkeypatch):
    """No socket can connect or resolve; the model is loaded anew and find still answers."""
    from engine.search import Filters, Searcher
    from engine.search.embedder import MiniLmEmbedder

    attempts = []

    def refuse(*args, **_kw):
        attempts.append(args)
        raise OSError("network is unreachable (blocked by the test)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    s = Searcher(search_engine.home)
    s.index.embedder = MiniLmEmbedder(search_engine.home)  # a fresh model load under the block
    hits = s.find(search_engine, "what is the reading time of this text", Filters(search_engine, top=3))
    assert hits[0].ref == "textkit@default:text-stats"
    assert attempts == []


def test_cli_find_text_json_and_exit_codes(search_engine, capsys):
    assert main(["find", "remove", "a", "note", "for", "good", "--top", "2"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["#", "SCORE", "KIND", "FOUND", "DESCRIPTION"]
    assert lines[1].split()[0] == "1" and lines[1].split()[2:4] == ["tool", "notes@default:delete-note"]
    assert lines[3] == ""
    assert "1  $ skill run notes@default:delete-note --arg title=..." in lines

    assert main(["find", "shout a greeting", "--json", "-k", "3", "--skill", "greeter"]) == 0
    data = json.loads(capsys.readouterr().out)
    results = data["results"]
    assert data["message"] is None and 1 <= len(results) <= 3 and results[0]["skill"] == "greeter"
    assert {"score", "ref", "description", "excerpt", "parameters", "command"} <= set(results[0])

    assert main(["find", "zzzz", "--skill", "notes"]) == 0
    assert capsys.readouterr().out == "no tool matches 'zzzz' with --skill notes\n"

    for argv in (
        ["find"],
        ["find", "x", "--top", "0"],
        ["find", "  "],
        ["find", "x", "--skill", "nope"],
        ["find", "x", "--mode", "magic"],
    ):
        assert _exit_code(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, (argv, err)


def test_knowledge_skills_and_their_reference_sections_are_found(skill, capsys):
    """Agent Skills folders published by others (tests/fixtures/knowledge) are found by `skill find`: a
    section of a references/*.md file as kind "file", the skill itself as kind "skill", each with the
    `skill show` line that prints what an agent gets, in the text table and in --json."""
    folder = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"
    for name in ("release-notes", "postgres-migrations"):
        skill("install", str(folder / name), "--yes")

    assert main(["find", "create an index without blocking writes", "--top", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["#", "SCORE", "KIND", "FOUND", "DESCRIPTION"]
    assert lines[1].split()[2:5] == ["file", "postgres-migrations/references/indexes.md", "references/indexes.md:"]
    assert "1  $ skill show postgres-migrations references/indexes.md" in lines

    assert main(["find", "create an index without blocking writes", "--json", "--top", "1"]) == 0
    (hit,) = json.loads(capsys.readouterr().out)["results"]
    assert (hit["kind"], hit["skill_kind"], hit["path"]) == ("file", "knowledge", "references/indexes.md")
    assert hit["command"] == "skill show postgres-migrations references/indexes.md"
    assert "CREATE INDEX CONCURRENTLY" in hit["excerpt"] and "When a concurrent build fails" not in hit["excerpt"]

    assert main(["find", "write the release notes for a new version", "--json", "--top", "5"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    whole = next(r for r in results if r["kind"] == "skill")
    assert whole["skill"] == "release-notes" and whole["command"] == "skill show release-notes"


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as e:  # argparse's usage errors
        return int(e.code)


def test_nonsense_finds_no_tool_and_scores_tell_results_apart(search_engine, skill):
    """What a new user hit: `skill find 'xyzzy plugh'` listed a tool at 0.67, and the scores of real
    results bunched at 0.95-1.00."""
    out = skill("find", "xyzzy plugh").stdout
    assert out == "no tool matches 'xyzzy plugh'\n"
    data = json.loads(skill("find", "--json", "xyzzy", "plugh").stdout)
    assert data == {"query": "xyzzy plugh", "results": [], "message": "no tool matches 'xyzzy plugh'"}

    strong = json.loads(skill("find", "--json", "count the words in a text").stdout)["results"]
    assert strong[0]["ref"] == "textkit@default:text-stats" and strong[0]["score"] >= 0.9
    scores = [h["score"] for h in strong[:3]]
    assert all(a - b >= 0.05 for a, b in zip(scores, scores[1:], strict=False)), scores  # neighbours differ visibly

    weak = json.loads(skill("find", "--json", "make a url friendly version of a title").stdout)["results"]
    assert weak[0]["ref"] == "textkit@default:slugify"  # not read-note, which only repeats "title"
    assert weak[0]["score"] <= strong[0]["score"] - 0.2  # a looser request shows a visibly weaker top hit
    assert weak[1]["score"] <= weak[0]["score"] - 0.1


@pytest.mark.anyio
async def test_mcp_search_skills_says_no_tool_matches(search_engine):
    import os
    import sys

    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    home = search_engine.home
    env = {
        "SKILL_ENGINE_HOME": str(home.root),
        "SKILL_ENGINE_CACHE": str(home.cache),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "PATH": os.environ.get("PATH", ""),
    }
    params = StdioServerParameters(command=sys.executable, args=["-m", "engine.cli", "serve"], env=env)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        nothing = (await session.call_tool("search_skills", {"query": "xyzzy plugh"})).structured_content
        assert nothing["tools"] == [] and nothing["message"] == "no tool matches 'xyzzy plugh'"
        found = await session.call_tool("search_skills", {"query": "make a url friendly version of a title"})
        assert found.structured_content["message"] is None
        assert found.structured_content["tools"][0]["name"] == "textkit__default__slugify"


# ---- quality ------------------------------------------------------------------------------------------


def test_evaluation_fused_is_best_and_the_no_match_threshold_fits_the_set(search_engine):
    skills = search_engine.skills() + fixture_skills()
    assert sum(len(s.tools) for s in skills) >= 30 and tool_count() >= 17 and len(QUERIES) >= 40
    assert len(NONSENSE) >= 30
    index = SearchIndex(search_engine.home.root / "eval", get_embedder(search_engine.home))
    index.sync(skills)
    scores = evaluate_all(index, QUERIES)
    for s in scores.values():
        print(s.line())
    fused, dense, kw = scores["fused"], scores["dense"], scores["keyword"]
    assert fused.recall_at_3 >= 0.85  # "no tool matches" on a real request counts as a miss
    for metric in ("recall_at_1", "mrr"):
        assert getattr(fused, metric) >= max(getattr(dense, metric), getattr(kw, metric)), metric

    decision = no_match(index, QUERIES, NONSENSE)
    print(decision.line(), decision.unanswered, decision.answered)
    assert decision.precision >= 0.9 and decision.recall >= 0.95
    chosen = calibrate(index, QUERIES, NONSENSE)  # the shipped constants are what this set chooses
    assert abs(chosen.match_min - index_mod.MATCH_MIN) <= 0.01, chosen.line()
    assert abs(chosen.noise - index_mod.NOISE) <= 0.02 and abs(chosen.strong - index_mod.STRONG) <= 0.03, chosen.line()
