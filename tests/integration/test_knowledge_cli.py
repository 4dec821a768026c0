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
from fixtures.env import EXAMPLES

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


def test_an_export_killed_midway_leaves_no_staging_after_the_next_one(skill, tmp_path, user_home):
    """A crash between staging and the rename left `.NAME.export-*` (or `.NAME.old-*`) where agents load
    skills; the next export of that skill clears what an earlier, dead one left."""
    skill("install", str(knowledge_folder(tmp_path)))
    skills = Path(user_home["HOME"]) / ".claude" / "skills"
    skills.mkdir(parents=True)
    for left in (".review-guide.export-k1ll3d", ".review-guide.old-0dd5", ".review-guide.link-99"):
        (skills / left).mkdir()
        (skills / left / "SKILL.md").write_text("half\n")
        os.utime(skills / left, (1, 1))  # left long ago
    other = skills / ".other.export-abcd"  # another skill's: not this export's to clear
    other.mkdir()
    os.utime(other, (1, 1))
    skill("export", "review-guide", "--to", "claude", env=user_home)
    assert sorted(p.name for p in skills.iterdir()) == [".other.export-abcd", "review-guide"]


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


# ---- install, list, info, show, run, remove ------------------------------------------------------------


def test_install_list_info_show_run_remove_a_knowledge_skill(skill, tmp_path):
    folder = knowledge_folder(tmp_path)
    installed = skill("install", str(folder))
    assert installed.stdout == (
        "review-guide 0.0.0 installed: a knowledge skill, 3 file(s); read it with `skill show review-guide`\n"
    )
    # the review says what applies: files, nothing runs; not network/limits that do not apply
    assert "review-guide 0.0.0 is a knowledge skill: 3 file(s), 0.2 KB; nothing runs" in installed.stderr
    assert "served to agents as files, never run" in installed.stderr
    assert "network:" not in installed.stderr and "limits:" not in installed.stderr

    rows = [line.split()[:5] for line in skill("list").stdout.splitlines()]
    assert rows == [["NAME", "VERSION", "KIND", "TOOLS", "INSTANCES"], ["review-guide", "0.0.0", "knowledge", "0", "0"]]
    (listed,) = json.loads(skill("list", "--json").stdout)
    assert listed["kind"] == "knowledge" and listed["tools"] == [] and listed["instances"] == []

    info = skill("info", "review-guide").stdout
    assert "frontmatter:\n  ---\n  name: review-guide\n  description: How to review a change.\n  ---\n" in info
    assert "files: 3, " in info and "tokens when an agent loads it" in info
    tree = info.split("tokens when an agent loads it\n", 1)[1].splitlines()
    assert [line.split()[0] for line in tree] == ["SKILL.md", "assets/", "logo.bin", "references/", "checklist.md"]
    assert tree[2].startswith("    logo.bin") and tree[2].endswith("8 B")
    assert "network:" not in info and "tools:" not in info and "component:" not in info
    body = SKILL_MD.format(name="x", description="y", title="review-guide").split("---\n", 2)[2]
    as_json = json.loads(skill("info", "review-guide", "--json").stdout)
    assert as_json["body_tokens"] == (len(body) + 3) // 4
    assert as_json["frontmatter"] == "name: review-guide\ndescription: How to review a change.\n"
    assert [f["path"] for f in as_json["files"]] == ["SKILL.md", "assets/logo.bin", "references/checklist.md"]

    shown = skill("show", "review-guide").stdout
    assert shown.startswith('<skill_content name="review-guide">\n# review-guide\n')
    assert "Base URI: skill://review-guide/" in shown
    assert "references/checklist.md (" in shown and "assets/logo.bin (" in shown
    assert "- tests pass" not in shown  # files are listed, not read
    assert skill("show", "review-guide", "references/checklist.md").stdout == "# Checklist\n\n- tests pass\n"
    for path, message in (
        ("assets/logo.bin", "error: assets/logo.bin is a binary file (8 bytes); only text files can be read\n"),
        ("references/gone.md", "error: the skill has no file 'references/gone.md' (files: SKILL.md, "),
        ("references/../../etc/passwd", "error: 'references/../../etc/passwd' is not a path inside the skill"),
        ("/etc/passwd", "error: '/etc/passwd' is not a path inside the skill"),
    ):
        assert skill("show", "review-guide", path, check=2).stderr.startswith(message), path

    ran = skill("run", "review-guide:anything", check=2)
    assert ran.stderr == (
        "error: review-guide is a knowledge skill: it has no tools to run; read it with `skill show review-guide`\n"
    )
    assert skill("remove", "review-guide", "--yes").stdout.startswith("removed review-guide 0.0.0")
    assert json.loads(skill("list", "--json").stdout) == []


