"""What a build imports up front, so the component has it.

A component built by componentize-py holds only the modules imported while it was built
(the build runs the module's top level and snapshots the interpreter): a module first
imported inside a handler would be missing at run time. So the build imports, up front,
every module the loaded code imports anywhere (until nothing new comes) and every module
of the skill's bundled packages. Plain standard library: the engine's tests run it on the host.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys


def imported_names(path: str, package: str) -> set[str]:
    """Every module an ``import`` anywhere in the file at ``path`` names (inside functions too);
    ``from a import b`` names ``a`` and ``a.b`` (``b`` may be a submodule). ``package`` resolves
    relative imports."""
    try:
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1] if package else []
                base = ".".join(p for p in [*parts, base] if p)
            if base:
                names.add(base)
                names.update(f"{base}.{a.name}" for a in node.names if a.name != "*")
    return names


def preload_reachable() -> None:
    """Import, until nothing new comes, every module that the source of a loaded module imports
    anywhere: a handler's ``import`` and the standard library's own lazy ones (``Counter.most_common``
    imports heapq when first called) then find their module in the component."""
    scanned: set[str] = set()
    while True:
        pending = [(n, m) for n, m in list(sys.modules.items()) if n not in scanned]
        if not pending:
            return
        wanted: set[str] = set()
        for name, module in pending:
            scanned.add(name)
            path = getattr(module, "__file__", None)
            if isinstance(path, str) and path.endswith(".py"):
                package = module.__package__ or ""
                wanted |= imported_names(path, package)
        preload(wanted - set(sys.modules))


def preload(names: set[str] | list[str]) -> None:
    """Import each module now, so the component has it; one that fails stays out (its import
    at run time then raises, as it would anywhere)."""
    for name in sorted(names):
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - SystemExit and friends from a module's top level too
            pass


def package_modules(path: str) -> set[str]:
    """Every module and subpackage of the packages installed in ``path`` (a bundle's dependencies)."""
    names: set[str] = set()
    for info in pkgutil.walk_packages([path], onerror=lambda _name: None):
        if not info.name.endswith(("__main__", ".tests", ".test")) and ".tests." not in info.name:
            names.add(info.name)
    return names
