import json
import os
import time

import pytest

from engine.errors import ComponentError, ManifestError, NotFoundError, StoreDamagedError, UsageError
from fixtures import wat
from fixtures.env import instances_of


def test_install_list_info_remove(engine, wat_skill):
    wat_skill("echo", name="alpha")
    wat_skill("echo", name="beta")
    assert [s.name for s in engine.skills()] == ["alpha", "beta"]
    alpha = engine.skill("alpha")
    assert [t.name for t in alpha.tools] == ["echo", "other"]
    assert alpha.tool("echo").param("times").type == "integer"
    assert engine.instance_names("alpha") == ["default"]
    engine.remove("alpha")
    assert [s.name for s in engine.skills()] == ["beta"]
    assert not list(engine.home.packages.glob("alpha-*"))
    with pytest.raises(NotFoundError, match="no skill named 'alpha'.*installed: beta"):
        engine.skill("alpha")


def test_install_from_folder_uses_manifest(engine, tmp_path):
    folder = tmp_path / "my-skill"
    (folder / "dist").mkdir(parents=True)
    (folder / "dist" / "x.wasm").write_bytes(wat.component_bytes(name="ignored"))
    (folder / "skill.yaml").write_text(
        "name: my-skill\nversion: 2.0.0\ndescription: Mine\ntools:\n  - name: echo\n    description: Better docs\n"
    )
    skill = engine.install(folder).skill
    assert (skill.name, skill.version, skill.description) == ("my-skill", "2.0.0", "Mine")
    assert skill.tool("echo").description == "Better docs"
    assert (skill.package_dir / "skill.yaml").is_file()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "not a WebAssembly file"),
        (b"\0asm\x01\0\0\0", "core WebAssembly module, not a component"),
        (b"\0asm\x0d\0\x01\0garbage", "not a valid component"),
    ],
)
def test_broken_wasm_is_refused_clearly(engine, tmp_path, content, message):
    path = tmp_path / "bad.wasm"
    path.write_bytes(content)
    with pytest.raises(ComponentError, match=message):
        engine.install(path)


def test_component_must_implement_the_world(engine, tmp_path):
    path = tmp_path / "partial.wasm"
    path.write_bytes(wat.component_bytes(exports=("get-metadata", "get-tools", "validate-config")))
    with pytest.raises(ComponentError, match="does not export `execute-tool`"):
        engine.install(path)


def test_network_imports_are_refused_at_install(engine, tmp_path):
    from wasmtime import wat2wasm

    text = wat.component().replace("(component", '(component (import "wasi:http/outgoing-handler@0.2.0" (instance))', 1)
    path = tmp_path / "net.wasm"
    path.write_bytes(bytes(wat2wasm(text)))
    with pytest.raises(ComponentError, match="wasi:http.*no grant can restrict.*--disable http fetch-event"):
        engine.install(path)


def test_failed_install_keeps_previous_version(engine, wat_skill, tmp_path):
    wat_skill("echo", name="keep")
    before = engine.skill("keep")
    bad = tmp_path / "keep.wasm"
    bad.write_bytes(b"\0asm\x0d\0\x01\0broken")
    with pytest.raises(ComponentError):
        engine.install(bad)
    assert engine.skill("keep") == before
    assert engine.run("keep:echo", {"text": "still here"}).ok


def test_upgrade_replaces_only_after_validation(engine, tmp_path):
    path = tmp_path / "s.wasm"
    path.write_bytes(wat.component_bytes(name="s", version="1.0.0"))
    engine.install(path)
    path.write_bytes(wat.component_bytes(name="s", version="1.1.0"))
    report = engine.install(path)
    assert (report.status, report.previous_version, report.skill.version) == ("upgraded", "1.0.0", "1.1.0")
    assert len(list(engine.home.packages.iterdir())) == 1
    assert engine.install(path).status == "unchanged"
    path.write_bytes(wat.component_bytes(name="s", version="1.1.0", raw="changed"))
    with pytest.raises(UsageError, match="already installed with different content.*--force"):
        engine.install(path)
    assert engine.install(path, force=True).status == "replaced"


def test_install_name_override_and_validation(engine, tmp_path):
    path = tmp_path / "s.wasm"
    path.write_bytes(wat.component_bytes(name="s"))
    assert engine.install(path, name="renamed").skill.name == "renamed"
    with pytest.raises(ManifestError, match="not a valid skill name"):
        engine.install(path, name="Bad Name")


