"""Fixtures of the distribution tests: each kind of server in its own tests/fixtures module."""

from fixtures.oci_registry import basic_registry, registry, token_registry  # noqa: F401
