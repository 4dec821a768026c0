"""Secrets handed to a replica by its platform: one file per secret, or environment variables.

A home baked into an image (SKILL_ENGINE_READONLY=1) must not carry the vault or share a keyring, so
its secrets come from what the platform mounts or sets (a Kubernetes Secret as files or variables,
`docker run -e`, systemd credentials). The config.toml of the image keeps its references
(`vault:greeter@default:api_token`, `keyring:...`): whichever store made the reference, this one
reads the secret of the same skill, instance and key from

- the file `$SKILL_SECRETS_DIR/<skill>.<instance>.<key>` (one trailing newline dropped), else
- the variable `SKILL_SECRET_<SKILL>__<INSTANCE>__<KEY>` (upper case, `-` as `_`, parts joined by `__`).

Nothing is ever written: changing a secret is a change of the deployment.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from engine.home import Home
from engine.secrets.base import SecretsError, SecretStore
from engine.secrets.refs import parse_reference, secret_id

DIR_VAR = "SKILL_SECRETS_DIR"
PREFIX = "SKILL_SECRET_"


def variable(skill: str, instance: str, key: str) -> str:
    """SKILL_SECRET_GREETER__DEFAULT__API_TOKEN for greeter@default:api_token."""
    return PREFIX + "__".join(re.sub(r"[^A-Za-z0-9]", "_", part).upper() for part in (skill, instance, key))


def file_name(skill: str, instance: str, key: str) -> str:
    """greeter.default.api_token (the characters a Kubernetes Secret key allows)."""
    return f"{skill}.{instance}.{key}"


class EnvSecretStore(SecretStore):
    """Read-only secrets from `$SKILL_SECRETS_DIR` files, else `SKILL_SECRET_*` variables."""

    backend = "env"

    def __init__(self, home: Home):
        super().__init__(home)
        folder = os.environ.get(DIR_VAR)
        self.files = Path(folder).expanduser() if folder else None

    @property
    def where(self) -> str:
        files = f"the folder {self.files} ({DIR_VAR}) or " if self.files else ""
        return f"{files}the {PREFIX}* environment variables"

    def get(self, skill: str, instance: str, key: str) -> str | None:
        if self.files is not None:
            try:
                text = (self.files / file_name(skill, instance, key)).read_text(encoding="utf-8")
            except FileNotFoundError:
                pass
            except (OSError, UnicodeDecodeError) as e:
                raise SecretsError(
                    f"cannot read the secret file {self.files / file_name(skill, instance, key)} "
                    f"({getattr(e, 'strerror', None) or e}); check its owner and permissions"
                ) from None
            else:
                return text[:-1] if text.endswith("\n") else text
        return os.environ.get(variable(skill, instance, key))

    def set(self, skill: str, instance: str, key: str, value: str) -> None:
        raise SecretsError(self._fixed(secret_id(skill, instance, key)))

    def delete(self, skill: str, instance: str, key: str) -> None:
        raise SecretsError(self._fixed(secret_id(skill, instance, key)))

    def keys(self, skill: str, instance: str) -> list[str]:
        prefix = f"{skill}.{instance}."
        found = [p.name[len(prefix) :] for p in self._files() if p.name.startswith(prefix)]
        return sorted(set(found))

    def instances(self, skill: str) -> list[str]:
        return sorted({p.name.split(".")[1] for p in self._files() if p.name.startswith(f"{skill}.")})

    def elsewhere(self, backend: str, name: str) -> str:  # every reference is read here (see resolve)
        return f"{name} is not in {self.where}"

    def resolve(self, value: Any) -> Any:
        """A reference made by any store reads the secret of the same skill, instance and key here."""
        ref = parse_reference(value)
        if ref is None:
            return value
        _backend, skill, instance, key = ref
        secret = self.get(skill, instance, key)
        if secret is None:
            where = f"the file {self.files / file_name(skill, instance, key)} or " if self.files else ""
            raise SecretsError(
                f"{secret_id(skill, instance, key)} is referenced by the instance's config but not given: "
                f"put it in {where}the variable {variable(skill, instance, key)}"
            )
        return secret

    def _files(self) -> list[Path]:
        if self.files is None:
            return []
        try:
            return [p for p in self.files.iterdir() if p.name.count(".") >= 2]
        except OSError:
            return []

    def _fixed(self, name: str) -> str:
        return (
            f"{name}: secrets here come from {self.where} (SKILL_SECRETS=env); "
            "change them where the deployment sets them"
        )
