"""Knowledge skills (a SKILL.md folder, no component) through every distribution source with the real `skill`
command: OCI (publish of a folder and of an installed skill, install by reference and by NAME@VERSION, signed,
pinned, synced, updated), git (`git+file://`, `github:` rewritten to the local http-backend), an archive URL
with --sha256; a component skill's artifact carrying its references/; and manifests whose file paths leave
the folder, repeat, or pass the store's limits, refused before anything is downloaded."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tomllib
from pathlib import Path

import pytest
from test_oci import Home, homes, one_error_line, published, trusting  # noqa: F401  (one Home helper for every OCI test)

from fixtures.dist_state import home_state, leftovers
from fixtures.env import SKILL_DIRS
from fixtures.git_server import GitServer
from fixtures.oci_registry import push_raw
from fixtures.static_server import StaticServer

KNOWLEDGE_TYPE = "application/vnd.skill-tui.skill.knowledge.v1"
TITLE = "org.opencontainers.image.title"


def knowledge_folder(root: Path, version: str = "1.0.0", name: str = "review") -> Path:
    """A real Agent Skills folder: SKILL.md with a client-specific key, a reference, a script and an asset."""
    folder = root / name
    (folder / "references").mkdir(parents=True)
    (folder / "scripts").mkdir()
    (folder / "assets").mkdir()
    (folder / "SKILL.md").write_text(
        f"---\nname: {name}\ndescription: A code review checklist. Use when reviewing a pull request.\n"
        f"argument-hint: PR number\nmetadata:\n  version: {version}\n---\n# Review\n\n"
        "Walk [the checklist](references/checklist.md) top to bottom.\n"
    )
    (folder / "references" / "checklist.md").write_text("# Checklist\n\n- tests first\n- names say why\n")
    (folder / "scripts" / "count.py").write_text("print('never run by the engine')\n")
    (folder / "assets" / "logo.bin").write_bytes(bytes(range(256)))
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "x.pyc").write_bytes(b"skipped")
    return folder


FILES = ["SKILL.md", "assets/logo.bin", "references/checklist.md", "scripts/count.py"]


def package_files(home: Home, name: str) -> dict[str, bytes]:
    package = (home.root / "skills" / name).resolve()
    return {
        p.relative_to(package).as_posix(): p.read_bytes()
        for p in sorted(package.rglob("*"))
        if p.is_file() and p.name != "skill.json"
    }


def test_publish_signed_install_by_name_sync_elsewhere_then_update(registry, homes, tmp_path):  # noqa: F811
    author, user, ci = homes("author"), homes("user"), homes("ci")
    key_id = trusting(author, (user, ci), registry.oci("skills/*"), tmp_path / "author.pub")
    folder = knowledge_folder(tmp_path / "src")
    first = published(author, registry.oci("skills/review"), folder, "--sign")
    manifest = first["manifest"]
    assert manifest["artifactType"] == KNOWLEDGE_TYPE
    assert manifest["config"]["mediaType"] == "application/vnd.oci.empty.v1+json"
    titles = [layer["annotations"][TITLE] for layer in manifest["layers"]]
    assert sorted(titles) == sorted([*FILES, "skill.minisig"])  # no __pycache__, no component
    assert all(layer["mediaType"] != "application/wasm" for layer in manifest["layers"])
    again = published(author, registry.oci("skills/review"), folder, "--sign")
    assert again["digest"] == first["digest"] and again["unchanged"]  # deterministic: no moved tag

    user.skill("registry", "set", registry.oci("skills"))
    user.skill("install", "review@1.0.0")
    entry = user.locked("review")
    assert entry["resolved"] == registry.oci(f"skills/review@{first['digest']}") and entry["signer"] == key_id
    assert "component" not in entry and "size" not in entry and "capabilities" not in entry
    assert set(entry["files"]) == {*FILES, "skill.minisig"}
    assert package_files(user, "review")["references/checklist.md"] == (folder / "references/checklist.md").read_bytes()
    shown = json.loads(user.skill("info", "review", "--json").stdout)
    assert shown["kind"] == "knowledge" and shown["signer"] == key_id

    shutil.copyfile(user.root / "skills.lock", ci.root / "skills.lock")
    ci.skill("sync", "--yes")
    assert (ci.root / "skills.lock").read_bytes() == (user.root / "skills.lock").read_bytes()
    assert package_files(ci, "review") == package_files(user, "review")
    ci.skill("install", registry.oci("skills/review:1.0.0"), "--locked")

    newer = knowledge_folder(tmp_path / "v101", "1.0.1")
    (newer / "references" / "checklist.md").write_text("# Checklist\n\n- tests first\n- one more rule\n")
    second = published(author, registry.oci("skills/review"), newer, "--sign")["digest"]  # 1.0.1, latest
    ci.skill("install", registry.oci("skills/review:latest"), "--locked", check=2)
    user.skill("install", registry.oci("skills/review:latest"), "--force")  # follow latest from now on
    entry = user.locked("review")
    assert entry["resolved"].endswith(second) and entry["version"] == "1.0.1"
    third_folder = knowledge_folder(tmp_path / "v102", "1.0.2")
    third = published(author, registry.oci("skills/review"), third_folder, "--sign")["digest"]
    (checked,) = json.loads(user.skill("update", "--check", "--json").stdout)["skills"]
    assert checked["available"] and checked["resolved"].endswith(third)
    assert user.locked("review")["version"] == "1.0.1"  # --check changed nothing
    user.skill("update", "review", "--yes")
    entry = user.locked("review")
    assert (entry["version"], entry["signer"]) == ("1.0.2", key_id) and entry["resolved"].endswith(third)


def test_an_installed_knowledge_skill_publishes_and_a_changed_reference_fails_its_signature(
    registry,
    homes,  # noqa: F811
    tmp_path,
):
    author, user = homes("author"), homes("user")
    pub = tmp_path / "author.pub"
    pub.write_text(author.skill("keygen").stdout)
    folder = knowledge_folder(tmp_path / "src")
    statement = json.loads(author.skill("sign", str(folder), "--statement").stdout)
    assert statement["_type"] == "skill-tui/statement/v2" and sorted(statement["files"]) == FILES
    author.skill("sign", str(folder))
    author.skill("install", str(folder))
    digest = published(author, registry.oci("skills/review:1.0.0"), "review")["digest"]  # by name
    user.skill("trust", "add", str(pub))
    user.skill("trust", "policy", "require")
    user.skill("install", registry.oci(f"skills/review@{digest}"))
    assert user.locked("review")["signer"] == json.loads(author.skill("keygen", "--json").stdout)["key_id"]

    # the same signature over a folder whose reference changed: refused under any policy, nothing kept
    (folder / "references" / "checklist.md").write_text("# Checklist\n\n- skip the tests\n")
    before = user.state()
    bad = published(author, registry.oci("skills/review:tampered"), folder)["digest"]
    proc = user.skill("install", registry.oci(f"skills/review@{bad}"), "--force", check=1)
    assert "does not match the files" in one_error_line(proc) and "references/checklist.md" in proc.stderr
    assert user.state() == before and user.half_made() == []


def test_a_component_skills_artifact_carries_its_references(registry, homes, tmp_path):  # noqa: F811
    author, user = homes("author"), homes("user")
    folder = tmp_path / "textkit"
    shutil.copytree(SKILL_DIRS["textkit"], folder)
    (folder / "references").mkdir()
    (folder / "references" / "slugs.md").write_text("# How slugs are made\n")
    plain = published(author, registry.oci("skills/textkit:plain"), SKILL_DIRS["textkit"], "--dry-run")["manifest"]
    assert [layer["annotations"][TITLE] for layer in plain["layers"]][:3] == [
        "component.wasm",
        "skill.yaml",
        "SKILL.md",
    ]
    v1 = json.loads(author.skill("sign", str(SKILL_DIRS["textkit"]), "--statement").stdout)
    v2 = json.loads(author.skill("sign", str(folder), "--statement").stdout)
    assert v1["_type"] == "skill-tui/statement/v1" and "references/slugs.md" not in v1["files"]  # as before
    assert v2["_type"] == "skill-tui/statement/v2" and set(v2["files"]) == {*v1["files"], "references/slugs.md"}
    report = published(author, registry.oci("skills/textkit"), folder)
    titles = [layer["annotations"][TITLE] for layer in report["manifest"]["layers"]]
    assert titles[0] == "component.wasm" and "references/slugs.md" in titles
    user.skill("install", report["ref"])
    assert package_files(user, "textkit")["references/slugs.md"] == b"# How slugs are made\n"
    assert "references/slugs.md" in user.locked("textkit")["files"]
    assert user.skill("run", "textkit:slugify", "--arg", "text=With References").stdout.strip() == "with-references"


def bad_manifest(layers: list[tuple[str, bytes]], knowledge: bool = True) -> tuple[list[bytes], dict]:
    config = b"{}"
    descriptors = [
        {
            "mediaType": "application/vnd.skill-tui.skill.doc.v1+markdown"
            if title == "SKILL.md"
            else "application/vnd.skill-tui.skill.file.v1",
            "digest": "sha256:" + hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "annotations": {TITLE: title},
        }
        for title, data in layers
    ]
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": KNOWLEDGE_TYPE,
        "config": {
            "mediaType": "application/vnd.oci.empty.v1+json",
            "digest": "sha256:" + hashlib.sha256(config).hexdigest(),
            "size": 2,
        },
        "layers": descriptors,
    }
    return [config, *{data for _title, data in layers}], manifest


SKILL_MD = b"---\nname: bad\ndescription: A skill that tries to leave its folder.\n---\nbody\n"


@pytest.mark.parametrize(
    "case,layers,words",
    [
        ("dotdot", [("SKILL.md", SKILL_MD), ("references/../../x", b"x")], "not a path inside the skill"),
        ("absolute", [("SKILL.md", SKILL_MD), ("/etc/cron.d/x", b"x")], "not a path inside the skill"),
        ("reserved", [("SKILL.md", SKILL_MD), ("skill.json", b"{}")], "the store keeps for itself"),
        ("twice", [("SKILL.md", SKILL_MD), ("a.md", b"1"), ("a.md", b"2")], "'a.md' twice"),
        ("file-and-folder", [("SKILL.md", SKILL_MD), ("a", b"1"), ("a/b.md", b"2")], "both a file and a folder"),
        ("too-many", [("SKILL.md", SKILL_MD), *((f"r/{i}.md", str(i).encode()) for i in range(1000))], "1001 files"),
        ("no-skill-md", [("README.md", b"x")], "without a SKILL.md"),
    ],
)
def test_a_manifest_whose_paths_leave_the_folder_or_pass_the_limits_is_refused(
    registry,
    homes,  # noqa: F811
    case,
    layers,
    words,
):
    user = homes("user")
    user.skill("install", str(knowledge_folder(user.root.parent / "src")))
    before = user.state()
    blobs, manifest = bad_manifest(layers)
    digest = push_raw(registry, "skills/bad", case, blobs, manifest)
    proc = user.skill("install", registry.oci(f"skills/bad@{digest}"), check=1)
    assert words in one_error_line(proc)
    assert user.state() == before and user.half_made() == []
    blob_dir = user.cache / "blobs" / "sha256"
    assert {p.name for p in blob_dir.iterdir()} == {digest.removeprefix("sha256:")}  # only the manifest
    assert json.loads(user.skill("info", "review", "--json").stdout)["kind"] == "knowledge"  # still serves
    assert package_files(user, "review")["references/checklist.md"].startswith(b"# Checklist")


def test_an_oversized_tree_announced_by_the_manifest_downloads_nothing(registry, homes):  # noqa: F811
    user = homes("user")
    blobs, manifest = bad_manifest([("SKILL.md", SKILL_MD), ("assets/big.bin", b"small")])
    manifest["layers"][1]["size"] = 50 * 1024 * 1024  # a lie the registry stores as given
    digest = push_raw(registry, "skills/big", "1", blobs, manifest)
    proc = user.skill("install", registry.oci(f"skills/big@{digest}"), check=1)
    assert "announces" in one_error_line(proc) or "more than a skill may have" in one_error_line(proc)
    assert user.half_made() == [] and not (user.root / "skills").exists()


def test_registry_search_lists_knowledge_skills(registry, homes, tmp_path):  # noqa: F811
    author = homes("author")
    published(author, registry.oci("skills/review"), knowledge_folder(tmp_path / "src"))
    published(author, registry.oci("skills/greeter"), SKILL_DIRS["greeter"])
    found = json.loads(
        author.skill(
            "search", "checklist for reviewing a pull request", "--registry", registry.oci("skills"), "--json"
        ).stdout
    )["results"]
    assert found[0]["name"] == "review" and found[0]["ref"] == registry.oci("skills/review:latest")


def test_pull_run_of_a_knowledge_skill_says_there_is_nothing_to_run(registry, homes, tmp_path):  # noqa: F811
    author, user = homes("author"), homes("user")
    digest = published(author, registry.oci("skills/review"), knowledge_folder(tmp_path / "src"))["digest"]
    proc = user.skill("pull-run", registry.oci(f"skills/review@{digest}"), "anything", check=2)
    assert "is a knowledge skill (SKILL.md, no tools): nothing to run" in one_error_line(proc)
    assert "asks for" not in proc.stderr  # refused before a throw-away install and its capability review
    assert not (user.root / "skills").exists() and not (user.root / "skills.lock").exists()


def locked(home, name: str) -> dict:
    return next(s for s in tomllib.loads(home.lock_file.read_text())["skill"] if s["name"] == name)


def test_git_file_url_and_github_spec(skill, home, git_server: GitServer, tmp_path):
    repo = git_server.repo("skills.git")
    commit = repo.commit({"skills/review": knowledge_folder(tmp_path / "src")})
    repo.tag("v1")
    skill("install", f"git+{repo.url}@v1#subdirectory=skills/review")
    entry = locked(home, "review")
    assert entry["resolved"] == f"git+{repo.url}@{commit}#subdirectory=skills/review"
    assert set(entry["files"]) == set(FILES) and "component" not in entry
    assert leftovers(home.root) == []

    rewrite = {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{git_server.base}/.insteadOf",
        "GIT_CONFIG_VALUE_0": "https://github.com/",
    }
    git_server.repo("acme/skills.git").commit({"skills/review": knowledge_folder(tmp_path / "gh")})
    skill("install", "github:acme/skills#skills/review", "--force", env=rewrite)
    assert locked(home, "review")["source"] == "git+https://github.com/acme/skills.git#subdirectory=skills/review"
    assert json.loads(skill("update", "--check", "--json", env=rewrite).stdout)["skills"][0]["available"] is False
    assert (home.skills / "review" / "references" / "checklist.md").read_text().startswith("# Checklist")


def test_archive_url_with_sha256(skill, home, static_server: StaticServer, tmp_path):
    folder = knowledge_folder(tmp_path / "src")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(folder, arcname="review-1.0.0")
    data = buf.getvalue()
    url = static_server.put("dl/review-1.0.0.tar.gz", data)
    sha = hashlib.sha256(data).hexdigest()
    before = home_state(home.root)
    skill("install", url, "--sha256", "0" * 64, check=1)
    assert home_state(home.root) == before
    skill("install", url, "--sha256", sha)
    entry = locked(home, "review")
    assert entry["resolved"] == f"{url}#sha256={sha}" and set(entry["files"]) == set(FILES)
    shutil.rmtree(home.root / "skills")  # sync brings it back from the pinned archive
    skill("sync", "--yes")
    assert "tests first" in (home.skills / "review" / "references" / "checklist.md").read_text()


def test_prune_keeps_a_knowledge_skills_manifest_and_file_blobs(registry, homes, tmp_path):  # noqa: F811
    from engine.distribution.cache import BlobCache
    from fixtures.lock import age

    author, user = homes("author"), homes("user")
    report = published(author, registry.oci("skills/review"), knowledge_folder(tmp_path / "src"))
    user.skill("install", registry.oci(f"skills/review@{report['digest']}"))
    cache = BlobCache(user.cache / "blobs")
    orphan = "sha256:" + hashlib.sha256(b"nothing uses this").hexdigest()
    cache.put_verified(orphan, [b"nothing uses this"], 17, "test blob")
    for path in (user.cache / "blobs" / "sha256").iterdir():
        age(path, 3600)
    used = [report["digest"], *(layer["digest"] for layer in report["manifest"]["layers"])]  # (no config pulled)
    assert "freed" in user.skill("prune").stdout
    assert not cache.has(orphan) and [d for d in used if not cache.has(d)] == []
