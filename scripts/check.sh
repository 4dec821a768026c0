#!/usr/bin/env bash
# The guard rails: lint, format, types and import contracts. Zero findings, or a non-zero exit.
# scripts/test.sh runs this before the tests; run it alone for the fast loop.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Types: engine and skill_tui ([tool.mypy] in pyproject.toml)
.venv/bin/mypy
# Import contracts ([tool.importlinter] in pyproject.toml): headless engine, layers, the app on the public surface
.venv/bin/lint-imports --no-cache
