"""Dev mode: watch a skill folder and hot-swap the skill on every save, in milliseconds.

A real build is componentize-js (~5-15 s) plus a Cranelift compile (~6-11 s). Dev
mode avoids both on a save (a Python skill's way is in :mod:`engine.build.pydev`): one prebuilt **dev host** component (``js/devhost.js``,
built and compiled once, cached by content hash like every build) evaluates the
skill's freshly bundled source at instantiation. A save costs one esbuild run (a
CommonJS bundle of the same ``entry.js`` + SDK adapter the real build uses) and a
fresh instance: every call already gets a fresh instance, so the next call sees the
edit.

How the source reaches the dev host: in the environment variable ``SKILL_DEV_SOURCE``
of that one call. The dev host hides it from the skill: the ``wasi:cli/environment``
it hands the evaluated bundle (through its ``require`` shim) lists every variable but
that one. The sandbox is the instance's, unchanged (same /data, env, config, limits).

In the background the real build runs (at low priority, after the folder has been
quiet for ``release_delay`` s) and installs the real component (``Engine.install``,
force) when done, so what is installed is always the real thing. A failed build or
reload is reported and the last good version keeps serving.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from engine.build.componentize import (
    JS_DIR,
    _display,
    build_component,
    build_folder,
    bundle,
    folder_plan,
    map_position,
)
from engine.build.toolchain import Toolchain, ensure_toolchain
from engine.errors import BuildError, SkillError, ToolchainError, UsageError

if TYPE_CHECKING:
    from wasmtime.component import Component

    from engine.home import Home
    from engine.manifest import Capabilities
    from engine.protocol import Tool
    from engine.runtime import SandboxPolicy, WasmRuntime
    from engine.schema import ConfigField
    from engine.store import InstallReport

DEVHOST_JS = JS_DIR / "devhost.js"
SOURCE_VAR = "SKILL_DEV_SOURCE"
WATCHED_SUFFIXES = (
    *(".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx", ".json", ".yaml", ".yml", ".md"),
    *(".py", ".txt", ".toml"),  # a Python skill's source, requirements.txt, pyproject.toml
)
IGNORED_DIRS = {"node_modules", "dist", ".git", "__pycache__", ".cache"}


class UntypedArgs(Protocol):
    """Tool arguments as typed on a command line (`engine.cli.args.ToolArgs`): `given` as they
    came, typed by `for_tool` once the live version's declaration of the tool is known."""

    @property
    def given(self) -> dict[str, Any]: ...

    def for_tool(self, tool: Tool | None) -> dict[str, Any]: ...


