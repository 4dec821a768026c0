"""What `skill update --check` and the app's "update available" mark report. (Helper C builds the rest.)"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UpdateInfo:
    name: str
    installed_version: str
    installed: str  # the resolved reference installed (lock)
    resolved: str  # what the source resolves to now
    version: str | None = None  # the version it would install, when known without a full fetch
    changes: tuple[str, ...] = ()  # one line each: version, digest, capabilities, signer
    error: str | None = None  # the source could not be asked (registry down...): one line

    @property
    def available(self) -> bool:
        return self.error is None and self.resolved != self.installed
