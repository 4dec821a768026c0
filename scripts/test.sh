#!/usr/bin/env bash
# Set everything up (idempotent) and run the whole test suite, including the real
# jco-built example skills in real wasmtime. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/check.sh
# The tests use the same content-hashed cache as set-up, start.sh and the `skill` command
# (each test has its own engine home; only the caches are shared).
SKILL_ENGINE_CACHE=$(.venv/bin/python -c 'from engine.home import Home; print(Home.from_env().cache)')
export SKILL_ENGINE_CACHE
exec .venv/bin/python -m pytest "$@"
