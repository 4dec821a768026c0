"""`skill config SKILL[@INSTANCE]`: show, set, get, export, import or edit an instance's configuration."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli.args import read_pairs
from engine.cli.commands import open_engine
from engine.cli.commands.instances import state
from engine.cli.output import print_json
from engine.errors import UsageError
from engine.refs import InstanceRef

if TYPE_CHECKING:
    from engine.api import Engine
    from engine.configuration import ConfigReport


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    ref = InstanceRef.parse(a.ref)
    name, instance = ref.skill, ref.instance
    config = engine.config
    if a.get:
        value = config.get(name, instance, a.get)
        print(_text(value) if not a.json else json.dumps(value))
        return 0
    if a.export:
        text = config.export(name, instance, include_secrets=a.include_secrets)
        if a.export == "-":
            sys.stdout.write(text)
        else:
            from engine.fsutil import atomic_write_text

            atomic_write_text(Path(a.export), text, mode=0o600)
            print(f"exported {name}@{instance} to {a.export}" + ("" if a.include_secrets else " (without secrets)"))
        return 0
    if a.import_:
        path = Path(a.import_)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise UsageError(f"{path}: {e.strerror}") from None
        return _report(config.import_text(name, instance, text, str(path)), name, a)
    if a.edit:
        return _edit(engine, name, instance, a)
    sandbox = {k: v for k, v in (("timeout_s", a.timeout), ("memory_mb", a.memory)) if v is not None}
    if a.set or a.secret or a.unset or sandbox:
        typed = config.parse(name, read_pairs(a.set, "--set"))
        secrets = config.parse(name, read_pairs(a.secret, "--secret"))
        report = config.save(name, instance, {**typed, **secrets}, a.unset or (), sandbox or None, secrets=secrets)
        return _report(report, name, a)
    if not a.show and not a.json and sys.stdin.isatty():
        _prompt_missing(engine, name, instance)
    return _show(engine, name, instance, a.json)


def _report(report: ConfigReport, name: str, a: argparse.Namespace) -> int:
    if a.json:
        print_json(
            {
                "instance": report.instance,
                "ready": report.ready,
                "missing": list(report.missing),
                "problems": list(report.problems),
            }
        )
    else:
        print(f"saved {name}@{report.instance}: {state(report)}")
    return 0


def _show(engine: Engine, name: str, instance: str, as_json: bool) -> int:
    entries = engine.config.entries(name, instance)
    report = engine.config.report(name, instance)
    if as_json:
        print_json(
            {
                "skill": name,
                "instance": instance,
                "ready": report.ready,
                "missing": list(report.missing),
                "problems": list(report.problems),
                "fields": [
                    {
                        "name": e.field.name,
                        "type": e.field.type,
                        "required": e.field.required,
                        "secret": e.field.secret,
                        "value": e.value,
                        "source": e.source,
                        "env": e.field.env_var,
                        "description": e.field.description,
                    }
                    for e in entries
                ],
            }
        )
        return 0
    print(f"{name}@{instance}: {'ready' if report.ready else 'not ready'}")
    for e in entries:
        value = "(not set)" if e.value is None else _text(e.value)
        flags = e.field.type + (", required" if e.field.required else "") + (", secret" if e.field.secret else "")
        source = f"  [{e.source}]" if e.source else ""
        print(f"  {e.field.name} = {value}{source}  ({flags}; env {e.field.env_var})")
    for problem in [*(f"missing {m}" for m in report.missing), *report.problems]:
        print(f"  ! {problem}")
    if not entries:
        print("  (this skill has no configuration)")
    return 0


def _text(value: Any) -> str:
    """A config value as a person types it: text as is, anything else as JSON (true, 5), unset empty."""
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


def _prompt_missing(engine: Engine, name: str, instance: str) -> None:
    """Ask for each required field that has no value (hidden input for secrets), then save."""
    import getpass

    skill = engine.skill(name)
    missing = engine.config.report(name, instance).missing
    texts = {}
    for f in skill.config:
        if f.name not in missing:
            continue
        hint = f" - {f.description}" if f.description else ""
        prompt = f"{f.name} ({f.type}{', secret' if f.secret else ''}){hint}: "
        text = getpass.getpass(prompt) if f.secret else input(prompt)
        if text:
            texts[f.name] = text
    if texts:
        engine.config.save(name, instance, engine.config.parse(name, texts))


def _edit(engine: Engine, name: str, instance: str, a: argparse.Namespace) -> int:
    """Open $EDITOR on a copy of config.toml; apply it only if it validates."""
    engine.skill(name)
    path = engine.config_path(name, instance)
    original = (
        path.read_text(encoding="utf-8")
        if path.exists()
        else f"# {name}@{instance} configuration: field = value (see `skill info {name}`)\n"
    )
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory() as tmp:
        draft = Path(tmp) / "config.toml"
        draft.write_text(original, encoding="utf-8")
        os.chmod(draft, 0o600)
        if subprocess.call([*editor.split(), str(draft)]) != 0:
            raise UsageError(f"{editor} exited with an error; config.toml unchanged")
        text = draft.read_text(encoding="utf-8")
    if text == original:
        print("no changes")
        return 0
    return _report(engine.config.apply_edit(name, instance, text, "edited config.toml"), name, a)
