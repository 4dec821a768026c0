"""Named instances of a skill: `skill@instance`, each with its own config and /data.

Layout: instances/<skill>/<instance>/config.toml and .../data/. The `default`
instance always exists. config.toml holds the instance's values (secret fields only
as a reference into the secret store), an optional [sandbox] table of limit
overrides and an optional [network] table of the patterns a person granted or
revoked. Reading uses the stdlib `tomllib` (fast, on the run path); writing uses
tomlkit so a person's comments and order survive, always atomically and under a
lock, so concurrent writers never corrupt or lose each other's changes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeGuard

from engine.errors import NotFoundError, UsageError
from engine.fsutil import atomic_write_text, file_lock
from engine.home import Home
from engine.network.access import Grants
from engine.schema import NAME_RE, ConfigField, check_config_value, missing_required

DEFAULT = "default"
SANDBOX_TABLE = "sandbox"  # per-instance overrides of the manifest's limits
SANDBOX_KEYS = {"timeout_s": float, "memory_mb": int}
NETWORK_TABLE = "network"  # granted = [...], revoked = [...]: `skill grant` / `skill revoke`
TABLES = (SANDBOX_TABLE, NETWORK_TABLE)


def check_instance_name(name: str) -> str:
    if not NAME_RE.match(name) or len(name) > 64:
        raise UsageError(f"{name!r} is not a valid instance name; use 1-64 characters of a-z, 0-9 and '-'")
    return name


def is_reference(value: Any) -> TypeGuard[str]:
    from engine.secrets import parse_reference

    return isinstance(value, str) and parse_reference(value) is not None


class Instances:
    def __init__(self, home: Home):
        self.home = home

    def dir(self, skill: str, instance: str) -> Path:
        return self.home.instances / skill / instance

    def config_path(self, skill: str, instance: str) -> Path:
        return self.dir(skill, instance) / "config.toml"

    def check_writable(self, skill: str, instance: str) -> None:
        """Refuse a configuration change on a read-only home, before anything is checked or run."""
        self.home.check_writable(f"change the configuration of {skill}@{instance}")

    def data_dir(self, skill: str, instance: str) -> Path | None:
        """The instance's private folder, preopened as `/data` (created on first use). A read-only home's
        is the one baked into it, if any (None: the skill gets no /data)."""
        path = self.dir(skill, instance) / "data"
        if not os.path.isdir(path):  # one stat per run, instead of mkdir's failed call and a stat
            if self.home.readonly:
                return None
            path.mkdir(parents=True, exist_ok=True)
        return path

    def names(self, skill: str) -> list[str]:
        root = self.home.instances / skill
        found = {p.name for p in root.iterdir() if p.is_dir()} if root.is_dir() else set()
        return sorted(found | {DEFAULT}, key=lambda n: (n != DEFAULT, n))

    def require(self, skill: str, instance: str) -> None:
        check_instance_name(instance)
        if instance != DEFAULT and not self.dir(skill, instance).is_dir():
            raise NotFoundError(
                f"{skill} has no instance {instance!r}; its instances are: {', '.join(self.names(skill))}"
            )

    # ---- reading -------------------------------------------------------------------------

    def stored_values(self, skill: str, instance: str) -> dict[str, Any]:
        """config.toml as written: values, secret references, the [sandbox] table."""
        path = self.config_path(skill, instance)
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            return {}
        import tomllib  # only when there is a config file: it costs ~3 ms of start-up

        try:
            with f:
                return tomllib.load(f)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise UsageError(
                f"{path}: invalid TOML ({e}); fix it with `skill config {skill}@{instance} --edit`"
            ) from None

    def settings(self, skill: str, instance: str) -> dict[str, Any]:
        """The instance's own values (secret fields as references), without the [sandbox] and [network]
        tables."""
        return {k: v for k, v in self.stored_values(skill, instance).items() if k not in TABLES}

    def fields(self, skill: str, instance: str, declared: tuple[ConfigField, ...]) -> tuple[ConfigField, ...]:
        """The config fields of `skill@instance`: the declared ones, or for a skill that declares none (an
        upstream skill.js) one text field per key the instance holds, secret when its value is the
        reference to this very key's secret (so a typed `keyring:...` value never reads another's)."""
        if declared:
            return declared
        from engine.secrets import parse_reference

        return tuple(
            ConfigField(name=key, secret=(parse_reference(value) or ())[1:] == (skill, instance, key))
            for key, value in self.settings(skill, instance).items()
        )

    def grants(self, skill: str, instance: str) -> Grants:
        """The [network] table, checked: patterns granted beyond the manifest, declared ones revoked."""
        return read_grants(
            self.stored_values(skill, instance).get(NETWORK_TABLE, {}), self.config_path(skill, instance)
        )

    def overrides(self, skill: str, instance: str) -> dict[str, Any]:
        """Limit overrides from [sandbox], checked: {"timeout_s": 60.0, "memory_mb": 512}."""
        table = self.stored_values(skill, instance).get(SANDBOX_TABLE, {})
        path = self.config_path(skill, instance)
        if not isinstance(table, dict):
            raise UsageError(f"{path}: [{SANDBOX_TABLE}] must be a table of timeout_s and memory_mb")
        out = {}
        for key, value in table.items():
            cast = SANDBOX_KEYS.get(key)
            if cast is None or isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise UsageError(
                    f"{path}: [{SANDBOX_TABLE}] {key} = {value!r}: allowed are timeout_s (seconds) "
                    "and memory_mb, as positive numbers"
                )
            out[key] = cast(value)
        return out

    def values(self, skill: str, instance: str, fields: tuple[ConfigField, ...]) -> dict[str, Any]:
        """Effective config: manifest defaults overlaid with the instance's values (references kept)."""
        values = {f.name: f.default for f in fields if f.default is not None}
        values.update(self.settings(skill, instance))
        return values

    def missing_required(self, skill: str, instance: str, fields: tuple[ConfigField, ...]) -> list[str]:
        """Required config fields that have no value yet: the instance is not ready to run."""
        return missing_required(fields, self.values(skill, instance, fields))

    def problems(self, skill: str, instance: str, fields: tuple[ConfigField, ...]) -> list[str]:
        """What the schema finds wrong with the stored values (a hand edit, an upgrade of the skill)."""
        try:
            values = self.settings(skill, instance)
            self.overrides(skill, instance)
            self.grants(skill, instance)
        except UsageError as e:
            return [str(e)]
        by_name = {f.name: f for f in fields}
        found = []
        for key, value in values.items():
            field = by_name.get(key)
            if field is None:
                found.append(f"{key}: not a config field of {skill} (fields: {', '.join(by_name) or 'none'})")
            elif field.secret and not is_reference(value):
                found.append(
                    f"{key}: a secret stored as plain text; set it again with "
                    f"`skill config {skill}@{instance} --set {key}=...` to move it to the secret store"
                )
            elif not field.secret:
                try:
                    check_config_value(field, value)
                except UsageError as e:
                    found.append(str(e))
        return found

    def resolved_values(
        self, skill: str, instance: str, fields: tuple[ConfigField, ...], resolve: Callable[[str], str]
    ) -> dict[str, Any]:
        """Effective config as the skill sees it: `values`, each secret reference turned into its
        value by `resolve` (only for a run or a validate-config, never for display)."""
        secret = {f.name for f in fields if f.secret}
        return {
            key: resolve(value) if key in secret and is_reference(value) else value
            for key, value in self.values(skill, instance, fields).items()
        }

    # ---- writing -------------------------------------------------------------------------

    def write(
        self,
        skill: str,
        instance: str,
        changes: dict[str, Any | None],
        sandbox: dict[str, Any | None] | None = None,
        network: Grants | Callable[[Grants], Grants] | None = None,
    ) -> None:
        """Apply `changes` (None removes a key) to config.toml, keeping comments and order. `network`
        replaces the [network] table (an empty Grants removes it), or, as a function, changes the grants
        read under the same lock, so two `skill grant`s at once both count."""
        self.check_writable(skill, instance)
        import tomlkit

        path = self.config_path(skill, instance)
        path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(path.with_name(".config.lock")):
            try:
                doc = tomlkit.parse(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                doc = tomlkit.document()
            except (tomlkit.exceptions.ParseError, UnicodeDecodeError) as e:
                raise UsageError(
                    f"{path}: invalid TOML ({e}); fix it with `skill config {skill}@{instance} "
                    "--edit` before changing values"
                ) from None
            for key, value in changes.items():
                if value is None:
                    doc.pop(key, None)
                else:
                    doc[key] = value
            for key, value in (sandbox or {}).items():
                table = doc.setdefault(SANDBOX_TABLE, tomlkit.table())
                if value is None:
                    table.pop(key, None)
                else:
                    table[key] = value
            if callable(network):
                network = network(read_grants(doc.get(NETWORK_TABLE, {}), path))
            if network is not None:
                table = doc.setdefault(NETWORK_TABLE, tomlkit.table())
                for name, patterns in (("granted", network.granted), ("revoked", network.revoked)):
                    if patterns:
                        table[name] = list(patterns)
                    else:
                        table.pop(name, None)
            for name in TABLES:
                if name in doc and not doc[name]:
                    del doc[name]
            atomic_write_text(path, tomlkit.dumps(doc), mode=0o600)

    def replace_text(self, skill: str, instance: str, text: str) -> None:
        """Write a whole config.toml (after `--edit`), atomically and under the lock."""
        self.check_writable(skill, instance)
        path = self.config_path(skill, instance)
        path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(path.with_name(".config.lock")):
            atomic_write_text(path, text, mode=0o600)

    def create(self, skill: str, instance: str) -> Path:
        """A new, empty instance (its config comes from the manifest defaults until set)."""
        self.home.check_writable(f"add the instance {skill}@{instance}")
        check_instance_name(instance)
        folder = self.dir(skill, instance)
        if folder.exists():
            raise UsageError(f"{skill}@{instance} already exists")
        (folder / "data").mkdir(parents=True)
        return folder

    def check_removable(self, skill: str, instance: str) -> None:
        """Raise unless `remove` would remove something (front doors check before asking to confirm)."""
        if instance == DEFAULT:
            raise UsageError(f"{skill}@default cannot be removed; every skill has a default instance")
        self.require(skill, instance)

    def remove(self, skill: str, instance: str) -> None:
        self.home.check_writable(f"remove the instance {skill}@{instance}")
        self.check_removable(skill, instance)
        shutil.rmtree(self.dir(skill, instance))

    def rename(self, skill: str, old: str, new: str) -> None:
        self.home.check_writable(f"rename the instance {skill}@{old}")
        if old == DEFAULT:
            raise UsageError(f"{skill}@default cannot be renamed; copy it instead")
        self.require(skill, old)
        check_instance_name(new)
        if self.dir(skill, new).exists():
            raise UsageError(f"{skill}@{new} already exists")
        self.dir(skill, old).rename(self.dir(skill, new))

    def copy(self, skill: str, src: str, dst: str, keep: Callable[[str, Any], Any]) -> None:
        """A new instance with src's config; `keep(key, value)` maps each value (None drops it)."""
        self.require(skill, src)
        check_instance_name(dst)
        if self.dir(skill, dst).exists():
            raise UsageError(f"{skill}@{dst} already exists")
        stored = self.stored_values(skill, src)
        self.create(skill, dst)
        changes = {k: keep(k, v) for k, v in stored.items() if k not in TABLES}
        self.write(
            skill,
            dst,
            {k: v for k, v in changes.items() if v is not None},
            sandbox=stored.get(SANDBOX_TABLE) or None,
            network=self.grants(skill, src),
        )


def read_grants(table: Any, where: Path | str) -> Grants:
    """A [network] table as Grants: `granted` and `revoked`, lists of patterns in the grant grammar."""
    from engine.network.patterns import parse
    from engine.network.placeholders import with_stand_ins

    if not isinstance(table, dict) or set(table) - {"granted", "revoked"}:
        raise UsageError(
            f"{where}: [{NETWORK_TABLE}] holds only granted = [...] and revoked = [...]; "
            "change it with `skill grant` / `skill revoke`"
        )
    lists = {}
    for name in ("granted", "revoked"):
        patterns = table.get(name, [])
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise UsageError(f'{where}: [{NETWORK_TABLE}] {name} must be a list of patterns, e.g. ["api.github.com"]')
        for text in patterns:
            try:
                parse(with_stand_ins(text), written=text)
            except UsageError as e:
                raise UsageError(f"{where}: [{NETWORK_TABLE}] {name}: {e}") from None
        lists[name] = tuple(patterns)
    return Grants(**lists)
