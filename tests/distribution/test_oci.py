"""OCI registries end to end, driving the real `skill` command against Debian's docker-registry on 127.0.0.1:
publish from one home, install in a fresh one and run; install by NAME@VERSION; Basic and Bearer auth; and
each bad input: one clear line, exit 1 or 2, the previous state (store and lock) intact."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from fixtures import wat
from fixtures.env import SHARED_CACHE, SKILL_DIRS
from fixtures.oci_registry import PASSWORD, USER, push_raw, run_slow_proxy, serve, status_server

pytestmark = pytest.mark.usefixtures("built_examples")


class Home:
    """One engine home with its own blob cache (so every pull is a real one) and the shared compile,
    build and model caches (so a component already compiled once is not compiled again)."""

    def __init__(self, root: Path):
        self.root = root / "home"
        self.cache = root / "cache"
        self.cache.mkdir(parents=True)
        for name in ("compiled", "builds", "toolchain", "search"):
            if (SHARED_CACHE / name).exists():
                (self.cache / name).symlink_to(SHARED_CACHE / name)
        self.env = {
            **os.environ,
            "SKILL_ENGINE_HOME": str(self.root),
            "SKILL_ENGINE_CACHE": str(self.cache),
            "SKILL_SECRETS": "vault",
            "DOCKER_CONFIG": str(root / "docker"),
        }
        for key in ("SKILL_REGISTRY", "SKILL_REGISTRY_USER", "SKILL_REGISTRY_PASSWORD", "SKILL_REGISTRY_TOKEN"):
            self.env.pop(key, None)

    def skill(self, *args: str, check: int | None = 0, env: dict | None = None, input: str | None = None):
        proc = subprocess.run(
            [sys.executable, "-m", "engine.cli", *args],
            capture_output=True,
            text=True,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            timeout=120,
            env={**self.env, **(env or {})},
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        if check is not None:
            assert proc.returncode == check, (proc.returncode, proc.stdout, proc.stderr)
        return proc

    def state(self) -> tuple[bytes, list[tuple[str, str]]]:
        """The lock's bytes and where each installed skill points: what a failed install must not change."""
        lock = self.root / "skills.lock"
        skills = self.root / "skills"
        links = sorted((p.name, os.readlink(p)) for p in skills.iterdir()) if skills.is_dir() else []
        return (lock.read_bytes() if lock.exists() else b""), links

    def half_made(self) -> list[Path]:
        """Downloads and staged folders left behind."""
        blobs = self.cache / "blobs" / "sha256"
        parts = list(blobs.glob(".part-*")) if blobs.is_dir() else []
        staged = list((self.root / "tmp").glob("oci-*")) if (self.root / "tmp").is_dir() else []
        return parts + staged

    def locked(self, name: str) -> dict:
        import tomllib

        return next(s for s in tomllib.loads((self.root / "skills.lock").read_text())["skill"] if s["name"] == name)


@pytest.fixture
def homes(tmp_path):
    made: dict[str, Home] = {}

    def get(name: str) -> Home:
        if name not in made:
            made[name] = Home(tmp_path / name)
        return made[name]

    return get


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def published(home: Home, ref: str, folder: Path = SKILL_DIRS["textkit"], *extra: str, env=None) -> dict:
    return json.loads(home.skill("publish", str(folder), ref, "--json", *extra, env=env).stdout)


def trusting(author: Home, users: tuple[Home, ...], scope: str, key_file: Path) -> str:
    """The author's signing key (made now), trusted for `scope` under policy `require` in each of `users`;
    its key id."""
    key_file.write_text(author.skill("keygen").stdout)
    for home in users:
        home.skill("trust", "add", str(key_file), "--scope", scope, "--name", "author")
        home.skill("trust", "policy", "require")
    return json.loads(author.skill("keygen", "--json").stdout)["key_id"]


def head(url: str) -> str | None:
    request = urllib.request.Request(
        url, method="HEAD", headers={"Accept": "application/vnd.oci.image.manifest.v1+json"}
    )
    try:
        return urllib.request.urlopen(request).headers["Docker-Content-Digest"]
    except urllib.error.HTTPError:
        return None


def small_skill(tmp_path: Path, name: str = "tiny", version: str = "0.1.0") -> tuple[bytes, bytes]:
    """A WAT component and its skill.yaml: a skill that installs without a 12 MB compile."""
    return wat.component_bytes("echo", name=name, version=version), f"name: {name}\nversion: {version}\n".encode()


