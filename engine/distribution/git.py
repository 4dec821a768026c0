"""Fetch a skill folder from git with the git CLI: resolved to a full commit, shallow, sparse, never prompting.

The git CLI rather than a library: it brings the user's credential helpers, SSH config and url rewrites
(`url.<base>.insteadOf`, which the tests use to send github: specs to a local server), and partial clone.

    ls-remote URL (the ref as a peeled tag, then a branch, then a full commit; none: the remote's HEAD)
    init, remote add, sparse-checkout set --no-cone /SUBDIRECTORY/
    fetch --depth=1 --filter=blob:none origin COMMIT     only the skill folder's blobs come down
    checkout COMMIT, and HEAD must be COMMIT

Only the skill folder is handed over: it is moved out of the checkout (whose .git is deleted with it), and
checked by `safety.check_tree`. No git command may prompt: no terminal (a new session, stdin closed),
GIT_TERMINAL_PROMPT=0, GIT_ASKPASS=true, SSH in batch mode through SSH_ASKPASS_REQUIRE=never, and each
command has a timeout after which its whole process group is killed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path, PurePosixPath
from typing import NoReturn

from engine.distribution.fetching import FetchContext, Fetched, Step
from engine.distribution.safety import check_plain_http, check_tree
from engine.distribution.sources import GitSource
from engine.errors import IntegrityError, SourceError, UsageError

LS_REMOTE_TIMEOUT_S = 60
FETCH_TIMEOUT_S = 600
_COMMIT = re.compile(r"[0-9a-f]{40}")
_REF = re.compile(r"[A-Za-z0-9_.+][A-Za-z0-9_.+/-]*")
# every command: v2 (fetches a reachable commit by hash), objects checked, no hooks, no advice on stderr
_CONFIG = (
    "-c",
    "protocol.version=2",
    "-c",
    "transfer.fsckObjects=true",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "advice.detachedHead=false",
    "-c",
    "init.defaultBranch=main",
)
_AUTH = ("terminal prompts disabled", "could not read username", "authentication failed", "permission denied")
_SKILL_FILES = ("skill.yaml", "skill.yml", "SKILL.md", "skill.js", "skill.ts", "index.js", "package.json")


def resolve_git(source: GitSource, ctx: FetchContext) -> str:
    """The full 40-hex commit `source`'s ref (default branch if none) names now: `git ls-remote`."""
    check_plain_http(source.url, ctx.insecure, source.spec)
    ctx.on_step(Step("resolve", f"resolving {source.ref or 'the default branch'} of {source.url}"))
    ref = source.ref
    if ref is None:
        wanted = ["HEAD"]
    else:
        if not _REF.fullmatch(ref) or ".." in ref:
            raise UsageError(f"{source.spec}: {ref!r} is not a git ref; give a tag, a branch or a full commit")
        wanted = [f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}", f"refs/heads/{ref}"]
    out = _git("ls-remote", source.url, *wanted, doing=f"listing the refs of {source.url}", timeout=LS_REMOTE_TIMEOUT_S)
    refs = {}
    for line in out.splitlines():
        commit, _, name = line.partition("\t")
        refs[name] = commit
    for name in wanted:  # in order: a tag (peeled to its commit), a tag, a branch
        if name in refs:
            return refs[name]
    if ref is not None and _COMMIT.fullmatch(ref):
        return ref
    if ref is None:
        raise SourceError(f"{source.url} has no default branch (HEAD); name a branch or tag with @REF")
    raise SourceError(
        f"{source.url} has no tag or branch {ref!r}; give a tag, a branch or a full 40-hex commit "
        f"(`git ls-remote {source.url}` lists them)"
    )


