"""An Agent Skill's scripts/*.py run only when allowed at install, and then only in the Python sandbox:
its folder read-only at /skill, a scratch /tmp, no sockets, no shell. Driven through `skill install
--allow-scripts`, `skill script` and the MCP tool `run_skill_script` over stdio."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from test_mcp import LIMIT, stdio_session, text

from fixtures.env import run_skill

SKILL_MD = """---
name: csv-report
description: Reports on CSV files. Use when a CSV file needs a quick report.
---
# csv-report

Run `scripts/report.py` for a report of data.csv.
"""

SCRIPTS = {
    # reads its own folder, writes its scratch /tmp, prints to both streams
    "report.py": (
        "import csv, os, sys\n"
        "rows = list(csv.reader(open('/skill/data.csv')))\n"
        "print(f'{len(rows) - 1} rows, columns {rows[0]}, args {sys.argv[1:]}')\n"
        "open('/tmp/notes.txt', 'w').write('kept')\n"
        "print('scratch:', open('/tmp/notes.txt').read(), sorted(os.listdir('/tmp')))\n"
        "print('done', file=sys.stderr)\n"
    ),
    "tamper.py": "open('/skill/data.csv', 'a').write('tampered\\n')\n",
    "outside.py": "open('/etc/skill-was-here', 'w').write('x')\n",
    "connect.py": "import socket, sys\nsocket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=2)\n",
    "exits.py": "import sys\nprint('leaving')\nsys.exit(3)\n",
    "list.py": "import os\nprint(sorted(os.listdir('/tmp')), os.path.exists('/data'))\n",
}


def script(*args: str, check: int) -> subprocess.CompletedProcess:
    """`skill script ARGS`: like run_skill, except that a failing script's own traceback is its stderr (the
    engine's own last line must still be one `error:` line)."""
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "script", *args], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == check, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stderr.strip().splitlines()[-1].startswith("error: csv-report: "), proc.stderr
    return proc


@pytest.fixture
def report_skill(tmp_path) -> Path:
    folder = tmp_path / "csv-report"
    (folder / "scripts").mkdir(parents=True)
    (folder / "SKILL.md").write_text(SKILL_MD)
    (folder / "data.csv").write_text("a,b\n1,2\n3,4\n")
    for name, source in SCRIPTS.items():
        (folder / "scripts" / name).write_text(source)
    (folder / "scripts" / "run.sh").write_text("#!/bin/sh\necho never\n")
    return folder


def test_scripts_run_only_when_allowed_at_install(home, report_skill):
    plain = run_skill("install", str(report_skill))
    assert "nothing runs" in plain.stderr, plain.stderr
    refused = run_skill("script", "csv-report", "report.py", check=2)
    assert refused.stderr.strip() == (
        "error: csv-report's scripts may not run: install it again with `skill install SOURCE --allow-scripts` "
        "(the capability review shows what that allows)"
    )
    # allowing is a question like network: a script (no terminal) without --yes is refused, nothing changes
    asked = run_skill("install", str(report_skill), "--allow-scripts", check=2)
    assert "scripts: its scripts/*.py may run, each in the Python sandbox" in asked.stderr, asked.stderr
    run_skill("script", "csv-report", "report.py", check=2)

    run_skill("install", str(report_skill), "--allow-scripts", "--yes", timeout=300)
    ran = run_skill("script", "csv-report", "report.py", "x", "--flag", timeout=300)
    assert ran.stdout.splitlines() == [
        "2 rows, columns ['a', 'b'], args ['x', '--flag']",
        "scratch: kept ['notes.txt']",
    ]
    assert ran.stderr.strip() == "done"
    as_data = json.loads(run_skill("script", "--json", "csv-report", "scripts/report.py").stdout)
    assert as_data["exit_code"] == 0 and as_data["stderr"] == "done\n" and as_data["error"] is None

    # every run starts with an empty scratch folder, and there is no /data
    assert run_skill("script", "csv-report", "list.py").stdout.strip() == "[] False"

    # an upgrade installed without --allow-scripts takes it away again
    (report_skill / "SKILL.md").write_text(SKILL_MD.replace("quick report", "quick report of a CSV"))
    run_skill("install", str(report_skill), "--force")
    run_skill("script", "csv-report", "report.py", check=2)


