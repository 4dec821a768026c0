#!/usr/bin/env bash
# Set everything up (idempotent) and run the whole test suite, including the real
# jco-built example skills in real wasmtime. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Caches are keyed by content hash: share one between set-up and the tests.
export SKILL_ENGINE_CACHE="${SKILL_ENGINE_CACHE:-$PWD/.cache}"
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
