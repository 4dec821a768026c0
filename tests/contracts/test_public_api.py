"""The engine's public surface: what front doors import, resolved lazily, and nothing past it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import engine

REPO = Path(__file__).resolve().parents[2]
FRONT_DOORS = [REPO / "skill_tui", REPO / "engine" / "cli", REPO / "engine" / "mcp"]


def test_every_exported_name_resolves():
    for name in engine.__all__:
        assert getattr(engine, name) is not None, name
    assert set(dir(engine)) >= set(engine.__all__)


def test_importing_the_engine_loads_none_of_it():
    """`import engine` is free: each name loads its module on first use (`skill list` stays light)."""
    code = "import sys, engine; print(sorted(m for m in sys.modules if m.startswith('engine.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_an_unknown_name_is_an_attribute_error():
    try:
        engine.Nope  # noqa: B018
    except AttributeError as e:
        assert "Nope" in str(e)
    else:
        raise AssertionError("engine.Nope resolved")


def test_front_doors_use_the_facade_not_its_private_services():
    """The CLI, the MCP server and the app call Engine's methods; its services (`_store`,
    `_instances`, `_history`, ...) are its own."""
    reached = []
    for folder in FRONT_DOORS:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in {"_store", "_instances", "_history", "_secrets", "_runtime"}
                    and not (isinstance(node.value, ast.Name) and node.value.id == "self")
                ):
                    reached.append(f"{path.relative_to(REPO)}:{node.lineno} .{node.attr}")
    assert not reached, reached
