"""`skill prune` through the real CLI, on a cache of the test's own: it frees only blobs, builds and
compiled components that nothing references (an installed skill, the lock, a recent pull-run, another home
sharing the cache), nothing younger than a few minutes, and says what it freed."""

from __future__ import annotations

import hashlib
import json

from engine.distribution.cache import BlobCache
from fixtures.lock import age, skill_folder

HOUR = 3600


def blob(cache: BlobCache, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    age(cache.put_verified(digest, [data], len(data), "test blob"), HOUR)
    return digest


def test_prune_frees_only_unreferenced_blobs(skill, home, tmp_path):
    cache_dir = tmp_path / "cache"
    env = {"SKILL_ENGINE_CACHE": str(cache_dir)}
    folder = skill_folder(tmp_path / "src", "resident")
    skill("install", str(folder), env=env)
    cache = BlobCache(cache_dir / "blobs")
    installed = blob(cache, (folder / "resident.wasm").read_bytes())  # the installed component's bytes
    yaml = blob(cache, (folder / "skill.yaml").read_bytes())  # a file the lock hashes
    orphan = blob(cache, b"an old layer nothing uses" * 100)
    fresh_digest = "sha256:" + hashlib.sha256(b"just fetched").hexdigest()
    cache.put_verified(fresh_digest, [b"just fetched"], 12, "young blob")  # mid-install, maybe: kept
    partial = cache.root / "sha256" / ".part-killed"
    partial.write_bytes(b"half a blob")
    age(partial, HOUR)
    for compiled in (cache_dir / "compiled").iterdir():
        age(compiled, HOUR)

    dry = json.loads(skill("prune", "--dry-run", "--json", env=env).stdout)
    assert dry["dry_run"] and sorted(f["kind"] for f in dry["freed"]) == ["blob", "partial"]
    assert cache.has(orphan) and partial.exists()

    proc = skill("prune", env=env)
    assert proc.stdout.strip() == "freed 0.0 MB in 2 file(s): 1 blob, 1 partial"
    assert not cache.has(orphan) and not partial.exists()
    assert cache.has(installed) and cache.has(yaml) and cache.has(fresh_digest)
    assert json.loads(skill("run", "resident:echo", "--arg", "text=hi", "--json", env=env).stdout)["ok"]


def test_prune_keeps_what_another_home_or_a_recent_pull_run_uses(skill, home, tmp_path):
    cache_dir = tmp_path / "cache"
    env = {"SKILL_ENGINE_CACHE": str(cache_dir)}
    other = {**env, "SKILL_ENGINE_HOME": str(tmp_path / "other")}
    skill("install", str(skill_folder(tmp_path / "src", "theirs")), env=other)
    skill("pull-run", str(skill_folder(tmp_path / "src", "visitor")), "echo", "--arg", "text=x", env=env)
    gone = skill_folder(tmp_path / "src", "gone")
    skill("install", str(gone), env=env)
    skill("remove", "gone", "--yes", env=env)
    compiled = {p.name.split("-")[0]: p for p in (cache_dir / "compiled").iterdir()}
    for path in compiled.values():
        age(path, HOUR)
    assert len(compiled) == 3

    report = json.loads(skill("prune", "--json", env=env).stdout)
    assert report["homes"] == 2 and report["count"] == 1
    [freed] = report["freed"]
    assert freed["kind"] == "compiled" and freed["bytes"] > 0
    gone_sha = hashlib.sha256((gone / "gone.wasm").read_bytes()).hexdigest()
    assert freed["path"] == str(compiled[gone_sha])
    assert sorted(p.name.split("-")[0] for p in (cache_dir / "compiled").iterdir()) == sorted(
        sha for sha in compiled if sha != gone_sha
    )
