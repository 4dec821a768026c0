"""The pinned npm toolchain that turns a JS skill into a component.

``toolchain/package.json`` + ``toolchain/package-lock.json`` (beside this file) pin
componentize-js, jco and esbuild. :func:`ensure_toolchain` installs them with
``npm ci`` into ``home.toolchains / <sha256(lockfile)[:12]>``: into a temporary
sibling folder first, renamed into place only once complete, so a killed install
never leaves half a toolchain behind, and a second call is a couple of ``stat``s.

Regenerating the lockfile (after changing package.json): ``python -m
engine.build.toolchain relock``. It runs a real ``npm install`` in a scratch folder
and drops optional platform packages that the registry does not have (``npm ci``
refuses a lockfile that names them without resolving them).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import BuildError, ToolchainError
from engine.home import Home

MIN_NODE_MAJOR = 18
TOOLCHAIN_SRC = Path(__file__).resolve().parent / "toolchain"
_STAMP = ".skill-toolchain-complete"
Progress = Callable[[str], None] | None


@dataclass(frozen=True)
class Toolchain:
    root: Path  # the installed folder (holds node_modules/)
    node: Path  # the node executable
    componentize_js: Path  # componentize-js CLI script (run with node)
    jco: Path  # jco CLI script (run with node)
    esbuild: Path  # esbuild executable (native binary, or its JS shim)
    lock_hash: str  # sha256(package-lock.json)[:12], also the folder name

    def esbuild_cmd(self) -> list[str]:
        """argv prefix that runs esbuild (the JS shim needs node in front)."""
        with open(self.esbuild, "rb") as f:
            head = f.read(2)
        return [str(self.node), str(self.esbuild)] if head == b"#!" else [str(self.esbuild)]


def lockfile_path() -> Path:
    return TOOLCHAIN_SRC / "package-lock.json"


def lock_bytes() -> bytes:
    return lockfile_path().read_bytes()


def lock_hash() -> str:
    return hashlib.sha256(lock_bytes()).hexdigest()[:12]


def _version(exe: str) -> str | None:
    try:
        r = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = (r.stdout or "").strip().splitlines()
    return out[-1].strip() if r.returncode == 0 and out else None


def _find_node() -> tuple[str, str]:
    """(node path, node version) or ToolchainError."""
    node = shutil.which("node")
    if not node:
        raise ToolchainError(
            f"node was not found on PATH; install Node.js {MIN_NODE_MAJOR} or newer to build JS skills"
        )
    node_v = _version(node)
    if not node_v:
        raise ToolchainError(f"{node} --version failed; install Node.js {MIN_NODE_MAJOR} or newer")
    m = re.match(r"v?(\d+)\.", node_v)
    if not m or int(m.group(1)) < MIN_NODE_MAJOR:
        raise ToolchainError(f"node {node_v} at {node} is too old; Node.js {MIN_NODE_MAJOR} or newer is required")
    return node, node_v


def _find_npm() -> tuple[str, str]:
    """(npm path, npm version) or ToolchainError."""
    npm = shutil.which("npm")
    if not npm:
        raise ToolchainError(
            "npm was not found on PATH; it ships with Node.js and is needed to install the build toolchain"
        )
    npm_v = _version(npm)
    if not npm_v:
        raise ToolchainError(f"{npm} --version failed")
    return npm, npm_v


def _layout(root: Path, node: str) -> Toolchain:
    nm = root / "node_modules"
    return Toolchain(
        root=root,
        node=Path(node),
        componentize_js=nm / "@bytecodealliance" / "componentize-js" / "src" / "cli.js",
        jco=nm / "@bytecodealliance" / "jco" / "dist" / "jco.js",
        esbuild=nm / "esbuild" / "bin" / "esbuild",
        lock_hash=root.name,
    )


def _complete(tc: Toolchain) -> bool:
    return all(p.is_file() for p in (tc.root / _STAMP, tc.componentize_js, tc.jco, tc.esbuild))


def _npm_error_line(output: str) -> str:
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    errs = [ln for ln in lines if ln.startswith("npm error") and "A complete log" not in ln]
    for ln in errs:
        msg = ln[len("npm error") :].strip()
        if msg and not msg.startswith(("code ", "errno ", "syscall ")):
            return msg
    return (errs or lines or ["no output"])[-1]


def _clean_stale(parent: Path, max_age_s: float = 3600) -> None:
    now = time.time()
    for p in parent.glob(".tmp-*"):
        try:
            if now - p.stat().st_mtime > max_age_s:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def ensure_toolchain(home: Home, progress: Progress = None) -> Toolchain:
    """Return the installed toolchain, installing it first if needed."""
    h = lock_hash()
    target = home.toolchains / h
    node, node_v = _find_node()
    tc = _layout(target, node)
    if _complete(tc):
        return tc
    npm, _ = _find_npm()
    home.toolchains.mkdir(parents=True, exist_ok=True)
    _clean_stale(home.toolchains)
    if target.exists():  # a folder without the stamp: not ours to trust
        shutil.rmtree(target, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{h}-", dir=home.toolchains))
    try:
        shutil.copyfile(TOOLCHAIN_SRC / "package.json", tmp / "package.json")
        shutil.copyfile(TOOLCHAIN_SRC / "package-lock.json", tmp / "package-lock.json")
        if progress:
            progress(f"installing the JS build toolchain (npm ci, node {node_v}) into {target}")
        t0 = time.perf_counter()
        env = _npm_env(node)
        try:
            r = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
                timeout=1800,
            )
        except subprocess.TimeoutExpired:
            raise ToolchainError("npm ci timed out after 30 minutes installing the build toolchain") from None
        if r.returncode != 0:
            raise ToolchainError(
                f"npm ci failed installing the build toolchain: {_npm_error_line(r.stderr + r.stdout)}"
            )
        staged = _layout(tmp, node)
        missing = [p for p in (staged.componentize_js, staged.jco, staged.esbuild) if not p.is_file()]
        if missing:
            raise ToolchainError(f"npm ci finished but {missing[0]} is missing")
        smoke = subprocess.run(
            [node, str(staged.componentize_js), "--version"],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if smoke.returncode != 0:
            last = [ln for ln in smoke.stderr.splitlines() if ln.strip()] or ["no output"]
            raise ToolchainError(f"the installed componentize-js does not start: {last[-1].strip()[:300]}")
        os.chmod(tmp, 0o755)  # mkdtemp made it 0700
        (tmp / _STAMP).write_text(
            json.dumps({"lock": h, "node": node_v, "seconds": round(time.perf_counter() - t0, 1)})
        )
        try:
            os.rename(tmp, target)
        except OSError:
            # someone else finished first: use theirs if it is complete
            if not _complete(tc):
                raise ToolchainError(f"could not move the toolchain into {target}") from None
        else:
            if progress:
                progress(f"toolchain ready in {time.perf_counter() - t0:.1f}s")
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return tc


def _npm_env(node: str) -> dict[str, str]:
    """The environment npm runs in: the toolchain's node first on PATH, no update notifier."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(node) + os.pathsep + env.get("PATH", "")
    env.setdefault("npm_config_update_notifier", "false")
    return env


