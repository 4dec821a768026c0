"""A wheel works without the checkout: `skill init` + `skill build` and the app with its `dark` theme.

`wit/` and `themes/` sit at the top of the checkout (the design card's layout); a wheel
ships them as package data (setup.py). The test builds the wheel from a copy of the
project (nothing written into the checkout), installs it into a fresh venv in a
temporary folder and runs the installed `skill` and app there. The venv gets its
dependencies from the project's venv by a path in a .pth file (the machine is offline);
a path added that way is not a site dir, so the project's own editable .pth in it is
not read and the checkout stays off sys.path, which the test checks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from fixtures.env import REPO, SHARED_CACHE

PROJECT_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
PROJECT_DIRS = ("engine", "skill_tui", "wit", "themes")

APP = """
import asyncio, sys
from skill_tui.app import SkillTui

async def main():
    app = SkillTui()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        print(app.theme, app.available_themes["dark"].primary)

asyncio.run(main())
"""


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    assert proc.returncode == 0, (cmd, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory) -> Path:
    """A fresh venv outside the checkout with the project installed from its wheel: the venv's bin/."""
    tmp = tmp_path_factory.mktemp("wheel")
    project = tmp / "project"
    for name in PROJECT_DIRS:
        shutil.copytree(
            REPO / name, project / name, ignore=shutil.ignore_patterns("__pycache__", "node_modules", "dist")
        )
    for name in PROJECT_FILES:
        shutil.copyfile(REPO / name, project / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp / "wheels"),
            str(project),
        ],
        tmp,
        env,
    )
    wheel = next((tmp / "wheels").glob("skill_tui-*.whl"))

    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp, env, timeout=60)
    python = venv / "bin" / "python"
    site = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp, env).stdout.strip()
    )
    (site / "project-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        tmp,
        env,
    )
    return venv / "bin"


def venv_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SKILL_"))}
    return {
        **env,
        "SKILL_ENGINE_HOME": str(tmp_path / "home"),
        "SKILL_ENGINE_CACHE": str(SHARED_CACHE),
        "SKILL_SECRETS": "vault",
        "XDG_CACHE_HOME": str(tmp_path / "xdg"),
        "HF_HUB_OFFLINE": "1",
    }


def test_the_wheel_is_the_project(wheel_venv, tmp_path):
    """What runs is the wheel's code, not the checkout's: so the rest of this file tests the wheel."""
    code = "import engine, skill_tui, sys; print(engine.__file__); print(skill_tui.__file__); print(*sys.path)"
    out = run([str(wheel_venv / "python"), "-c", code], tmp_path, venv_env(tmp_path)).stdout.splitlines()
    venv = wheel_venv.parent
    assert Path(out[0]).is_relative_to(venv) and Path(out[1]).is_relative_to(venv), out
    assert str(REPO) not in out[2].split(), out[2]  # only the project venv's site-packages, for the deps


def test_skill_init_and_build_from_the_wheel(wheel_venv, tmp_path):
    env = venv_env(tmp_path)
    skill = str(wheel_venv / "skill")
    run([skill, "init", "demo"], tmp_path, env)
    built = run([skill, "build", "demo"], tmp_path, env, timeout=600)
    assert (tmp_path / "demo" / "dist" / "demo.wasm").is_file(), built.stdout
    run([skill, "install", "demo"], tmp_path, env)
    assert run([skill, "run", "demo:greet", "--arg", "name=Ada"], tmp_path, env).stdout == "Hello, Ada!\n"


def test_the_app_starts_with_its_dark_theme_from_the_wheel(wheel_venv, tmp_path):
    out = run([str(wheel_venv / "python"), "-c", APP], tmp_path, venv_env(tmp_path), timeout=120).stdout
    primary = next(
        ln.split(":")[1].strip(" ;")
        for ln in (REPO / "themes" / "dark.tcss").read_text().splitlines()
        if ln.startswith("$primary:")
    )
    assert out.split() == ["dark", primary], out
