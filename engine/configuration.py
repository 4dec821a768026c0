"""Configuring an instance: check values against the schema and the skill, keep secrets
in the secret store, write config.toml. Nothing is written unless all of it is valid.

Order of a save: per-field schema checks (clear messages), then the skill's own
`validate-config` on the resulting configuration (skipped while required fields are
still missing: saving a partial configuration is allowed, the instance just stays
not ready), then secrets into the store, then config.toml in one atomic write.

It is given what it uses, not the `Engine`: the installed skills, the instances, the
secret store (opened on first use) and the runtime for `validate-config`, which runs
through the one run pipeline (`engine.pipeline`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from engine.errors import UsageError
from engine.instances import NETWORK_TABLE, SANDBOX_KEYS, SANDBOX_TABLE, Instances, is_reference, read_grants
from engine.schema import MASK, ConfigField, check_config_value, missing_required
from engine.values import parse_config_text

if TYPE_CHECKING:
    from engine.network.access import Grants
    from engine.runtime import WasmRuntime
    from engine.secrets import SecretStore
    from engine.store import InstalledSkill, Store


@dataclass(frozen=True)
class ConfigEntry:
    """One field as shown to a person: secrets only as set/not set."""

    field: ConfigField
    value: Any  # the value, MASK for a set secret, None when unset
    source: str  # "config.toml", "secret store", "default" or ""


@dataclass(frozen=True)
class ConfigReport:
    instance: str
    missing: tuple[str, ...] = ()  # required fields without a value
    problems: tuple[str, ...] = ()  # schema or skill complaints

    @property
    def ready(self) -> bool:
        return not self.missing and not self.problems

    @property
    def why_not_ready(self) -> str:
        """What keeps the instance from being ready, in one line ("" when it is ready)."""
        return "; ".join(([f"missing {', '.join(self.missing)}"] if self.missing else []) + list(self.problems))


def _check_sandbox(table: Any, where: str) -> None:
    """[sandbox] holds only positive timeout_s and memory_mb (None removes one)."""
    if not isinstance(table, dict):
        raise UsageError(f"{where} must be a table of timeout_s and memory_mb")
    if any(
        key not in SANDBOX_KEYS
        or (value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0))
        for key, value in table.items()
    ):
        raise UsageError(f"{where}: allowed are timeout_s and memory_mb, as positive numbers")


_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")  # as a manifest's config field names


class Configuration:
    def __init__(
        self,
        store: Store,
        instances: Instances,
        secrets: Callable[[], SecretStore],
        runtime: Callable[[], WasmRuntime],
    ):
        self.store = store
        self.instances = instances
        self._secrets = secrets  # called on first use: opening the keyring or vault costs
        self._runtime = runtime

    # ---- reading -------------------------------------------------------------------------

    def entries(self, name: str, instance: str) -> list[ConfigEntry]:
        skill = self._skill(name, instance)
        stored = self.instances.settings(name, instance)
        out = []
        for f in skill.config:
            if f.name in stored:
                value = stored[f.name]
                shown = MASK if f.secret else value
                out.append(ConfigEntry(f, shown, "secret store" if f.secret and is_reference(value) else "config.toml"))
            elif f.default is not None:
                out.append(ConfigEntry(f, MASK if f.secret else f.default, "default"))
            else:
                out.append(ConfigEntry(f, None, ""))
        return out

    def get(self, name: str, instance: str, key: str) -> Any:
        """One value; a secret is resolved from the store (for `skill config --get`)."""
        skill = self._skill(name, instance)
        field = self._field(skill, key)
        value = self.instances.values(name, instance, skill.config).get(key)
        if field.secret and is_reference(value):
            return self._resolve(value)
        return value

    def report(self, name: str, instance: str, with_skill: bool = False) -> ConfigReport:
        """Is the instance ready? Schema only (fast), or also the skill's validate-config."""
        skill = self._skill(name, instance)
        problems = list(self.instances.problems(name, instance, skill.config))
        try:
            missing = tuple(self.instances.missing_required(name, instance, skill.config))
        except UsageError:  # config.toml does not parse: `problems` says so, nothing else is known
            return ConfigReport(instance, (), tuple(problems))
        if with_skill and not missing and not problems:
            complaint = self._skill_check(skill, instance, self._effective(skill, instance, {}, ()))
            if complaint:
                problems.append(complaint)
        return ConfigReport(instance, missing, tuple(problems))

    # ---- checking --------------------------------------------------------------------------

    def parse(self, name: str, texts: dict[str, str]) -> dict[str, Any]:
        """Values typed by a person (`k=v`, wizard fields) → typed and checked, per field."""
        skill = self.store.require(name)
        return {key: parse_config_text(self._field(skill, key), text) for key, text in texts.items()}

    def test(
        self, name: str, instance: str, typed: dict[str, Any] | None = None, unset: Iterable[str] = ()
    ) -> ConfigReport:
        """The report the instance would have with these changes; nothing is saved."""
        skill = self._skill(name, instance)
        return self._judge(skill, instance, self._effective(skill, instance, typed or {}, unset))

    def _judge(self, skill: InstalledSkill, instance: str, effective: dict[str, Any]) -> ConfigReport:
        """Missing required fields, else the skill's own verdict on `effective`."""
        missing = tuple(missing_required(skill.config, effective))
        problems = () if missing else tuple(p for p in [self._skill_check(skill, instance, effective)] if p)
        return ConfigReport(instance, missing, problems)

    # ---- writing ---------------------------------------------------------------------------

    def save(
        self,
        name: str,
        instance: str,
        typed: dict[str, Any] | None = None,
        unset: Iterable[str] = (),
        sandbox: dict[str, Any | None] | None = None,
        network: Grants | None = None,
        secrets: Iterable[str] = (),
    ) -> ConfigReport:
        """Validate and write; raises UsageError (nothing written) when a value or the skill says no.
        `network` replaces the instance's grants (an import brings them along). `secrets` names keys of
        `typed` to keep as secrets: any key of a skill that declares no config, declared secret fields
        otherwise."""
        self.instances.check_writable(name, instance)
        skill = self._skill(name, instance)
        typed, unset, secrets = dict(typed or {}), list(unset), set(secrets)
        for key in secrets:
            field = self._field(skill, key)
            if not field.secret and self.store.require(name).config:
                raise UsageError(f"{name}: {key!r} is not a secret field; set it with --set {key}=...")
            kept = tuple(f for f in skill.config if f.name != key)
            skill = replace(skill, config=(*kept, replace(field, secret=True)))
        for key in list(typed):
            field = self._field(skill, key)
            if field.secret and typed[key] in ("", None):  # an empty secret is no secret
                del typed[key]
                unset.append(key)
            else:
                typed[key] = self._checked(field, typed[key])
        for key in unset:
            self._field(skill, key)
        _check_sandbox(sandbox or {}, f"[{SANDBOX_TABLE}]")
        report = self.test(name, instance, typed, unset)
        if report.problems:
            raise UsageError(f"{name}@{instance}: the skill rejects this configuration: {report.problems[0]}")
        changes: dict[str, Any | None] = {}
        secret_fields = {f.name for f in skill.config if f.secret}
        for key, value in typed.items():
            if key in secret_fields:
                changes[key] = self.put_secret(name, instance, key, str(value))
            else:
                changes[key] = value
        for key in unset:
            if key in secret_fields:
                self._delete_secret(name, instance, key)
            changes[key] = None
        self.instances.write(name, instance, changes, sandbox, network)
        return self.report(name, instance)

    def export(self, name: str, instance: str, include_secrets: bool = False) -> str:
        """The instance's configuration as TOML; secret values only when asked for explicitly."""
        import tomlkit

        skill = self._skill(name, instance)
        doc = tomlkit.document()
        doc.add(tomlkit.comment(f"{name}@{instance} configuration, exported by skill-tui"))
        stored = self.instances.settings(name, instance)
        for f in skill.config:
            if f.name not in stored:
                continue
            if f.secret:
                if include_secrets and is_reference(stored[f.name]):
                    doc[f.name] = self._resolve(stored[f.name])
                else:
                    doc.add(tomlkit.comment(f"{f.name}: secret, not exported (--include-secrets exports it)"))
            else:
                doc[f.name] = stored[f.name]
        overrides = self.instances.overrides(name, instance)
        if overrides:
            doc[SANDBOX_TABLE] = overrides
        grants = self.instances.grants(name, instance)
        if grants.granted or grants.revoked:
            doc[NETWORK_TABLE] = {
                k: list(v) for k, v in (("granted", grants.granted), ("revoked", grants.revoked)) if v
            }
        return tomlkit.dumps(doc)

    def import_text(self, name: str, instance: str, text: str, origin: str) -> ConfigReport:
        """Load values from exported TOML (or an edited config.toml) through the same checks as --set."""
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise UsageError(f"{origin}: invalid TOML ({e})") from None
        skill = self._skill(name, instance)
        sandbox = data.pop(SANDBOX_TABLE, None)
        _check_sandbox(sandbox or {}, f"{origin}: [{SANDBOX_TABLE}]")
        network = data.pop(NETWORK_TABLE, None)
        grants = None if network is None else read_grants(network, origin)
        typed = {}
        for key, value in data.items():
            field = self._field(skill, key, origin)
            if field.secret and is_reference(value):
                continue  # an unchanged reference from config.toml itself
            typed[key] = self._checked(field, value)
        return self.save(name, instance, typed, sandbox=sandbox, network=grants)

    def apply_edit(self, name: str, instance: str, text: str, origin: str) -> ConfigReport:
        """Take a hand-edited config.toml (`skill config --edit`): checked like --set, the person's
        comments and layout kept, secrets typed in plain text moved to the store."""
        import tomlkit

        self.instances.check_writable(name, instance)
        skill = self._skill(name, instance)
        try:
            doc = tomlkit.parse(text)
        except tomlkit.exceptions.ParseError as e:
            raise UsageError(f"{origin}: invalid TOML ({e})") from None
        data = doc.unwrap()
        try:
            before = self.instances.settings(name, instance)
        except UsageError:  # the file being repaired does not parse
            before = {}
        _check_sandbox(data.pop(SANDBOX_TABLE, {}), f"{origin}: [{SANDBOX_TABLE}]")
        read_grants(data.pop(NETWORK_TABLE, {}), origin)
        effective = {f.name: f.default for f in skill.config if f.default is not None}
        plain_secrets = {}
        for key, value in data.items():
            field = self._field(skill, key, origin)
            if field.secret and is_reference(value):
                from engine.secrets import parse_reference

                if (parse_reference(value) or ())[1:] != (name, instance, key):
                    raise UsageError(f"{origin}: {key}: a secret reference cannot be edited; type the new value")
                effective[key] = self._resolve(value)
                continue
            effective[key] = self._checked(field, value)
            if field.secret:
                plain_secrets[key] = str(value)
        removed = [key for key in before if key not in data]
        report = self._judge(skill, instance, effective)
        if report.problems:
            raise UsageError(f"{name}@{instance}: the skill rejects this configuration: {report.problems[0]}")
        for key, value in plain_secrets.items():
            doc[key] = self.put_secret(name, instance, key, value)
        secret_fields = {f.name for f in skill.config if f.secret}
        for key in removed:
            if key in secret_fields:
                self._delete_secret(name, instance, key)
        self.instances.replace_text(name, instance, tomlkit.dumps(doc))
        return self.report(name, instance)

    def copy(self, name: str, src: str, dst: str, with_secrets: bool = False) -> None:
        skill = self._skill(name, src)
        secret_fields = {f.name for f in skill.config if f.secret}

        def keep(key: str, value: Any) -> Any:
            if key not in secret_fields:
                return value
            if not with_secrets or not is_reference(value):
                return None
            return self.put_secret(name, dst, key, self._resolve(value))

        self.instances.copy(name, src, dst, keep)

    def remove(self, name: str, instance: str) -> None:
        skill = self._skill(name, instance)
        self.instances.remove(name, instance)
        for f in skill.config:
            if f.secret:
                self._delete_secret(name, instance, f.name)

    def rename(self, name: str, old: str, new: str) -> None:
        """Move the instance folder (config and /data), then its secrets to the new name."""
        skill = self._skill(name, old)
        self.instances.rename(name, old, new)
        stored = self.instances.settings(name, new)
        moved: dict[str, Any | None] = {}
        for f in skill.config:
            if f.secret and is_reference(stored.get(f.name)):
                moved[f.name] = self.put_secret(name, new, f.name, self._resolve(stored[f.name]))
        self.instances.write(name, new, moved)
        for key in moved:
            self._delete_secret(name, old, key)

    # ---- helpers ---------------------------------------------------------------------------

    def _skill(self, name: str, instance: str) -> InstalledSkill:
        """The installed skill, its `config` the fields of this instance (see Instances.fields)."""
        skill = self.store.require(name)
        if not skill.has_component:
            raise UsageError(f"{name} is a knowledge skill: it has no config; read it with `skill show {name}`")
        self.instances.require(name, instance)
        return replace(skill, config=self.instances.fields(name, instance, skill.config))

    def _field(self, skill: InstalledSkill, key: str, origin: str | None = None) -> ConfigField:
        field = next((f for f in skill.config if f.name == key), None)
        if field is None and not self.store.require(skill.name).config:  # declares none: any key
            if not _KEY_RE.match(key):
                where = f"{origin}: " if origin else ""
                raise UsageError(
                    f"{where}{key!r} is not a config key; use letters, digits, '_' and '-', starting with a letter"
                )
            return ConfigField(name=key)
        if field is None:
            names = ", ".join(f.name for f in skill.config) or "none"
            where = f"{origin}: " if origin else ""
            raise UsageError(f"{where}{skill.name} has no config field {key!r}; its fields are: {names}")
        return field

    @staticmethod
    def _checked(field: ConfigField, value: Any) -> Any:
        return check_config_value(field, value)

    def _resolve(self, ref: str) -> str:
        return self._secrets().resolve(ref)

    def put_secret(self, name: str, instance: str, key: str, value: str) -> str:
        """Keep a secret value in the store; returns the reference config.toml holds instead."""
        from engine.secrets import reference

        secrets = self._secrets()
        secrets.set(name, instance, key, value)
        return reference(secrets.backend, name, instance, key)

    def _delete_secret(self, name: str, instance: str, key: str) -> None:
        self._secrets().delete(name, instance, key)

    def _effective(
        self, skill: InstalledSkill, instance: str, typed: dict[str, Any], unset: Iterable[str]
    ) -> dict[str, Any]:
        """Defaults + stored values (secrets resolved) + pending changes, as the skill would see them."""
        values = self.instances.resolved_values(skill.name, instance, skill.config, self._resolve)
        values.update(typed)
        for key in unset:
            values.pop(key, None)
            default = next((f.default for f in skill.config if f.name == key), None)
            if default is not None:
                values[key] = default
        return values

    def _skill_check(self, skill: InstalledSkill, instance: str, effective: dict[str, Any]) -> str | None:
        """The skill's own validate-config on `effective`; its complaint (secrets masked), or None."""
        from engine.pipeline import network_policy, validate_config

        network = network_policy(self.instances, skill.name, instance, skill.config, skill.capabilities, effective)
        return validate_config(
            self._runtime(), skill, self.instances.data_dir(skill.name, instance), effective, network
        )