def test_show_without_a_skill_md_says_where_the_tools_are(skill, tmp_path):
    wasm = tmp_path / "echo.wasm"
    wasm.write_bytes(wat.component_bytes(name="echo"))
    skill("install", str(wasm))
    assert skill("show", "echo", check=2).stderr == (
        "error: echo has no SKILL.md for agents to load (its tools are served over MCP); `skill info echo` lists them\n"
    )


def test_doctor_and_prune_with_a_knowledge_skill_installed(skill, tmp_path):
    env = {"SKILL_ENGINE_CACHE": str(tmp_path / "cache")}  # prune works on a cache of the test's own
    wasm = tmp_path / "echo.wasm"
    wasm.write_bytes(wat.component_bytes(name="echo"))
    skill("install", str(wasm), env=env)
    skill("install", str(knowledge_folder(tmp_path)), env=env)
    checks = {c["check"]: c for c in json.loads(skill("doctor", "--json", check=None, env=env).stdout)["checks"]}
    assert checks["skills"] == {
        "check": "skills",
        "ok": True,
        "detail": "2 installed (1 knowledge), 1 of 1 components with compiled code cached",
    }
    assert skill("prune", env=env).stdout.startswith("freed ")
    assert skill("show", "review-guide", "references/checklist.md", env=env).stdout.startswith("# Checklist")
    assert skill("run", "echo:echo", "--arg", "text=hi", env=env).stdout == "echo\n"


# ---- validate -----------------------------------------------------------------------------------------


def write_skill(where: Path, frontmatter: str, body: str = "# Skill\n", folder: str = "my-skill") -> Path:
    path = where / folder
    path.mkdir(parents=True, exist_ok=True)
    (path / "SKILL.md").write_text(f"---\n{frontmatter}---\n{body}")
    return path


GOOD = "name: my-skill\ndescription: Does one thing well.\n"


@pytest.mark.parametrize(
    "frontmatter, body, folder, line",
    [
        (
            "name: My-Skill\ndescription: d\n",
            "",
            "my-skill",
            "error: {md}: field 'name': 'My-Skill' is not a valid name",
        ),
        (
            "name: my--skill\ndescription: d\n",
            "",
            "my-skill",
            "error: {md}: field 'name': 'my--skill' is not a valid name",
        ),
        (f"name: {'a' * 65}\ndescription: d\n", "", "my-skill", "error: {md}: field 'name': '" + "a" * 65),
        ("name: my-skill\ndescription: ''\n", "", "my-skill", "error: {md}: field 'description': required: 1-1024"),
        (
            f"name: my-skill\ndescription: {'d' * 2000}\n",
            "",
            "my-skill",
            "error: {md}: field 'description': 2000 characters",
        ),
        (
            "name: my-skill\ndescription: d\n",
            "",
            "other",
            "warning: {md}: field 'name': 'my-skill' differs from the folder's name 'other'",
        ),
        (GOOD + "colour: blue\n", "", "my-skill", "warning: {md}: field 'colour': not an Agent Skills field"),
        (
            GOOD,
            "see [x](references/missing.md)\n",
            "my-skill",
            "warning: {md}: the link 'references/missing.md' names a file",
        ),
        (
            GOOD,
            "see [x](references/../../etc/passwd)\n",
            "my-skill",
            "warning: {md}: the link 'references/../../etc/passwd' leads out of the skill's folder",
        ),
    ],
)
def test_validate_reports_each_rule_as_one_line(skill, tmp_path, frontmatter, body, folder, line):
    path = write_skill(tmp_path, frontmatter, body, folder)
    md = path / "SKILL.md"
    error = line.startswith("error")
    proc = skill("validate", str(path), check=1 if error else 0)
    assert any(out.startswith(line.format(md=md)) for out in proc.stdout.splitlines()), proc.stdout
    assert "Traceback" not in proc.stderr and proc.stderr == ""
    strict = skill("validate", str(path), "--strict", check=1)
    assert strict.stdout.splitlines()[-1].startswith(f"{path}: not valid: ")
    report = json.loads(skill("validate", str(path), "--strict", "--json", check=1).stdout)
    assert report["ok"] is report["valid"] is False and report["strict"] is True
    assert report["error"] == {"code": "validation", "message": strict.stdout.splitlines()[-1]}
    message = line.format(md=md).rsplit(": ", 1)[-1]
    assert any(message in f["message"] for f in report["errors"] + report["warnings"]), report