def artifact(wasm: bytes, yaml: bytes, wasm_size: int | None = None) -> tuple[list[bytes], dict]:
    config = b'{"architecture":"wasm","os":"wasip2"}'

    def d(media: str, data: bytes, size: int | None = None) -> dict:
        return {"mediaType": media, "digest": "sha256:" + hashlib.sha256(data).hexdigest(), "size": size or len(data)}

    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.skill-tui.skill.v1",
        "config": d("application/vnd.wasm.config.v0+json", config),
        "layers": [
            d("application/wasm", wasm, wasm_size),
            d("application/vnd.skill-tui.skill.manifest.v1+yaml", yaml),
        ],
    }
    return [config, wasm, yaml], manifest


# ---- the happy paths ------------------------------------------------------------------------------


def test_published_skill_installs_in_a_fresh_home_runs_and_is_pinned_by_digest(registry, homes):
    author, user = homes("author"), homes("user")
    author.skill("install", str(SKILL_DIRS["textkit"]))
    report = published(author, registry.oci("skills/textkit:1.0.0"), "textkit")  # an installed skill, by name
    assert report["tags"] == ["1.0.0"] and report["previous"] is None
    assert head(f"{registry.url}/v2/skills/textkit/manifests/1.0.0") == report["digest"]
    assert published(author, registry.oci("skills/textkit:1.0.0"), "textkit")["unchanged"]  # same bytes, same digest

    out = user.skill("install", registry.oci("skills/textkit:1.0.0"))
    assert "textkit 1.0.0 installed" in out.stdout
    assert "downloading component.wasm" in out.stderr
    assert user.skill("run", "textkit:slugify", "--arg", "text=Hello OCI World").stdout.strip() == "hello-oci-world"
    entry = user.locked("textkit")
    assert entry["source"] == registry.oci("skills/textkit:1.0.0")
    assert entry["resolved"] == registry.oci(f"skills/textkit@{report['digest']}")
    component = next(b for b in report["blobs"] if b["name"] == "component.wasm")
    assert entry["component"] == component["digest"] and entry["size"] == component["size"]


def test_a_digest_pinned_pull_from_the_cache_touches_no_network(registry, homes, tmp_path):
    author, first = homes("author"), homes("first")
    digest = published(author, registry.oci("skills/textkit:1.0.0"))["digest"]
    pinned = registry.oci(f"skills/textkit@{digest}")
    first.skill("install", pinned)
    registry.proc.terminate()
    registry.proc.wait()
    second = Home(tmp_path / "second-home-same-cache")  # another home on the first one's cache
    second.env["SKILL_ENGINE_CACHE"] = first.env["SKILL_ENGINE_CACHE"]
    second.skill("install", pinned)
    assert second.locked("textkit")["resolved"] == pinned
    # a tag is not immutable: it must ask the (now stopped) registry
    failed = homes("third").skill("install", registry.oci("skills/textkit:1.0.0"), check=1)
    assert f"cannot reach the registry {registry.host}" in one_error_line(failed)


def test_install_by_name_and_version_from_the_default_registry(registry, homes):
    author, user = homes("author"), homes("user")
    published(author, registry.oci("skills/textkit"))  # no tag: the version, and latest
    assert head(f"{registry.url}/v2/skills/textkit/manifests/latest") is not None
    none = user.skill("install", "textkit@1.0.0", check=2)
    assert "skill registry set" in one_error_line(none)
    user.skill("registry", "set", registry.oci("skills"))
    shown = json.loads(user.skill("registry", "show", "--json").stdout)
    assert shown["registry"] == registry.oci("skills") and shown["from"].endswith("settings.toml")
    user.skill("install", "textkit@1.0.0")
    assert user.locked("textkit")["source"] == registry.oci("skills/textkit:1.0.0")
    env = {"SKILL_REGISTRY": "oci://elsewhere.example/skills"}
    assert json.loads(user.skill("registry", "--json", env=env).stdout)["from"] == "SKILL_REGISTRY"
    user.skill("registry", "unset")
    assert json.loads(user.skill("registry", "--json").stdout)["registry"] is None


