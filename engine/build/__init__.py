"""Building JS skills into WebAssembly components (esbuild + componentize-js).

Nothing here imports textual or wasmtime; the heavy lifting is done by the
pinned npm toolchain (see :mod:`engine.build.toolchain`).
"""

from __future__ import annotations

from pathlib import Path


def world_dir() -> Path:
    """The repo's ``wit/`` folder: the skill world plus its vendored WASI deps.

    The project is always installed editable, so it sits two levels above this package.
    """
    return Path(__file__).resolve().parents[2] / "wit"


WORLD_NAME = "skill"

from engine.build.toolchain import Toolchain, ToolchainError, ensure_toolchain, toolchain_status  # noqa: E402
from engine.build.componentize import BuildError, BuildResult, build_component, build_folder  # noqa: E402

__all__ = [
    "WORLD_NAME", "world_dir",
    "Toolchain", "ToolchainError", "ensure_toolchain", "toolchain_status",
    "BuildError", "BuildResult", "build_component", "build_folder",
]
