"""Agent Skill scripts in the sandbox: a skill's ``scripts/*.py`` run by the Python host.

Only when the person allowed it at install (``skill install DIR --allow-scripts``, shown in the
capability review). The script sees its skill's folder read-only at ``/skill``, a scratch folder
at ``/tmp`` (empty, deleted after the run), no ``/data``, the network its grants allow (through
the world's ``http-request``; no sockets) and its time and memory limits; its stdout and stderr
are captured. Shell scripts never run: no WebAssembly sandbox can hold what they drive.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from engine.build.dev import DevEngine
from engine.errors import NotFoundError, UsageError
from engine.pipeline import masker
from engine.runtime import Mount
from engine.store import InstalledSkill, scripts_allowed

SCRIPT_VAR = "SKILL_SCRIPT"  # read (and removed from the environment) by python/pyhost.py
SCRIPTS_DIR = "scripts"


@dataclass(frozen=True)
class ScriptResult:
    skill: str
    path: str  # inside the skill's folder, e.g. scripts/report.py
    args: tuple[str, ...]
    exit_code: int | None  # None: it did not finish (timeout, memory, cancelled)
    stdout: str
    stderr: str
    duration_ms: float
    error: str | None = None  # why it failed, in one line

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def to_json(self) -> dict[str, Any]:
        return {
            "skill": self.skill,
            "path": self.path,
            "args": list(self.args),
            "exit_code": self.exit_code,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "duration_ms": round(self.duration_ms, 3),
            "error": self.error,
        }


def script_path(skill: InstalledSkill, path: str) -> str:
    """``path`` (``report.py`` or ``scripts/report.py``) as a script of ``skill`` that may run; one line
    saying why not (scripts not allowed, outside scripts/, not Python, not there)."""
    if not scripts_allowed(skill):
        raise UsageError(
            f"{skill.name}'s scripts may not run: install it again with `skill install SOURCE --allow-scripts` "
            "(the capability review shows what that allows)"
        )
    rel = PurePosixPath(path.replace("\\", "/"))
    if rel.parts[:1] != (SCRIPTS_DIR,):
        rel = PurePosixPath(SCRIPTS_DIR, rel)
    if rel.is_absolute() or ".." in rel.parts:
        raise UsageError(f"{path}: give a script inside {skill.name}'s scripts/ folder, e.g. scripts/x.py")
    if rel.suffix != ".py":
        raise UsageError(
            f"{rel}: only Python scripts run (in the sandbox); shell and other scripts are served as files, never run"
        )
    found = {f.path for f in skill.files}
    if rel.as_posix() not in found:
        have = sorted(p for p in found if p.startswith("scripts/") and p.endswith(".py"))
        raise NotFoundError(f"{skill.name} has no {rel}; its scripts are: {', '.join(have) or '(none)'}")
    return rel.as_posix()


def run_script(
    engine: DevEngine,
    skill: InstalledSkill,
    path: str,
    args: Sequence[str] = (),
    instance: str = "default",
    on_line: Callable[[str, str], None] | None = None,
    cancel: threading.Event | None = None,
    timeout: float | None = None,
) -> ScriptResult:
    """Run one script of ``skill`` (checked by ``script_path``) to its end in the Python host."""
    from engine.build.pydev import python_host

    rel = script_path(skill, path)
    host = python_host(engine.home, engine.runtime)
    job = json.dumps({"path": f"/skill/{rel}", "args": list(args)})
    policy = engine.sandbox_policy(
        skill.name, instance, skill.config, skill.capabilities, timeout, extra_env={SCRIPT_VAR: job}
    )
    engine.home.tmp.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="script-", dir=engine.home.tmp))
    mask = masker(skill.config, policy)
    try:
        policy = replace(
            policy,
            data_dir=None,
            mounts=(Mount(skill.package_dir, "/skill", writable=False), Mount(scratch, "/tmp", writable=True)),
        )
        outcome = engine.runtime.call(host, policy, "execute-tool", "run-script", "{}", on_line=on_line, cancel=cancel)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    exit_code: int | None = None
    error = outcome.failure
    if outcome.value is not None:
        answer = json.loads(outcome.value)
        exit_code = int((answer.get("data") or {}).get("exit_code", 1))
        error = None if exit_code == 0 else _why(outcome.stderr, rel, exit_code)
    return ScriptResult(
        skill.name,
        rel,
        tuple(args),
        exit_code,
        mask(outcome.stdout),
        mask(outcome.stderr),
        outcome.duration_ms,
        mask(error) if error else None,
    )


def _why(stderr: str, rel: str, code: int) -> str:
    """The script's own last line of complaint (a traceback's last line), with its exit code and,
    when the sandbox is why, what the sandbox allows."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    last = lines[-1] if lines else ""
    hint = ""
    if last.startswith("PermissionError") and "/skill" in last:
        hint = " (the skill's folder is read-only: write under /tmp)"
    elif "No such file or directory" in last:
        hint = " (a script sees only /skill, read-only, and its scratch /tmp)"
    elif "gaierror" in last or "socket" in stderr:
        hint = " (scripts get no sockets)"
    return f"{rel} exited with code {code}" + (f": {last}{hint}" if last else "")