def test_search_ranks_the_registry_skills_by_meaning(registry, homes):
    author = homes("author")
    for name in ("textkit", "greeter", "notes"):
        published(author, registry.oci(f"skills/{name}"), SKILL_DIRS[name])
    published(author, registry.oci("other/greeter"), SKILL_DIRS["greeter"])  # outside the prefix
    hits = json.loads(
        author.skill("search", "say hello to someone", "--registry", registry.oci("skills"), "--json").stdout
    )["results"]
    assert hits[0]["name"] == "greeter" and hits[0]["ref"] == registry.oci("skills/greeter:latest")
    assert all("/other/" not in h["ref"] for h in hits)
    author.skill("registry", "set", registry.oci("skills"))
    slug = json.loads(
        author.skill("search", "text utilities: slugs and case conversion", "--top", "1", "--json").stdout
    )
    assert [h["name"] for h in slug["results"]] == ["textkit"]


# ---- auth -----------------------------------------------------------------------------------------


def test_basic_auth_with_skill_login_and_with_env(basic_registry, homes):
    author, user = homes("author"), homes("user")
    ref = basic_registry.oci("skills/textkit:1.0.0")
    refused = author.skill("publish", str(SKILL_DIRS["textkit"]), ref, check=1)
    assert f"skill login {basic_registry.host}" in one_error_line(refused)

    nope = author.skill("login", basic_registry.host, "-u", USER, check=2)  # no terminal, no --password-stdin
    assert "--password-stdin" in one_error_line(nope)
    wrong = author.skill("login", basic_registry.host, "-u", USER, "--password-stdin", input="wrong\n", check=1)
    assert "refused" in one_error_line(wrong)
    author.skill("login", basic_registry.host, "-u", USER, "--password-stdin", input=PASSWORD + "\n")
    published(author, ref)
    files = [p for p in author.root.rglob("*") if p.is_file()]
    assert files and not any(PASSWORD.encode() in p.read_bytes() for p in files)  # the vault is encrypted

    assert user.skill("install", ref, check=1).returncode == 1  # no credentials in this home
    env = {
        "SKILL_REGISTRY": basic_registry.oci("skills"),
        "SKILL_REGISTRY_USER": USER,
        "SKILL_REGISTRY_PASSWORD": PASSWORD,
    }
    out = user.skill("install", ref, env=env)
    assert PASSWORD not in out.stdout + out.stderr
    assert json.loads(author.skill("logout", basic_registry.host, "--json").stdout)["removed"] is True
    assert author.skill("publish", str(SKILL_DIRS["textkit"]), ref, "--force", check=1).returncode == 1


def test_env_credentials_are_never_sent_to_another_registry(basic_registry, homes):
    user = homes("user")
    env = {
        "SKILL_REGISTRY": basic_registry.oci("skills"),
        "SKILL_REGISTRY_USER": USER,
        "SKILL_REGISTRY_PASSWORD": PASSWORD,
    }
    with status_server(401, {"WWW-Authenticate": 'Basic realm="give me your password"'}) as other:
        failed = user.skill("install", f"oci://{other.host}/skills/textkit:1.0.0", env=env, check=1)
        line = one_error_line(failed)
    assert other.host in line and "skill login" in line and PASSWORD not in failed.stdout + failed.stderr
    assert other.requests and not any("Authorization" in r["headers"] for r in other.requests)


def test_bearer_tokens_from_the_registry_token_server(token_registry, homes):
    registry, tokens = token_registry
    author, user = homes("author"), homes("user")
    ref = registry.oci("skills/textkit:1.0.0")
    env = {"SKILL_REGISTRY": registry.oci("skills"), "SKILL_REGISTRY_USER": USER, "SKILL_REGISTRY_PASSWORD": PASSWORD}
    assert author.skill("publish", str(SKILL_DIRS["textkit"]), ref, check=1).returncode == 1  # anonymous: pull only
    anonymous = len(tokens.requests)
    published(author, ref, env=env)
    pushes = [r for r in tokens.requests[anonymous:] if any("push" in s for s in r["query"].get("scope", []))]
    assert pushes and all(r["basic"] for r in pushes)
    user.skill("install", ref)  # anonymous pull token
    assert user.skill("run", "textkit:slugify", "--arg", "text=A B").stdout.strip() == "a-b"
    bad = {**env, "SKILL_REGISTRY_PASSWORD": "wrong"}
    assert "refused" in one_error_line(homes("other").skill("install", ref, env=bad, check=1))
    login = ("login", registry.host, "-u", USER, "--password-stdin")
    assert "refused" in one_error_line(user.skill(*login, input="wrong", check=1))
    user.skill(*login, input=PASSWORD)  # checked against the token service, then kept
    published(user, registry.oci("skills/textkit:1.0.1"))  # push with the kept login


