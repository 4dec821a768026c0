"""`skill search`: a registry's skills (catalog + manifest annotations), ranked by meaning. (Helper A.)"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RegistryHit:
    ref: str  # oci://HOST/REPO:TAG, what `skill install` takes
    name: str
    version: str
    description: str
    score: float
