"""`skill update [NAME|--all] [--check] [--yes] [--allow-downgrade]`: resolve each skill's source again and
show what changed (version, digest, capabilities, signer); without --check, fetch, verify and install it.

`--check` only resolves (a HEAD request, `git ls-remote`, a folder's hashes) and changes nothing. An update
that asks for more than was accepted, or that another key signed, is reviewed as `skill install` reviews
(a terminal's y/N, or --yes; refused in a script); a lower version needs --allow-downgrade. Until the new
version is verified and compiled the installed one keeps serving.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from engine.cli.commands import open_engine
from engine.cli.commands.install import review_prompt
from engine.cli.output import print_skills_json, progress
from engine.errors import SkillError, UsageError

if TYPE_CHECKING:
    from engine.distribution.fetching import Step
    from engine.distribution.updates import UpdateInfo
    from engine.store import InstallReport


def run(a: argparse.Namespace) -> int:
    if a.name and a.all:
        raise UsageError("skill update: give a skill name or --all, not both")
    if not (a.name or a.all or a.check):
        raise UsageError("skill update: give a skill name, --all, or --check to see what would change")
    engine = open_engine()
    if a.check:
        infos = engine.updates([a.name] if a.name else None, insecure=a.insecure_registry)
        if a.json:
            errors = [(i.name, i.error_code or "error", i.error) for i in infos if i.error]
            print_skills_json([i.to_json() for i in infos], errors)
        else:
            for info in infos:
                _print_check(info)
        return 1 if any(i.error for i in infos) else 0

    def on_step(step: Step) -> None:
        if not a.json:
            progress(step.message)

    names = [a.name] if a.name else [s.name for s in engine.skills()]
    done: list[dict[str, Any]] = []
    failed: list[tuple[str, str, str]] = []
    code = 0
    for name in names:
        try:
            report = engine.update(
                name,
                review=lambda r: review_prompt(r, a, verb="update"),
                allow_downgrade=a.allow_downgrade,
                on_step=on_step,
                insecure=a.insecure_registry,
            )
        except SkillError as e:
            if a.name:  # one skill: its failure is the command's
                raise
            code = max(code, e.exit_code)
            done.append({"name": name, "status": "failed", "error": e.message})
            failed.append((name, e.code, e.message))
            if not a.json:
                print(f"{name}: not updated: {e.message}")
            continue
        done.append(_report_json(report))
        if not a.json:
            print(_describe(report))
    if a.json:
        print_skills_json(done, failed)
    return code


def _print_check(info: UpdateInfo) -> None:
    if info.error:
        print(f"{info.name} {info.installed_version}: cannot check: {info.error}")
    elif not info.available:
        print(f"{info.name} {info.installed_version}: up to date")
    else:
        to = f" ({info.version})" if info.version and info.version != info.installed_version else ""
        print(f"{info.name} {info.installed_version}: update available{to}")
        for line in info.changes:
            print(f"  {line}")


def _report_json(report: InstallReport) -> dict[str, Any]:
    s = report.skill
    return {"name": s.name, "status": report.status, "version": s.version, "previous_version": report.previous_version}


def _describe(report: InstallReport) -> str:
    s = report.skill
    if report.status == "unchanged":
        return f"{s.name} {s.version}: up to date"
    if report.status == "upgraded":
        return f"{s.name}: updated {report.previous_version} -> {s.version}"
    return f"{s.name} {s.version}: {report.status}"