# ---- bad input: one line, exit 1 or 2, store and lock as they were ----------------------------------


def installed_before(home: Home) -> tuple[bytes, list[tuple[str, str]]]:
    home.skill("install", str(SKILL_DIRS["greeter"]))
    return home.state()


def test_a_blob_altered_on_the_registry_disk_is_refused(registry, homes):
    author, user = homes("author"), homes("user")
    report = published(author, registry.oci("skills/textkit:1.0.0"))
    component = next(b for b in report["blobs"] if b["name"] == "component.wasm")["digest"]
    data = registry.blob_file(component)
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    before = installed_before(user)
    failed = user.skill("install", registry.oci("skills/textkit:1.0.0"), check=1)
    line = one_error_line(failed)
    assert component in line and "nothing was kept" in line
    assert user.state() == before and not user.half_made()
    assert not (user.cache / "blobs" / "sha256" / component.removeprefix("sha256:")).exists()


def test_a_manifest_whose_layer_sizes_lie_is_refused(registry, homes, tmp_path):
    user = homes("user")
    wasm, yaml = small_skill(tmp_path)
    before = installed_before(user)
    for lie, words in ((len(wasm) - 100, "more than the"), (len(wasm) + 100, "expected")):
        blobs, manifest = artifact(wasm, yaml, wasm_size=lie)
        push_raw(registry, "skills/tiny", "0.1.0", blobs, manifest)
        failed = user.skill("install", registry.oci("skills/tiny:0.1.0"), check=1)
        assert words in one_error_line(failed)
        assert user.state() == before and not user.half_made()
    blobs, manifest = artifact(wasm, yaml)
    push_raw(registry, "skills/tiny", "0.1.0", blobs, manifest)
    user.skill("install", registry.oci("skills/tiny:0.1.0"))  # the honest one installs


def test_a_manifest_that_does_not_match_its_digest_is_refused(homes, tmp_path):
    user = homes("user")
    wasm, yaml = small_skill(tmp_path)
    body = json.dumps(artifact(wasm, yaml)[1]).encode()
    real = "sha256:" + hashlib.sha256(body).hexdigest()
    other = "sha256:" + "0" * 64
    before = installed_before(user)

    def lying(_method: str, path: str):  # answers any manifest with `body`, claiming it is `other`
        return 200, {"Docker-Content-Digest": other, "Content-Type": "application/vnd.oci.image.manifest.v1+json"}, body

    with serve(lying) as fake:
        pinned = user.skill("install", f"oci://{fake.host}/skills/tiny@{other}", check=1)
        assert f"whose digest is {real}" in one_error_line(pinned)
        tagged = user.skill("install", f"oci://{fake.host}/skills/tiny:0.1.0", check=1)
        assert f"hash to {real} but the registry says {other}" in one_error_line(tagged)
    assert user.state() == before and not user.half_made()


def test_a_tag_moved_after_resolve_still_fetches_what_was_resolved(registry, homes, engine):
    from engine.distribution.oci.pull import resolve_oci
    from engine.distribution.sources import parse_oci

    author, user = homes("author"), homes("user")
    first = published(author, registry.oci("skills/tool:stable"))["digest"]
    resolved = resolve_oci(parse_oci(registry.oci("skills/tool:stable")), engine._installer.context())
    assert resolved == first
    moved = author.skill("publish", str(SKILL_DIRS["greeter"]), registry.oci("skills/tool:stable"), check=2)
    assert "--force" in one_error_line(moved)
    second = published(author, registry.oci("skills/tool:stable"), SKILL_DIRS["greeter"], "--force")
    assert second["previous"] == first
    user.skill("install", registry.oci(f"skills/tool@{resolved}"))
    assert user.locked("textkit")["resolved"] == registry.oci(f"skills/tool@{first}")
    user.skill("install", registry.oci("skills/tool:stable"))
    assert user.locked("greeter")["resolved"] == registry.oci(f"skills/tool@{second['digest']}")


