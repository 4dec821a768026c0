"""`skill test`: run a skill's declarative tests against its built component.

A use case above the engine facade (it builds a second `Engine`), so it lives with the
command line, not in `engine.build`.

``tests.yaml`` is a list of cases (or ``{config: {...}, tests: [...]}``)::

    - tool: greet
      args: {name: Ada}
      expect: {output: "Hello, Ada!"}          # exact output
    - tool: word-count
      args: {text: ""}
      expect: {error: "empty"}                 # must fail; substring of the error
    - tool: greet
      args: {name: Ada}
      config: {greeting: Hi}                   # this case's instance config
      expect: {contains: "Hi", data: {name: Ada}}   # substring; subset of data

Every case runs in the real engine (the built component, a fresh sandbox per call)
in a throwaway engine home, so nothing of the user's installed skills or config is
touched or used. Caches (toolchain, builds, compiled code) are shared.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.api import Engine
from engine.errors import SkillError, UsageError

TEST_FILES = ("tests.yaml", "tests.yml", "skill.test.yaml")
EXPECT_KEYS = {"output", "contains", "error", "data", "ok"}


@dataclass
class Case:
    index: int
    tool: str
    args: dict[str, Any]
    expect: dict[str, Any]
    config: dict[str, Any] = field(default_factory=dict)
    name: str = ""

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        args = ", ".join(f"{k}={v!r}" for k, v in self.args.items())
        return f"{self.tool}({args})"


@dataclass
class CaseResult:
    case: Case
    passed: bool
    problems: list[str]
    ms: float
    output: str = ""
    error: str | None = None


@dataclass
class TestReport:
    results: list[CaseResult]
    build_seconds: float
    cached: bool
    file: Path

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        return self.failed == 0 and bool(self.results)


def load_cases(path: Path) -> list[Case]:
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise UsageError(f"{path}: cannot read the tests: {e}") from None
    common: dict[str, Any] = {}
    if isinstance(raw, dict):
        common = raw.get("config") or {}
        raw = raw.get("tests")
    if not isinstance(raw, list) or not raw:
        raise UsageError(f"{path}: expected a list of test cases (- tool: NAME, args: {{...}}, expect: {{...}})")
    cases = []
    for i, item in enumerate(raw, 1):
        where = f"{path.name}: case {i}"
        if not isinstance(item, dict) or not isinstance(item.get("tool"), str):
            raise UsageError(f"{where}: each case needs `tool: NAME`")
        args = item.get("args") or {}
        expect = item.get("expect") or {}
        if not isinstance(args, dict) or not isinstance(expect, dict):
            raise UsageError(f"{where}: `args` and `expect` must be mappings")
        unknown = set(expect) - EXPECT_KEYS
        if unknown:
            raise UsageError(
                f"{where}: unknown expectation(s) {', '.join(sorted(unknown))}; use {', '.join(sorted(EXPECT_KEYS))}"
            )
        config = {**common, **(item.get("config") or {})}
        cases.append(Case(i, item["tool"], args, expect, config, str(item.get("name") or "")))
    return cases


def subset(expected: Any, actual: Any) -> bool:
    """True when every key/value of ``expected`` is in ``actual`` (recursively; lists element-wise)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(subset(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return expected == actual


def check(case: Case, ok: bool, output: str, error: str | None, data: Any) -> list[str]:
    e = case.expect
    problems = []
    wants_error = "error" in e or e.get("ok") is False
    if wants_error and ok:
        problems.append(
            f"expected an error{' containing ' + repr(e['error']) if 'error' in e else ''}, got output {output!r}"
        )
    if not wants_error and not ok:
        problems.append(f"failed: {error}")
    if "error" in e and not ok and str(e["error"]) not in (error or ""):
        problems.append(f"error {error!r} does not contain {str(e['error'])!r}")
    if ok:
        if "output" in e and output != str(e["output"]):
            problems.append(f"output {output!r} != expected {str(e['output'])!r}")
        if "contains" in e:
            for needle in e["contains"] if isinstance(e["contains"], list) else [e["contains"]]:
                if str(needle) not in output:
                    problems.append(f"output {output!r} does not contain {str(needle)!r}")
        if "data" in e and not subset(e["data"], data):
            import json

            problems.append(
                f"data {json.dumps(data, ensure_ascii=False)} does not match "
                f"{json.dumps(e['data'], ensure_ascii=False)}"
            )
    return problems


def find_tests(folder: Path) -> Path:
    for n in TEST_FILES:
        if (folder / n).is_file():
            return folder / n
    raise UsageError(
        f"{folder} has no tests.yaml; write one like\n"
        '- tool: greet\n  args: {name: Ada}\n  expect: {output: "Hello, Ada!"}'
    )


def run_tests(
    engine: Engine,
    folder: str | Path,
    tests: Path | None = None,
    progress: Callable[[str], None] | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
    only: str | None = None,
) -> TestReport:
    """Build ``folder`` (cached) and run its test cases against the component in a throwaway home."""
    from engine.build.componentize import build_folder
    from engine.home import Home
    from engine.instances import Instances

    folder = Path(folder).expanduser().resolve()
    path = Path(tests) if tests else find_tests(folder)
    cases = load_cases(path)
    if only:
        cases = [c for c in cases if only in c.label or c.tool == only]
    _name, built = build_folder(engine.home, folder, progress=progress)
    with tempfile.TemporaryDirectory(prefix="skill-test-") as td:
        test_engine = Engine(Home(root=Path(td), cache=engine.home.cache))
        # the installed name: the manifest's, else the component's get-metadata (a skill.js alone)
        name = test_engine.install(folder, force=True).skill.name
        results = []
        for case in cases:
            inst = Instances(test_engine.home)  # each case's config.toml, raw, in the throwaway home
            cfg_path = inst.config_path(name, "default")
            if cfg_path.exists():
                cfg_path.unlink()
            if case.config:
                inst.write(name, "default", {k: v for k, v in case.config.items()})
            t0 = time.perf_counter()
            try:
                r = test_engine.run(f"{name}:{case.tool}", case.args, source="test")
                ok, output, error, data = r.ok, r.output, r.error, r.data
            except SkillError as e:
                ok, output, error, data = False, "", str(e), None
            problems = check(case, ok, output, error, data)
            res = CaseResult(case, not problems, problems, (time.perf_counter() - t0) * 1000, output, error)
            results.append(res)
            if on_result:
                on_result(res)
        test_engine.flush()  # its records are written in the background, into `td`
    return TestReport(results, built.seconds, built.cached, path)
