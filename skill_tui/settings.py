"""The app's own settings in `$SKILL_ENGINE_HOME/tui.toml`: theme and key remaps.

    theme = "light"

    [keys]                 # binding id = key(s), comma-separated
    rerun = "f6"
    cancel = "ctrl+k"

Read with tomllib; written with tomlkit so a user's comments and order survive.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from engine import atomic_write_text


@dataclass
class Settings:
    path: Path
    theme: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    problem: str | None = None  # why the file could not be read, shown once at start

    @classmethod
    def load(cls, path: Path) -> Settings:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            return cls(path, problem=f"{path}: {e}; using defaults")
        keys = data.get("keys", {})
        if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
            return cls(path, problem=f"{path}: [keys] must map binding ids to key strings; ignored")
        theme = data.get("theme")
        return cls(path, theme=theme if isinstance(theme, str) else None, keys=keys)

    def save_theme(self, theme: str) -> bool:
        """Remember the theme, keeping everything else in the file as the user wrote it.

        A file that does not parse is left alone (False): never overwrite what a user wrote.
        """
        import tomlkit

        try:
            doc = tomlkit.parse(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            doc = tomlkit.document()
        except (tomlkit.exceptions.ParseError, UnicodeDecodeError):
            return False
        doc["theme"] = theme
        atomic_write_text(self.path, tomlkit.dumps(doc))
        self.theme = theme
        return True