@pytest.mark.parametrize("answer", [401, 404, 500, "nothing"])
def test_a_registry_that_refuses_fails_or_is_not_there(answer, basic_registry, homes):
    user = homes("user")
    before = installed_before(user)
    if answer == 401:
        ref, words = basic_registry.oci("skills/textkit:1.0.0"), f"skill login {basic_registry.host}"
    elif answer == 404:
        ref, words = basic_registry.oci("skills/nothing-here:1.0.0"), "not found"
        user.skill("login", basic_registry.host, "-u", USER, "--password-stdin", input=PASSWORD)
    if answer in (401, 404):
        line = one_error_line(user.skill("install", ref, check=1))
    elif answer == 500:
        with status_server(500) as broken:
            line = one_error_line(user.skill("install", f"oci://{broken.host}/skills/textkit:1.0.0", check=1))
        words = f"{broken.host} answered HTTP 500"
    else:
        with serve(lambda *_: (200, {}, b"")) as gone:
            host = gone.host
        line = one_error_line(user.skill("install", f"oci://{host}/skills/textkit:1.0.0", check=1))
        words = f"cannot reach the registry {host}"
    assert words in line
    assert user.state() == before and not user.half_made()


def test_a_pull_killed_midway_leaves_nothing_half_made_and_the_next_recovers(registry, homes):
    author, user = homes("author"), homes("user")
    published(author, registry.oci("skills/textkit:1.0.0"))
    before = installed_before(user)
    blobs = user.cache / "blobs" / "sha256"
    with run_slow_proxy(registry.url, rate=2 << 20) as slow:
        proc = subprocess.Popen(
            [sys.executable, "-m", "engine.cli", "install", f"oci://{slow}/skills/textkit:1.0.0"],
            env=user.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not any(p.stat().st_size > 1 << 20 for p in blobs.glob(".part-*")):  # mid-way through the component
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert user.half_made()  # what the killed process left: a partial download
    assert user.state() == before
    user.skill("install", registry.oci("skills/textkit:1.0.0"))
    assert not user.half_made()
    for blob in blobs.iterdir():
        assert "sha256:" + hashlib.sha256(blob.read_bytes()).hexdigest() == "sha256:" + blob.name
    assert user.skill("run", "textkit:slugify", "--arg", "text=Back Again").stdout.strip() == "back-again"


def test_publish_dry_run_prints_the_manifest_and_writes_nothing(registry, homes):
    author = homes("author")
    report = published(author, registry.oci("skills/textkit:1.0.0"), SKILL_DIRS["textkit"], "--dry-run")
    assert report["dry_run"] and report["manifest"]["artifactType"] == "application/vnd.skill-tui.skill.v1"
    names = [b["name"] for b in report["blobs"]]
    assert names == ["config", "component.wasm", "skill.yaml", "SKILL.md"]
    assert all(b["digest"].startswith("sha256:") and b["size"] > 0 and not b["present"] for b in report["blobs"])
    catalog = json.loads(urllib.request.urlopen(f"{registry.url}/v2/_catalog").read())
    assert catalog["repositories"] == []
    text = author.skill("publish", str(SKILL_DIRS["textkit"]), registry.oci("skills/textkit:1.0.0"), "--dry-run")
    assert '"layers"' in text.stdout and "would publish" in text.stdout
    assert not (author.root / "skills.lock").exists()


def _signing_built() -> bool:
    import inspect

    from engine.distribution import signing

    return "not built yet" not in inspect.getsource(signing)


@pytest.mark.skipif(not _signing_built(), reason="runs once signing (helper D's sign_folder and keygen) lands")
def test_publish_sign_adds_a_signature_layer_that_installs(registry, homes):
    author, user = homes("author"), homes("user")
    author.skill("keygen")
    report = published(author, registry.oci("skills/textkit:1.0.0"), SKILL_DIRS["textkit"], "--sign")
    assert [b["name"] for b in report["blobs"]][-1] == "skill.minisig"
    user.skill("install", registry.oci("skills/textkit:1.0.0"))
    assert "skill.minisig" in user.locked("textkit")["files"]


def test_search_on_a_registry_that_does_not_list_its_repositories(homes):
    with status_server(404) as ghcr_like:  # GHCR and Docker Hub have no /v2/_catalog
        failed = homes("user").skill("search", "slugs", "--registry", f"oci://{ghcr_like.host}/acme", check=1)
    assert "does not list its repositories" in one_error_line(failed)
