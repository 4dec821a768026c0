"""The editable install scripts/setup.sh makes: quiet, and a plain path in a .pth.

A plain path (no editable finder imported by `site` at every start) is what keeps `skill
run` close to the bare interpreter (README "Speed", bench/bench_cli.py). The test builds
the editable wheel with the build backend pyproject.toml names, the way pip does it, with
the --config-settings setup.sh passes, from a copy of the project (nothing written here).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile

from fixtures.env import REPO

BUILD = """
import json, sys
from setuptools import build_meta
print(build_meta.build_editable(sys.argv[1], json.loads(sys.argv[2])))
"""


def setup_config_settings() -> dict[str, str]:
    """The --config-settings of setup.sh's editable install of the project."""
    text = (REPO / "scripts" / "setup.sh").read_text()
    line = re.search(r"^\s*\.venv/bin/python -m pip install -q -e '\.\[test\]'(.*)$", text, re.M)
    assert line, "scripts/setup.sh no longer installs the project with pip install -q -e '.[test]'"
    flags = line.group(1).split()
    return dict(flags[i + 1].split("=", 1) for i, f in enumerate(flags) if f == "--config-settings")


def test_setup_editable_install_is_quiet_and_a_plain_path(tmp_path):
    project = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "model", "node_modules")
    for name in ("engine", "skill_tui", "wit", "themes"):
        shutil.copytree(REPO / name, project / name, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copyfile(REPO / name, project / name)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", BUILD, str(wheels), json.dumps(setup_config_settings())],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Deprecat" not in proc.stderr and "!!" not in proc.stderr, proc.stderr  # setuptools' warning box

    wheel = zipfile.ZipFile(wheels / proc.stdout.strip().splitlines()[-1])
    pth = [n for n in wheel.namelist() if n.endswith(".pth")]
    assert len(pth) == 1, wheel.namelist()
    assert wheel.read(pth[0]).decode().split() == [str(project)]  # a path, not an `import` hook
    assert not [n for n in wheel.namelist() if n.endswith(".py")]  # no finder module either
