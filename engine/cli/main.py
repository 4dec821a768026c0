"""`skill`: the scriptable front door. `--json` wherever it prints data.

This module is the whole command line: every command, its arguments and its help, the
dispatch to the one module under `engine.cli.commands` that runs it, and the exit codes:
0 success, 1 the tool or run failed, 2 bad usage or input (a SkillError carries its
own), 130 Ctrl+C. With `--json` on the command line every failure, a usage error
included, is one JSON object on stdout: {"ok": false, "error": {"code": ..., "message": ...}}
(see `engine.cli.output.fail`). Only the chosen command's module is imported, and it
imports only what it needs (wasmtime only for commands that run components), so
`skill run` starts close to the bare interpreter.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import re
import sys
from collections.abc import Sequence

from engine import __version__
from engine.background import background
from engine.cli.output import fail
from engine.errors import SkillError, UsageError, shown

MCP_CLIENTS = ("claude-code", "claude-desktop", "cursor")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is a UsageError like every other: one line, or JSON with --json."""

    def error(self, message: str) -> None:  # type: ignore[override]  # raises instead of exiting
        raise UsageError(f"{self.prog}: {_unrepr(message)} (see `{self.prog} --help`)")


def _unrepr(message: str) -> str:
    """argparse's messages with values as people type them, not Python reprs and type names:
    "invalid int value: 'x'" → 'expected an integer, got "x"'."""
    kinds = {"int": "an integer", "float": "a number"}
    message = re.sub(
        r"invalid (int|float) value: '(.*)'$", lambda m: f"expected {kinds[m[1]]}, got {shown(m[2])}", message
    )
    return re.sub(
        r"invalid choice: '(.*?)' \(choose from (.*)\)$",
        lambda m: f"invalid choice {shown(m[1])} (choose from {m[2].replace(chr(39), '')})",
        message,
    )


