"""`skill test [DIR]`: build the skill and run its tests.yaml (see `engine.cli.testing`), one line per case."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.cli.commands import open_engine
from engine.cli.output import print_json, progress
from engine.cli.testing import CaseResult, run_tests


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    use_color = sys.stdout.isatty()
    green, red, dim, reset = ("\x1b[32m", "\x1b[31m", "\x1b[2m", "\x1b[0m") if use_color else ("",) * 4

    def show(res: CaseResult) -> None:
        if a.json:
            return
        mark = f"{green}✔{reset}" if res.passed else f"{red}✘{reset}"
        print(f"{mark} {res.case.label} {dim}{res.ms:.0f} ms{reset}")
        for p in res.problems:
            print(f"    {p}")

    report = run_tests(
        engine,
        a.dir,
        tests=Path(a.file) if a.file else None,
        progress=None if a.json else progress,
        on_result=show,
        only=a.k,
    )
    if a.json:
        out: dict[str, Any] = {
            "ok": report.ok,
            "passed": report.passed,
            "failed": report.failed,
            "cases": [
                {
                    "case": r.case.label,
                    "passed": r.passed,
                    "problems": r.problems,
                    "ms": round(r.ms, 1),
                    "output": r.output,
                    "error": r.error,
                }
                for r in report.results
            ],
        }
        if not report.ok:  # the error object of every --json failure (see engine.cli.output.fail)
            out["error"] = {
                "code": "tests_failed",
                "message": f"{report.failed} of {len(report.results)} test case(s) failed"
                if report.results
                else f"{report.file} has no test cases to run",
            }
        print_json(out)
    else:
        color = green if report.ok else red
        print(
            f"{color}{report.passed} passed, {report.failed} failed{reset} "
            f"({report.file.name}; build {'cached' if report.cached else f'{report.build_seconds:.1f} s'})"
        )
    return 0 if report.ok else 1
