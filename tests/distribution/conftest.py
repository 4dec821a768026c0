"""Fixtures of the distribution tests: each kind of server in its own tests/fixtures module."""

from fixtures.git_server import git_server  # noqa: F401
from fixtures.oci_registry import basic_registry, registry, token_registry  # noqa: F401
from fixtures.static_server import static_server  # noqa: F401