def fetch_git(source: GitSource, ctx: FetchContext) -> Fetched:
    """The skill folder at the commit `source` resolves to, staged under the home's tmp/ with no .git."""
    commit = resolve_git(source, ctx)
    at = f"{source.url}@{commit[:12]}"
    ctx.home.tmp.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix="git-", dir=ctx.home.tmp))
    try:
        checkout = staged / "checkout"
        checkout.mkdir()
        _git("init", "-q", doing="git init", cwd=checkout)
        _git("remote", "add", "origin", source.url, doing="git remote add", cwd=checkout)
        if source.subdirectory:
            _git("sparse-checkout", "set", "--no-cone", f"/{source.subdirectory}/", doing="sparse", cwd=checkout)
        where = f"only {source.subdirectory}/" if source.subdirectory else "the whole tree"
        ctx.on_step(Step("download", f"fetching {at} (shallow, {where})"))
        fetch = ("fetch", "-q", "--depth=1", "--filter=blob:none", "origin", commit)
        _git(*fetch, doing=f"fetching {commit} from {source.url}", cwd=checkout, timeout=FETCH_TIMEOUT_S)
        _git("checkout", "-q", "--detach", commit, doing=f"checking out {at}", cwd=checkout, timeout=FETCH_TIMEOUT_S)
        head = _git("rev-parse", "HEAD", doing="git rev-parse", cwd=checkout).strip()
        if head != commit:
            raise IntegrityError(f"{source.spec}: the checkout is at {head}, not the commit {commit} that was asked")
        ctx.on_step(Step("verify", f"checked out {commit}"))
        folder = staged / "skill"
        os.rename(_skill_folder(checkout, source, commit), folder)
        shutil.rmtree(folder / ".git" if not source.subdirectory else checkout, ignore_errors=True)
        check_tree(folder, source.pinned(commit))
        return Fetched(folder, source.spec, source.pinned(commit), staged=staged)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise


def _skill_folder(checkout: Path, source: GitSource, commit: str) -> Path:
    """The subdirectory inside `checkout`: a real folder reached through no symlink, holding a skill."""
    where = source.pinned(commit)
    folder = checkout
    parts = PurePosixPath(source.subdirectory or ".").parts
    for depth, part in enumerate(parts):
        folder = folder / part
        if folder.is_symlink():
            _no_link(where, folder.relative_to(checkout).as_posix())
        if not folder.is_dir():
            # a symlink in the tree is no folder, so the sparse pattern did not check it out: ask the tree
            for rel in ("/".join(parts[: i + 1]) for i in range(depth, len(parts))):
                if _git("ls-tree", "HEAD", "--", rel, doing="git ls-tree", cwd=checkout).startswith("120000"):
                    _no_link(where, rel)
            raise SourceError(
                f"{source.url} has no folder {source.subdirectory!r} at {commit[:12]}; "
                "check the path after #subdirectory= (or github:USER/REPO@REF#PATH)"
            )
    if not folder.resolve().is_relative_to(checkout.resolve()):  # belt and braces: the parser refuses '..'
        raise SourceError(f"{where}: the subdirectory leads outside the repository")
    if not any((folder / name).is_file() for name in _SKILL_FILES) and not any(folder.glob("*.wasm")):
        raise SourceError(
            f"{where}: {source.subdirectory or 'the repository root'} holds no skill (no skill.yaml, SKILL.md, "
            "skill.js or component); name the skill's folder with #subdirectory=PATH"
        )
    return folder


def _no_link(where: str, rel: str) -> NoReturn:
    raise SourceError(
        f"{where}: {rel} is a symlink; name the real folder after #subdirectory= "
        "(a fetched skill folder is never reached through a link)"
    )


def _env() -> dict[str, str]:
    """The user's environment (credential helpers, SSH agent and config, url rewrites) minus any prompt."""
    return {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "true",
        "SSH_ASKPASS_REQUIRE": "never",
        "GCM_INTERACTIVE": "never",
        "LC_ALL": "C",
    }


def _git(*args: str, doing: str, cwd: Path | None = None, timeout: float = LS_REMOTE_TIMEOUT_S) -> str:
    """Run git (list arguments, no shell, no terminal); its stdout, or SourceError with git's own reason."""
    try:
        proc = subprocess.Popen(
            ["git", *_CONFIG, *args],
            cwd=cwd,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # no controlling terminal: nothing can prompt; one group to kill
        )
    except FileNotFoundError:
        raise SourceError("git is not installed; install git to use git+... and github: sources") from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise SourceError(f"{doing}: no answer in {timeout:.0f} s; check the remote and your network") from None
    if proc.returncode != 0:
        raise SourceError(f"{doing}: {_reason(err)}")
    return out


def _reason(stderr: str) -> str:
    """git's last fatal/error line, and what to do when it is about credentials."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    reason = (fatal or lines or ["git failed with no message"])[-1]
    reason = re.sub(r"^(fatal|error):\s*", "", reason)
    if "not our ref" in reason or "unadvertised object" in reason:
        reason += "; no such commit in the repository: check the hash (or give a tag or branch)"
    elif "not found" in reason or "does not appear to be a git repository" in reason:
        reason += "; check the repository URL"
    elif any(word in stderr.lower() for word in _AUTH):
        reason += (
            "; the remote wants credentials: set up a git credential helper or an SSH key "
            "(skill never prompts for a password)"
        )
    return reason