def test_missing_path_and_damaged_entry(engine, wat_skill, tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        engine.install(tmp_path / "nope")
    wat_skill("echo", name="dmg")
    (engine.skill("dmg").package_dir / "skill.json").write_text("{broken")
    with pytest.raises(StoreDamagedError, match="damaged.*--force"):
        engine.skill("dmg")


def test_compile_cache_is_reused_across_engines(engine, wat_skill, home):
    from engine.api import Engine

    wat_skill("echo", name="cached")
    sha = engine.skill("cached").component_sha256
    cache = engine.runtime.cache_path(sha)
    assert cache.is_file()
    mtime = cache.stat().st_mtime_ns
    fresh = Engine(home)
    assert fresh.run("cached:echo", {"text": "x"}).ok
    assert cache.stat().st_mtime_ns == mtime
    # A damaged cache entry is rebuilt, never trusted. It is replaced, not rewritten in place:
    # loaded components mmap their file, and truncating a mapped file is a SIGBUS.
    damaged = cache.with_name("damaged")
    damaged.write_bytes(b"corrupt")
    os.replace(damaged, cache)
    again = Engine(home)
    again.runtime._components.clear()
    assert again.run("cached:echo", {"text": "x"}).ok
    assert json.loads(json.dumps(again.skill("cached").to_json()))["name"] == "cached"
    assert os.path.getsize(cache) > 100


def test_default_home_follows_xdg(monkeypatch, tmp_path):
    from engine.home import Home

    monkeypatch.delenv("SKILL_ENGINE_HOME", raising=False)
    monkeypatch.delenv("SKILL_ENGINE_CACHE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    home = Home.from_env()
    assert (home.root, home.cache) == (tmp_path / "data" / "skill-tui", tmp_path / "cache" / "skill-tui")


def test_instances_report_missing_required_config(engine, tmp_path):
    from engine.errors import UsageError
    from fixtures.env import set_config

    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "cfg.wasm").write_bytes(wat.component_bytes(name="cfg"))
    (folder / "skill.yaml").write_text(
        "name: cfg\nversion: 1.0.0\nconfig:\n  api_key:\n    required: true\n"
        "  region:\n    required: true\n    default: eu\n"
    )
    engine.install(folder)
    engine.add_instance("cfg", "prod")
    with pytest.raises(UsageError, match="already exists"):
        engine.add_instance("cfg", "prod")
    set_config(engine, "cfg", "prod", {"api_key": "k"})
    status = {s.instance: s for s in engine.instance_status("cfg")}
    assert list(status) == ["default", "prod"]
    assert status["default"].missing == ("api_key",) and not status["default"].ready
    assert status["prod"].ready


def _built(tmp_path, inputs: str, raw: str):
    """A component as a build here leaves it: stamped with its build inputs (``raw`` varies its bytes)."""
    from engine.provenance import stamp

    path = tmp_path / f"kit-{raw.replace(' ', '-')}.wasm"
    path.write_bytes(stamp(wat.component_bytes(name="kit", raw=raw), inputs, "lock"))
    return path


def test_a_rebuild_from_the_same_inputs_is_unchanged(engine, tmp_path):
    first = engine.install(_built(tmp_path, "a" * 64, raw="first build"))
    again = engine.install(_built(tmp_path, "a" * 64, raw="second build"))
    assert (first.status, again.status) == ("installed", "unchanged")
    assert engine.skill("kit").component_sha256 == first.skill.component_sha256
    with pytest.raises(UsageError, match="kit 0.1.0 is already installed with different content"):
        engine.install(_built(tmp_path, "b" * 64, raw="third build"))


def test_the_stamp_moves_with_what_front_doors_list_and_only_then(engine, wat_skill):
    stamp = engine.stamp
    empty = stamp()
    wat_skill("echo", name="alpha")
    installed = stamp()
    assert installed != empty and installed.skills[0][0] == "alpha"
    engine.add_instance("alpha", "work")
    added = stamp()
    assert added != installed and added.skills == installed.skills
    assert stamp(instances=False) == type(added)(added.skills)  # the skills alone: what search needs
    instances_of(engine).replace_text("alpha", "work", "[config]\ngreeting = 'hi'\n")
    configured = stamp()
    assert configured != added
    instances_of(engine).replace_text("alpha", "work", "[config]\ngreeting = 'hi'\n")  # the same values again
    (engine.home.instances / "alpha" / ".scratch").write_text("x")  # not an instance
    (instances_of(engine).data_dir("alpha", "work") / "note.txt").write_text("a run's data")
    assert stamp() == configured
    engine.remove("alpha")
    assert stamp().skills == ()


def test_the_store_watch_wakes_only_when_the_stamp_moves(engine, wat_skill):
    """A stray file among the instances, or a config saved with the values it had, wakes nobody; an
    instance added from another process does."""
    import queue
    import threading

    wat_skill("echo", name="alpha")
    engine.add_instance("alpha", "work")
    instances_of(engine).replace_text("alpha", "work", "[config]\ngreeting = 'hi'\n")
    stop = threading.Event()
    woke: queue.Queue[bool] = queue.Queue()
    ready = threading.Event()
    added = threading.Event()

    def watch() -> None:
        changes = engine.changes(stop)
        ready.set()
        for _ in changes:
            woke.put(added.is_set())

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    ready.wait(5)
    time.sleep(0.5)  # watchfiles is watching
    (engine.home.instances / "alpha" / ".scratch").write_text("x")
    instances_of(engine).replace_text("alpha", "work", "[config]\ngreeting = 'hi'\n")
    time.sleep(1.5)  # more than the watch's debounce (0.4 s): the burst above has been reported by now
    added.set()
    engine.add_instance("alpha", "home")
    try:
        assert woke.get(timeout=10) is True  # the first wake is the instance, not the noise before it
    finally:
        stop.set()
        thread.join(5)


def test_a_skill_recorded_before_packages_kept_files_reinstalls_without_force(engine, tmp_path):
    """A home from before packages recorded their files: installing the same folder again is no
    "different content" refusal; it is replaced, and the files are recorded from then on."""
    folder = tmp_path / "docs-skill"
    (folder / "dist").mkdir(parents=True)
    (folder / "dist" / "x.wasm").write_bytes(wat.component_bytes(name="docs-skill"))
    (folder / "skill.yaml").write_text("name: docs-skill\nversion: 1.0.0\ndescription: Docs\n")
    (folder / "references").mkdir()
    (folder / "references" / "guide.md").write_text("# Guide\n")
    installed = engine.install(folder).skill
    record = installed.package_dir / "skill.json"
    old = json.loads(record.read_text())
    for key in ("files", "kind", "frontmatter"):
        old.pop(key)
    record.write_text(json.dumps(old))
    assert engine.skill("docs-skill").files == ()

    report = engine.install(folder)
    assert report.status == "replaced"
    assert [f.path for f in report.skill.files] == ["references/guide.md", "skill.yaml"]
    assert engine.install(folder).status == "unchanged"