NPM_DEPENDENCIES_TIMEOUT_S = 900
_DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "optionalDependencies")


def install_dependencies(folder: Path, progress: Progress = None) -> bool:
    """Install the npm packages a fetched skill folder's package.json names, before it is bundled:
    `npm ci` with a lockfile (package-lock.json or npm-shrinkwrap.json), else `npm install`, always with
    `--ignore-scripts`, so no package (nor the skill's own package.json) runs anything at install.
    devDependencies too: esbuild bundles whatever skill.js imports, and bundled projects often list
    their imports there. False when there is nothing to install. BuildError/ToolchainError otherwise."""
    manifest = folder / "package.json"
    if not manifest.is_file():
        return False
    try:
        package = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise BuildError(f"package.json: not valid JSON ({e}); fix the skill's package.json") from None
    if not isinstance(package, dict) or not any(package.get(f) for f in _DEPENDENCY_FIELDS):
        return False
    node, _ = _find_node()
    npm, _ = _find_npm()
    locked = any((folder / name).is_file() for name in ("package-lock.json", "npm-shrinkwrap.json"))
    verb = "ci" if locked else "install"
    if progress:
        progress(f"installing the skill's npm dependencies (npm {verb} --ignore-scripts)")
    env = {**_npm_env(node), "npm_config_ignore_scripts": "true"}
    try:
        r = subprocess.run(
            [npm, verb, "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=NPM_DEPENDENCIES_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise BuildError(
            f"npm {verb} timed out after {NPM_DEPENDENCIES_TIMEOUT_S} s installing the skill's dependencies"
        ) from None
    if r.returncode != 0:
        raise BuildError(
            f"npm {verb} failed installing the skill's dependencies: {_npm_error_line(r.stderr + r.stdout)}"
        )
    return True


def toolchain_status(home: Home) -> dict[str, Any]:
    """What `skill doctor` shows about the JS build toolchain. Never raises."""
    path = home.toolchains / lock_hash()
    st: dict[str, Any] = {
        "node": None,
        "node_path": shutil.which("node"),
        "npm": None,
        "npm_path": shutil.which("npm"),
        "ok": False,
        "error": None,
        "installed": False,
        "path": str(path),
        "lock_hash": path.name,
        "pinned": {},
    }
    if st["node_path"]:
        st["node"] = _version(st["node_path"])
    if st["npm_path"]:
        st["npm"] = _version(st["npm_path"])
    try:
        _find_node()
        _find_npm()
        st["ok"] = True
    except ToolchainError as e:
        st["error"] = e.message
    try:
        st["pinned"] = json.loads((TOOLCHAIN_SRC / "package.json").read_text())["dependencies"]
    except (OSError, ValueError, KeyError):
        pass
    st["installed"] = _complete(_layout(path, st["node_path"] or "node"))
    return st


def relock() -> None:  # pragma: no cover - maintenance helper
    """Regenerate toolchain/package-lock.json from package.json (see module doc)."""
    with tempfile.TemporaryDirectory() as d:
        shutil.copyfile(TOOLCHAIN_SRC / "package.json", Path(d) / "package.json")
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=d, check=True)
        lock = json.loads((Path(d) / "package-lock.json").read_text())
    pk = lock["packages"]
    for key, meta in pk.items():
        opt = meta.get("optionalDependencies") or {}
        for name in list(opt):
            here = f"{key}/node_modules/{name}" if key else f"node_modules/{name}"
            if here not in pk and f"node_modules/{name}" not in pk:
                del opt[name]  # the registry has no such package: npm ci would refuse the lock
    lockfile_path().write_text(json.dumps(lock, indent=2) + "\n")
    print(f"wrote {lockfile_path()} (hash {lock_hash()})")


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["relock"]:
        relock()
    elif sys.argv[1:] in ([], ["install"]):
        try:
            t = ensure_toolchain(Home.from_env(), progress=print)
        except ToolchainError as e:
            sys.exit(f"error: {e.message}")
        print(t.root)
    else:
        sys.exit("usage: python -m engine.build.toolchain [install|relock]")
