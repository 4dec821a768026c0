"""`skill init`: the templates, a complete project, name and folder checks (no build; building them is
tests/integration/test_authoring.py).
"""

from __future__ import annotations

import pytest

from engine.build.scaffold import init_project, templates
from engine.cli import main
from engine.errors import UsageError


def test_init_lists_templates(capsys):
    assert set(templates()) == {"js", "ts", "python", "knowledge"}
    assert main(["init", "--list"]) == 0
    out = capsys.readouterr().out
    assert (
        out.startswith("TEMPLATE   DESCRIPTION\njs ")
        and "\nts " in out
        and "\nknowledge " in out
        and "\npython " in out
    )


@pytest.mark.parametrize("template,source", [("js", "skill.js"), ("ts", "skill.ts")])
def test_init_writes_a_complete_project(tmp_path, capsys, template, source):
    folder = tmp_path / "my-skill"
    assert main(["init", str(folder), "--template", template]) == 0
    names = {p.name for p in folder.iterdir()}
    assert {"skill.yaml", "SKILL.md", source, "tests.yaml", ".gitignore", "README.md"} <= names
    text = (folder / source).read_text()
    assert "defineSkill" in text and '"my-skill"' in text and "{{" not in text
    assert text.count('name: "') >= 2 and 'getConfig("greeting")' in text
    yaml_text = (folder / "skill.yaml").read_text()
    assert "name: my-skill" in yaml_text and "greeting:" in yaml_text
    assert "skill build" in capsys.readouterr().out


def test_init_checks_name_and_folder(tmp_path, capsys):
    with pytest.raises(UsageError, match="not a valid skill name"):
        init_project(tmp_path / "x", name="Bad Name")
    assert main(["init", str(tmp_path / "Not_Valid!")]) == 2
    assert "--name" in capsys.readouterr().err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "a.txt").write_text("x")
    with pytest.raises(UsageError, match="not empty"):
        init_project(tmp_path / "full")
    assert main(["init", str(tmp_path / "named"), "--name", "other-name"]) == 0
    assert "name: other-name" in (tmp_path / "named" / "skill.yaml").read_text()
    assert main(["init", str(tmp_path / "t"), "--template", "rust"]) == 2


def test_bytecode_beside_a_template_is_not_copied(tmp_path, monkeypatch):
    """compileall (set-up) or an editor may leave __pycache__ in templates/python: init still works."""
    import shutil

    from engine.build import scaffold

    templates = tmp_path / "templates"
    shutil.copytree(scaffold.TEMPLATES_DIR, templates, ignore=shutil.ignore_patterns("__pycache__"))
    (templates / "python" / "__pycache__").mkdir()
    (templates / "python" / "__pycache__" / "skill.cpython-311.pyc").write_bytes(b"\xa7\r\r\n\x00\x00")
    monkeypatch.setattr(scaffold, "TEMPLATES_DIR", templates)
    written = init_project(tmp_path / "py-skill", "python")
    assert "skill.py" in {p.name for p in written} and not (tmp_path / "py-skill" / "__pycache__").exists()
