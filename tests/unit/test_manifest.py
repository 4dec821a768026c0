from pathlib import Path

import pytest

from engine.errors import ManifestError
from engine.manifest import load_folder, parse_skill_md, parse_skill_yaml

FULL = """\
name: aws-skill
version: 1.2.3
description: AWS service integration
author: someone
component: dist/aws-skill.wasm
future_field: 1
config:
  access_key:
    type: string
    required: true
    secret: true
  region:
    default: us-east-1
    env: AWS_DEFAULT_REGION
tools:
  - name: s3-upload
    description: Upload a file
capabilities:
  network:
    allow: ["*.amazonaws.com"]
  timeout_s: 10
  memory_mb: 128
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_skill_yaml_in_the_original_shape(tmp_path):
    m = parse_skill_yaml(write(tmp_path, "skill.yaml", FULL))
    assert (m.name, m.version, m.component) == ("aws-skill", "1.2.3", "dist/aws-skill.wasm")
    fields = {f.name: f for f in m.config}
    assert fields["access_key"].secret and fields["access_key"].env_var == "SKILL_ACCESS_KEY"
    assert fields["region"].env_var == "AWS_DEFAULT_REGION"
    assert m.capabilities.timeout_s == 10 and m.capabilities.memory_mb == 128
    assert m.capabilities.network == ("*.amazonaws.com",)
    assert m.warnings == ("skill.yaml: unknown field 'future_field' ignored",)


@pytest.mark.parametrize(
    "text, message",
    [
        ("name: [unclosed", r"skill.yaml:1: invalid YAML"),
        ("name: My Skill\n", r"field 'name': 'My Skill' is not a valid skill name.*'my-skill'"),
        ("name: x\nversion: one\n", r"field 'version': 'one' is not a semantic version"),
        ("name: x\nconfig:\n  k:\n    type: color\n", r"config.k.type: 'color' is not a config type"),
        ("name: x\ncapabilities:\n  timeout_s: -1\n", r"capabilities.timeout_s must be a number"),
        # YAML booleans and strings are not numbers (float(True) used to give a 1 s limit)
        ("name: x\ncapabilities:\n  timeout_s: true\n", r"capabilities.timeout_s must be a number.*got True"),
        ("name: x\ncapabilities:\n  timeout_s: '10'\n", r"capabilities.timeout_s must be a number.*got '10'"),
        ("name: x\ncapabilities:\n  timeout_s: .nan\n", r"capabilities.timeout_s must be a number"),
        # a fraction of a MiB used to be cut off silently (64.9 -> 64)
        ("name: x\ncapabilities:\n  memory_mb: 64.9\n", r"capabilities.memory_mb must be a whole number of MiB"),
        ("- a list\n", r"expected a YAML mapping"),
    ],
)
def test_bad_skill_yaml_names_file_field_and_fix(tmp_path, text, message):
    with pytest.raises(ManifestError, match=message):
        parse_skill_yaml(write(tmp_path, "skill.yaml", text))


def test_skill_md_frontmatter_per_agent_skills_spec(tmp_path):
    md = write(
        tmp_path,
        "SKILL.md",
        "---\nname: pdf-tools\ndescription: Work with PDFs\nlicense: MIT\n"
        "metadata:\n  team: docs\nallowed-tools: Read Write\n---\n# Usage\nCall it.\n",
    )
    m = parse_skill_md(md)
    assert (m.name, m.license, m.metadata, m.allowed_tools) == ("pdf-tools", "MIT", {"team": "docs"}, "Read Write")
    assert m.skill_md == "# Usage\nCall it."


@pytest.mark.parametrize(
    "front, message",
    [
        ("description: x", "'name' is required"),
        ("name: Bad_Name\ndescription: x", "not a valid skill name"),
        ("name: ok\ndescription: " + "d" * 1025, "1025 characters; the limit is 1024"),
        ("name: " + "a" * 65 + "\ndescription: x", "not a valid skill name"),
    ],
)
def test_bad_skill_md(tmp_path, front, message):
    with pytest.raises(ManifestError, match=message):
        parse_skill_md(write(tmp_path, "SKILL.md", f"---\n{front}\n---\nbody\n"))


def test_folder_merges_both_and_names_must_agree(tmp_path):
    write(tmp_path, "skill.yaml", "name: a\nversion: 1.0.0\n")
    write(tmp_path, "SKILL.md", "---\nname: a\ndescription: from md\n---\nDocs\n")
    m = load_folder(tmp_path)
    assert (m.name, m.description, m.skill_md) == ("a", "from md", "Docs")
    write(tmp_path, "SKILL.md", "---\nname: b\ndescription: x\n---\n")
    with pytest.raises(ManifestError, match="names the skill 'b'.*names it 'a'"):
        load_folder(tmp_path)


def test_folder_without_manifest_is_valid(tmp_path):
    assert load_folder(tmp_path).name is None
