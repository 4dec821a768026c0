"""Search without installed example skills: SKILL.md sections, command lines, quoted values, tag filters,
the index across a model change, `skill find` with nothing installed, the CLI import staying light.
Ranking on the example skills and the evaluation set are tests/integration/test_search.py.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from engine.cli import build_parser, main
from engine.protocol import Param
from engine.search import command_line, quoted_values
from engine.search import index as index_mod
from engine.search.documents import documents_for, tool_sections
from engine.search.embedder import get_embedder
from engine.search.index import SearchIndex
from fixtures.search.catalog import fixture_skills


def test_headings_and_bullets_start_sections_too():
    md = "---\nname: x\n---\n# x\nIntro.\n\n## Tools\n\n### put\nPuts.\n\n    put {}\n\n- **get**: gets\n\n## Notes\nEnd."
    sections, rest = tool_sections(md, ["put", "get"])
    assert sections == {"put": "### put\nPuts.\n\n    put {}", "get": "- **get**: gets"}
    assert "Intro." in rest and "End." in rest and "Puts" not in rest


def test_command_line_is_valid_for_skill_run():
    params = (
        Param("title", required=True),
        Param("body", required=True),
        Param("mode", enum=("create", "append")),
        Param("case", required=True, enum=("lower", "upper")),
        Param("limit", "integer", required=True, default=5),
        Param("flag", "boolean"),
    )
    cmd = command_line("notes", "work", "add-note", params, {"title": "it's a test", "flag": True})
    assert cmd == (
        "skill run notes@work:add-note --arg 'title=it'\"'\"'s a test' --arg body=... "
        "--arg case=lower --arg limit=5 --arg flag=true"
    )
    argv = shlex.split(cmd)
    a = build_parser().parse_args(argv[1:])
    assert a.ref == "notes@work:add-note" and a.arg[0] == "title=it's a test"
    assert command_line("notes", "default", None, ()) == "skill info notes"


def test_quoted_text_fills_required_text_parameters():
    params = (Param("text", required=True), Param("case", required=True, enum=("a",)), Param("n", "integer", True))
    assert quoted_values('slugify "Hello World"', params) == {"text": "Hello World"}
    assert quoted_values("slugify it", params) == {}


def test_tags_filter(home):
    index = SearchIndex(home.root / "search", get_embedder(home))
    index.sync(fixture_skills())
    hits = index.rank("show me the logs", top=10, keep=lambda d: "devops" in d.tags)
    assert hits and {r.doc.skill for r in hits} <= {"ci", "kubernetes"}


class _OtherModel:
    """The real embedder under another model id: what a model upgrade looks like to the index."""

    def __init__(self, inner):
        self.inner, self.model_id = inner, inner.model_id + "-v2"

    def embed(self, texts):
        return self.inner.embed(texts)


def test_a_model_change_rebuilds_and_a_crash_mid_update_keeps_the_old_index(home, monkeypatch):

    skills = fixture_skills()
    folder = home.root / "search"
    emb = get_embedder(home)
    index = SearchIndex(folder, emb)
    assert index.sync(skills[:2]).embedded == len(documents_for(skills[0])) + len(documents_for(skills[1]))
    before = (folder / "meta.json").read_bytes()

    def crash(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(index_mod, "atomic_write_text", crash)  # vectors written, meta.json never swapped
    with pytest.raises(OSError):
        SearchIndex(folder, emb).sync(skills[:3])
    monkeypatch.undo()
    assert (folder / "meta.json").read_bytes() == before
    meta = json.loads(before)
    assert np.load(folder / meta["vectors"]).shape[0] == len(meta["docs"])
    assert SearchIndex(folder, emb).sync(skills[:2]).embedded == 0  # still consistent and complete
    assert len(list(folder.glob("vectors-*.npy"))) == 1  # the orphan of the crashed sync is gone

    changed = replace(
        skills[0],
        tools=(replace(skills[0].tools[0], description="Send a file to object storage"), *skills[0].tools[1:]),
    )
    assert SearchIndex(folder, emb).sync([changed, skills[1]]).embedded == 1  # only the changed tool

    report = SearchIndex(folder, _OtherModel(emb)).sync([changed, skills[1]])
    assert report.rebuilt and report.embedded == report.total


def test_cli_find_with_nothing_installed(home, capsys):
    assert main(["find", "anything"]) == 0
    assert "no skills are installed" in capsys.readouterr().out


def test_search_stack_stays_out_of_the_cli_import(tmp_path: Path):
    import subprocess
    import sys

    code = "import engine.cli, engine.search, engine.cli.commands.find, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'fastembed', 'onnxruntime')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
