"""A knowledge skill's tree, bad input through the real `skill install`: each refusal is one line naming the
file or field (exit 2), and the store stays as it was: the installed version still serving, nothing left in
tmp/ or packages/. The big trees are cheap to make: empty files, and a sparse 50 MB asset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.dist_state import home_state, one_error


def skill_folder(root: Path, name: str = "review", description: str = "A code review checklist.") -> Path:
    folder = root / "review"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(f"---\nname: {name}\ndescription: {description}\n---\n# Review\n")
    return folder


def many_files(folder: Path) -> None:
    (folder / "assets").mkdir()
    for i in range(5000):
        (folder / "assets" / f"{i}.txt").touch()


def big_asset(folder: Path) -> None:
    (folder / "assets").mkdir()
    with open(folder / "assets" / "video.bin", "wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: no 50 MB written


def link_out(folder: Path) -> None:
    (folder / "references").mkdir()
    (folder / "references" / "passwd.md").symlink_to("/etc/passwd")


def folder_link_out(folder: Path) -> None:
    (folder / "references").symlink_to("/etc")


def not_utf8(folder: Path) -> None:
    (folder / "SKILL.md").write_bytes(b"---\nname: review\ndescription: caf\xe9\n---\n")


def no_frontmatter(folder: Path) -> None:
    (folder / "SKILL.md").write_text("# Review\n\nNo frontmatter at all.\n")


def broken_yaml(folder: Path) -> None:
    (folder / "SKILL.md").write_text("---\nname: [review\ndescription: x\n---\n")


def frontmatter(**fields: str):
    def write(folder: Path) -> None:
        lines = "".join(f"{k}: {json.dumps(v)}\n" for k, v in {"name": "review", "description": "d", **fields}.items())
        (folder / "SKILL.md").write_text(f"---\n{lines}---\nbody\n")

    return write


CASES = {
    "5000 files": (many_files, "more than 1000 files"),
    "50 MB asset": (big_asset, "pass 10 MB (at assets/video.bin)"),
    "symlink out": (link_out, "references/passwd.md: a link that leads out of"),
    "folder symlink out": (folder_link_out, "references: a link that leads out of"),
    "non-UTF-8 SKILL.md": (not_utf8, "SKILL.md: not UTF-8 text"),
    "no frontmatter": (no_frontmatter, "SKILL.md: missing YAML frontmatter"),
    "unparseable frontmatter": (broken_yaml, "SKILL.md:3: invalid YAML in the frontmatter"),
    "uppercase name": (frontmatter(name="Review"), "field 'name': 'Review' is not a valid skill name"),
    "double hyphen": (frontmatter(name="re--view"), "field 'name': 're--view' is not a valid skill name"),
    "65 characters": (frontmatter(name="a" * 65), f"field 'name': '{'a' * 65}' is not a valid skill name"),
    "empty description": (frontmatter(description=""), "field 'description' is required"),
    "2000-character description": (frontmatter(description="d" * 2000), "'description' has 2000 characters"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_tree_is_one_line_and_the_installed_version_keeps_serving(skill, home, tmp_path, case):
    make, words = CASES[case]
    skill("install", str(skill_folder(tmp_path / "good")))
    installed = (home.skills / "review").resolve()
    before = home_state(home.root)
    bad = skill_folder(tmp_path / "bad")
    make(bad)
    out = skill("install", str(bad), "--force", check=2)
    one_error(out.stderr, words)
    assert home_state(home.root) == before and (home.skills / "review").resolve() == installed
    assert list((home.root / "tmp").glob("*")) == []
    assert json.loads(skill("info", "review", "--json").stdout)["description"] == "A code review checklist."


def test_a_link_out_in_skill_md_installs_reading_nothing_outside_and_validates_with_a_warning(skill, home, tmp_path):
    folder = skill_folder(tmp_path / "a")
    secret = tmp_path / "a" / "etc" / "passwd"  # where references/../../etc/passwd leads from the folder
    secret.parent.mkdir()
    secret.write_text("root:SECRET-LINE\n")
    with open(folder / "SKILL.md", "a") as f:
        f.write("\nSee [users](references/../../etc/passwd).\n")
    found = skill("validate", str(folder))
    (warning,) = [line for line in (found.stdout + found.stderr).splitlines() if line.startswith("warning:")]
    assert f"{folder / 'SKILL.md'}: the link 'references/../../etc/passwd' leads out of" in warning
    assert "SECRET" not in found.stdout + found.stderr
    assert "--strict" in skill("validate", str(folder), "--strict", check=1).stdout
    skill("install", str(folder))
    package = (home.skills / "review").resolve()
    assert sorted(p.name for p in package.iterdir()) == ["SKILL.md", "skill.json"]
    assert "SECRET" not in (home.root / "skills.lock").read_text() + (package / "skill.json").read_text()
    assert "SECRET" not in skill("show", "review").stdout


def test_git_node_modules_and_pycache_are_skipped(skill, home, tmp_path):
    folder = skill_folder(tmp_path / "a")
    for skipped in (".git", "node_modules/left-pad", "__pycache__"):
        (folder / skipped).mkdir(parents=True)
        (folder / skipped / "x").write_text("not the skill's")
    (folder / "references").mkdir()
    (folder / "references" / "guide.md").write_text("# Guide\n")
    skill("install", str(folder))
    package = (home.skills / "review").resolve()
    kept = sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file())
    assert kept == ["SKILL.md", "references/guide.md", "skill.json"]
    import tomllib

    (entry,) = tomllib.loads((home.root / "skills.lock").read_text())["skill"]
    assert sorted(entry["files"]) == ["SKILL.md", "references/guide.md"]
