"""Git sources through the real `skill` command: git+file:// at a tag, git+http:// (the real `git http-backend`
on 127.0.0.1) at a branch and at a full commit, github: specs rewritten to the local server by git's own
url.<base>.insteadOf, a repository holding only sources (built with the pinned toolchain, npm dependencies
installed with scripts disabled), and each bad input: one clear line, exit 1 or 2, store and lock as they were.
"""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from fixtures.dist_state import home_state, leftovers, one_error
from fixtures.git_server import GitRepo, GitServer
from fixtures.static_server import StaticServer, publish_npm

pytestmark = pytest.mark.usefixtures("built_examples")


def locked(home, name: str) -> dict:
    return next(s for s in tomllib.loads(home.lock_file.read_text())["skill"] if s["name"] == name)


def two_skills(repo: GitRepo, examples: dict[str, Path]) -> str:
    return repo.commit({"skills/textkit": examples["textkit"], "skills/greeter": examples["greeter"]})


def test_install_at_a_tag_from_a_file_url(skill, home, tmp_path, built_examples):
    repo = GitRepo.create(tmp_path / "skills.git")
    tagged = two_skills(repo, built_examples)
    repo.tag("v1.0.0")  # annotated: its own object, peeled to the commit
    moved = repo.commit({"skills/textkit": built_examples["notes"]}, "main moves on")

    out = skill("install", f"git+{repo.url}@v1.0.0#subdirectory=skills/textkit")
    assert "textkit 1.0.0 installed" in out.stdout
    entry = locked(home, "textkit")
    assert entry["source"] == f"git+{repo.url}@v1.0.0#subdirectory=skills/textkit"
    assert entry["resolved"] == f"git+{repo.url}@{tagged}#subdirectory=skills/textkit"
    assert tagged != moved and repo.rev("v1.0.0") == tagged
    run = skill("run", "textkit:slugify", "--arg", "text=Héllo Wörld", "--json")
    assert json.loads(run.stdout)["output"] == "hello-world"
    assert not list(home.packages.rglob(".git")) and leftovers(home.root) == []


def test_install_a_branch_and_the_default_branch_over_http(skill, home, git_server: GitServer, built_examples):
    repo = git_server.repo("skills.git")
    two_skills(repo, built_examples)
    dev = repo.commit({"skills/greeter": built_examples["greeter"], "skills/x": b"x"}, branch="dev")

    skill("install", f"git+{git_server.url('skills.git')}@dev#subdirectory=skills/greeter")
    assert (
        locked(home, "greeter")["resolved"] == f"git+{git_server.url('skills.git')}@{dev}#subdirectory=skills/greeter"
    )
    skill("install", f"git+{git_server.url('skills.git')}#subdirectory=skills/textkit")
    assert locked(home, "textkit")["resolved"].endswith(f"@{repo.rev('main')}#subdirectory=skills/textkit")
    assert json.loads(skill("run", "greeter:greet", "--arg", "name=Ada", "--json").stdout)["ok"]


def test_a_full_commit_that_no_ref_points_at(skill, home, git_server: GitServer, built_examples):
    repo = git_server.repo("skills.git")
    old = two_skills(repo, built_examples)
    repo.commit({"skills/greeter": built_examples["notes"]}, "greeter replaced")
    skill("install", f"git+{git_server.url('skills.git')}@{old}#subdirectory=skills/greeter")
    assert (
        locked(home, "greeter")["resolved"] == f"git+{git_server.url('skills.git')}@{old}#subdirectory=skills/greeter"
    )


def test_github_spec_goes_where_git_config_rewrites_it(skill, home, git_server: GitServer, built_examples):
    repo = git_server.repo("acme/skills.git")
    commit = two_skills(repo, built_examples)
    repo.tag("v2", annotated=False)
    rewrite = {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{git_server.base}/.insteadOf",
        "GIT_CONFIG_VALUE_0": "https://github.com/",
    }
    skill("install", "github:acme/skills@v2#skills/textkit", env=rewrite)
    entry = locked(home, "textkit")
    assert entry["source"] == "git+https://github.com/acme/skills.git@v2#subdirectory=skills/textkit"
    assert entry["resolved"] == f"git+https://github.com/acme/skills.git@{commit}#subdirectory=skills/textkit"


def test_a_repository_of_sources_is_built(skill, home, tmp_path, built_examples):
    """Only skill.yaml, SKILL.md and skill.js: the installer builds it with the pinned toolchain."""
    sources = tmp_path / "greeter"
    sources.mkdir()
    for name in ("skill.yaml", "SKILL.md", "skill.js"):
        (sources / name).write_bytes((built_examples["greeter"] / name).read_bytes())
    repo = GitRepo.create(tmp_path / "src.git")
    commit = repo.commit({"greeter": sources})
    out = skill("install", f"git+{repo.url}#subdirectory=greeter")
    assert "greeter 1.0.0 installed" in out.stdout
    assert "building" in out.stderr
    assert locked(home, "greeter")["resolved"].endswith(f"@{commit}#subdirectory=greeter")
    assert json.loads(skill("run", "greeter:greet", "--arg", "name=Ada", "--json").stdout)["ok"]


SHOUTER_JS = """import { defineSkill, ok } from "@skill-engine/sdk";
import shout from "tiny-shout";

export default defineSkill({
  metadata: { name: "shouter", version: "0.1.0", description: "Shouts, with a dependency from npm" },
  tools: [
    {
      name: "shout",
      description: "Shout a text",
      parameters: [{ name: "text", paramType: "string", description: "The text", required: true }],
      handler: ({ text }) => ok(shout(text)),
    },
  ],
});
"""
SHOUTER_YAML = "name: shouter\nversion: 0.1.0\ndescription: Shouts, with a dependency from npm\nsource: skill.js\n"


