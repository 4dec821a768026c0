"""The whole distribution story through the real `skill` command, across three homes: an author signs and
publishes; a user who trusts that key (policy `require`) installs from the registry and runs it, pinned by
digest and signer; CI reproduces the user's store from the lock alone; a new version reaches the user
through `update --check` and `update`."""

from __future__ import annotations

import json
import shutil

import pytest
from test_oci import homes, published, trusting  # noqa: F401  (one Home helper for every OCI test)

from fixtures.env import SKILL_DIRS

pytestmark = pytest.mark.usefixtures("built_examples")


def test_publish_signed_install_elsewhere_sync_a_third_home_then_update(registry, homes, tmp_path):  # noqa: F811
    author, user, ci = homes("author"), homes("user"), homes("ci")
    key_id = trusting(author, (user, ci), registry.oci("skills/*"), tmp_path / "author.pub")
    digest = published(author, registry.oci("skills/textkit"), SKILL_DIRS["textkit"], "--sign")[
        "digest"
    ]  # 1.0.0, latest
    user.skill("registry", "set", registry.oci("skills"))
    user.skill("install", "textkit")  # by name: the default registry's latest
    ref = registry.oci("skills/textkit:latest")
    entry = user.locked("textkit")
    assert entry["source"] == ref
    assert (entry["resolved"], entry["signer"]) == (registry.oci(f"skills/textkit@{digest}"), key_id)
    assert user.skill("run", "textkit:slugify", "--arg", "text=Signed Skills").stdout.strip() == "signed-skills"

    # CI: the lock alone reproduces the store, verified, with nothing floating
    shutil.copyfile(user.root / "skills.lock", ci.root / "skills.lock")
    ci.skill("sync", "--yes")
    assert (ci.root / "skills.lock").read_bytes() == (user.root / "skills.lock").read_bytes()
    assert ci.skill("run", "textkit:slugify", "--arg", "text=From The Lock").stdout.strip() == "from-the-lock"
    ci.skill("install", ref, "--locked")

    # the author publishes 1.0.1; the user sees it, and updates
    newer = tmp_path / "textkit"
    shutil.copytree(SKILL_DIRS["textkit"], newer)
    manifest = newer / "skill.yaml"
    manifest.write_text(manifest.read_text().replace("version: 1.0.0", "version: 1.0.1"))
    newer_digest = published(author, registry.oci("skills/textkit"), newer, "--sign")["digest"]  # 1.0.1, latest
    ci.skill("install", ref, "--locked", check=2)  # CI's guard: `latest` moved, the lock would change
    assert ci.locked("textkit")["resolved"] == registry.oci(f"skills/textkit@{digest}")
    (checked,) = json.loads(user.skill("update", "--check", "--json").stdout)["skills"]
    assert checked["available"] and checked["resolved"].endswith(newer_digest)
    assert user.locked("textkit")["resolved"].endswith(digest)  # --check changed nothing
    user.skill("update", "textkit")
    entry = user.locked("textkit")
    assert (entry["version"], entry["resolved"], entry["signer"]) == (
        "1.0.1",
        registry.oci(f"skills/textkit@{newer_digest}"),
        key_id,
    )
