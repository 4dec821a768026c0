"""JS skill source -> WebAssembly component, cached by content hash.

Pipeline: esbuild bundles the entry into one ESM file (``wasi:*``, ``get-config``,
``get-all-config`` and the ``http-*`` imports stay external: they are the world's
imports), then the componentize-js CLI turns the bundle into a component of the
``skill`` world in ``wit/``, with wasi:http and the fetch-event handler disabled, so
the component imports no wasi:http at all (its native fetch then traps: the entry
installs ``js/fetch.js`` over it, which goes through the host's ``http-*`` imports).

The result lands in ``home.builds / <sha256(build key, bundle, every wit file,
lockfile)>.wasm``: an unchanged skill is never componentized twice. That hash, the
build inputs, is also stamped into the component (:mod:`engine.provenance`):
componentize-js gives different bytes on every run, and the store uses the stamp to
recognise a rebuild of the same source as the same skill.

Bundling and componentizing happen in a private temporary folder outside the cache:
componentize-js stores its working paths in the component, and the cache's absolute
path (the builder's home folder) has no business in a component that gets shared.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.build import WORLD_NAME, world_dir
from engine.build.toolchain import ensure_toolchain, install_dependencies, lock_bytes, lock_hash
from engine.errors import BuildError, ManifestError, ToolchainError
from engine.fsutil import atomic_write_bytes
from engine.home import Home
from engine.provenance import stamp

EXTERNALS = ("wasi:*", "get-config", "get-all-config", "http-request", "http-start", "http-wait")
DISABLED_FEATURES = ("http", "fetch-event")
# Anything that changes the output for the same inputs goes in here (bump to invalidate).
# 3: components carry their build inputs (engine.provenance). 4: the fetch polyfill (js/fetch.js).
BUILD_KEY = f"skill-build/4 world={WORLD_NAME} disable={','.join(DISABLED_FEATURES)}"
COMPONENTIZE_TIMEOUT_S = 900

Progress = Callable[[str], None] | None


@dataclass(frozen=True)
class BuildResult:
    wasm_path: Path  # the built component (``out`` if given, else the cache entry)
    size: int  # bytes
    seconds: float  # wall time of this build_component call
    cached: bool  # True when componentize was skipped (cache hit)
    inputs: str  # sha256 of the build inputs, stamped into the component


def _display(path: Path) -> str:
    """``path`` relative to the working directory when it lies inside it, else absolute."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def _esbuild_error(stderr: str, cwd: Path) -> str:
    lines = stderr.splitlines()
    msg, loc, count = None, None, 0
    for i, ln in enumerate(lines):
        if "[ERROR]" in ln:
            count += 1
            if msg is None:
                msg = ln.split("[ERROR]", 1)[1].strip()
                for nxt in lines[i + 1 : i + 4]:
                    m = re.match(r"^\s*(.+?):(\d+):(\d+):\s*$", nxt)
                    if m:
                        loc = f"{_display(cwd / m.group(1))}:{m.group(2)}:{m.group(3)}"
                        break
    if msg is None:
        tail = [ln.strip() for ln in lines if ln.strip()]
        return f"esbuild failed: {tail[-1] if tail else 'no output'}"
    more = f" (and {count - 1} more error{'s' if count > 2 else ''})" if count > 1 else ""
    return f"{loc}: {msg}{more}" if loc else f"{msg}{more}"


_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _vlq(seg: str) -> list[int]:
    out, val, shift = [], 0, 0
    for ch in seg:
        d = _B64[ch]
        val += (d & 31) << shift
        if d & 32:
            shift += 5
        else:
            out.append(-(val >> 1) if val & 1 else val >> 1)
            val, shift = 0, 0
    return out