@pytest.mark.parametrize("lockfile", [True, False], ids=["npm-ci", "npm-install"])
def test_npm_dependencies_are_installed_without_running_scripts(
    skill, home, tmp_path, static_server: StaticServer, lockfile
):
    """A loopback npm registry serves one small package; neither its postinstall nor the skill's own
    install scripts may run, and the built skill uses the package."""
    ran = tmp_path / "scripts-ran"
    mark = f"node -e \"require('fs').writeFileSync('{ran}', 'ran')\""
    index = "module.exports = (s) => s.toUpperCase() + '!!';\n"
    publish_npm(static_server, "tiny-shout", "1.0.0", {"index.js": index}, scripts={"postinstall": mark})
    folder = tmp_path / "shouter"
    folder.mkdir()
    (folder / "skill.js").write_text(SHOUTER_JS)
    (folder / "skill.yaml").write_text(SHOUTER_YAML)
    package = {"name": "shouter", "version": "0.1.0", "private": True, "dependencies": {"tiny-shout": "1.0.0"}}
    (folder / "package.json").write_text(json.dumps({**package, "scripts": {"preinstall": mark, "install": mark}}))
    npm_env = {"npm_config_registry": static_server.base + "/", "npm_config_cache": str(tmp_path / "npm-cache")}
    if lockfile:
        subprocess.run(
            ["npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=folder,
            env={**os.environ, **npm_env},
            check=True,
            capture_output=True,
        )
        assert (folder / "package-lock.json").is_file()
    repo = GitRepo.create(tmp_path / "shouter.git")
    repo.commit({"shouter": folder})

    out = skill("install", f"git+{repo.url}#subdirectory=shouter", env=npm_env, timeout=600)  # a real build
    assert f"npm {'ci' if lockfile else 'install'} --ignore-scripts" in out.stderr, out.stderr
    assert not ran.exists()
    assert json.loads(skill("run", "shouter:shout", "--arg", "text=hey", "--json").stdout)["output"] == "HEY!!"


def symlink_repos(tmp_path: Path, examples: dict[str, Path]) -> dict[str, tuple[GitRepo, str]]:
    out = {}
    for case, tree in {
        "absolute": {"s/textkit": examples["textkit"], "s/textkit/passwd": "/etc/passwd"},
        "relative": {"s/textkit": examples["textkit"], "s/textkit/key": "../../../../../../../../etc/hostname"},
        "to-the-repo": {"s/textkit": examples["textkit"], "s/textkit/up": "..", "s/other": b"other"},
        "subdirectory": {"real/textkit": examples["textkit"], "s/textkit": "../real/textkit"},
    }.items():
        repo = GitRepo.create(tmp_path / f"{case}.git")
        repo.commit(tree)
        out[case] = (repo, "s/textkit")
    return out


@pytest.mark.parametrize(
    "case, code, words",
    [
        ("no-such-ref", 1, "has no tag or branch 'v9.9.9'"),
        ("short-commit", 1, "give a tag, a branch or a full 40-hex commit"),
        ("unknown-commit", 1, "no such commit in the repository"),
        ("dot-dot", 2, "without '..'"),
        ("no-such-folder", 1, "has no folder 'skills/nope'"),
        ("no-such-repo", 1, "not found; check the repository URL"),
        ("private-repo", 1, "wants credentials"),
        ("plain-http-elsewhere", 1, "plain http:// is only allowed for loopback"),
        ("absolute", 1, "passwd is a symlink to /etc/passwd, outside the skill folder"),
        ("relative", 1, "key is a symlink to ../../../../../../../../etc/hostname, outside the skill folder"),
        ("to-the-repo", 1, "up is a symlink to .., outside the skill folder"),
        ("subdirectory", 1, "s/textkit is a symlink; name the real folder"),
    ],
)
def test_bad_git_sources_change_nothing(
    skill, home, tmp_path, git_server: GitServer, built_examples, case, code, words
):
    skill("install", str(built_examples["notes"]))  # something installed and locked before
    before = home_state(home.root)
    repo = git_server.repo("skills.git")
    commit = two_skills(repo, built_examples)
    http = git_server.url("skills.git")
    specs = {
        "no-such-ref": f"git+{http}@v9.9.9#subdirectory=skills/textkit",
        "short-commit": f"git+{http}@{commit[:7]}#subdirectory=skills/textkit",
        "unknown-commit": f"git+{http}@{'0123456789' * 4}#subdirectory=skills/textkit",
        "dot-dot": f"git+{http}#subdirectory=skills/../../etc",
        "no-such-folder": f"git+{http}#subdirectory=skills/nope",
        "no-such-repo": f"git+{git_server.url('nope.git')}#subdirectory=skills/textkit",
        "private-repo": f"git+{git_server.url('private/skills.git')}#subdirectory=skills/textkit",
        "plain-http-elsewhere": "git+http://example.com/skills.git#subdirectory=skills/textkit",
    }
    if case in specs:
        spec = specs[case]
    else:
        bad, sub = symlink_repos(tmp_path, built_examples)[case]
        spec = f"git+{bad.url}#subdirectory={sub}"
    out = skill("install", spec, check=code)
    one_error(out.stderr, words)
    assert home_state(home.root) == before
    assert leftovers(home.root) == []