def test_validate_a_good_folder_and_bad_usage(skill, tmp_path):
    path = write_skill(tmp_path, GOOD)
    assert skill("validate", str(path), "--strict").stdout == f"{path}: valid\n"
    assert json.loads(skill("validate", str(path), "--json").stdout) == {
        "ok": True,
        "folder": str(path),
        "valid": True,
        "strict": False,
        "errors": [],
        "warnings": [],
    }
    missing = skill("validate", str(tmp_path / "nope"), check=2)
    assert missing.stderr.startswith(f"error: {tmp_path / 'nope'} is not a folder")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert skill("validate", str(empty), check=1).stdout.startswith(f"error: {empty}: no SKILL.md; create one")


REAL_WORLD = """---
name: deploy-check
description: Checks a deployment before it goes out. Use when the user says "ship it": or asks to deploy.
disable-model-invocation: true
argument-hint: "[environment]"
allowed-tools:
  - Bash(git:*)
  - Read
---
# Deploy check

1. Run the tests.
2. Read [the runbook](references/runbook.md).
"""


def test_a_real_world_skill_with_claude_keys_installs_with_warnings_only(skill, tmp_path):
    folder = tmp_path / "deploy-check"
    (folder / "references").mkdir(parents=True)
    (folder / "SKILL.md").write_text(REAL_WORLD)
    (folder / "references" / "runbook.md").write_text("# Runbook\n")
    proc = skill("validate", str(folder))
    warned = {ln.split("field ")[1].split(":")[0] for ln in proc.stdout.splitlines() if ln.startswith("warning")}
    assert warned == {"'disable-model-invocation'", "'argument-hint'", "'allowed-tools'"}
    assert "error:" not in proc.stdout
    skill("validate", str(folder), "--strict", check=1)
    installed = skill("install", str(folder))
    assert installed.stdout.startswith("deploy-check 0.0.0 installed: a knowledge skill, 2 file(s)")
    info = json.loads(skill("info", "deploy-check", "--json").stdout)
    assert "disable-model-invocation: true\n" in info["frontmatter"]  # kept verbatim
    assert skill("validate", "deploy-check").returncode == 0  # the installed skill, by name


def test_init_knowledge_template_validates_strict_and_installs(skill, tmp_path):
    assert "knowledge" in skill("init", "--list").stdout
    folder = tmp_path / "my-guide"
    out = skill("init", str(folder), "--template", "knowledge").stdout
    assert out.startswith(f"created my-guide (knowledge) in {folder}: SKILL.md, references/checklist.md\n")
    assert skill("validate", str(folder), "--strict").stdout == f"{folder}: valid\n"
    skill("install", str(folder))
    assert "references/checklist.md" in skill("show", "my-guide").stdout


KNOWLEDGE_EXAMPLES = ("code-review", "commit-messages", "release-notes")


@pytest.mark.parametrize("name", KNOWLEDGE_EXAMPLES)
def test_the_knowledge_examples_validate_strict_install_and_export(skill, name, user_home):
    folder = EXAMPLES / name
    assert skill("validate", str(folder), "--strict").stdout == f"{folder}: valid\n"
    assert "a knowledge skill" in skill("install", str(folder)).stdout
    shown = skill("show", name).stdout
    for path in (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()):
        if path != "SKILL.md":
            assert f"{path} (" in shown
            assert skill("show", name, path).stdout == (folder / path).read_text()
    target = skill("export", name, "--to", "agents", "--json", env=user_home)
    assert skill("validate", json.loads(target.stdout)["path"], "--strict").returncode == 0


def test_a_knowledge_skill_has_no_instances_and_no_config(skill, tmp_path):
    """What a person tried after installing a guide: instances, config and a new instance each say
    in one line that a knowledge skill has none (before: "no skills installed", a "ready" default
    instance with no configuration, and an instance folder created for nothing)."""
    skill("install", str(knowledge_folder(tmp_path)))
    listed = skill("instances", "review-guide")
    assert listed.returncode == 0
    assert listed.stdout.strip() == "no instances: knowledge skills have none (no config, nothing to run)"
    assert json.loads(skill("instances", "review-guide", "--json").stdout) == []
    for argv in (["config", "review-guide"], ["config", "review-guide", "--secret", "K=V"]):
        out = skill(*argv, check=2)
        assert out.returncode == 2
        assert out.stderr.strip() == (
            "error: review-guide is a knowledge skill: it has no config; read it with `skill show review-guide`"
        )
    added = skill("instance", "add", "review-guide@work", check=2)
    assert added.returncode == 2
    assert "review-guide is a knowledge skill: it has no config, so no instances to add" in added.stderr
    assert json.loads(skill("info", "review-guide", "--json").stdout)["instances"] == []