def test_a_script_cannot_write_outside_tmp_or_open_a_socket(home, report_skill):
    run_skill("install", str(report_skill), "--allow-scripts", "--yes", timeout=300)
    before = (report_skill / "data.csv").read_bytes()

    tampered = script("csv-report", "tamper.py", check=1)
    assert tampered.stderr.strip().splitlines()[-1] == (
        "error: csv-report: scripts/tamper.py exited with code 1: PermissionError: [Errno 63] Operation not "
        "permitted: '/skill/data.csv' (the skill's folder is read-only: write under /tmp)"
    ), tampered.stderr
    assert 'File "/skill/scripts/tamper.py", line 1' in tampered.stderr and "pyhost" not in tampered.stderr
    assert (report_skill / "data.csv").read_bytes() == before
    assert "tampered" not in run_skill("show", "csv-report", "data.csv").stdout

    outside = script("csv-report", "outside.py", check=1)
    assert (
        outside.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "No such file or directory: '/etc/skill-was-here' (a script sees only /skill, read-only, and its scratch /tmp)"
        )
    ), outside.stderr
    assert not Path("/etc/skill-was-here").exists()

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        port = str(listener.getsockname()[1])
        connected = script("csv-report", "connect.py", port, check=1)
        assert connected.stderr.strip().splitlines()[-1].endswith("(scripts get no sockets)"), connected.stderr
        with pytest.raises(TimeoutError):
            listener.accept()

    exits = run_skill("script", "csv-report", "exits.py", check=3)
    assert exits.stdout.strip() == "leaving"
    assert exits.stderr.strip() == "error: csv-report: scripts/exits.py exited with code 3"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("run.sh", "scripts/run.sh: only Python scripts run (in the sandbox); shell and other scripts are served"),
        ("../SKILL.md", "../SKILL.md: give a script inside csv-report's scripts/ folder"),
        ("nope.py", "csv-report has no scripts/nope.py; its scripts are: scripts/connect.py, scripts/exits.py"),
    ],
)
def test_what_is_not_a_python_script_of_the_skill_never_runs(home, report_skill, path, message):
    run_skill("install", str(report_skill), "--allow-scripts", "--yes")
    failed = run_skill("script", "csv-report", path, check=2)
    assert failed.stderr.startswith(f"error: {message}"), failed.stderr


@pytest.mark.anyio
async def test_run_skill_script_over_mcp(home, report_skill):
    run_skill("install", str(report_skill))
    with anyio.fail_after(LIMIT * 3):
        async with stdio_session(home) as session:
            listed = await session.list_tools()
            assert "run_skill_script" not in [t.name for t in listed.tools]  # nothing may run yet

    run_skill("install", str(report_skill), "--allow-scripts", "--yes", timeout=300)
    with anyio.fail_after(LIMIT * 3):
        async with stdio_session(home) as session:
            listed = await session.list_tools()
            script_tool = next(t for t in listed.tools if t.name == "run_skill_script")
            assert script_tool.input_schema["properties"]["name"]["enum"] == ["csv-report"]
            ran = await session.call_tool(
                "run_skill_script", {"name": "csv-report", "path": "scripts/report.py", "args": ["a"]}
            )
            assert not ran.is_error and text(ran).startswith("2 rows, columns ['a', 'b'], args ['a']"), text(ran)
            tampered = await session.call_tool("run_skill_script", {"name": "csv-report", "path": "tamper.py"})
            assert tampered.is_error and "(the skill's folder is read-only: write under /tmp)" in text(tampered)
            shell = await session.call_tool("run_skill_script", {"name": "csv-report", "path": "run.sh"})
            assert shell.is_error and "only Python scripts run" in text(shell)
