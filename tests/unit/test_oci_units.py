"""The OCI pieces that need no registry: the artifact layout, reading manifests, auth challenges, credentials."""

from __future__ import annotations

import base64
import json

import pytest

from engine.distribution.oci import credentials as creds
from engine.distribution.oci.auth import parse_challenge
from engine.distribution.oci.client import scheme_for
from engine.distribution.oci.layout import COMPONENT, FILES, Layer, build, digest_of, read_manifest
from engine.errors import IntegrityError, UsageError


def layers() -> list[Layer]:
    return [Layer(COMPONENT, digest_of(b"wasm"), 4), Layer(FILES[0], digest_of(b"name: x"), 7)]


def test_the_same_skill_gives_the_same_bytes_and_digest():
    one = build(layers(), imports=["b", "a"], exports=["x"], annotations={"org.opencontainers.image.title": "x"})
    two = build(layers(), imports=["a", "b"], exports=["x"], annotations={"org.opencontainers.image.title": "x"})
    assert one.manifest == two.manifest and one.config == two.config and one.digest == two.digest
    manifest = json.loads(one.manifest)
    assert "created" not in one.config.decode() and "created" not in json.dumps(manifest["annotations"])
    assert manifest["layers"][0]["mediaType"] == "application/wasm"
    assert [d["annotations"]["org.opencontainers.image.title"] for d in manifest["layers"]] == [
        "component.wasm",
        "skill.yaml",
    ]
    assert json.loads(one.config)["layerDigests"] == [layer.digest for layer in layers()]


def test_read_manifest_keeps_skill_layers_and_refuses_lies():
    manifest = json.loads(build(layers(), imports=[], exports=[], annotations={}).manifest)
    manifest["layers"].append({"mediaType": "application/x-unknown", "digest": digest_of(b"?"), "size": 1})
    found, _ = read_manifest(json.dumps(manifest).encode(), "x")
    assert [layer.kind.name for layer in found] == ["component.wasm", "skill.yaml"]  # unknown: never downloaded
    for change, words in (
        ({"size": -1}, "announces -1 bytes"),
        ({"size": 1 << 40}, "announces"),
        ({"size": "4"}, "announces"),
        ({"digest": "sha256:nothex"}, "bad digest"),
    ):
        bad = json.loads(json.dumps(manifest))
        bad["layers"][0].update(change)
        with pytest.raises(IntegrityError, match=words):
            read_manifest(json.dumps(bad).encode(), "x")
    with pytest.raises(IntegrityError, match="image index"):
        read_manifest(b'{"manifests": []}', "x")
    with pytest.raises(IntegrityError, match="one application/wasm layer, found 0"):
        read_manifest(json.dumps({"layers": manifest["layers"][1:]}).encode(), "x")


def test_challenges_of_ghcr_docker_hub_and_basic():
    c = parse_challenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull"')
    assert c.scheme == "bearer" and c.params == {
        "realm": "https://ghcr.io/token",
        "service": "ghcr.io",
        "scope": "repository:a/b:pull",
    }
    assert parse_challenge('Basic realm="Registry Realm"').scheme == "basic"


def test_plain_http_only_for_loopback_or_a_registry_named_insecure():
    assert scheme_for("127.0.0.1:5000", frozenset()) == "http"
    assert scheme_for("localhost", frozenset()) == "http"
    assert scheme_for("[::1]:5000", frozenset()) == "http"
    assert scheme_for("registry.lan:5000", frozenset()) == "https"
    assert scheme_for("registry.lan:5000", frozenset({"registry.lan:5000"})) == "http"
    assert scheme_for("127.0.0.1.example.com", frozenset()) == "https"


class NoSecrets:
    def get(self, skill, instance, key):
        return None


def test_env_credentials_are_bound_to_the_skill_registry_host(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("SKILL_REGISTRY", "oci://ghcr.io/acme/skills")
    monkeypatch.setenv("SKILL_REGISTRY_USER", "ci")
    monkeypatch.setenv("SKILL_REGISTRY_PASSWORD", "hunter2")
    found = creds.lookup("ghcr.io", lambda: NoSecrets())
    assert found is not None and (found.username, found.password) == ("ci", "hunter2")
    assert creds.lookup("evil.example", lambda: NoSecrets()) is None
    assert "hunter2" not in repr(found) + str(found)
    monkeypatch.setenv("SKILL_REGISTRY_TOKEN", "tok")
    assert creds.lookup("ghcr.io", lambda: NoSecrets()).password == "tok"


def test_docker_config_auths_are_read_only_the_last_resort(monkeypatch, tmp_path):
    monkeypatch.delenv("SKILL_REGISTRY", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    auth = base64.b64encode(b"bob:pw").decode()
    config = {"auths": {"https://registry.lan:5000": {"auth": auth}, "other.io": {"username": "u", "password": "p"}}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    before = (tmp_path / "config.json").read_bytes()
    found = creds.lookup("registry.lan:5000", lambda: NoSecrets())
    assert found is not None and (found.username, found.password) == ("bob", "pw")
    assert creds.lookup("other.io", lambda: NoSecrets()).username == "u"
    assert creds.lookup("third.io", lambda: NoSecrets()) is None
    assert (tmp_path / "config.json").read_bytes() == before


def test_registry_host_accepts_what_people_type():
    assert creds.registry_host("oci://ghcr.io/acme/skills") == "ghcr.io"
    assert creds.registry_host("127.0.0.1:5000") == "127.0.0.1:5000"
    assert creds.registry_host("https://Registry.LAN:443") == "registry.lan"
    with pytest.raises(UsageError):
        creds.registry_host("user@host")


def test_layers_keep_the_old_order_first_so_a_component_skills_digest_does_not_move():
    from engine.distribution.oci.layout import ordered

    assert ordered(["references/a.md", "SKILL.md", "README.md", "skill.yaml", "component.wasm"]) == [
        "component.wasm",
        "skill.yaml",
        "SKILL.md",
        "README.md",
        "references/a.md",
    ]


def test_a_knowledge_artifact_has_an_empty_config_and_its_paths_are_checked():
    from engine.distribution.oci.layout import FILE, KNOWLEDGE_TYPE

    doc = Layer(FILES[1], digest_of(b"---"), 3)
    artifact = build([doc, Layer(FILE, digest_of(b"x"), 1, "references/x.md")], imports=[], exports=[], annotations={})
    manifest = json.loads(artifact.manifest)
    assert (manifest["artifactType"], artifact.config) == (KNOWLEDGE_TYPE, b"{}")
    found, _ = read_manifest(artifact.manifest, "x")
    assert [layer.path for layer in found] == ["SKILL.md", "references/x.md"]
    for title in ("../x", "a/../../x", "/x", "a//b", "./a", "a\\b", "component.wasm", ""):
        bad = json.loads(artifact.manifest)
        bad["layers"][1]["annotations"]["org.opencontainers.image.title"] = title
        with pytest.raises(IntegrityError, match="layer 1"):
            read_manifest(json.dumps(bad).encode(), "x")
