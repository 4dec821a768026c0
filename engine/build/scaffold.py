"""`skill init`: a new skill project from a template (``templates/<name>/``).

The js, ts and python templates hold skill.yaml, SKILL.md, the source with two example tools and a
config field, tests.yaml, README.md and ``gitignore`` (written as ``.gitignore``); the
knowledge template a SKILL.md and ``references/`` (an Agent Skills folder: nothing to build).
``{{name}}``, ``{{description}}`` and ``{{author}}`` are filled in.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from engine.errors import UsageError
from engine.schema import check_name

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_INFO = {
    "js": "JavaScript with the bundled SDK (defineSkill, async handlers)",
    "ts": "TypeScript with the bundled SDK (types stripped by esbuild; sdk.d.ts for editors)",
    "python": "Python with the bundled SDK (skill_sdk: tools from type hints, componentize-py)",
    "knowledge": "a knowledge skill: SKILL.md instructions and references/ for agents (no code)",
}
DEFAULT_DESCRIPTIONS = {
    "knowledge": "Describe what this skill teaches an agent and when to use it (a starter knowledge skill)",
}
RENAMES = {"gitignore": ".gitignore"}


def templates() -> dict[str, str]:
    """name -> one-line description of every template."""
    return {p.name: TEMPLATE_INFO.get(p.name, "") for p in sorted(TEMPLATES_DIR.iterdir()) if p.is_dir()}


def default_name(folder: Path) -> str:
    return folder.resolve().name.lower().replace("_", "-").replace(" ", "-")


def init_project(
    folder: str | Path,
    template: str = "js",
    name: str | None = None,
    description: str | None = None,
    author: str | None = None,
    force: bool = False,
) -> list[Path]:
    """Create the project in ``folder`` (new or empty unless ``force``); returns the files written."""
    folder = Path(folder).expanduser()
    if template not in templates():
        raise UsageError(f"no template {template!r}; templates: {', '.join(templates())}")
    name = check_name(
        name or default_name(folder), "--name" if name else f"skill name from folder {str(folder)!r} (pass --name)"
    )
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise UsageError(f"{folder} is not empty; choose a new folder or pass --force to add the files anyway")
    description = description or DEFAULT_DESCRIPTIONS.get(template, "Greets people and counts words (a starter skill)")
    values = {
        "name": name,
        "description": description,
        "description_json": json.dumps(description),
        "description_md": json.dumps(
            f"{description.rstrip('.')}. Use when an agent needs to greet someone or count the words of a text."
        ),
        "author": json.dumps(author or os.environ.get("USER") or "you"),
    }
    src = TEMPLATES_DIR / template
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:  # bytecode a Python run left beside a template
            continue
        rel = path.relative_to(src)
        dest = folder / RENAMES.get(rel.as_posix(), rel.as_posix())
        if dest.exists() and not force:
            raise UsageError(f"{dest} exists; pass --force to overwrite")
        text = path.read_text(encoding="utf-8")
        for k, v in values.items():
            text = text.replace("{{" + k + "}}", v)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
        written.append(dest)
    if template == "ts":
        dest = folder / "sdk.d.ts"
        shutil.copyfile(Path(__file__).resolve().parent / "js" / "sdk.d.ts", dest)
        written.append(dest)
    return written
