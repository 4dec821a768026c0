"""minisign-compatible Ed25519 signatures over a statement of every file's sha256. (Helper D builds this.)"""

from __future__ import annotations

from pathlib import Path

from engine.errors import SignatureError
from engine.home import Home
from engine.secrets import SecretStore

SIGNATURE_FILE = "skill.minisig"


def sign_folder(home: Home, secrets: SecretStore, folder: Path) -> Path:
    """Sign the skill in `folder` (skill.yaml's name and version, every file's sha256) with the user's key
    from `skill keygen`; writes and returns `folder/skill.minisig`."""
    raise SignatureError("signing is not built yet")
