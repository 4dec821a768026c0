"""The lock's pure logic: version order, what differs from an entry, when a pull-run may skip the network,
the recovery of an install killed midway, and the review a new signer needs."""

from __future__ import annotations

import hashlib

from engine.distribution.cache import BlobCache
from engine.distribution.lockfile import LockedSkill, folder_files
from engine.distribution.pullruns import from_cache_only
from engine.distribution.sources import parse_source
from engine.distribution.updates import version_key
from engine.store import Origin
from fixtures.lock import skill_folder


def test_versions_order_numerically_with_pre_releases_first():
    ordered = ["0.9", "1.0.0-rc1", "1.0.0", "v1.0.1", "1.2.0", "1.10.0", "2.0.0+build5"]
    assert sorted(reversed(ordered), key=version_key) == ordered
    assert version_key("1.0") == version_key("1.0.0")


def entry(**kw) -> LockedSkill:
    base = dict(
        name="echo",
        version="1.0.0",
        source="/src/echo",
        resolved="/src/echo",
        component="sha256:" + "a" * 64,
        size=10,
        files={"skill.yaml": "sha256:" + "b" * 64},
        capabilities={"network": []},
    )
    return LockedSkill(**{**base, **kw})


def test_differences_name_each_field_in_one_short_phrase():
    old = entry()
    new = entry(
        version="1.1.0",
        component="sha256:" + "c" * 64,
        files={"skill.yaml": "sha256:" + "d" * 64, "SKILL.md": "sha256:" + "e" * 64},
        capabilities={"network": ["api.example.com"]},
    )
    assert old.differences(old) == []
    assert old.differences(new) == [
        "version 1.0.0 -> 1.1.0",
        "component sha256:aaaaaaaaaaaa… -> sha256:cccccccccccc…",
        "SKILL.md added",
        "skill.yaml changed",
        'capabilities {"network":[]} -> {"network":["api.example.com"]}',
    ]


def test_check_package_finds_an_altered_a_missing_and_an_unlisted_file(tmp_path):
    folder = skill_folder(tmp_path, "echo")
    wasm = folder / "echo.wasm"
    pinned = entry(
        component="sha256:" + hashlib.sha256(wasm.read_bytes()).hexdigest(),
        files={"skill.yaml": "sha256:" + hashlib.sha256((folder / "skill.yaml").read_bytes()).hexdigest()},
    )
    assert pinned.check_files(wasm, folder_files(folder)) == []
    assert pinned.check_files(wasm, folder_files(wasm)) == ["skill.yaml is missing"]  # a bare .wasm: no files
    (folder / "SKILL.md").write_text("---\nname: echo\ndescription: Echoes.\n---\n# echo\n")
    assert pinned.check_files(wasm, folder_files(folder)) == ["SKILL.md is not in the lock"]
    assert pinned.check_files(None, {}) == ["component.wasm is missing", "skill.yaml is missing"]
    wasm.write_bytes(b"\0asm")
    assert pinned.check_files(wasm, folder_files(folder))[0].startswith("echo.wasm is sha256:")


def test_a_knowledge_skills_entry_pins_no_component_and_every_recorded_file(tmp_path):
    folder = tmp_path / "review"
    (folder / "references").mkdir(parents=True)
    (folder / "SKILL.md").write_text("---\nname: review\ndescription: A checklist.\n---\n# Review\n")
    (folder / "references" / "list.md").write_text("- one\n")
    files = folder_files(folder)
    assert sorted(files) == ["SKILL.md", "references/list.md"]
    pinned = entry(component="", size=0, files=files)
    assert pinned.check_files(None, files) == []
    assert pinned.check_files(folder / "SKILL.md", files) == [
        "SKILL.md is there, the lock pins a skill without a component"
    ]
    (folder / "references" / "list.md").write_text("- two\n")
    assert pinned.check_files(None, folder_files(folder))[0].startswith("references/list.md is sha256:")


