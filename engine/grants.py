"""Grant and revoke network patterns per instance (`skill grant`, `skill revoke`, `skill grants`).

The grants live in the instance's config.toml ([network] granted/revoked), written atomically under
its lock like every config write; what they mean is engine.network.access: effective = (declared ∪
granted) − revoked. Given the store and the instances, never the facade.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from engine.errors import UsageError
from engine.network.access import Grants, NetworkAccess, access, check_pattern, contains, effective, key, without

if TYPE_CHECKING:
    from engine.instances import Instances
    from engine.store import InstalledSkill, Store


class NetworkGrants:
    def __init__(self, store: Store, instances: Instances):
        self.store = store
        self.instances = instances

    def access(self, name: str, instance: str) -> NetworkAccess:
        """Declared, granted, revoked and effective patterns of `name@instance`, and its injected secrets."""
        skill = self._skill(name, instance)
        return access(name, instance, skill.config, skill.capabilities.network, self.instances.grants(name, instance))

    def grant(self, name: str, instance: str, patterns: Iterable[str]) -> NetworkAccess:
        """Allow `patterns` for this instance: a revoked declared pattern comes back, others are added."""
        return self._change(name, instance, patterns, _grant_one)

    def revoke(self, name: str, instance: str, patterns: Iterable[str]) -> NetworkAccess:
        """Take `patterns` away from this instance; each must be declared or granted (else UsageError)."""
        return self._change(name, instance, patterns, _revoke_one)

    def _change(self, name: str, instance: str, patterns: Iterable[str], step: Step) -> NetworkAccess:
        """Check every pattern first, then apply `step` to each on the grants read under the config lock."""
        skill = self._skill(name, instance)
        checked = [check_pattern(text, skill.config) for text in patterns]
        declared = skill.capabilities.network

        def change(grants: Grants) -> Grants:
            for text in checked:
                grants = step(f"{name}@{instance}", declared, grants, text)
            return grants

        self.instances.write(name, instance, {}, network=change)
        return self.access(name, instance)

    def _skill(self, name: str, instance: str) -> InstalledSkill:
        skill = self.store.require(name)
        self.instances.require(name, instance)
        return skill


Step = Callable[[str, tuple[str, ...], Grants, str], Grants]


def _grant_one(_ref: str, declared: tuple[str, ...], grants: Grants, text: str) -> Grants:
    if contains(grants.revoked, text):
        return Grants(grants.granted, without(grants.revoked, text))
    if contains(declared, text) or contains(grants.granted, text):
        return grants
    return Grants((*grants.granted, text), grants.revoked)


def _revoke_one(ref: str, declared: tuple[str, ...], grants: Grants, text: str) -> Grants:
    if not contains(declared, text) and not contains(grants.granted, text):
        shown = ", ".join(effective(declared, grants)) or "none"
        raise UsageError(
            f"{ref}: {text} is neither declared nor granted, so there is nothing to revoke "
            f"(its network: {shown}; `skill grants {ref.partition('@')[0]}` lists them)"
        )
    revoked = grants.revoked
    if contains(declared, text) and not contains(revoked, text):
        revoked += tuple(d for d in declared if key(d) == key(text))[:1]  # as the manifest spells it
    return Grants(without(grants.granted, text), revoked)
