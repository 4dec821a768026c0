"""The example skills, built by componentize-js (tables: componentize-py), installed and run through the engine."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fixtures.env import instances_of, set_config

PARAM_TYPES = {"string", "number", "integer", "boolean", "json", "array", "object"}


@pytest.mark.parametrize("name", ["textkit", "greeter", "notes", "tables"])
def test_examples_install_with_tools_that_follow_the_contract(engine, example, name):
    skill = example(name)
    assert engine.skill(name) == skill
    assert skill.version == "1.0.0" and skill.description and skill.skill_md
    assert len(skill.tools) >= 3
    for tool in skill.tools:
        assert tool.description
        for p in tool.params:
            assert p.description and p.type in PARAM_TYPES


def _doc_examples(skill_md: Path):
    """(tool, args, expected output) from SKILL.md's indented `tool {json}` / `→ output` pairs."""
    lines = skill_md.read_text().splitlines()
    out = []
    for k, ln in enumerate(lines):
        m = re.match(r"^    ([a-z-]+) (\{.*\})$", ln)
        if not m or k + 1 >= len(lines) or not lines[k + 1].startswith("    → "):
            continue
        expected = [lines[k + 1][6:]]
        for nxt in lines[k + 2 :]:
            if nxt.startswith("      ") or nxt == "":
                expected.append(nxt[6:])
            else:
                break
        while expected and expected[-1] == "":
            expected.pop()
        out.append((m.group(1), json.loads(m.group(2)), "\n".join(expected)))
    return out


@pytest.mark.parametrize("name", ["textkit", "greeter", "notes", "tables"])
def test_skill_md_examples_are_true(engine, example, built_examples, name):
    """The usage examples in each SKILL.md, run in order on one instance, give the documented output."""
    example(name)
    examples = _doc_examples(built_examples[name] / "SKILL.md")
    assert len(examples) >= 4
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    for tool, args, expected in examples:
        r = engine.run(f"{name}:{tool}", args)
        assert r.ok, (tool, r.error)
        assert stamp.sub("<time>", r.output) == stamp.sub("<time>", expected), (tool, args)


def test_textkit_tools(engine, example):
    example("textkit")

    def run(tool, **args):
        return engine.run(f"textkit:{tool}", args)

    r = run("text-stats", text="One two three. Four five!\n\nSix seven eight nine ten.", top=1, words_per_minute=100)
    assert r.ok and r.data["words"] == 10 and r.data["sentences"] == 3 and r.data["paragraphs"] == 2
    assert r.data["topWords"] == [{"word": "eight", "count": 1}]
    assert run("slugify", text="Crème Brûlée: the ÜBER recipe (2024)!").output == "creme-brulee-the-uber-recipe-2024"
    assert run("slugify", text="a b c d e f", separator="_", max_length=7).output == "a_b_c_d"
    assert not run("slugify", text="!!!").ok
    assert run("transform-case", text="user ID field", case="snake").output == "user_id_field"
    text = "Go to https://example.com/docs, or ping bob@mail.example.com #wasm"
    assert run("extract", text=text, kind="emails").data["items"] == ["bob@mail.example.com"]
    r = run("truncate", text="The quick brown fox jumps", max_length=12)
    assert r.output == "The quick…" and r.data["truncated"] is True


def test_enum_and_types_are_checked_before_the_skill_runs(engine, example):
    from engine.errors import UsageError

    example("textkit")
    with pytest.raises(UsageError, match="must be one of"):
        engine.run("textkit:transform-case", {"text": "x", "case": "shouty"})
    with pytest.raises(UsageError, match="missing required parameter 'max_length'"):
        engine.run("textkit:truncate", {"text": "x"})


TOKEN = "tok_abcdef123456789"


def test_greeter_reads_config_from_env_and_get_config(engine, example):
    example("greeter")
    assert engine.run("greeter:greet", {"name": "Ada"}).output == "Hello, Ada!"  # manifest defaults
    set_config(engine, "greeter", "default", {"greeting": "Howdy", "punctuation": ".", "api_token": TOKEN})
    assert engine.run("greeter:greet", {"name": "Ada"}).output == "Howdy, Ada."
    status = engine.run("greeter:config-status")
    assert status.data["greeting"]["source"] == "get-config"
    assert "api_token: set (get-config)" in status.output
    assert TOKEN not in json.dumps(status.to_json())


def test_notes_keep_their_data_in_the_instance_folder(engine, example):
    example("notes")
    data = instances_of(engine).data_dir("notes", "default")
    assert engine.run("notes:list-notes").output == "no notes yet"
    r = engine.run("notes:add-note", {"title": "Groceries / ../../etc/passwd", "body": "milk\neggs"})
    assert r.ok and r.data["file"] == "groceries-etc-passwd.md"
    assert (data / "notes" / "groceries-etc-passwd.md").read_text() == "# Groceries / ../../etc/passwd\n\nmilk\neggs\n"
    assert engine.run("notes:add-note", {"title": "Ideas", "body": "A skill engine, with EGGS"}).ok
    hits = engine.run("notes:search-notes", {"query": "eggs"})
    assert [h["title"] for h in hits.data] == ["Groceries / ../../etc/passwd", "Ideas"]
    assert engine.run("notes:delete-note", {"title": "Ideas"}).ok
    gone = engine.run("notes:delete-note", {"title": "Ideas"})
    assert not gone.ok and "no note named" in gone.error
    assert sorted(p.name for p in (data / "notes").iterdir()) == ["groceries-etc-passwd.md"]


def test_cli_end_to_end_with_a_real_skill(example, home, built_examples):
    import subprocess
    import sys

    def skill(*args):
        return subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True, text=True, timeout=120)

    installed = skill("install", str(built_examples["textkit"]))
    assert installed.returncode == 0 and "textkit 1.0.0 installed: 5 tool(s)" in installed.stdout
    assert "textkit" in skill("list").stdout
    out = skill("run", "textkit:slugify", "--arg", "text=Héllo Wörld", "--arg", "separator=_", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["output"] == "hello_world"
