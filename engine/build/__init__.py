"""Building JS skills into WebAssembly components (esbuild + componentize-js).

Nothing here imports textual or wasmtime; the heavy lifting is done by the
pinned npm toolchain (see :mod:`engine.build.toolchain`).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]


def world_dir() -> Path:
    """The skill world plus its vendored WASI deps (the checkout's top-level ``wit/``).

    A wheel ships it as package data, ``engine/wit`` (see setup.py); an editable install
    has no copy, so the checkout's folder is read.
    """
    shipped = Path(str(files("engine") / "wit"))
    return shipped if shipped.is_dir() else CHECKOUT / "wit"


WORLD_NAME = "skill"

from engine.build.componentize import BuildResult, build_component, build_folder  # noqa: E402
from engine.build.toolchain import Toolchain, ensure_toolchain, toolchain_status  # noqa: E402
from engine.errors import BuildError, ToolchainError  # noqa: E402

__all__ = [
    "CHECKOUT",
    "WORLD_NAME",
    "world_dir",
    "Toolchain",
    "ToolchainError",
    "ensure_toolchain",
    "toolchain_status",
    "BuildError",
    "BuildResult",
    "build_component",
    "build_folder",
]
