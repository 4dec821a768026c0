"""The one object every front door uses: `Engine`.

The CLI, the TUI and the MCP server never touch wasmtime, files or the keyring
directly; they call these methods and receive events. wasmtime is imported only
when a command first needs the runtime, so `skill list` stays light.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from engine.configuration import ConfigReport, Configuration
from engine.errors import NotFoundError, UsageError
from engine.events import OnEvent, RequestRecord, RunFinished, RunOutput, RunRequest, RunResult, RunStarted
from engine.grants import NetworkGrants
from engine.history import open_history
from engine.home import Home
from engine.instances import Instances
from engine.protocol import check_args
from engine.refs import DEFAULT, ToolRef
from engine.store import InstalledSkill, InstallReport, Progress, Review, Store, StoreStamp

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from engine.build import BuildResult
    from engine.build.scripts import ScriptResult
    from engine.distribution.fetching import OnStep, Step
    from engine.distribution.installer import Installer
    from engine.distribution.oci.publish import PublishReport
    from engine.distribution.oci.search import RegistryHit
    from engine.distribution.prune import PruneReport
    from engine.distribution.signing import SigningKey, Statement
    from engine.distribution.sync import Synced
    from engine.distribution.trust import TrustedKey
    from engine.distribution.updates import UpdateInfo
    from engine.history import HistoryTail
    from engine.knowledge.validation import Validation
    from engine.manifest import Capabilities
    from engine.network.access import NetworkAccess
    from engine.runtime import SandboxPolicy, WasmRuntime
    from engine.schema import ConfigField
    from engine.search import SearchHit
    from engine.search.index import SyncReport
    from engine.secrets import SecretStore

P = ParamSpec("P")
R = TypeVar("R")


def writes(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark an Engine method that changes the home: on a read-only home it refuses, naming `action`."""

    def mark(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            engine = args[0]
            assert isinstance(engine, Engine)
            engine.home.check_writable(action)
            return method(*args, **kwargs)

        return checked

    return mark


class Engine:
    """The facade. It builds each service once, with only the collaborators that service uses, and keeps
    them private: front doors call the methods below (the import contracts and
    tests/contracts/test_public_api.py hold them to that)."""

    def __init__(self, home: Home | None = None):
        self.home = home or Home.from_env()
        self._store = Store(self.home, lambda: self.runtime)
        self._instances = Instances(self.home)
        self._history = open_history(self.home.history_file)
        self._runtime: WasmRuntime | None = None
        self._secrets: SecretStore | None = None
        self._runtime_lock = threading.Lock()
        self.__installer: Installer | None = None
        # Per-instance configuration: entries, checks, save, export/import, copy/rename/remove.
        self.config = Configuration(self._store, self._instances, lambda: self.secrets, lambda: self.runtime)
        self._grants = NetworkGrants(self._store, self._instances)

    @property
    def runtime(self) -> WasmRuntime:
        """The sandboxed wasmtime runtime (started on first use): for the build and dev collaborators and
        `skill doctor`; runs go through `run`."""
        with self._runtime_lock:
            if self._runtime is None:
                from engine.runtime import WasmRuntime

                self._runtime = WasmRuntime(self.home.compiled, self.home.tmp, persist=not self.home.readonly)
            return self._runtime

    @property
    def _installer(self) -> Installer:
        """The distribution flow (sources, lock, cache), built on first use: `skill run` never needs it."""
        if self.__installer is None:
            from engine.distribution.installer import Installer

            self.__installer = Installer(self.home, self._store, lambda: self.secrets)
        return self.__installer

    # ---- store ----------------------------------------------------------------------------

    @writes("install a skill")
    def install(
        self,
        source: str | Path,
        name: str | None = None,
        force: bool = False,
        progress: Progress | None = None,
        review: Review | None = None,
        *,
        on_step: OnStep | None = None,
        sha256: str | None = None,
        locked: bool = False,
        insecure: Iterable[str] = (),
        allow_scripts: bool = False,
    ) -> InstallReport:
        """Install or upgrade from a folder, a .wasm, `oci://...`, NAME[@VERSION] (the default registry),
        `github:`/`git+...` or a .tar.gz/.zip URL (`sha256`), and pin it in skills.lock.
        `review(CapabilityReview) -> bool` is called (in the calling thread, so the app calls install
        from a worker) before anything is written, for every install or upgrade that changes something;
        `review.needs_consent` says whether a person must be asked. False refuses: InstallDeclined,
        nothing installed, the previous version intact. Without `review` what the skill asks for is
        accepted as it is (recorded as not consented). `progress` gets each step's message, `on_step`
        each `Step` (with byte counts while downloading). `allow_scripts`: a knowledge skill's scripts/*.py
        may run (`run_script`), asked in the review."""
        from engine.distribution.installer import InstallOptions

        def step(s: Step) -> None:
            if progress is not None and not s.done:  # a transfer's message once, not each byte count
                progress(s.message)
            if on_step is not None:
                on_step(s)

        options = InstallOptions(
            name=name, force=force, sha256=sha256, locked=locked, insecure=tuple(insecure), allow_scripts=allow_scripts
        )
        return self._installer.install(Path(source) if isinstance(source, Path) else source, options, review, step)

    def skills(self) -> list[InstalledSkill]:
        return self._store.list()

    def skill(self, name: str) -> InstalledSkill:
        return self._store.require(name)

    def skill_file(self, name: str, path: str) -> str:
        """One text file of an installed skill's package (`SKILL.md`, `references/x.md`), as an agent
        reads it: the path normalised inside the package, nothing outside it ever opened, text only."""
        from engine.knowledge.tree import read_text

        skill = self.skill(name)
        return read_text(skill.package_dir, path, skill.files)

    def validate(self, folder: str | Path) -> Validation:
        """`skill validate`: the SKILL.md folder against the Agent Skills spec (errors and warnings). A
        folder that leads into the store (a `skill export --link`) is checked as the installed skill, under
        the name it is reached by."""
        from engine.knowledge.validation import validate

        folder = Path(folder)
        if folder.resolve().is_relative_to(self.home.packages.resolve()):
            return validate(folder, folder_name=folder.absolute().name)
        return validate(folder)

    def validate_installed(self, name: str) -> Validation:
        """The same check on an installed skill's package (its folder's name is the store's, so the
        name-matches-folder rule is checked against the skill's own name)."""
        from engine.knowledge.validation import validate

        return validate(self.skill(name).package_dir, folder_name=name)

    def export_skill(
        self, name: str, to: str, project: Path | None = None, link: bool = False, *, force: bool = False
    ) -> Path:
        """`skill export`: write the installed skill where agents load skills natively, `to` "claude"
        (`~/.claude/skills/NAME`) or "agents" (`~/.agents/skills/NAME`), under `project` instead of the
        user's home when given. A knowledge skill is copied (or with `link`, linked to the store's stable
        link, following upgrades); a skill with tools gets a SKILL.md naming its MCP tools. UsageError for
        a target that is not an unchanged earlier export, unless `force`. Returns the exported folder."""
        from engine.knowledge.export import export, export_dir

        skill = self.skill(name)
        target = export_dir(skill.name, to, Path.home(), project)
        return export(skill, target, (self.home.skills / skill.name).absolute(), link=link, force=force)

    def stamp(self, instances: bool = True) -> StoreStamp:
        """A summary that changes when what front doors list changes (skills; with `instances`, their
        instances and config too): compare two to know whether to re-read."""
        return self._store.stamp(instances=instances)

    def tool_ref(self, text: str) -> ToolRef:
        """`ToolRef.parse`, whose error suggests tools that are installed: those of the skill `text`
        names if there is one (`skill run textkit` → textkit:slugify), else the first ones."""

        def examples() -> list[str]:
            named = self._store.get(text.partition("@")[0].partition(":")[0]) if text else None
            skills = [named] if named else self.skills()
            return [f"{s.name}:{t.name}" for s in skills for t in s.tools][:2]

        return ToolRef.parse(text, examples)

    @writes("remove a skill")
    def remove(self, name: str, purge: bool = False) -> InstalledSkill:
        """Uninstall; with `purge` also every instance's config, /data and secrets."""
        skill = self._store.remove(name, purge=purge)
        self._installer.lock.drop(name)
        if purge and (not skill.config or any(f.secret for f in skill.config)):  # none declared: any key
            self.secrets.delete_skill(name)
        return skill

    def changes(self, stop: threading.Event) -> Iterator[None]:
        """Yield whenever skills or instances change, from any process, until `stop` is set (blocks)."""
        from engine.store_watch import store_changes

        return store_changes(self._store, stop)

    @writes("build a skill into its cache")
    def build(self, folder: str | Path, progress: Progress | None = None) -> BuildResult:
        """Build a JS skill folder into its component with the pinned toolchain (cached)."""
        from engine.build import build_folder

        return build_folder(self.home, Path(folder), progress=progress)[1]

    # ---- instances and configuration -------------------------------------------------------

    def instance_status(self, name: str) -> list[ConfigReport]:
        """Every instance of a skill with what keeps it from being ready (schema checks only)."""
        self.skill(name)
        return [self.config.report(name, inst) for inst in self.instance_names(name)]

    def instance_names(self, skill: str) -> list[str]:
        """The instances of `skill`, "default" first (it exists without a folder); none for a knowledge
        skill, which has no config and nothing to run."""
        installed = self._store.get(skill)
        return [] if installed is not None and not installed.has_component else self._instances.names(skill)

    @writes("add an instance")
    def add_instance(self, name: str, instance: str) -> None:
        if not self.skill(name).has_component:
            raise UsageError(f"{name} is a knowledge skill: it has no config, so no instances to add")
        self._instances.create(name, instance)

    def config_path(self, skill: str, instance: str) -> Path:
        """The config.toml of an existing instance (NotFoundError names the instances there are)."""
        self._instances.require(skill, instance)
        return self._instances.config_path(skill, instance)

    def check_removable(self, skill: str, instance: str) -> None:
        """Refuse (UsageError) what `config.remove` would refuse, before anyone is asked to confirm."""
        self._instances.check_removable(skill, instance)

    def sandbox_policy(
        self,
        skill: str,
        instance: str,
        fields: tuple[ConfigField, ...],
        capabilities: Capabilities,
        timeout: float | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> SandboxPolicy:
        """What one call of `skill@instance` may see (its /data, config with secrets resolved, limits)."""
        from engine.pipeline import sandbox_policy

        return sandbox_policy(
            self._instances, self.resolve_secret, skill, instance, fields, capabilities, timeout, extra_env
        )

    # ---- network grants ---------------------------------------------------------------------

    def network_access(self, skill: str, instance: str = DEFAULT) -> NetworkAccess:
        """What `skill@instance` may reach: declared, granted, revoked, effective; host-bound secrets
        (field, header, hosts; never their values)."""
        return self._grants.access(skill, instance)

    @writes("grant network access")
    def grant(self, skill: str, instance: str, patterns: Iterable[str]) -> NetworkAccess:
        """Allow `patterns` (the manifest's grammar; PatternError says the fix) for one instance."""
        return self._grants.grant(skill, instance, patterns)

    @writes("revoke network access")
    def revoke(self, skill: str, instance: str, patterns: Iterable[str]) -> NetworkAccess:
        """Take declared or granted `patterns` away from one instance (UsageError for any other)."""
        return self._grants.revoke(skill, instance, patterns)

    # ---- history --------------------------------------------------------------------------

    def history(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The latest runs, oldest first (at most `limit`), as written to the history file."""
        return self._history.read(limit=limit)

    def history_tail(self) -> HistoryTail:
        """A reader that follows the history file (rotation included) from where it ends now."""
        return self._history.tail()

    def flush(self) -> None:
        """Wait until everything written in the background (the run history) is on disk."""
        self._history.flush()

    @property
    def secrets(self) -> SecretStore:
        """The OS keyring when a real one is active, else the encrypted vault (opened on first use)."""
        with self._runtime_lock:
            if self._secrets is None:
                from engine.secrets import open_secret_store

                self._secrets = open_secret_store(self.home)
            return self._secrets

    def resolve_secret(self, ref: str) -> str:
        """The value behind a secret reference (SecretsError says where it is when it cannot be read)."""
        return self.secrets.resolve(ref)

    # ---- search ---------------------------------------------------------------------------

    def find(
        self,
        query: str,
        *,
        top: int = 5,
        skill: str | None = None,
        instance: str | None = None,
        tag: str | None = None,
        mode: str = "fused",
    ) -> list[SearchHit]:
        """Tools (and skills) ranked by meaning + keywords; mode WORDS: keywords only, no model (engine.search)."""
        from engine.search import find

        return find(self, query, top=top, skill=skill, instance=instance, tag=tag, mode=mode)

    def search_ready(self) -> bool:
        """Whether the search model is loaded (a first `find` would not wait for it)."""
        from engine.search import is_ready

        return is_ready(self)

    def prepare_search(self) -> SyncReport | None:
        """Load the model and bring the index up to date (seconds the first time: call it from a worker)."""
        from engine.search import searcher

        return searcher(self).refresh(self)

    def last_search_sync(self) -> SyncReport | None:
        """What this process's last index update did (None: it has made none)."""
        from engine.search import searcher

        return searcher(self).last_sync

    # ---- running --------------------------------------------------------------------------

    def run_script(
        self,
        name: str,
        path: str,
        args: Sequence[str] = (),
        *,
        on_line: Callable[[str, str], None] | None = None,
        cancel: threading.Event | None = None,
        timeout: float | None = None,
    ) -> ScriptResult:
        """Run an Agent Skill's ``scripts/PATH`` (Python only, allowed at install) in the Python sandbox."""
        from engine.build.scripts import run_script

        return run_script(self, self.skill(name), path, args, on_line=on_line, cancel=cancel, timeout=timeout)

    def run(
        self,
        ref: str,
        args: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        on_event: OnEvent | None = None,
        cancel: threading.Event | None = None,
        source: str = "cli",
    ) -> RunResult:
        """Run one tool in its instance's sandbox. Blocks; safe to call from many threads at once.

        Bad references and arguments raise UsageError/NotFoundError before anything runs;
        everything that goes wrong inside the skill comes back as a failed RunResult.
        """
        parsed = self.tool_ref(ref)
        skill_name, instance, tool_name = parsed.skill, parsed.instance, parsed.tool
        skill = self.skill(skill_name)
        tool = skill.tool(tool_name)
        if tool is None and not skill.has_component:
            raise NotFoundError(
                f"{skill_name} is a knowledge skill: it has no tools to run; read it with `skill show {skill_name}`"
            )
        if tool is None:
            raise NotFoundError(
                f"{skill_name} has no tool {tool_name!r}; its tools are: {', '.join(t.name for t in skill.tools)}"
            )
        self._instances.require(skill_name, instance)
        args = dict(args or {})
        check_args(tool, args, f"{skill_name}:{tool_name}")
        if timeout is not None and not 0 < timeout <= 3600:
            raise UsageError(f"--timeout {timeout:g}: give a number of seconds between 0 and 3600")

        from engine.pipeline import call_tool

        policy = self._policy(skill, instance, timeout)
        run_id = os.urandom(6).hex()
        emit = on_event or (lambda _e: None)
        emit(RunStarted(run_id, skill_name, instance, tool_name, args))
        on_line = on_request = None
        if on_event is not None:

            def on_line(stream: str, text: str) -> None:
                emit(RunOutput(run_id, stream, text))

            def on_request(record: RequestRecord) -> None:
                emit(RunRequest(run_id, record))

        started_at = time.time()
        component = self.runtime.load(skill.component_sha256, skill.component_path)
        told = call_tool(
            self.runtime,
            component,
            policy,
            self._instances.fields(skill_name, instance, skill.config),  # what to mask
            tool_name,
            args,
            on_line=on_line,
            on_request=on_request,
            cancel=cancel,
        )
        result = RunResult(
            run_id=run_id,
            skill=skill_name,
            instance=instance,
            tool=tool_name,
            ok=told.ok,
            output=told.output,
            error=told.error,
            data=told.data,
            stdout=told.stdout,
            stderr=told.stderr,
            duration_ms=round(told.duration_ms, 3),
            stopped=told.stopped,
            args=told.args,
            started_at=started_at,
            source=source,
            requests=told.requests,
        )
        self._history.append(result)
        emit(RunFinished(run_id, result, result.duration_ms))
        return result

    async def run_async(self, ref: str, args: dict[str, Any] | None = None, **kwargs: Any) -> RunResult:
        """`run` in a worker thread: wasmtime releases the GIL, so many runs proceed at once."""
        import asyncio  # not at module level: it costs ~25 ms of start-up for every CLI command

        return await asyncio.to_thread(self.run, ref, args, **kwargs)

    def _policy(self, skill: InstalledSkill, instance: str, timeout: float | None) -> SandboxPolicy:
        return self.sandbox_policy(skill.name, instance, skill.config, skill.capabilities, timeout)

    # ---- distribution: registries (login, publish, search) ---------------------------------

    def default_registry(self) -> tuple[str | None, str]:
        """(the registry serving `skill install NAME[@VERSION]`, where it is set), (None, "") if none."""
        return self._installer.settings.default_registry()

    @writes("set the default registry")
    def set_default_registry(self, ref: str | None) -> str | None:
        """Set settings.toml's default registry (`oci://HOST[:PORT]/PREFIX`), or with None unset it."""
        from engine.distribution.oci.account import set_default_registry

        return set_default_registry(self._installer.settings, ref)

    @writes("keep registry credentials")
    def login(self, registry: str, username: str, password: str, insecure: Iterable[str] = ()) -> str:
        """Check the credentials against the registry, then keep them in the secret store; its HOST[:PORT]."""
        from engine.distribution.oci.account import login

        allowed = self._installer.context(insecure=insecure).insecure
        return login(self.secrets, registry, username, password, allowed)

    @writes("forget registry credentials")
    def logout(self, registry: str) -> tuple[str, bool]:
        """Forget a registry's `skill login`: (HOST[:PORT], whether there was one)."""
        from engine.distribution.oci.account import logout

        return logout(self.secrets, registry)

    def publish(
        self,
        skill_or_folder: str | Path,
        ref: str,
        *,
        dry_run: bool = False,
        sign: bool = False,
        force: bool = False,
        insecure: Iterable[str] = (),
        on_step: OnStep | None = None,
    ) -> PublishReport:
        """Push an installed skill, or a skill folder (built first if stale), to `oci://HOST/REPO[:TAG]`
        (no tag: its version, and `latest`). `dry_run` writes nothing; `sign` adds skill.minisig."""
        from engine.distribution.oci.package import publishable, signed
        from engine.distribution.oci.publish import artifact_of, publish
        from engine.distribution.sources import parse_oci

        target = parse_oci(ref if ref.startswith("oci://") else "oci://" + ref)
        ctx = self._installer.context(on_step or (lambda _s: None), insecure)
        files = publishable(skill_or_folder, self._store.get, self.build)
        with signed(files, self.home, lambda: self.secrets, sign) as files:
            artifact = artifact_of(files, self._component_world)
            return publish(files, target, artifact, ctx, dry_run=dry_run, force=force, explicit_tag=bool(target.tag))

    def registry_search(
        self, query: str, registry: str | None = None, top: int = 10, insecure: Iterable[str] = ()
    ) -> list[RegistryHit]:
        """A registry's skills (the default one unless `registry`) ranked by meaning against `query`."""
        from engine.distribution.oci.search import checked_registry, registry_search

        ref = checked_registry(registry or self.default_registry()[0])
        return registry_search(ref, query, self._installer.context(insecure=insecure), top)

    def _component_world(self, wasm: Path) -> tuple[list[str], list[str]]:
        """(imports, exports) of a component, through the compile cache (published in the OCI config)."""
        _sha, component = self.runtime.compile(wasm.read_bytes(), str(wasm))
        kind = component.type
        return sorted(kind.imports(self.runtime.engine)), sorted(kind.exports(self.runtime.engine))

    # ---- distribution: the lock (update, sync, pull-run, prune) -----------------------------

    def updates(self, names: Iterable[str] | None = None, insecure: Iterable[str] = ()) -> list[UpdateInfo]:
        """What each installed skill's source (or those of `names`) resolves to now, against what is
        installed: cheap (a HEAD request, `git ls-remote`, a folder's hashes), nothing fetched or changed.
        The app calls it in the background for its "update available" mark."""
        from engine.distribution.updates import check_updates

        return check_updates(self._installer, names, self._installer.context(insecure=insecure))

    @writes("update a skill")
    def update(
        self,
        name: str,
        *,
        review: Review | None = None,
        allow_downgrade: bool = False,
        on_step: OnStep | None = None,
        insecure: Iterable[str] = (),
    ) -> InstallReport:
        """Update one skill from its source, pinned again in skills.lock. Wider capabilities or another
        signer go through `review` (as `install`'s); a lower version needs `allow_downgrade` (UsageError
        otherwise). Until the new version is verified, compiled and accepted the installed one serves."""
        from engine.distribution.fetching import quiet
        from engine.distribution.updates import update

        return update(
            self._installer,
            name,
            review=review,
            allow_downgrade=allow_downgrade,
            on_step=on_step or quiet,
            insecure=insecure,
        )

    @writes("sync the store with skills.lock")
    def sync(
        self,
        *,
        prune: bool = False,
        review: Review | None = None,
        on_step: OnStep | None = None,
        insecure: Iterable[str] = (),
    ) -> list[Synced]:
        """Make the store equal to skills.lock (see engine.distribution.sync): one Synced per skill."""
        from engine.distribution.fetching import quiet
        from engine.distribution.sync import sync

        ctx = self._installer.context(on_step or quiet, insecure)
        return sync(self._installer, ctx, prune=prune, review=review)

    @writes("pull and run a skill")
    def pull_run(
        self,
        source: str,
        tool: str,
        args: dict[str, Any] | None = None,
        *,
        arg_texts: Iterable[tuple[str, str]] = (),
        config: dict[str, str] | None = None,
        keep: bool = False,
        no_cache: bool = False,
        timeout: float | None = None,
        review: Review | None = None,
        on_step: OnStep | None = None,
        on_event: OnEvent | None = None,
        insecure: Iterable[str] = (),
    ) -> RunResult:
        """Fetch `source` (from the blob cache alone when pinned by digest and cached), verify it, and run
        `tool` in a throw-away home whose default instance has `config` (typed as declared; secrets only in
        memory). `arg_texts`: `--arg` values as typed, each taking its parameter's declared type. Store and
        lock are left alone unless `keep` (then a normal install, pinned). The run is recorded so `prune`
        keeps what it used for 24 h."""
        from engine.distribution.fetching import quiet
        from engine.distribution.installer import InstallOptions, lock_entry
        from engine.distribution.lockfile import folder_files
        from engine.distribution.pullruns import MemorySecrets, answered_once, fetched_for_run, record, scratch_home
        from engine.distribution.trust import check_signature
        from engine.values import coerce_cli_value

        review = answered_once(review)
        installer = self._installer
        pulled = fetched_for_run(installer, source, no_cache=no_cache, on_step=on_step or quiet, insecure=insecure)
        with pulled as (fetched, ctx):
            signer = check_signature(self.home, fetched)
            folder = installer.built(fetched, ctx)
            if self._store.component_of(folder) is None:  # before a throw-away install and its review
                raise UsageError(
                    f"{fetched.source} is a knowledge skill (SKILL.md, no tools): nothing to run; "
                    f"install it with `skill install {fetched.source}` to read it"
                )
            with scratch_home(self.home) as home:
                scratch = Engine(home)
                scratch._runtime = self.runtime
                scratch._secrets = MemorySecrets(home)
                skill = scratch._store.install(folder, review=review).skill
                if config:
                    scratch.config.save(skill.name, DEFAULT, scratch.config.parse(skill.name, config))
                found = skill.tool(tool)
                typed = {k: coerce_cli_value(found.param(k) if found else None, v) for k, v in arg_texts}
                result = scratch.run(
                    f"{skill.name}:{tool}",
                    {**(args or {}), **typed},
                    timeout=timeout,
                    on_event=on_event,
                    source="pull-run",
                )
                scratch.flush()
            record(self.home, lock_entry(skill, fetched.source, fetched.resolved, folder_files(folder), signer))
            if keep:
                installer.install_fetched(fetched, ctx, InstallOptions(), review)
        return result

    @writes("prune the cache")
    def prune(self, dry_run: bool = False) -> PruneReport:
        """Delete the cached blobs, builds and compiled components that no installed skill, lock or pull-run
        of the last 24 h uses, in any home sharing this cache; nothing younger than a few minutes."""
        from engine.distribution.prune import prune

        return prune(self.home, dry_run=dry_run)

    # ---- distribution: signing keys and trust -------------------------------------------------

    @writes("create a signing key")
    def keygen(self, force: bool = False) -> SigningKey:
        """The user's signing key: created (secret key in the secret store, never a file) if there is none or
        `force`, else the existing one (`created` False)."""
        from engine.distribution.signing import keygen

        return keygen(self.secrets, force)

    def sign(self, folder: str | Path) -> tuple[Statement, Path]:
        """Sign the skill in `folder` with the user's key: writes `folder/skill.minisig`."""
        from engine.distribution.signing import sign_folder, statement

        path = sign_folder(self.home, self.secrets, Path(folder))
        return statement(Path(folder)), path

    def statement(self, folder: str | Path) -> Statement:
        """What a signature of the skill in `folder` covers (`.to_bytes()`: the file the stock minisign signs)."""
        from engine.distribution.signing import statement

        return statement(Path(folder))

    def trusted_keys(self) -> list[TrustedKey]:
        from engine.distribution.trust import TrustStore

        return [key for _id, key in sorted(TrustStore(self.home).read().items())]

    @writes("trust a key")
    def trust(self, key: str, scopes: Iterable[str] = (), name: str | None = None) -> TrustedKey:
        """Trust a minisign public key (its base64 line or a .pub file) to sign skills from `scopes` (source
        patterns; default any). A key trusted already gains the scopes (and the name, if given)."""
        from engine.distribution.trust import TrustStore, parse_key

        return TrustStore(self.home).add(parse_key(key), scopes, name)

    @writes("untrust a key")
    def untrust(self, key_id: str) -> TrustedKey:
        from engine.distribution.trust import TrustStore

        return TrustStore(self.home).remove(key_id)

    def trust_policy(self, policy: str | None = None) -> str:
        """The signature policy, `warn` (default) or `require`; set it when `policy` is given."""
        from engine.distribution import trust

        if policy is None:
            return trust.policy(self.home)
        self.home.check_writable("set the signature policy")
        return trust.set_policy(self.home, policy)
