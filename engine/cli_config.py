"""`skill instances`, `skill instance ...` and `skill config ...`: instances and their configuration."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from engine.errors import UsageError

JSON_HELP = "print machine-readable JSON"


def _split(ref: str, need_instance: bool = False) -> tuple[str, str]:
    name, sep, instance = ref.partition("@")
    example = f"{name or 'SKILL'}@work"  # the skill they named, not one that may not exist
    if need_instance and not sep:
        raise UsageError(f"{ref!r}: write SKILL@INSTANCE, e.g. {example}")
    if not name or (sep and not instance):
        raise UsageError(f"{ref!r}: write SKILL or SKILL@INSTANCE, e.g. {example}")
    return name, instance or "default"


def _engine():
    from engine.api import Engine

    return Engine()


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _pairs(items: list[str] | None, flag: str) -> dict[str, str]:
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} {item!r}: write {flag} NAME=VALUE")
        out[key] = value
    return out


# ---- skill instances ---------------------------------------------------------------------------


def cmd_instances(a: argparse.Namespace) -> int:
    engine = _engine()
    names = [a.name] if a.name else [s.name for s in engine.skills()]
    reports = [
        (name, engine.config.report(name, inst, with_skill=a.check))
        for name in names
        for inst in engine.instances.names(engine.skill(name).name)
    ]
    if a.json:
        _print_json(
            [
                {
                    "skill": name,
                    "instance": r.instance,
                    "ready": r.ready,
                    "missing": list(r.missing),
                    "problems": list(r.problems),
                }
                for name, r in reports
            ]
        )
        return 0
    if not reports:
        print("no skills installed")
        return 0
    from engine.cli_table import print_table

    print_table(("INSTANCE", "STATE"), [(f"{name}@{r.instance}", _state(r)) for name, r in reports])
    return 0


def _state(report) -> str:
    """An instance's state in one cell: ready, or what keeps it from being ready."""
    if report.ready:
        return "ready"
    return "not ready: " + "; ".join(
        ([f"missing {', '.join(report.missing)}"] if report.missing else []) + list(report.problems)
    )


def cmd_instance(a: argparse.Namespace) -> int:
    engine = _engine()
    name, instance = _split(a.ref, need_instance=True)
    engine.skill(name)
    ref = f"{name}@{instance}"
    if a.action == "add":
        engine.add_instance(name, instance)
        return _done(a, f"created {ref}", created=ref)
    if a.action == "remove":
        engine.instances.check_removable(name, instance)  # a typo is an error, not a question
        if not a.yes and not _confirm(f"remove {ref}, its config, secrets and data?", a.json):
            print("kept")
            return 0
        engine.config.remove(name, instance)
        return _done(a, f"removed {ref}", removed=ref)
    if not a.new:
        raise UsageError(f"skill instance {a.action} {a.ref} NEW: give the new instance name")
    new = f"{name}@{a.new}"
    if a.action == "rename":
        engine.config.rename(name, instance, a.new)
        return _done(a, f"renamed {ref} to {new}", renamed=ref, to=new)
    engine.config.copy(name, instance, a.new, with_secrets=a.with_secrets)
    note = "" if a.with_secrets else " (secrets not copied: --with-secrets copies them)"
    return _done(a, f"copied {ref} to {new}{note}", copied=ref, to=new, with_secrets=a.with_secrets)


def _done(a: argparse.Namespace, text: str, **data: Any) -> int:
    """What a command did: a sentence, or with --json an object with "ok": true."""
    if a.json:
        _print_json({"ok": True, **data})
    else:
        print(text)
    return 0


def _confirm(question: str, as_json: bool) -> bool:
    """Ask on a terminal; never in a script or with --json (stdout is for the JSON): --yes is needed."""
    if as_json or not sys.stdin.isatty():
        raise UsageError("not removing without confirmation; pass --yes")
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


# ---- skill config ------------------------------------------------------------------------------


def cmd_config(a: argparse.Namespace) -> int:
    engine = _engine()
    name, instance = _split(a.ref)
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
    if a.set or a.unset or sandbox:
        typed = config.parse(name, _pairs(a.set, "--set"))
        return _report(config.save(name, instance, typed, a.unset or (), sandbox or None), name, a)
    if not a.show and not a.json and sys.stdin.isatty():
        _prompt_missing(engine, name, instance)
    return _show(engine, name, instance, a.json)


def _report(report, name: str, a: argparse.Namespace) -> int:
    if a.json:
        _print_json(
            {
                "instance": report.instance,
                "ready": report.ready,
                "missing": list(report.missing),
                "problems": list(report.problems),
            }
        )
    else:
        print(f"saved {name}@{report.instance}: {_state(report)}")
    return 0


def _show(engine, name: str, instance: str, as_json: bool) -> int:
    entries = engine.config.entries(name, instance)
    report = engine.config.report(name, instance)
    if as_json:
        _print_json(
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


def _prompt_missing(engine, name: str, instance: str) -> None:
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


def _edit(engine, name: str, instance: str, a: argparse.Namespace) -> int:
    """Open $EDITOR on a copy of config.toml; apply it only if it validates."""
    engine.skill(name)
    engine.instances.require(name, instance)
    path = engine.instances.config_path(name, instance)
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


def add_parsers(sub, add) -> None:
    """Register the commands on the main parser (see engine.cli.build_parser)."""
    sp = add("instances", cmd_instances, "list instances and whether each is ready to run")
    sp.add_argument("name", nargs="?", help="only this skill's instances")
    sp.add_argument("--check", action="store_true", help="also ask each skill's validate-config")

    sp = add("instance", cmd_instance, "add, remove, rename or copy an instance")
    sp.add_argument("action", choices=["add", "remove", "rename", "copy"])
    sp.add_argument("ref", metavar="NAME@INSTANCE")
    sp.add_argument("new", nargs="?", metavar="NEW", help="the new instance name (rename, copy)")
    sp.add_argument("--with-secrets", action="store_true", help="copy: copy the secret values too")
    sp.add_argument("--yes", "-y", action="store_true", help="remove: do not ask for confirmation")

    sp = add("config", cmd_config, "show or change an instance's configuration")
    sp.add_argument("ref", metavar="NAME[@INSTANCE]")
    sp.add_argument("--set", action="append", metavar="K=V", help="set a value (repeatable)")
    sp.add_argument("--unset", action="append", metavar="K", help="remove a value (repeatable)")
    sp.add_argument("--get", metavar="K", help="print one value (secrets included: you asked for it)")
    sp.add_argument("--show", action="store_true", help="show the configuration (the default)")
    sp.add_argument("--export", metavar="FILE", help="write the configuration as TOML (- for stdout)")
    sp.add_argument("--include-secrets", action="store_true", help="--export: include secret values")
    sp.add_argument("--import", dest="import_", metavar="FILE", help="load values from a TOML file")
    sp.add_argument("--edit", action="store_true", help="edit config.toml in $EDITOR; validated on save")
    sp.add_argument("--timeout", type=float, metavar="S", help="this instance's time limit per run")
    sp.add_argument("--memory", type=int, metavar="MB", help="this instance's memory limit per run")