def _count(text: str) -> int:
    """`skill find --top`: a whole number from 1 to 1000."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"{value} is out of range; give 1 to 1000")
    return value


def _insecure(sp: argparse.ArgumentParser) -> None:
    sp.add_argument(
        "--insecure-registry",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="reach this registry over plain HTTP (loopback always may be)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Every command in the order `skill --help` lists them; each one's `module` runs it."""
    p = _Parser(prog="skill", description="Install, configure and run WebAssembly skills.")
    p.add_argument("--version", action="version", version=f"skill {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help: str, json_flag: bool = True, module: str | None = None) -> argparse.ArgumentParser:
        """A command run by `engine.cli.commands.<module>` (default: its name with `_` for `-`)."""
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(module=module or name.replace("-", "_"))
        if json_flag:
            sp.add_argument("--json", action="store_true", help="print machine-readable JSON")
        return sp

    # ---- skills: install, list, info, run, remove, history, doctor ----

    sp = add(
        "install", "install a skill: a folder, .wasm, oci://..., NAME[@VERSION], github:/git+..., or a .tar.gz/.zip URL"
    )
    sp.add_argument(
        "path",
        metavar="SOURCE",
        help="a skill folder or .wasm; oci://HOST/REPO[:TAG|@sha256:..]; NAME[@VERSION] from the default registry; "
        "github:USER/REPO[@REF][#PATH]; git+https://HOST/REPO.git[@REF][#subdirectory=PATH]; https://.../skill.tar.gz",
    )
    sp.add_argument("--name", help="install under this name instead of the skill's own")
    sp.add_argument("--force", action="store_true", help="replace an installed skill of the same version")
    sp.add_argument(
        "--yes", "-y", action="store_true", help="accept what the skill asks for (network, secrets) without asking"
    )
    sp.add_argument(
        "--sha256", metavar="HEX", help="the expected sha256 of a .tar.gz/.zip URL (required unless signed)"
    )
    sp.add_argument("--locked", action="store_true", help="fail if skills.lock would change (CI)")
    sp.add_argument(
        "--allow-scripts",
        action="store_true",
        help="let a knowledge skill's scripts/*.py run in the Python sandbox (skill script, MCP run_skill_script)",
    )
    _insecure(sp)

    add("list", "list installed skills", module="list_skills")

    sp = add("info", "show a skill's tools, config and limits")
    sp.add_argument("name")

    sp = add("validate", "check a SKILL.md folder against the Agent Skills spec: skill validate DIR [--strict]")
    sp.add_argument("dir", metavar="DIR", help="a skill folder (holding SKILL.md), or an installed skill's name")
    sp.add_argument("--strict", action="store_true", help="count warnings as errors (as the spec's validator does)")

    sp = add("export", "write a skill where agents load skills natively: skill export NAME --to claude|agents")
    sp.add_argument("name")
    sp.add_argument(
        "--to",
        required=True,
        choices=("claude", "agents"),
        help="claude: ~/.claude/skills/NAME; agents: ~/.agents/skills/NAME (the Agent Skills folder)",
    )
    sp.add_argument(
        "--project",
        nargs="?",
        const=".",
        metavar="DIR",
        help="into the project DIR (default: the current folder) instead of your home",
    )
    sp.add_argument(
        "--link", action="store_true", help="knowledge skills: link to the installed skill (follows upgrades)"
    )
    sp.add_argument("--force", action="store_true", help="replace a folder that is not an earlier export")

    sp = add("show", "print what an agent receives: the loaded skill, or one of its files")
    sp.add_argument("name")
    sp.add_argument("path", nargs="?", metavar="PATH", help="a file of the skill, e.g. references/guide.md")

    sp = add("script", "run an Agent Skill's scripts/PATH.py in the Python sandbox (installed --allow-scripts)")
    sp.add_argument("name")
    sp.add_argument("path", metavar="PATH", help="the script, e.g. scripts/report.py or report.py")
    sp.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS", help="the script's arguments")
    sp.add_argument("--timeout", type=float, metavar="S", help="time limit in seconds for this run")

    sp = add("run", "run a tool: skill run NAME[@INSTANCE]:TOOL --arg k=v")
    sp.add_argument("ref", metavar="NAME[@INSTANCE]:TOOL")
    sp.add_argument("--arg", action="append", metavar="K=V", help="a tool argument (repeatable)")
    sp.add_argument("--args", metavar="JSON", help="all arguments as one JSON object")
    sp.add_argument("--timeout", type=float, metavar="S", help="time limit in seconds for this run")

    sp = add("remove", "remove an installed skill")
    sp.add_argument("name")
    sp.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    sp.add_argument("--purge", action="store_true", help="also delete the skill's instances and their data")

    sp = add("history", "show recent runs")
    sp.add_argument("--limit", type=int, default=20, metavar="N", help="show the last N runs (default 20)")

    add("doctor", "check the engine, its cache and the build toolchain")

    # ---- distribution: registries, git, the lock, signatures ----

    sp = add("registry", "show or set the default registry that serves `skill install NAME[@VERSION]`")
    sp.add_argument("action", nargs="?", choices=["show", "set", "unset"], default="show")
    sp.add_argument("ref", nargs="?", metavar="oci://HOST/PREFIX", help="set: the registry and repository prefix")

    sp = add("login", "keep credentials for a registry in the secret store (keyring or vault)")
    sp.add_argument("registry", metavar="REGISTRY", help="HOST[:PORT] or oci://HOST[:PORT]")
    sp.add_argument("--username", "-u", metavar="USER", help="the user name (default: asked, or SKILL_REGISTRY_USER)")
    sp.add_argument("--password-stdin", action="store_true", help="read the password or token from stdin")

    sp = add("logout", "forget a registry's credentials", module="login")
    sp.add_argument("registry", metavar="REGISTRY")

    sp = add("search", "search a registry's skills by meaning: skill search 'convert units'")
    sp.add_argument("query", nargs="+", help="what you want to do, in your own words")
    sp.add_argument("--registry", metavar="oci://HOST/PREFIX", help="this registry instead of the default one")
    sp.add_argument("--top", "-k", type=_count, default=10, metavar="K", help="show the K best results (default 10)")
    _insecure(sp)

    sp = add("update", "update installed skills from their sources (shows version, digest, capability, signer changes)")
    sp.add_argument("name", nargs="?", help="only this skill")
    sp.add_argument("--all", action="store_true", help="every skill installed from a registry, git or a URL")
    sp.add_argument("--check", action="store_true", help="only show what would change; change nothing")
    sp.add_argument("--yes", "-y", action="store_true", help="accept wider capabilities or a new signer")
    sp.add_argument("--allow-downgrade", action="store_true", help="accept a lower version")
    _insecure(sp)

    sp = add("sync", "make the store equal to skills.lock: fetch what is missing, verify everything")
    sp.add_argument("--prune", action="store_true", help="also remove installed skills the lock does not list")
    sp.add_argument("--yes", "-y", action="store_true", help="accept what the locked skills ask for")
    _insecure(sp)

    sp = add("pull-run", "fetch a skill (or reuse the cache), run one tool in a throw-away instance")
    sp.add_argument(
        "ref", metavar="SOURCE", help="what `skill install` takes: oci://..., NAME[@VERSION], git+..., a path"
    )
    sp.add_argument("tool", metavar="TOOL")
    sp.add_argument("--arg", action="append", metavar="K=V", help="a tool argument (repeatable)")
    sp.add_argument("--args", metavar="JSON", help="all arguments as one JSON object")
    sp.add_argument("--config", action="append", metavar="K=V", help="a config value of the throw-away instance")
    sp.add_argument("--keep", action="store_true", help="install it (store and lock) as well")
    sp.add_argument("--no-cache", action="store_true", help="fetch again even if the cache has it")
    sp.add_argument("--timeout", type=float, metavar="S", help="time limit in seconds for this run")
    sp.add_argument("--yes", "-y", action="store_true", help="accept what the skill asks for (network, secrets)")
    _insecure(sp)

    sp = add("publish", "push a skill to an OCI registry: skill publish SKILL_OR_FOLDER oci://HOST/REPO:TAG")
    sp.add_argument("skill", metavar="SKILL_OR_FOLDER", help="an installed skill's name or a skill folder")
    sp.add_argument("ref", metavar="oci://HOST/REPO:TAG")
    sp.add_argument("--dry-run", action="store_true", help="print the manifest, digests and sizes; write nothing")
    sp.add_argument("--sign", action="store_true", help="sign it with your key (`skill keygen`)")
    sp.add_argument("--force", action="store_true", help="move an existing version tag to this digest")
    _insecure(sp)

    sp = add("prune", "delete cached blobs and builds that no installed skill, the lock or a recent pull-run uses")
    sp.add_argument("--dry-run", action="store_true", help="only print what would be freed")

    sp = add("keygen", "create your signing key (secret key in the secret store); prints the public key")
    sp.add_argument("--force", action="store_true", help="replace an existing key")

    sp = add("sign", "sign a skill folder with your key (writes FOLDER/skill.minisig), or print what is signed")
    sp.add_argument("folder", metavar="FOLDER", help="a skill folder holding its component and skill.yaml")
    sp.add_argument(
        "--statement",
        action="store_true",
        help="print the statement a signature covers, to sign with the stock minisign instead (see README)",
    )

    sp = add("trust", "manage the keys trusted to sign skills: add, list, remove, policy")
    sp.add_argument("action", choices=["add", "list", "remove", "policy"])
    sp.add_argument(
        "key",
        nargs="?",
        metavar="KEY",
        help="add: a minisign public key (base64 or a .pub file); remove: its id; policy: warn|require",
    )
    sp.add_argument(
        "--scope",
        action="append",
        metavar="PATTERN",
        help="add: sources it may sign, e.g. oci://ghcr.io/acme/* (default: any)",
    )
    sp.add_argument("--name", metavar="NAME", help="add: a label for the key")

    # ---- instances and their configuration ----

    sp = add("instances", "list instances and whether each is ready to run")
    sp.add_argument("name", nargs="?", help="only this skill's instances")
    sp.add_argument("--check", action="store_true", help="also ask each skill's validate-config")

    sp = add("instance", "add, remove, rename or copy an instance")
    sp.add_argument("action", choices=["add", "remove", "rename", "copy"])
    sp.add_argument("ref", metavar="NAME@INSTANCE")
    sp.add_argument("new", nargs="?", metavar="NEW", help="the new instance name (rename, copy)")
    sp.add_argument("--with-secrets", action="store_true", help="copy: copy the secret values too")
    sp.add_argument("--yes", "-y", action="store_true", help="remove: do not ask for confirmation")

    sp = add("config", "show or change an instance's configuration")
    sp.add_argument("ref", metavar="NAME[@INSTANCE]")
    sp.add_argument("--set", action="append", metavar="K=V", help="set a value (repeatable)")
    sp.add_argument(
        "--secret", action="append", metavar="K=V", help="set a value kept in the secret store (repeatable)"
    )
    sp.add_argument("--unset", action="append", metavar="K", help="remove a value (repeatable)")
    sp.add_argument("--get", metavar="K", help="print one value (secrets included: you asked for it)")
    sp.add_argument("--show", action="store_true", help="show the configuration (the default)")
    sp.add_argument("--export", metavar="FILE", help="write the configuration as TOML (- for stdout)")
    sp.add_argument("--include-secrets", action="store_true", help="--export: include secret values")
    sp.add_argument("--import", dest="import_", metavar="FILE", help="load values from a TOML file")
    sp.add_argument("--edit", action="store_true", help="edit config.toml in $EDITOR; validated on save")
    sp.add_argument("--timeout", type=float, metavar="S", help="this instance's time limit per run")
    sp.add_argument("--memory", type=int, metavar="MB", help="this instance's memory limit per run")

    # ---- network: grant, revoke, grants ----

    for name, verb in (("grant", "allow"), ("revoke", "take away")):
        sp = add(
            name,
            f"{verb} network patterns for an instance: skill {name} SKILL[@INSTANCE] --net PATTERN...",
            module="grant",
        )
        sp.add_argument("ref", metavar="SKILL[@INSTANCE]")
        sp.add_argument(
            "--net",
            nargs="+",
            action="extend",
            required=True,
            metavar="PATTERN",
            help="[scheme://]host[:port], e.g. api.github.com, *.example.com, http://localhost:8000..8100",
        )

    sp = add("grants", "show what each instance may reach on the network (declared, granted, revoked)")
    sp.add_argument("name", nargs="?", help="only this skill's instances")

    # ---- writing skills: init, build, test, dev ----

    sp = add("init", "create a skill project: skill init DIR [--template js|ts|python|knowledge]", json_flag=False)
    sp.add_argument("dir", nargs="?", metavar="DIR")
    sp.add_argument(
        "--template", "-t", default="js", metavar="NAME", help="js (default), ts, python or knowledge; see --list"
    )
    sp.add_argument("--name", help="skill name (default: the folder's name)")
    sp.add_argument("--description", help="one-line description")
    sp.add_argument("--list", action="store_true", help="list the templates")
    sp.add_argument("--force", action="store_true", help="write into a non-empty folder, overwriting files")

    sp = add("build", "build a JS/TS or Python skill folder into a WebAssembly component")
    sp.add_argument("dir", nargs="?", default=".", metavar="DIR", help="skill folder (default .) or a .js/.ts/.py file")
    sp.add_argument(
        "-o",
        "--out",
        metavar="OUT",
        help="where to write the component (default: skill.yaml's component:, else dist/NAME.wasm)",
    )
    sp.add_argument("--no-check", action="store_true", help="skip compiling it and checking its exports")

    sp = add("test", "build a skill and run its tests.yaml against the component")
    sp.add_argument("dir", nargs="?", default=".", metavar="DIR")
    sp.add_argument("--file", metavar="YAML", help="the test file (default DIR/tests.yaml)")
    sp.add_argument("-k", metavar="TEXT", help="only the cases whose tool or label contains TEXT")

    sp = add("dev", "watch a skill folder and hot-reload it on every save", json_flag=False)
    sp.add_argument("dir", nargs="?", default=".", metavar="DIR")
    sp.add_argument("--instance", "-i", default="default", metavar="I", help="instance whose config/data to use")
    sp.add_argument("--run", metavar="TOOL", help="run this tool after every reload and print the result")
    sp.add_argument("--args", metavar="JSON", help="arguments for --run as one JSON object")
    sp.add_argument("--arg", action="append", metavar="K=V", help="one argument for --run (repeatable)")
    sp.add_argument(
        "--no-release", action="store_true", help="do not build and install the real component in the background"
    )
    sp.add_argument("--max-reloads", type=int, metavar="N", help="stop after N reloads (scripts, tests)")
    sp.add_argument("--stop-after", type=float, metavar="S", help="stop after S seconds (scripts, tests)")

    # ---- finding tools ----

    sp = add("find", "find tools by what they do: skill find 'upload a file to a bucket'")
    sp.add_argument("query", nargs="+", help="what you want to do, in your own words")
    sp.add_argument("--top", "-k", type=_count, default=5, metavar="K", help="show the K best results (default 5)")
    sp.add_argument("--skill", metavar="S", help="only tools of this skill")
    sp.add_argument("--instance", metavar="I", help="only skills that have this instance (used in the command line)")
    sp.add_argument("--tag", metavar="T", help="only skills tagged T (SKILL.md metadata tags/keywords)")
    sp.add_argument(
        "--mode",
        choices=("fused", "dense", "keyword"),
        default="fused",
        help="order the results by meaning + keywords (default), meaning only or keywords only",
    )

    # ---- MCP: serve, mcp-config ----

    sp = add(
        "serve",
        "serve the installed skills: MCP over stdio, or --http: MCP, the REST API and metrics on one port",
        json_flag=False,
    )
    sp.add_argument("name", nargs="*", metavar="NAME", help="serve only these skills (as --skill)")
    sp.add_argument("--http", action="store_true", help="serve HTTP: MCP at --path, REST under /api/v1, /metrics")
    sp.add_argument("--http-only", action="store_true", help="HTTP without MCP (REST, probes and metrics)")
    sp.add_argument("--mcp-only", action="store_true", help="HTTP with MCP and the probes, without the REST API")
    sp.add_argument("--host", default="127.0.0.1", help="HTTP: address to listen on (default 127.0.0.1)")
    sp.add_argument("--port", type=int, default=8765, help="HTTP: port (default 8765; 0 picks a free one)")
    sp.add_argument("--path", default="/mcp", help="HTTP: URL path of the MCP endpoint (default /mcp)")
    sp.add_argument(
        "--token-file",
        metavar="FILE",
        help="HTTP: the bearer token clients must send (else $SKILL_SERVE_TOKEN); required off loopback",
    )
    sp.add_argument("--tls-cert", metavar="PEM", help="HTTP: serve HTTPS with this certificate chain")
    sp.add_argument("--tls-key", metavar="PEM", help="HTTP: ... and this private key")
    sp.add_argument(
        "--cors-origin",
        action="append",
        metavar="URL",
        help="HTTP: let browser pages from this origin call the API (repeatable; never *)",
    )
    sp.add_argument(
        "--rate-limit",
        metavar="N/min",
        help="HTTP: runs (execute, stream, MCP tools/call) per token per minute, e.g. 60/min",
    )
    sp.add_argument(
        "--max-in-flight", type=int, default=32, metavar="N", help="HTTP: runs at once; more get 503 (default 32)"
    )
    sp.add_argument(
        "--stateless", action="store_true", help="HTTP: MCP without sessions, so any replica answers any request"
    )
    sp.add_argument("--log-json", action="store_true", help="HTTP: print one JSON line per run on stdout")
    sp.add_argument("--skill", action="append", metavar="NAME", help="serve only this skill (repeatable)")
    sp.add_argument(
        "--instance",
        action="append",
        metavar="[SKILL@]INSTANCE",
        help="serve only this instance (repeatable), e.g. default or notes@work",
    )
    sp.add_argument(
        "--timeout", type=float, metavar="S", help="time limit per call in seconds (default: each skill's own limit)"
    )
    sp.add_argument(
        "--max-output",
        type=int,
        default=64 * 1024,
        metavar="BYTES",
        help="cut each tool result's text at this size, marked (default 65536)",
    )
    sp.add_argument(
        "--lazy", action="store_true", help="list only list_skills, search_skills and call_skill (for very many skills)"
    )
    sp.add_argument(
        "--poll",
        type=float,
        default=1.0,
        metavar="S",
        help="how often to check for installed/removed skills and instances (default 1 s)",
    )
    sp.add_argument("--verbose", "-v", action="store_true", help="log each call to stderr")

    sp = add("mcp-config", "print the JSON that registers `skill serve` with an MCP client")
    sp.add_argument("--client", choices=MCP_CLIENTS, default="claude-code", help="the client (default claude-code)")
    sp.add_argument("--name", default="skills", help="the server's name in the client (default skills)")
    sp.add_argument("--url", metavar="URL", help="register a running `skill serve --http` at URL instead")
    sp.add_argument(
        "--token-file",
        metavar="FILE",
        help="with --url: the server's token, written into the config as its Authorization header",
    )
    sp.add_argument("--skill", action="append", metavar="NAME", help="serve only this skill (repeatable)")
    sp.add_argument("--instance", action="append", metavar="[SKILL@]INSTANCE", help="serve only this instance")
    sp.add_argument("--timeout", type=float, metavar="S", help="time limit per call in seconds")
    sp.add_argument("--lazy", action="store_true", help="list only the meta tools")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv`, run the command, turn every SkillError into its line (or JSON) and exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in (argv[: argv.index("--")] if "--" in argv else argv)
    try:
        parser = build_parser()
        a = parser.parse_args(argv)
        if not getattr(a, "module", None):
            if as_json:
                raise UsageError("give a command (see `skill --help`)")
            parser.print_help()
            return 2
        command = importlib.import_module(f"engine.cli.commands.{a.module}")
        return command.run(a)
    except SkillError as e:
        fail(e.code, e.message, as_json)
        return e.exit_code
    except KeyboardInterrupt:
        fail("interrupted", "interrupted", as_json)
        return 130
    except BrokenPipeError:
        return 0


def entry() -> None:
    """The `skill` console script: `main` tuned for a short-lived process.

    The cyclic GC is off (no command here lives long enough to need it; it costs
    ~5 ms while the imports allocate), and the process exits without interpreter
    teardown: dropping wasmtime's engine and mapped code and the module graph costs
    ~15 ms, more than a whole tool call. Every file a command wrote is closed by
    then, so flushing the two streams is all that is left to do. A long-running
    command (serve, dev) calls gc.enable() first.
    """
    gc.disable()
    code = main()
    background().flush()  # the run history is written off the run's path
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(code)
