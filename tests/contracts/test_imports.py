"""The engine stays headless and the CLI stays light: guarded by importing them."""

import subprocess
import sys

HEAVY = ("textual", "fastembed", "onnxruntime", "rich", "prometheus_client")  # the last: only a serving server


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print('\\n'.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return {m.split(".")[0] for m in out}


def test_no_engine_module_imports_textual():
    import pkgutil

    import engine

    names = [m.name for m in pkgutil.walk_packages(engine.__path__, "engine.")]
    assert len(names) > 10
    loaded = _loaded_after("\n".join(f"import {n}" for n in names))
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_cli_import_and_list_do_not_load_wasmtime():
    """The package, and the modules of `skill list` and `skill run` (main imports only the one it runs)."""
    loaded = _loaded_after("import engine.cli, engine.cli.commands.list_skills, engine.cli.commands.run")
    assert not loaded & {*HEAVY, "wasmtime", "yaml", "tomlkit"}


def test_run_path_loads_no_install_time_modules():
    """`skill run` imports only what a run needs (start-up is benchmarked against the bare interpreter)."""
    loaded = _loaded_after("import engine.api, engine.runtime")
    assert not loaded & {*HEAVY, "yaml", "tomlkit", "platformdirs"}
    full = subprocess.run(
        [sys.executable, "-c", "import engine.api, engine.runtime, sys; print('engine.manifest' in sys.modules)"],
        capture_output=True,
        text=True,
    ).stdout
    assert full.strip() == "False"


def test_cli_start_loads_no_table_printing():
    """Table printing (unicodedata for character widths) is imported by the commands that print tables."""
    loaded = _loaded_after("import engine.cli\nengine.cli.build_parser()")
    assert not loaded & {"unicodedata"}


def test_configuration_does_not_reach_back_into_the_facade():
    """Configuration is given its collaborators by Engine; it never imports engine.api, not even for types."""
    import ast
    from pathlib import Path

    import engine.configuration

    tree = ast.parse(Path(engine.configuration.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert "engine.api" not in imported


def test_a_sandbox_is_described_in_one_place():
    """Runs, dev mode, validate-config and install all get their SandboxPolicy from engine.pipeline."""
    from pathlib import Path

    import engine

    root = Path(engine.__file__).parent
    builders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "SandboxPolicy(" in p.read_text(encoding="utf-8")
        and p.name != "pipeline.py"
        and not p.relative_to(root).parts[0].startswith(("runtime", "cli"))  # the class; the build front door
    ]
    assert builders == []


def test_every_error_class_lives_in_engine_errors():
    """One place to look up what can go wrong (and its exit code): no exception class elsewhere."""
    import ast
    from pathlib import Path

    import engine
    import skill_tui

    found = []
    for package in (engine, skill_tui):
        root = Path(str(package.__file__)).parent
        for path in root.rglob("*.py"):
            # engine/build/python is not the engine: it is the SDK built into Python skills (guest code)
            if path == root / "errors.py" or path.is_relative_to(root / "build" / "python"):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                bases = [
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in getattr(node, "bases", [])
                ]
                if isinstance(node, ast.ClassDef) and any(b.endswith(("Error", "Exception")) for b in bases):
                    found.append(f"{path.relative_to(root.parent)}:{node.name}")
    assert found == []


def test_search_depends_on_its_catalog_not_on_the_facade():
    """engine.search reads a SkillCatalog (home, store, instance names); no module of it imports
    engine.api, not even for the type checker."""
    import ast
    from pathlib import Path

    import engine.search

    folder = Path(engine.search.__file__).parent
    found = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            found += [f"{path.name}: {n}" for n in names if n == "engine.api" or n.startswith("engine.api.")]
    assert found == []
