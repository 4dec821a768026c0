"""skills.lock: the same installs give the same bytes; a path install is pinned; remove unpins."""

from engine.distribution.lockfile import Lock, LockedSkill, dumps
from fixtures import wat


def entry(name: str, **kw) -> LockedSkill:
    return LockedSkill(
        name, "1.0.0", f"oci://r/{name}:1", f"oci://r/{name}@sha256:" + "0" * 64, "sha256:" + "1" * 64, 3, **kw
    )


def test_the_same_entries_give_the_same_bytes_in_any_order(tmp_path):
    a = entry("alpha", files={"skill.yaml": "sha256:" + "2" * 64, "SKILL.md": "sha256:" + "3" * 64})
    b = entry("beta", capabilities={"network": ["api.example.com"], "memory_mb": 64})
    assert dumps({"beta": b, "alpha": a}) == dumps({"alpha": a, "beta": b})
    lock = Lock(tmp_path / "skills.lock")
    lock.write({"beta": b, "alpha": a})
    assert lock.read() == {"alpha": a, "beta": b}
    assert "installed_at" not in lock.path.read_text() and "time" not in lock.path.read_text()


def test_a_knowledge_entry_has_no_component_keys_and_old_entries_still_load(tmp_path):
    knowledge = LockedSkill(
        "review", "1.0.0", "/src/review", "sha256:" + "4" * 64, "", 0, {"SKILL.md": "sha256:" + "5" * 64}
    )
    lock = Lock(tmp_path / "skills.lock")
    lock.write({"review": knowledge, "alpha": entry("alpha")})
    text = lock.path.read_text()
    review_table = text.split('name = "review"')[1]
    assert "component" not in review_table and "size" not in review_table
    assert lock.read() == {"review": knowledge, "alpha": entry("alpha")}
    assert 'component = "sha256:' in text.split('name = "review"')[0]  # a component skill's entry as before


def test_installing_pins_the_skill_and_removing_unpins_it(engine, tmp_path):
    path = tmp_path / "echo.wasm"
    path.write_bytes(wat.component_bytes("echo", name="echo"))
    skill = engine.install(path).skill
    locked = Lock(engine.home.lock_file).read()["echo"]
    assert locked.component == "sha256:" + skill.component_sha256 and locked.size == path.stat().st_size
    assert locked.source == locked.resolved == str(path.resolve())
    assert locked.check_package(skill.package_dir) == []
    engine.remove("echo")
    assert Lock(engine.home.lock_file).read() == {}
