"""`skill validate DIR [--strict] [--json]`: a SKILL.md folder (or an installed skill, by name) against
the Agent Skills spec. One line per finding on stdout; exit 0 when it passes (with `--strict`, warnings
count), 1 when it does not (the check ran and the skill failed it, as a failed run exits 1), 2 for bad
usage (no such folder or skill). `--json`: the Validation's JSON with `ok`, and on failure the `error`
object (code `validation`) every `--json` failure carries."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.cli.commands import open_engine
from engine.cli.output import print_json
from engine.errors import UsageError


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    folder = Path(a.dir)
    if folder.is_dir():
        result = engine.validate(folder)
    elif not folder.exists() and a.dir in {s.name for s in engine.skills()}:
        result = engine.validate_installed(a.dir)
    else:
        raise UsageError(
            f"{a.dir} is not a folder; give a skill folder (the one holding SKILL.md) or an installed skill's name"
        )
    passed = result.passed(a.strict)
    errors, warnings = len(result.errors), len(result.warnings)
    counted = f"{errors} error(s), {warnings} warning(s)" + (
        " (--strict: warnings count)" if a.strict and warnings else ""
    )
    if a.json:  # a failure carries the error object every --json failure has
        failed = (
            {} if passed else {"error": {"code": "validation", "message": f"{result.folder}: not valid: {counted}"}}
        )
        print_json({"ok": passed, **result.to_json(a.strict), **failed})
        return 0 if passed else 1
    for finding in result.findings:
        print(finding.line())
    if passed:
        print(f"{result.folder}: valid" + (f" ({warnings} warning(s); --strict counts them)" if warnings else ""))
    else:
        print(f"{result.folder}: not valid: {counted}")
    return 0 if passed else 1
