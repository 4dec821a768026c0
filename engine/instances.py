"""Named instances of a skill: `skill@instance`, each with its own config and /data.

Layout: instances/<skill>/<instance>/config.toml and .../data/. The `default`
instance always exists. Reading config uses the stdlib `tomllib` (fast, on the
run path); writing with comments kept is tomlkit's job.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.errors import NotFoundError, UsageError
from engine.home import Home
from engine.schema import NAME_RE, ConfigField

DEFAULT = "default"


def check_instance_name(name: str) -> str:
    if not NAME_RE.match(name) or len(name) > 64:
        raise UsageError(f"{name!r} is not a valid instance name; use 1-64 characters of a-z, 0-9 and '-'")
    return name


def config_text(value: Any) -> str:
    """How a config value reaches the skill (env var or get-config): always a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Instances:
    def __init__(self, home: Home):
        self.home = home

    def dir(self, skill: str, instance: str) -> Path:
        return self.home.instances / skill / instance

    def config_path(self, skill: str, instance: str) -> Path:
        return self.dir(skill, instance) / "config.toml"

    def data_dir(self, skill: str, instance: str) -> Path:
        """The instance's private folder, preopened as `/data` (created on first use)."""
        path = self.dir(skill, instance) / "data"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def names(self, skill: str) -> list[str]:
        root = self.home.instances / skill
        found = {p.name for p in root.iterdir() if p.is_dir()} if root.is_dir() else set()
        return sorted(found | {DEFAULT}, key=lambda n: (n != DEFAULT, n))

    def require(self, skill: str, instance: str) -> None:
        check_instance_name(instance)
        if instance != DEFAULT and not self.dir(skill, instance).is_dir():
            raise NotFoundError(f"{skill} has no instance {instance!r}; its instances are: "
                                f"{', '.join(self.names(skill))}")

    def stored_values(self, skill: str, instance: str) -> dict[str, Any]:
        path = self.config_path(skill, instance)
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            return {}
        import tomllib  # only when there is a config file: it costs ~3 ms of start-up

        try:
            with f:
                return tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise UsageError(f"{path}: invalid TOML ({e}); fix the file or reset it with "
                             f"`skill config {skill}@{instance} --edit`") from None

    def values(self, skill: str, instance: str, fields: tuple[ConfigField, ...]) -> dict[str, Any]:
        """Effective config: manifest defaults overlaid with the instance's config.toml."""
        values = {f.name: f.default for f in fields if f.default is not None}
        values.update(self.stored_values(skill, instance))
        return values

    def missing_required(self, skill: str, instance: str, fields: tuple[ConfigField, ...]) -> list[str]:
        """Required config fields that have no value yet: the instance is not ready to run."""
        values = self.values(skill, instance, fields)
        return [f.name for f in fields if f.required and values.get(f.name) in (None, "")]

    def create(self, skill: str, instance: str) -> Path:
        """A new, empty instance (its config comes from the manifest defaults until set)."""
        check_instance_name(instance)
        folder = self.dir(skill, instance)
        if folder.exists():
            raise UsageError(f"{skill}@{instance} already exists")
        (folder / "data").mkdir(parents=True)
        return folder

    def sandbox_inputs(self, skill: str, instance: str,
                       fields: tuple[ConfigField, ...]) -> tuple[dict[str, str], dict[str, str]]:
        """(env vars, get-config map) granted to one run of this instance. Nothing else."""
        values = self.values(skill, instance, fields)
        by_name = {f.name: f for f in fields}
        config = {k: config_text(v) for k, v in values.items() if v is not None}
        env = {}
        for key, text in config.items():
            field = by_name.get(key) or ConfigField(name=key)
            env[field.env_var] = text
        return env, config