def map_position(sourcemap: Path, line: int, col: int) -> tuple[Path, int, int] | None:
    """Map a 1-based (line, column) of the bundle to (source file, line, column) via its source map."""
    try:
        sm = json.loads(sourcemap.read_text(encoding="utf-8"))
        lines = sm["mappings"].split(";")
    except (OSError, ValueError, KeyError):
        return None
    src = sline = scol = 0
    best = None
    for i, text in enumerate(lines[:line]):
        gcol = 0
        for seg in filter(None, text.split(",")):
            f = _vlq(seg)
            gcol += f[0]
            if len(f) >= 4:
                src, sline, scol = src + f[1], sline + f[2], scol + f[3]
                if i == line - 1 and gcol <= max(col - 1, 0):
                    best = (src, sline, scol)
    if best is None:
        return None
    base = Path(sm.get("sourceRoot") or "")
    path = (sourcemap.parent / base / sm["sources"][best[0]]).resolve()
    return path, best[1] + 1, best[2] + 1


def _componentize_error(output: str, entry: Path, bundle_js: Path) -> str:
    lines = [ln.rstrip() for ln in output.splitlines() if ln.strip()]
    # JS errors while wizer runs the module's top level, e.g.
    #   Exception while evaluating top-level script
    #   skill.js:89:103 SyntaxError: invalid class property name in regular expression:
    # or "Error: message" followed by "Stack:" and "  fn@skill.js:3:7" frames.
    pos_re = re.compile(re.escape(bundle_js.name) + r":(\d+):(\d+)")
    detail, where = None, None
    for i, ln in enumerate(lines):
        if "Exception while evaluating" in ln or "Error while evaluating" in ln:
            rest = lines[i + 1 : i + 12]
            for r in rest:
                m = pos_re.search(r)
                if m and where is None:
                    where = (int(m.group(1)), int(m.group(2)))
                msg = pos_re.sub("", r).strip(" @:")
                if detail is None and msg and not msg.startswith(("Stack", "at ")):
                    detail = msg
            break
    if detail is None:
        for ln in lines:
            t = ln.strip()
            if re.match(r"^(\w*Error|ComponentError)\b", t) and not t.startswith(
                "Error: Failed to initialize component"
            ):
                detail = t
                break
        else:
            errs = [ln.strip() for ln in lines if "error" in ln.lower() and not ln.strip().startswith("at ")]
            detail = (errs or lines or ["no output"])[0].strip()
    loc = _display(entry)
    if where:
        mapped = map_position(bundle_js.with_name(bundle_js.name + ".map"), *where)
        loc = f"{_display(mapped[0])}:{mapped[1]}:{mapped[2]}" if mapped else f"{loc} (bundle {where[0]}:{where[1]})"
    detail = re.sub(r"\s+", " ", detail).rstrip(":")[:400]
    return f"{loc}: {detail}"


def _wit_digest(h: hashlib._Hash, wit: Path) -> None:
    files = sorted(p for p in wit.rglob("*.wit") if p.is_file())
    if not files:
        raise BuildError(f"no .wit files under {wit}")
    for p in files:
        rel = p.relative_to(wit).as_posix().encode()
        data = p.read_bytes()
        h.update(len(rel).to_bytes(8, "little") + rel + len(data).to_bytes(8, "little") + data)


JS_DIR = Path(__file__).resolve().parent / "js"
SDK_JS = JS_DIR / "sdk.js"
ENTRY_JS = JS_DIR / "entry.js"
SDK_ALIASES = ("@skill-engine/sdk", "@kubiya/skill-engine-sdk")
# esbuild marks where each module starts with a comment naming its path relative to the
# working directory; blanked (line kept, so the source map still fits) so that the same
# skill in another folder is the same bundle and hits the same cache entry.
_PATH_COMMENT = re.compile(rb"^([ \t]*)// [^\n]*\.(?:[cm]?[jt]sx?|json)$", re.M)


