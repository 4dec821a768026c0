"""Knowledge skills (issue 15) through the real `skill` command: install a SKILL.md folder, list, info,
show, export where agents load skills, validate, run, remove."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures import wat

SKILL_MD = """---
name: {name}
description: {description}
---
# {title}

Read [the checklist](references/checklist.md) before you start.
"""


def knowledge_folder(where: Path, name: str = "review-guide", description: str = "How to review a change.") -> Path:
    folder = where / name
    (folder / "references").mkdir(parents=True)
    (folder / "SKILL.md").write_text(SKILL_MD.format(name=name, description=description, title=name))
    (folder / "references" / "checklist.md").write_text("# Checklist\n\n- tests pass\n")
    (folder / "assets").mkdir()
    (folder / "assets" / "logo.bin").write_bytes(b"\x00\x01binary")
    return folder


@pytest.fixture
def user_home(tmp_path: Path) -> dict[str, str]:
    """HOME for the `skill` process: exports go under it, never under the real one."""
    home = tmp_path / "user"
    home.mkdir()
    return {"HOME": str(home)}


def test_export_a_knowledge_skill_to_claude_copies_its_files_and_validates_strict(skill, tmp_path, user_home):
    skill("install", str(knowledge_folder(tmp_path)))
    out = skill("export", "review-guide", "--to", "claude", env=user_home).stdout
    target = Path(user_home["HOME"]) / ".claude" / "skills" / "review-guide"
    assert f"exported review-guide 0.0.0 to {target} (copied)" in out
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert files == [".skill-tui-export.json", "SKILL.md", "assets/logo.bin", "references/checklist.md"]
    assert (target / "SKILL.md").read_text() == (tmp_path / "review-guide" / "SKILL.md").read_text()
    assert skill("validate", str(target), "--strict").returncode == 0
    again = skill("export", "review-guide", "--to", "claude", env=user_home)  # our own export: replaced
    assert again.returncode == 0
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_export_to_agents_in_a_project_and_as_a_link(skill, tmp_path, user_home):
    skill("install", str(knowledge_folder(tmp_path)))
    project = tmp_path / "proj"
    project.mkdir()
    skill("export", "review-guide", "--to", "agents", "--project", str(project), env=user_home)
    target = project / ".agents" / "skills" / "review-guide"
    assert (target / "references" / "checklist.md").is_file()
    assert skill("validate", str(target), "--strict").returncode == 0
    # --project with no folder: the current one
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine.cli",
            "export",
            "review-guide",
            "--to",
            "claude",
            "--project",
            "--link",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=project,
        env={**os.environ, **user_home},
        check=True,
    )
    linked = project / ".claude" / "skills" / "review-guide"
    assert json.loads(proc.stdout) == {
        "ok": True,
        "skill": "review-guide",
        "kind": "knowledge",
        "path": str(linked),
        "link": True,
    }
    assert linked.is_symlink() and (linked / "references" / "checklist.md").is_file()
    assert skill("validate", str(linked), "--strict").returncode == 0


def test_export_refuses_a_folder_that_is_not_ours_or_was_edited(skill, tmp_path, user_home):
    skill("install", str(knowledge_folder(tmp_path)))
    target = Path(user_home["HOME"]) / ".claude" / "skills" / "review-guide"
    target.mkdir(parents=True)
    (target / "SKILL.md").write_text("mine\n")
    proc = skill("export", "review-guide", "--to", "claude", check=2, env=user_home)
    assert (
        proc.stderr
        == f"error: {target} exists and is not an unchanged export of skill-tui; move it away, or pass --force to replace it\n"
    )
    assert (target / "SKILL.md").read_text() == "mine\n"
    skill("export", "review-guide", "--to", "claude", "--force", env=user_home)
    (target / "references" / "checklist.md").write_text("edited by hand\n")
    assert "--force" in skill("export", "review-guide", "--to", "claude", check=2, env=user_home).stderr
    assert (target / "references" / "checklist.md").read_text() == "edited by hand\n"


def test_export_a_component_skill_names_its_mcp_tools_and_validates_strict(skill, tmp_path, user_home):
    wasm = tmp_path / "echo.wasm"
    wasm.write_bytes(wat.component_bytes(name="echo"))
    skill("install", str(wasm))
    out = skill("export", "echo", "--to", "claude", env=user_home).stdout
    assert "skill mcp-config" in out
    target = Path(user_home["HOME"]) / ".claude" / "skills" / "echo"
    text = (target / "SKILL.md").read_text()
    assert text.startswith("---\nname: echo\ndescription: echo test skill\n---\n")
    assert "### `echo__default__echo`" in text and "### `echo__default__other`" in text
    assert "- `times` (integer; optional" in text and "- `text` (string; required" in text
    assert "skill mcp-config" in text
    assert not (target / "component.wasm").exists() and not (target / "skill.json").exists()
    assert skill("validate", str(target), "--strict").returncode == 0
    link = skill("export", "echo", "--to", "agents", "--link", check=2, env=user_home)
    assert link.stderr.startswith("error: --link works for knowledge skills; echo has tools")
