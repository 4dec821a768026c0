"""The source grammar of `skill install`: each kind parsed, and bad specs refused in one line."""

from pathlib import Path

import pytest

from engine.distribution.sources import ArchiveSource, GitSource, OciSource, PathSource, parse_source
from engine.errors import UsageError

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("oci://127.0.0.1:5000/skills/textkit:1.0.0", OciSource("127.0.0.1:5000", "skills/textkit", "1.0.0")),
        (f"oci://ghcr.io/acme/textkit@{DIGEST}", OciSource("ghcr.io", "acme/textkit", None, DIGEST)),
        ("oci://ghcr.io/acme/textkit", OciSource("ghcr.io", "acme/textkit")),
        (
            "github:acme/skills@v1.2#tools/textkit",
            GitSource("https://github.com/acme/skills.git", "v1.2", "tools/textkit"),
        ),
        ("github:acme/skills", GitSource("https://github.com/acme/skills.git")),
        (
            "git+https://git.example/acme/skills.git@feature/x#subdirectory=textkit",
            GitSource("https://git.example/acme/skills.git", "feature/x", "textkit"),
        ),
        ("git+file:///srv/skills.git@v1", GitSource("file:///srv/skills.git", "v1")),
        ("git+ssh://git@host/acme/skills.git@main", GitSource("ssh://git@host/acme/skills.git", "main")),
        ("https://example.org/textkit-1.0.0.tar.gz", ArchiveSource("https://example.org/textkit-1.0.0.tar.gz")),
    ],
)
def test_each_kind_of_source(spec, expected):
    assert parse_source(spec) == expected


def test_a_name_comes_from_the_default_registry_and_a_folder_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    registry = "oci://127.0.0.1:5000/skills"
    assert parse_source("textkit@1.0.0", default_registry=registry) == OciSource(
        "127.0.0.1:5000", "skills/textkit", "1.0.0"
    )
    assert parse_source("textkit", default_registry=registry).tag == "latest"
    (tmp_path / "textkit").mkdir()
    assert parse_source("textkit", default_registry=registry) == PathSource(Path("textkit"))


def test_pinned_forms_are_what_the_lock_records():
    oci = parse_source("oci://127.0.0.1:5000/skills/textkit:1.0.0")
    assert oci.pinned(DIGEST).spec == f"oci://127.0.0.1:5000/skills/textkit@{DIGEST}"
    git = parse_source("github:acme/skills@v1#textkit")
    assert git.pinned("c" * 40) == f"git+https://github.com/acme/skills.git@{'c' * 40}#subdirectory=textkit"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("textkit", "set a registry with `skill registry set"),
        ("Not A Name", "is not a folder here, nor a skill name"),
        ("oci://ghcr.io/Acme/x:1", "lowercase repository"),
        ("oci://ghcr.io/acme/x@sha256:12", "is not a digest"),
        ("github:acme/skills#../../etc", "without '..'"),
        ("git+https://h/r.git#subdirectory=/abs", "without '..'"),
        ("git+https://h/r.git#egg=x", "unknown fragment"),
        ("https://example.org/page.html", "not a .tar.gz, .tgz or .zip URL"),
    ],
)
def test_bad_specs_are_one_line_that_says_what_to_write(spec, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace("`", "`")):
        parse_source(spec)


def test_a_bad_sha256_is_refused():
    with pytest.raises(UsageError, match="64-hex-digit sha256"):
        parse_source("https://example.org/x.zip", sha256="abc")
    assert parse_source("https://example.org/x.zip", sha256="AB" * 32).sha256 == "sha256:" + "ab" * 32