def bundle(
    entry: Path, esbuild_cmd: list[str], outdir: Path, *, fmt: str = "esm", adapt: bool = True, minify: bool = False
) -> Path:
    """esbuild ``entry`` into ``outdir/<stem>.js`` (one module, plus a .map beside it).

    With ``adapt`` (every skill build) the bundle's entry is ``js/entry.js``, which imports
    the skill and adapts it to the world's exports through the SDK (``js/sdk.js``, which
    ``@skill-engine/sdk`` resolves to). ``fmt="cjs"`` is the dev host's form: the world's
    imports become ``require(...)`` calls that the dev host answers.
    """
    out = outdir / f"{entry.stem}.js"
    if adapt:
        target = [
            str(ENTRY_JS),
            f"--alias:__skill_user__={entry}",
            *[f"--alias:{name}={SDK_JS}" for name in SDK_ALIASES],
        ]
    else:
        target = [entry.name]
    cmd = [
        *esbuild_cmd,
        *target,
        "--bundle",
        f"--format={fmt}",
        "--platform=neutral",
        "--main-fields=module,main",
        "--charset=utf8",
        "--color=false",
        "--log-level=error",
        "--legal-comments=none",
        "--sourcemap=external",
        f"--outfile={out}",
        *[f"--external:{e}" for e in EXTERNALS],
        *(["--minify-whitespace"] if minify else []),
    ]
    try:
        r = subprocess.run(cmd, cwd=entry.parent, capture_output=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BuildError(f"could not run esbuild: {e}") from None
    if r.returncode != 0:
        raise BuildError(_esbuild_error(r.stderr.decode("utf-8", "replace"), entry.parent))
    code = out.read_bytes()
    normal = _PATH_COMMENT.sub(rb"\1//", code)
    if normal != code:
        out.write_bytes(normal)
    return out


def build_component(
    home: Home,
    entry: Path,
    out: Path | None = None,
    progress: Progress = None,
    wit: Path | None = None,
    adapt: bool = True,
    cancel: threading.Event | None = None,
    nice: int = 0,
) -> BuildResult:
    """Build the JS skill whose entry module is ``entry`` into a component of the ``skill``
    world in ``wit`` (default: the project's ``wit/``). ``adapt=False`` builds ``entry`` as
    is (it must export the world's functions itself); only the dev host does that.
    ``cancel`` stops a running componentize (BuildError "cancelled"); ``nice`` lowers its
    priority (dev mode's background builds). A ``.py`` entry is a Python skill
    (:mod:`engine.build.pybuild`)."""
    t0 = time.perf_counter()
    entry = Path(entry).resolve()
    if entry.suffix == ".py":
        from engine.build.pybuild import build_python

        return build_python(home, entry, out, progress=progress, cancel=cancel, nice=nice)
    if not entry.is_file():
        raise BuildError(f"{_display(entry)}: no such file")
    try:
        tc = ensure_toolchain(home, progress)
    except ToolchainError as e:
        raise BuildError(e.message) from None
    wit = wit or world_dir()

    with tempfile.TemporaryDirectory(prefix="skill-build-") as td:
        bundle_js = bundle(entry, tc.esbuild_cmd(), Path(td), adapt=adapt)
        code = bundle_js.read_bytes()
        h = hashlib.sha256()
        h.update(BUILD_KEY.encode() + b"\0")
        h.update(len(code).to_bytes(8, "little") + code)
        _wit_digest(h, wit)
        h.update(lock_bytes())
        inputs = h.hexdigest()
        cache_path = home.builds / f"{inputs}.wasm"

        cached = cache_path.is_file()
        if not cached:
            if progress:
                progress(f"componentizing {_display(entry)} ({len(code) / 1024:.1f} KB bundle)")
            tmp_out = Path(td) / "out.wasm"
            cmd = [
                str(tc.node),
                str(tc.componentize_js),
                str(bundle_js),
                "--wit",
                str(wit),
                "--world-name",
                WORLD_NAME,
                "--disable",
                *DISABLED_FEATURES,
                "--out",
                str(tmp_out),
            ]
            r = run_builder(cmd, Path(td), cancel, nice, entry)
            if r.returncode != 0 or not tmp_out.is_file() or tmp_out.stat().st_size == 0:
                raise BuildError(_componentize_error(r.stderr + "\n" + r.stdout, entry, bundle_js))
            atomic_write_bytes(cache_path, stamp(tmp_out.read_bytes(), inputs, lock_hash()))

    return deliver(cache_path, out, time.perf_counter() - t0, cached, inputs)


def deliver(cache_path: Path, out: Path | None, seconds: float, cached: bool, inputs: str) -> BuildResult:
    """The build's result: the cache entry, copied atomically to ``out`` when one is given."""
    result_path = cache_path
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
        shutil.copyfile(cache_path, tmp)
        os.replace(tmp, out)
        result_path = out
    return BuildResult(
        wasm_path=result_path, size=result_path.stat().st_size, seconds=seconds, cached=cached, inputs=inputs
    )


def run_builder(
    cmd: list[str],
    cwd: Path,
    cancel: threading.Event | None,
    nice: int,
    entry: Path,
    tool: str = "componentize-js",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a componentizer in ``cwd``, stoppable through ``cancel``, within COMPONENTIZE_TIMEOUT_S."""
    preexec = (lambda: os.nice(nice)) if nice and hasattr(os, "nice") else None
    # componentize-js makes its working folder under TMPDIR: keep it inside ours, so a
    # cancelled build leaves nothing behind
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec,
        env={**os.environ, "TMPDIR": str(cwd), **(env or {})},
    )
    deadline = time.monotonic() + COMPONENTIZE_TIMEOUT_S
    while True:
        try:
            out, err = proc.communicate(timeout=0.2)
            return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
        except subprocess.TimeoutExpired:
            stop = cancel is not None and cancel.is_set()
            if stop or time.monotonic() > deadline:
                proc.kill()
                proc.communicate()
                if stop:
                    raise BuildError(f"{_display(entry)}: build cancelled") from None
                raise BuildError(f"{_display(entry)}: {tool} timed out after {COMPONENTIZE_TIMEOUT_S}s") from None


def folder_plan(folder: Path) -> tuple[str, Path, Path]:
    """(name, entry, output) of a skill folder: skill.yaml's `source:` (default: the first of
    DEFAULT_SOURCES there is) is built into its `component:` (default dist/<name>.wasm).

    A folder with only an upstream-style `skill.js` (no skill.yaml, maybe a SKILL.md) builds
    too; its name is then the manifest's if any, else the folder's (the installed name comes
    from the component's get-metadata). A folder with neither a manifest nor a source is one
    line naming it."""
    from engine.manifest import load_folder

    manifest = load_folder(folder)
    entry = folder / manifest.source if manifest.source else manifest.source_in(folder) or folder / "skill.js"
    if not entry.is_file() and not any((folder / n).is_file() for n in ("skill.yaml", "skill.yml")):
        raise ManifestError(
            f"{folder} has no skill.yaml and no skill.js or skill.py; create a skill with `skill init DIR`"
        )
    name = manifest.name or folder.name
    return name, entry, folder / (manifest.component or f"dist/{name}.wasm")


def needs_build(folder: Path) -> bool:
    """A folder with a source to build but no component yet: a git checkout or an unpacked archive."""
    from engine.manifest import load_folder

    if not folder.is_dir():
        return False
    manifest = load_folder(folder)
    if manifest.component:
        built = (folder / manifest.component).is_file()
    else:
        built = any(p for pattern in ("*.wasm", "dist/*.wasm", "build/*.wasm") for p in folder.glob(pattern))
    return not built and manifest.source_in(folder) is not None  # no source: the store says what is missing


def build_folder(
    home: Home,
    folder: Path,
    progress: Progress = None,
    out: Path | None = None,
    cancel: threading.Event | None = None,
    nice: int = 0,
    dependencies: bool = False,
) -> tuple[str, BuildResult]:
    """Build a skill folder into its component path, or ``out`` (a cache hit when nothing changed).
    ``dependencies``: install its package.json's npm packages first, scripts disabled (a fetched
    folder; a person's own folder has its node_modules as they made it)."""
    name, entry, default_out = folder_plan(Path(folder))
    if dependencies:
        install_dependencies(Path(folder), progress)
    return name, build_component(home, entry, out or default_out, progress=progress, cancel=cancel, nice=nice)
