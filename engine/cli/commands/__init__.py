"""One module per `skill` command, each with `run(args) -> exit code`.

`engine.cli.main` declares every command's arguments and imports only the module of the
command being run, so a module here may import what its command needs at the top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.api import Engine


def open_engine() -> Engine:
    """The engine on this user's home (`SKILL_ENGINE_HOME`, `SKILL_ENGINE_CACHE`)."""
    from engine.api import Engine

    return Engine()
