"""Python skills, the way a person makes one: `skill init --template python`, build, test, install,
run; a pure-Python dependency from requirements.txt; dev mode live on save; bad input as one line.

Every build is the real componentize-py and every run a real component in wasmtime. A build costs
~10-15 s and a first compile ~6 s (both cached by content), so each test builds at most once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.build.dev import DevRunResult, DevSession, Reloaded, ReloadFailed
from fixtures.env import REPO, SHARED_CACHE, run_skill
from fixtures.wheels import make_sdist, make_wheel


def test_init_build_test_install_run_from_nothing(home, tmp_path):
    folder = tmp_path / "hello"
    made = run_skill("init", str(folder), "--template", "python")
    assert "created hello (python)" in made.stdout
    assert "python " in run_skill("init", "--list").stdout

    built = json.loads(run_skill("build", str(folder), "--json", timeout=300).stdout)
    assert built["tools"] == ["greet", "word-count"] and (folder / "dist" / "hello.wasm").is_file()
    tested = run_skill("test", str(folder), timeout=300)
    assert "4 passed, 0 failed" in tested.stdout, tested.stdout

    run_skill("install", str(folder), "--yes", timeout=120)
    assert run_skill("run", "hello:greet", "--arg", "name=Ada").stdout.strip() == "Hello, Ada!"
    counted = json.loads(run_skill("run", "hello:word-count", "--arg", "text=a b c", "--json").stdout)
    assert counted["data"] == {"words": 3, "characters": 5}
    empty = run_skill("run", "hello:word-count", "--arg", "text= ", check=1)
    assert empty.stderr.strip().endswith("text is empty"), empty.stderr
    refused = run_skill("config", "hello", "--set", "greeting= ", check=None)
    assert refused.returncode != 0 and "greeting must not be empty" in refused.stderr

    info = json.loads(run_skill("info", "hello", "--json").stdout)
    greet = next(t for t in info["tools"] if t["name"] == "greet")
    assert [(p["name"], p["type"], p["required"]) for p in greet["parameters"]] == [
        ("name", "string", True),
        ("excited", "boolean", False),
    ]
    assert greet["parameters"][0]["description"] == "Who to greet."


def _dependent_skill(folder: Path, requirement: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "requirements.txt").write_text(f"--no-index\n--find-links wheels\n{requirement}\n")
    (folder / "skill.py").write_text(
        "from skill_sdk import Skill\n"
        "import slugkit\n\n"
        'skill = Skill("slugs", description="Slugs")\n\n\n'
        "@skill.tool\n"
        "def slug(text: str) -> str:\n"
        '    """A URL slug of a text."""\n'
        "    return slugkit.slugify(text)\n"
    )
    return folder


def test_a_pure_python_requirement_is_bundled_and_used(home, tmp_path):
    folder = _dependent_skill(tmp_path / "slugs", "slugkit==1.0")
    make_wheel(
        folder / "wheels",
        "slugkit",
        "1.0",
        {
            "slugkit/__init__.py": "from slugkit._impl import slugify\n",
            # imported lazily: the build must still bundle it
            "slugkit/_impl.py": "def slugify(text):\n    import re\n    return re.sub(r'[^a-z0-9]+', '-', text.lower()).strip('-')\n",
        },
    )
    run_skill("install", str(folder), "--yes", timeout=300)
    assert run_skill("run", "slugs:slug", "--arg", "text=Hello, World!").stdout.strip() == "hello-world"


@pytest.mark.parametrize("kind", ["sdist", "platform wheel", "missing"])
def test_a_dependency_that_is_not_pure_python_is_one_line(home, tmp_path, kind):
    folder = _dependent_skill(tmp_path / "slugs", "slugkit==1.0")
    if kind == "sdist":
        make_sdist(folder / "wheels", "slugkit", "1.0")
    elif kind == "platform wheel":
        make_wheel(
            folder / "wheels", "slugkit", "1.0", {"slugkit/__init__.py": ""}, "cp311-cp311-manylinux_2_28_x86_64"
        )
    failed = run_skill("build", str(folder), check=2, timeout=300)
    assert failed.stderr.strip().splitlines()[-1] == (
        f"error: {folder / 'requirements.txt'}: slugkit==1.0 has no pure-Python wheel for Python 3.14; a Python skill can "
        "bundle only pure-Python packages (nothing that needs a compiler or runs a build script)"
    ), failed.stderr
    assert not (folder / "dist").exists()


BAD_SOURCES = {
    "syntax": ("def f(:\n", "skill.py:7: SyntaxError: invalid syntax"),
    "import": (
        "import yaml\n",
        "skill.py:7: ModuleNotFoundError: No module named 'yaml'; add the package to requirements.txt "
        "(pure-Python packages only)",
    ),
    "hint": (
        "import datetime\n\n@skill.tool\ndef when(day: datetime.date) -> str:\n    return ''\n",
        "skill.py:9: when(): parameter 'day': date has no JSON form; use one of: str, int, float, bool, "
        "Literal[...], list[...], dict[str, ...], X | None or Any",
    ),
}
GOOD = 'from skill_sdk import Skill\nskill = Skill("bad")\n\n@skill.tool\ndef ok() -> str:\n    return "fine"\n'


@pytest.mark.parametrize("case", sorted(BAD_SOURCES))
def test_a_bad_source_fails_the_build_with_its_file_and_line(home, tmp_path, case):
    folder = tmp_path / "bad"
    folder.mkdir()
    tail, message = BAD_SOURCES[case]
    (folder / "skill.py").write_text(GOOD + tail)
    failed = run_skill("build", str(folder), check=2, timeout=300)
    assert failed.stderr.strip().splitlines()[-1] == f"error: {folder}/{message}", failed.stderr
    assert not (folder / "dist").exists()


RUNAWAY = '''from skill_sdk import Skill
skill = Skill("runaway", description="Handlers that fail")


@skill.tool
def raises(message: str) -> str:
    """Raises."""
    raise LookupError(message)


@skill.tool
def spins() -> str:
    """Never returns."""
    while True:
        pass


@skill.tool
def hoards() -> str:
    """Allocates without end."""
    chunks = []
    while True:
        chunks.append(bytearray(1 << 20))


@skill.tool
def connect(port: int) -> str:
    """Opens a socket."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=2):
        return "connected"