class DevEngine(Protocol):
    """What dev mode uses of the engine: `engine.api.Engine` is one; dev mode needs none of the rest."""

    @property
    def home(self) -> Home: ...

    @property
    def runtime(self) -> WasmRuntime: ...

    def sandbox_policy(
        self,
        skill: str,
        instance: str,
        fields: tuple[ConfigField, ...],
        capabilities: Capabilities,
        timeout: float | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> SandboxPolicy: ...

    def install(self, path: str | Path, name: str | None = None, force: bool = False) -> InstallReport: ...


# ---- events (one per line of `skill dev`) -------------------------------------------------


@dataclass(frozen=True)
class Reloaded:
    seq: int
    ms: float  # save handled → new version live (bundle + check)
    tools: tuple[str, ...]
    bundle_bytes: int


@dataclass(frozen=True)
class ReloadFailed:
    seq: int
    ms: float
    error: str  # one line, file:line when known
    serving: bool = False  # True when an earlier version keeps answering


@dataclass(frozen=True)
class DevRunResult:
    tool: str
    args: dict[str, Any]
    ok: bool
    output: str
    error: str | None
    data: Any = None
    stdout: str = ""
    stderr: str = ""
    ms: float = 0.0
    seq: int = 0  # the reload whose version answered


@dataclass(frozen=True)
class ReleaseStarted:
    seq: int


@dataclass(frozen=True)
class ReleaseInstalled:
    seq: int
    seconds: float
    status: str  # "installed", "replaced", "unchanged", ...
    cached: bool
    size: int


@dataclass(frozen=True)
class ReleaseFailed:
    seq: int
    error: str


DevEvent = Reloaded | ReloadFailed | DevRunResult | ReleaseStarted | ReleaseInstalled | ReleaseFailed
OnDevEvent = Callable[[DevEvent], None]


def describe_dev_event(event: DevEvent) -> str:
    """What `event` means, in one line for a person: `skill dev` prints it, the app's dev screen logs it."""
    if isinstance(event, Reloaded):
        n = len(event.tools)
        return f"reloaded in {event.ms:.0f} ms ({n} tool{'s' if n != 1 else ''}: {', '.join(event.tools)})"
    if isinstance(event, ReloadFailed):
        keeps = "the previous version keeps serving" if event.serving else "no working version yet"
        return f"build error: {event.error} ({keeps})"
    if isinstance(event, DevRunResult):
        return f"{event.tool} → {event.output}" if event.ok else f"{event.tool} → error: {event.error}"
    if isinstance(event, ReleaseStarted):
        return "release build started (background)"
    if isinstance(event, ReleaseInstalled):
        how = "cached" if event.cached else f"{event.seconds:.1f} s"
        return f"release build installed ({how}, {event.size / 1e6:.1f} MB, {event.status})"
    return f"release build failed: {event.error} (the dev version keeps serving)"


# ---- the dev host ---------------------------------------------------------------------------

_host_lock = threading.Lock()


def dev_host(engine: DevEngine, progress: Callable[[str], None] | None = None) -> Component:
    """The compiled dev host component (componentized and compiled once per cache)."""
    with _host_lock:
        progress_: Callable[[str], None] | None = None
        if progress:

            def relabel(msg: str, _p: Callable[[str], None] = progress) -> None:
                _p("building the dev host (once per toolchain, ~10-20 s)" if msg.startswith("componentizing") else msg)

            progress_ = relabel
        r = build_component(engine.home, DEVHOST_JS, adapt=False, progress=progress_)
        return engine.runtime.compile(r.wasm_path.read_bytes(), "the dev host")[1]


def _first_line(text: str) -> str:
    for ln in text.splitlines():
        ln = ln.strip()
        if ln and not ln.startswith("Redirecting call to abort"):
            return ln
    return ""


# ---- a session --------------------------------------------------------------------------------


@dataclass
class _Version:
    seq: int
    source: str
    tools: dict[str, Any] = field(default_factory=dict)  # name -> engine.protocol.Tool


class DevSession:
    """One skill folder in dev mode. Thread-safe: reload/run may be called from any thread."""

    def __init__(
        self,
        engine: DevEngine,
        folder: str | Path,
        instance: str = "default",
        on_event: OnDevEvent | None = None,
        release: bool = True,
        release_delay: float = 1.5,
        run_tool: str | None = None,
        run_args: dict[str, Any] | UntypedArgs | None = None,
    ):
        from engine.instances import check_instance_name
        from engine.manifest import load_folder

        self.engine = engine
        self.folder = Path(folder).expanduser().resolve()
        self.instance = check_instance_name(instance)
        self.on_event = on_event or (lambda _e: None)
        self.release = release
        self.release_delay = release_delay
        self.run_tool = run_tool
        self.run_args = run_args or {}
        self.name, self.entry, self.out = folder_plan(self.folder)
        # without a manifest naming it (an upstream-style skill.js alone), the skill's get-metadata does
        self._named_by_manifest = load_folder(self.folder).name is not None
        self._lock = threading.Lock()
        self._seq = 0
        self._current: _Version | None = None
        self._host: Component | None = None
        self._tc: Toolchain | None = None
        self.python = self.entry.suffix == ".py"  # the Python host runs it (engine.build.pydev)
        self._tmp: Path | None = None
        self._stop = threading.Event()
        self._release_wanted = threading.Event()
        self._release_seq = 0
        self._last_change = 0.0
        self._release_thread: threading.Thread | None = None
        self._busy = False
        self.reloads = 0

    # ---- lifecycle -----------------------------------------------------------------------

    def start(self, progress: Callable[[str], None] | None = None) -> Reloaded | ReloadFailed:
        """Install the toolchain and the dev host if needed, then load the current source."""
        import tempfile

        if self.python:
            from engine.build.pydev import python_host

            self._host = python_host(self.engine.home, self.engine.runtime, progress)
        else:
            try:
                self._tc = ensure_toolchain(self.engine.home, progress)
            except ToolchainError as e:
                raise BuildError(e.message) from None
            self._host = dev_host(self.engine, progress)
        self.engine.home.tmp.mkdir(parents=True, exist_ok=True)
        self._tmp = Path(tempfile.mkdtemp(prefix="dev-", dir=self.engine.home.tmp))
        if self.release:
            self._release_thread = threading.Thread(target=self._release_loop, name="skill-dev-release", daemon=True)
            self._release_thread.start()
        return self.reload()

    def close(self) -> None:
        import shutil

        self._stop.set()
        self._release_wanted.set()
        if self._release_thread is not None:
            self._release_thread.join(timeout=10)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> DevSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def live(self) -> bool:
        """True once a version is serving."""
        return self._current is not None

    @property
    def tools(self) -> list[str]:
        cur = self._current
        return list(cur.tools) if cur else []

    # ---- reload ---------------------------------------------------------------------------

    def reload(self) -> Reloaded | ReloadFailed:
        """Bundle the source and make it the live version if it loads; else keep the last good one."""
        from engine.protocol import parse_metadata, parse_tools

        tc, tmp = self._tc, self._tmp
        if tmp is None:  # start() sets it (and, for JS, the toolchain `_load` checks)
            raise UsageError(f"{self.name}: start() the dev session before reloading it")
        t0 = time.perf_counter()
        with self._lock:
            self._seq += 1
            seq = self._seq
        self.reloads += 1
        self._last_change = time.monotonic()
        try:
            source, answer, problem = self._load(tc, tmp)
            if problem or answer is None:
                raise BuildError(problem or f"{_display(self.entry)}: the skill did not load")
            try:
                tools = {t.name: t for t in parse_tools(answer)}
            except SkillError as e:
                raise BuildError(f"{_display(self.entry)}: get-tools: {e}") from None
            if not self._named_by_manifest:
                meta, _mask = self._call(source, "get-metadata")
                try:
                    self.name = (parse_metadata(meta.value).name if meta.value else None) or self.name
                except SkillError as e:
                    raise BuildError(f"{_display(self.entry)}: get-metadata: {e}") from None
        except BuildError as e:
            event: Reloaded | ReloadFailed = ReloadFailed(
                seq, (time.perf_counter() - t0) * 1000, e.message, self._current is not None
            )
            self.on_event(event)
            return event
        with self._lock:
            if self._current is None or self._current.seq < seq:
                self._current = _Version(seq, source, tools)
        event = Reloaded(seq, (time.perf_counter() - t0) * 1000, tuple(tools), len(source))
        self.on_event(event)
        if self.release:
            self._release_seq = seq
            self._release_wanted.set()
        if self.run_tool:
            self.run(self.run_tool, self.run_args)
        return event

    def _load(self, tc: Toolchain | None, tmp: Path) -> tuple[str, str | None, str | None]:
        """(the source the dev host takes, its get-tools answer, why it does not load or None)."""
        if self.python:
            from engine.build.pydev import load_problem, source_files

            source = source_files(self.engine.home, self.entry)
            outcome, mask = self._call(source, "get-tools")
            problem = load_problem(outcome, self.entry.parent)
            return source, outcome.value, mask(problem) if problem else None
        if tc is None:
            raise UsageError(f"{self.name}: start() the dev session before reloading it")
        out = bundle(self.entry, tc.esbuild_cmd(), tmp, fmt="cjs")
        source = out.read_text(encoding="utf-8")
        outcome, mask = self._call(source, "get-tools")
        return source, outcome.value, mask(self._load_error(outcome, out)) if outcome.value is None else None

    def _load_error(self, outcome: Any, bundle_js: Path) -> str:
        """One line for a bundle that did not load: the JS error, at its source file:line when known."""
        import re

        text = outcome.stderr or ""
        msg = _first_line(text) or outcome.failure or "the skill did not load"
        # Frames of the evaluated code read like `fn@.../devhost.js line 52 > Function:LINE:COL`;
        # `new Function` puts two lines of its own before the body.
        m = re.search(r"> Function:(\d+):(\d+)", text)
        if m:
            mapped = map_position(bundle_js.with_name(bundle_js.name + ".map"), int(m.group(1)) - 2, int(m.group(2)))
            if mapped:
                return f"{_display(mapped[0])}:{mapped[1]}:{mapped[2]}: {msg}"
        return f"{_display(self.entry)}: {msg}"

    # ---- calls ------------------------------------------------------------------------------

    def _policy(self, source: str, timeout: float | None = None) -> tuple[Any, Any]:
        """(the folder's manifest, the instance's sandbox with the source handed to the dev host)."""
        from dataclasses import replace

        from engine.instances import Instances
        from engine.manifest import load_folder

        manifest = load_folder(self.folder)
        # a skill.js alone declares no config: its fields are the instance's keys (secrets masked too)
        fields = Instances(self.engine.home).fields(self.name, self.instance, manifest.config)
        manifest = replace(manifest, config=fields)
        return manifest, self.engine.sandbox_policy(
            self.name, self.instance, manifest.config, manifest.capabilities, timeout, extra_env={SOURCE_VAR: source}
        )

    def _call(self, source: str, export: str):
        from engine.pipeline import masker

        if self._host is None:
            raise UsageError("the dev session has not started: call start() first")
        manifest, policy = self._policy(source)
        outcome = self.engine.runtime.call(self._host, policy, export)
        return outcome, masker(manifest.config, policy)

    def run(
        self,
        tool: str,
        args: dict[str, Any] | UntypedArgs | None = None,
        timeout: float | None = None,
        on_line: Any = None,
    ) -> DevRunResult:
        """Run a tool of the live version (in the instance's sandbox, through the dev host).

        `args` as typed on a command line (`UntypedArgs`) take the live version's declared
        types, as `skill run` gives them the installed one's.

        The run goes through the engine's one pipeline (`engine.pipeline`): what comes
        back is masked exactly as `skill run` masks it.
        """
        from engine.pipeline import call_tool
        from engine.protocol import check_args

        cur = self._current
        if cur is None:
            raise UsageError(f"{self.name} has no working version yet; fix the build error first")
        given = dict(args or {}) if args is None or isinstance(args, dict) else args
        args = given if isinstance(given, dict) else given.given
        t = cur.tools.get(tool)
        if t is None:
            res = DevRunResult(
                tool,
                args,
                False,
                "",
                f"{self.name} has no tool {tool!r}; its tools are: {', '.join(cur.tools) or '(none)'}",
                seq=cur.seq,
            )
            self.on_event(res)
            return res
        try:
            args = given if isinstance(given, dict) else given.for_tool(t)
            check_args(t, args, f"{self.name}:{tool}")
        except SkillError as e:
            res = DevRunResult(tool, args, False, "", str(e), seq=cur.seq)
            self.on_event(res)
            return res
        manifest, policy = self._policy(cur.source, timeout)
        told = call_tool(self.engine.runtime, self._host, policy, manifest.config, tool, args, on_line=on_line)
        error = told.error
        detail = _first_line(told.stderr)
        if detail and told.stopped == "trap":
            error = f"{detail} ({told.error})"
        res = DevRunResult(
            tool, told.args, told.ok, told.output, error, told.data, told.stdout, told.stderr, told.duration_ms, cur.seq
        )
        self.on_event(res)
        return res

    # ---- the background release build -----------------------------------------------------

    def _release_loop(self) -> None:
        while not self._stop.is_set():
            self._release_wanted.wait()
            if self._stop.is_set():
                return
            # wait until the folder has been quiet for release_delay seconds
            while not self._stop.is_set():
                quiet = time.monotonic() - self._last_change
                if quiet >= self.release_delay:
                    break
                self._stop.wait(self.release_delay - quiet)
            if self._stop.is_set():
                return
            self._busy = True
            self._release_wanted.clear()
            seq = self._release_seq
            self.on_event(ReleaseStarted(seq))
            t0 = time.perf_counter()
            try:
                _name, r = build_folder(self.engine.home, self.folder, out=self.out, cancel=self._stop, nice=10)
                if self._release_wanted.is_set():
                    continue  # a newer save arrived: build that one instead
                report = self.engine.install(self.folder, force=True)
                self.on_event(ReleaseInstalled(seq, time.perf_counter() - t0, report.status, r.cached, r.size))
            except SkillError as e:
                if not self._stop.is_set():
                    self.on_event(ReleaseFailed(seq, str(e)))
            finally:
                self._busy = False

    def wait_release(self, timeout: float = 300.0) -> bool:
        """Block until no release build is pending or running (tests, `--max-reloads`)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not self._release_wanted.is_set() and not self._building():
                return True
            time.sleep(0.05)
        return False

    def _building(self) -> bool:
        return self._busy

    # ---- watching ---------------------------------------------------------------------------

    def watch_filter(self, _change: Any, path: str) -> bool:
        p = Path(path)
        try:
            rel = p.relative_to(self.folder)
        except ValueError:
            return False
        if any(part in IGNORED_DIRS or part.startswith(".") for part in rel.parts):
            return False
        return p.suffix in WATCHED_SUFFIXES

    def watch(
        self,
        stop: threading.Event | None = None,
        max_reloads: int | None = None,
        on_watching: Callable[[], None] | None = None,
    ) -> None:
        """Reload on every change until ``stop`` is set (or ``max_reloads`` reloads happened)."""
        import watchfiles

        stop = stop or threading.Event()
        done = 0
        if on_watching:
            on_watching()
        for _changes in watchfiles.watch(
            self.folder,
            watch_filter=self.watch_filter,
            stop_event=stop,
            debounce=400,
            step=15,
            rust_timeout=200,
            yield_on_timeout=False,
            raise_interrupt=True,
        ):
            self.reload()
            done += 1
            if max_reloads is not None and done >= max_reloads:
                return