def test_only_a_digest_pinned_oci_reference_in_the_cache_skips_the_network(tmp_path):
    cache = BlobCache(tmp_path / "blobs")
    manifest = b'{"schemaVersion": 2}'
    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    pinned = parse_source(f"oci://127.0.0.1:5000/skills/echo@{digest}")
    tagged = parse_source("oci://127.0.0.1:5000/skills/echo:1.0.0")
    assert not from_cache_only(pinned, cache)
    cache.put_verified(digest, [manifest], len(manifest), "manifest")
    assert from_cache_only(pinned, cache)
    assert not from_cache_only(tagged, cache)
    assert not from_cache_only(parse_source(str(tmp_path)), cache)


def test_the_next_install_removes_what_a_killed_one_left(engine, tmp_path):
    engine.install(skill_folder(tmp_path / "src", "kept"))
    stage = engine.home.tmp / "install-half-abc123"  # killed while writing its package
    stage.mkdir(parents=True)
    (stage / "component.wasm").write_bytes(b"half")
    orphan = engine.home.packages / "half-1-abcdef"  # killed between the rename and the link swap
    orphan.mkdir()
    (orphan / "skill.json").write_text("{}")
    young_fetch = engine.home.tmp / "oci-pull-xyz"  # another process's scratch: not the store's to remove
    young_fetch.mkdir()
    engine.install(skill_folder(tmp_path / "src", "next"))
    assert not stage.exists() and not orphan.exists() and young_fetch.exists()
    assert {s.name for s in engine.skills()} == {"kept", "next"}
    assert engine.skill("kept").package_dir.is_dir()


def test_another_signer_needs_consent_whatever_the_skill_asks_for(engine, tmp_path):
    folder = skill_folder(tmp_path / "src", "signed")
    engine._store.install(folder, origin=Origin(str(folder), str(folder), "KEY1"))
    skill_folder(tmp_path / "src", "signed", version="1.1.0")
    asked = []
    engine.install(folder, review=lambda r: asked.append(r) or True)
    [review] = asked
    assert review.trust == ("not signed; the installed version was signed by KEY1",)
    assert review.needs_consent and review.lines()[-1] == review.trust[0]


def test_a_folder_digest_is_remembered_and_follows_every_change(engine, tmp_path):
    from engine.distribution.folders import FolderDigests
    from engine.distribution.installer import Installer

    folder = skill_folder(tmp_path / "src", "echo")
    engine.install(folder)
    pinned = Installer(engine.home, engine._store, lambda: engine.secrets).lock.read()["echo"]
    memo = tmp_path / "digests.json"
    assert FolderDigests(engine._store, memo).digest(folder) == pinned.content
    assert str(folder) in memo.read_text()
    assert FolderDigests(engine._store, memo).digest(folder) == pinned.content  # from the memo

    wasm = folder / "echo.wasm"
    data = bytearray(wasm.read_bytes())
    data[-1] ^= 1  # the same size, other bytes
    wasm.write_bytes(bytes(data))
    changed = FolderDigests(engine._store, memo).digest(folder)
    assert changed != pinned.content
    (folder / "README.md").write_text("# echo\n")  # a new hashed file
    assert FolderDigests(engine._store, memo).digest(folder) not in (changed, pinned.content)


def test_a_knowledge_folders_digest_follows_its_references(engine, tmp_path):
    from engine.distribution.folders import FolderDigests
    from engine.distribution.installer import Installer

    folder = tmp_path / "src" / "review"
    (folder / "references" / "deep").mkdir(parents=True)
    (folder / "SKILL.md").write_text("---\nname: review\ndescription: A checklist.\n---\n# Review\n")
    (folder / "references" / "deep" / "list.md").write_text("- one\n")
    engine.install(folder)
    pinned = Installer(engine.home, engine._store, lambda: engine.secrets).lock.read()["review"]
    assert pinned.component == "" and sorted(pinned.files) == ["SKILL.md", "references/deep/list.md"]
    memo = tmp_path / "digests.json"
    assert FolderDigests(engine._store, memo).digest(folder) == pinned.content
    (folder / "references" / "deep" / "list.md").write_text("- two\n")  # same size, edited in place
    edited = FolderDigests(engine._store, memo).digest(folder)
    assert edited != pinned.content
    (folder / "references" / "deep" / "more.md").write_text("- three\n")  # a new file in a nested folder
    assert FolderDigests(engine._store, memo).digest(folder) not in (edited, pinned.content)