@skill.tool
def echo(text: str) -> str:
    """Answers."""
    return text
'''


@pytest.fixture(scope="module")
def runaway(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("runaway") / "runaway"
    folder.mkdir()
    (folder / "skill.py").write_text(RUNAWAY)
    (folder / "skill.yaml").write_text(
        "name: runaway\nsource: skill.py\ncapabilities:\n  timeout_s: 3\n  memory_mb: 96\n"
    )
    return folder


def test_a_handler_that_raises_loops_or_hoards_is_one_line_and_the_next_call_answers(home, runaway):
    run_skill("install", str(runaway), "--yes", timeout=300)
    raised = run_skill("run", "runaway:raises", "--arg", "message=no such city", check=1)
    assert raised.stderr.strip().splitlines()[-1] == (
        "error: runaway@default:raises: LookupError: no such city (skill.py:8)"
    ), raised.stderr
    spun = run_skill("run", "runaway:spins", check=None, timeout=60)
    assert spun.returncode != 0 and "timed out after 3 s" in spun.stderr.strip().splitlines()[-1], spun.stderr
    hoarded = run_skill("run", "runaway:hoards", check=None, timeout=60)
    last = hoarded.stderr.strip().splitlines()[-1]
    assert hoarded.returncode != 0 and "MemoryError: the run reached its memory limit" in last, hoarded.stderr
    assert run_skill("run", "runaway:echo", "--arg", "text=still here").stdout.strip() == "still here"


def test_a_skill_gets_no_socket(home, runaway):
    """WASI sockets are linked (componentize-py's libc imports them) but never granted: a listener on
    loopback sees no connection, and the skill gets one line."""
    import socket

    run_skill("install", str(runaway), "--yes", timeout=300)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        refused = run_skill("run", "runaway:connect", "--arg", f"port={listener.getsockname()[1]}", check=1)
        last = refused.stderr.strip().splitlines()[-1]
        assert last.startswith("error: runaway@default:connect: ") and last.endswith(
            "(a skill gets no sockets: skill_sdk.http reaches the hosts the instance was granted) (skill.py:31)"
        ), refused.stderr
        with pytest.raises(TimeoutError):
            listener.accept()


def test_dev_mode_keeps_the_last_good_version_through_bad_saves(engine, runaway, tmp_path):
    folder = tmp_path / "runaway"
    folder.mkdir()
    src = folder / "skill.py"
    src.write_text(RUNAWAY)
    (folder / "skill.yaml").write_text((runaway / "skill.yaml").read_text())
    events: list = []
    with DevSession(engine, folder, on_event=events.append, release=False) as s:
        assert isinstance(s.start(), Reloaded)
        assert s.run("echo", {"text": "v1"}).output == "v1"
        for tail, message in BAD_SOURCES.values():
            src.write_text(RUNAWAY + tail)
            bad = s.reload()
            assert isinstance(bad, ReloadFailed) and bad.serving, bad
            # dev mode checks the source without a build: the same message, at the same place
            expected = message.split("; add the package")[0]
            line = int(expected.split(":")[1])
            at = f"{src}:{line + RUNAWAY.count(chr(10)) - GOOD.count(chr(10))}:"
            assert bad.error.startswith(at) and expected.split(": ", 1)[1] in bad.error, bad.error
            assert s.run("echo", {"text": "still"}).output == "still"
        for tool, words in (
            ("raises", "LookupError: x (skill.py:8)"),
            ("spins", "timed out"),
            ("hoards", "memory limit"),
        ):
            r = s.run(tool, {"message": "x"} if tool == "raises" else {})
            assert isinstance(r, DevRunResult) and not r.ok and words in (r.error or ""), r
        assert s.run("echo", {"text": "after"}).output == "after"


def test_skill_dev_goes_live_on_save(home, tmp_path):
    folder = tmp_path / "hello"
    run_skill("init", str(folder), "--template", "python")
    src = folder / "skill.py"
    env = dict(os.environ, SKILL_ENGINE_HOME=str(home.root), SKILL_ENGINE_CACHE=str(SHARED_CACHE))
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "dev", str(folder), "--run", "greet", "--arg", "name=Ada",
         "--no-release", "--max-reloads", "1", "--stop-after", "240"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("watching"):
            time.sleep(0.3)
            src.write_text(src.read_text().replace("{greeting}, {name}", "{greeting} from a save, {name}"))
    proc.wait(60)
    assert proc.returncode == 0, (lines, proc.stderr.read() if proc.stderr else "")
    assert lines[0].startswith("reloaded in ") and lines[1] == "  greet → Hello, Ada!", lines
    assert lines[-2].startswith("reloaded in ") and lines[-1] == "  greet → Hello from a save, Ada!", lines


def test_a_long_lived_process_serves_a_python_skill_call_after_call(engine, example):
    """The app and `skill serve` keep stores in warm pooled slots, dropped by a background thread
    that runs when the CPU is idle. A componentize-py component holds 14 core instances (a JS one
    4): a busy caller once piled up spent stores until the pool had none left ("maximum concurrent
    limit of 512 for core instances reached") and held ~17 MiB for each."""
    import threading

    from engine.background import background
    from engine.runtime.pool import SLOTS

    example("tables")
    assert background().flush()
    release = threading.Event()
    background().submit(lambda: release.wait(30))  # the background thread is behind
    try:
        results = [engine.run("tables:to-json", {"csv": f"n\n{i}"}) for i in range(2 * SLOTS)]
    finally:
        release.set()
        assert background().flush()
    assert [r.error for r in results if not r.ok] == []
    assert json.loads(results[-1].output) == [{"n": 2 * SLOTS - 1}]
